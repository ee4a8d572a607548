#version 330 core
// One point per latent code: position in data space, label 0..9 picks the palette colour.
layout(location = 0) in vec2 a_pos;
layout(location = 1) in float a_label;
uniform vec2 u_center;   // data point at the middle of the view
uniform vec2 u_scale;    // data units -> NDC
uniform float u_point_size;
uniform vec3 u_palette[10];
uniform int u_highlight; // index of the hovered point, -1 for none
out vec3 v_colour;
out float v_highlight;
void main() {
  gl_Position = vec4((a_pos - u_center) * u_scale, 0.0, 1.0);
  int label = clamp(int(a_label + 0.5), 0, 9);
  v_colour = u_palette[label];
  v_highlight = (gl_VertexID == u_highlight) ? 1.0 : 0.0;
  gl_PointSize = v_highlight > 0.5 ? u_point_size * 3.0 : u_point_size;
}
