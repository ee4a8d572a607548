#version 330 core
// A full-target quad from gl_VertexID (no vertex buffer): draw 4 vertices as a triangle strip.
out vec2 v_uv;
void main() {
  vec2 p = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1));
  v_uv = vec2(p.x, 1.0 - p.y);  // uv row 0 = first row of the data = top of the picture
  gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
