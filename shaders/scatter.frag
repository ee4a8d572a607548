#version 330 core
in vec3 v_colour;
in float v_highlight;
out vec4 frag;
uniform float u_alpha;
void main() {
  vec2 d = gl_PointCoord * 2.0 - 1.0;
  float r2 = dot(d, d);
  if (r2 > 1.0) discard;  // round points
  if (v_highlight > 0.5) {
    frag = vec4(r2 > 0.5 ? vec3(1.0) : v_colour, 1.0);
    return;
  }
  frag = vec4(v_colour, u_alpha);
}
