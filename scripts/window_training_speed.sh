#!/usr/bin/env bash
# Does a run train as fast in the window as headless? The same autoencoder run, alternately
# headless (`aelab train ae`) and started in the real window (`aelab --train`, the latent explorer
# beside it following the run, the UI drawing as a person would see it: no scripted frames), ROUNDS
# times each. Prints each run's samples/s (as the trainer records it), the window/headless ratio
# of the medians, and the UI's frame times (CPU per frame) while the window trained.
#
# Usage: scripts/window_training_speed.sh [AELAB_BINARY] [ROUNDS] [EPOCHS] [SPEC_EXTRA]
#   defaults: build/src/aelab, 3, 8, "" (e.g. ",threads=1"). Starts a private Xvfb when DISPLAY
#   is unset. Needs xdotool.
set -euo pipefail
aelab="$(realpath "${1:-build/src/aelab}")"
rounds="${2:-3}"
epochs="${3:-8}"
extra="${4:-}"
work="$(mktemp -d)"
xvfb_pid=""
cleanup() {
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null
  [ -n "${KEEP_WORK:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
if [ -z "${DISPLAY:-}" ]; then
  for n in $(seq 90 99); do [ -e "/tmp/.X11-unix/X$n" ] || break; done
  Xvfb ":$n" -noreset -screen 0 1920x1080x24 >/dev/null 2>&1 &
  xvfb_pid=$!
  export DISPLAY=":$n"
  sleep 1
fi
db="$work/runs.sqlite"
spec="preset=mlp,latent=16,epochs=$epochs$extra"
flags=$(echo "$spec" | tr ',' '\n' | sed 's/^/--/; s/=/ /' | tr '\n' ' ')
speed_of() {  # run name -> samples/s once finished, else empty
  "$aelab" --runs-db "$db" runs list --json 2>/dev/null | python3 -c "
import json, sys
for r in json.load(sys.stdin):
    if r['name'] == sys.argv[1] and r['status'] == 'finished':
        print(r['result']['samples_per_s'])" "$1"
}
head_speeds=() win_speeds=()
# The hypervisor's steal (CPU time the VM wanted and did not get), in % of both cores, since the
# last call: a round with a lot of it measured the host, not aelab.
steal_mark=0 steal_t=0
steal_since() {
  local s now
  s=$(awk '/^cpu /{print $9}' /proc/stat)
  now=$(date +%s.%N)
  awk -v s="$s" -v s0="$steal_mark" -v t="$now" -v t0="$steal_t" -v hz="$(getconf CLK_TCK)" \
    -v n="$(nproc)" 'BEGIN{printf "%.0f", (t > t0) ? 100 * (s - s0) / hz / (t - t0) / n : 0}'
  steal_mark=$s steal_t=$now
}
run_headless() {
  steal_since >/dev/null
  # shellcheck disable=SC2086
  "$aelab" --runs-db "$db" train ae $flags --name "headless-$1" >/dev/null 2>&1
  head_speeds+=("$(speed_of "headless-$1")")
  head_steal="$(steal_since)"
}
run_window() {
  local i=$1
  steal_since >/dev/null
  AELAB_CONFIG_DIR="$work/config" "$aelab" --runs-db "$db" --panel training --split latent_explorer \
    --train "$spec,name=window-$i" --width 1280 --height 720 --frame-times "$work/frames-$i.csv" \
    --state-log "$work/state-$i.log" >/dev/null 2>"$work/window-$i.log" &
  local win=$!
  # Wait for the window's own word that its job has ended (a line of its --state-log), read with
  # bash builtins: asking the store (an aelab and a python3 process) every 0.25 s took about 40 % of
  # a core from the training it measures.
  local started=0 log
  for _ in $(seq 2400); do
    sleep 0.5
    kill -0 "$win" 2>/dev/null || break
    log="$(<"$work/state-$i.log")" 2>/dev/null || continue
    [[ $log == *'"jobs_running":true'* ]] && started=1
    [[ $started == 1 && ${log##*$'\n'} == *'"jobs_running":false'* ]] && break
  done
  win_steal="$(steal_since)"
  local s
  s="$(speed_of "window-$i")"
  win_speeds+=("${s:-0}")
  # Quit like a person (Ctrl+Q; nothing runs any more, so no dialog); else as a logout would
  # (SIGTERM: the window saves and exits 0, frame times written); else end it.
  local wid
  wid="$(xdotool search --pid "$win" 2>/dev/null | sed -n 1p || true)"
  [ -n "$wid" ] && xdotool key --window "$wid" ctrl+q 2>/dev/null || true
  for _ in $(seq 20); do kill -0 "$win" 2>/dev/null || break; sleep 0.25; done
  kill -TERM "$win" 2>/dev/null && echo "round $i: the window did not close on Ctrl+Q; sent SIGTERM" >&2
  for _ in $(seq 20); do kill -0 "$win" 2>/dev/null || break; sleep 0.25; done
  kill -KILL "$win" 2>/dev/null || true
  wait "$win" 2>/dev/null || true
}
# The order alternates (headless first in odd rounds, the window first in even ones): on a shared
# host the second of two back-to-back runs is often the slower one.
for i in $(seq "$rounds"); do
  if ((i % 2)); then run_headless "$i"; run_window "$i"; else run_window "$i"; run_headless "$i"; fi
  printf 'round %d: headless %.0f samples/s, window %.0f samples/s (steal %s %% / %s %%)\n' "$i" \
    "${head_speeds[-1]}" "${win_speeds[-1]}" "$head_steal" "$win_steal"
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
mh=$(median "${head_speeds[@]}")
mw=$(median "${win_speeds[@]}")
# Each window run against the headless run just before it: the machine's speed drifts (shared
# host) by more than the effect measured, and a pair sees the same drift.
ratios=()
for k in "${!win_speeds[@]}"; do ratios+=("$(awk -v a="${win_speeds[$k]}" -v b="${head_speeds[$k]}" 'BEGIN{print (b > 0) ? a / b : 0}')"); done
mr=$(median "${ratios[@]}")
# The first 10 frames of each window build its panels and load the run list: not steady state.
for f in "$work"/frames-*.csv; do [ -f "$f" ] && tail -n +12 "$f"; done | cut -d, -f2 | sort -g >"$work/sorted"
n=$(wc -l <"$work/sorted")
pick() { awk -v q="$1" -v n="$n" 'NR == int(q * (n - 1)) + 1 {print; exit}' "$work/sorted"; }
printf 'median: headless %.0f, window %.0f samples/s: window/headless %.2f; median of the %d paired ratios %.2f (target >= 0.85)\n' \
  "$mh" "$mw" "$(awk -v a="$mw" -v b="$mh" 'BEGIN{print (b > 0) ? a / b : 0}')" "${#ratios[@]}" "$mr"
printf 'UI frames while the window trained (after its first 10): %d frames, p50 %.2f ms, p95 %.2f ms (target p95 <= 10 ms)\n' \
  "$n" "$(pick 0.5)" "$(pick 0.95)"
