#version 330 core
// A float grid through a colormap. The stops come from widgets/colormap.cpp so the CPU copy
// (legend, PNG export, tests) and this shader agree. NaN cells get u_missing.
in vec2 v_uv;
out vec4 frag;
uniform sampler2D u_values;
uniform float u_min;
uniform float u_max;
uniform int u_log;  // 1: colour by log(1 + value - u_min)
uniform vec3 u_stops[10];
uniform int u_stop_count;
uniform vec3 u_missing;

vec3 colormap(float t) {
  t = clamp(t, 0.0, 1.0) * float(u_stop_count - 1);
  int i = min(int(floor(t)), u_stop_count - 2);
  return mix(u_stops[i], u_stops[i + 1], t - float(i));
}

void main() {
  float v = texture(u_values, v_uv).r;
  if (isnan(v)) {
    frag = vec4(u_missing, 1.0);
    return;
  }
  float t;
  if (u_log == 1)
    t = log(1.0 + max(v - u_min, 0.0)) / log(1.0 + max(u_max - u_min, 1e-12));
  else
    t = (v - u_min) / max(u_max - u_min, 1e-12);
  frag = vec4(colormap(t), 1.0);
}
