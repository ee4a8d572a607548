#!/usr/bin/env bash
# The Runs panel and the Compare panel with a large store (issue: "Speed and scale"):
#  1. a store of 1,000 runs (990 synthetic ones from the hidden `aelab runs populate`, finished,
#     with per-epoch curves but no weights, plus 10 small real autoencoder runs);
#  2. the Runs panel's frame times over FRAMES frames with that store (--frame-times: the UI
#     thread's CPU time per frame), printed as median / p95 / max;
#  3. the time the Compare panel takes to show images and latent maps of the 10 real runs (it puts
#     "images and latent maps of 10 runs in X s" on the status bar, which also goes to stderr).
# The figures are for a quiet machine; on a loaded one they only show that the script works.
#
# Usage: scripts/many_runs.sh [AELAB_BINARY] [FRAMES] [KEEP_DIR]
#   defaults: build/src/aelab, 300, a temporary folder (removed). Starts a private Xvfb when
#   DISPLAY is unset. The real runs train on mnist-10k (--limit 2000, 1 epoch each).
set -euo pipefail
aelab="$(realpath "${1:-build/src/aelab}")"
frames="${2:-300}"
keep="${3:-}"
work="${keep:-$(mktemp -d)}"
mkdir -p "$work"
xvfb_pid=""
cleanup() {
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null
  [ -z "$keep" ] && rm -rf "$work"
  return 0
}
trap cleanup EXIT
if [ -z "${DISPLAY:-}" ]; then
  for n in $(seq 90 99); do [ -e "/tmp/.X11-unix/X$n" ] || break; done
  Xvfb ":$n" -noreset -screen 0 1920x1080x24 -nolisten tcp >/dev/null 2>&1 &
  xvfb_pid=$!
  export DISPLAY=":$n"
  sleep 1
fi
db="$work/runs.sqlite"
cli() { "$aelab" --runs-db "$db" "$@"; }

if [ ! -s "$db" ]; then
  ids=()
  for i in $(seq 0 9); do
    latent=$((i % 2 == 0 ? 2 : 16))
    cli train ae --latent "$latent" --epochs 1 --limit 2000 --seed "$((i / 2))" --threads 1 \
      --json >/dev/null
  done
  cli runs populate 990 --epochs 10 >/dev/null
fi
total=$(cli runs list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
echo "store: $db ($total runs)"

stats() {  # CSV with a cpu_ms column -> "median p95 max" over the rows after the first 10
  python3 -c "
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))[10:]
ms = sorted(float(r['cpu_ms']) for r in rows)
if not ms: sys.exit('no frames')
q = lambda f: ms[min(len(ms) - 1, int(f * len(ms)))]
print(f'{len(ms)} frames: median {q(0.5):.2f} ms, p95 {q(0.95):.2f} ms, max {ms[-1]:.2f} ms')" "$1"
}

AELAB_CONFIG_DIR="$work/config" "$aelab" --runs-db "$db" --panel runs --frames "$frames" \
  --width 1920 --height 1080 --frame-times "$work/runs-frames.csv" 2>"$work/runs.log"
echo "Runs panel, $total runs, 1920x1080: $(stats "$work/runs-frames.csv")"

# The 10 real runs are the first 10 ids. The window runs as a person's does (no --frames: it
# sleeps between events instead of drawing as fast as it can).
AELAB_CONFIG_DIR="$work/config" "$aelab" --runs-db "$db" --panel compare \
  --compare 1,2,3,4,5,6,7,8,9,10 --width 1920 --height 1080 \
  2>"$work/compare.log" &
window=$!
for _ in $(seq 600); do
  grep -q "images and latent maps of" "$work/compare.log" && break
  grep -q "aelab: error:" "$work/compare.log" && break
  sleep 0.1
done
kill "$window" 2>/dev/null || true
wait "$window" 2>/dev/null || true
line=$(grep -m1 "images and latent maps of" "$work/compare.log" || true)
if [ -z "$line" ]; then
  echo "many_runs: the Compare panel did not finish (see $work/compare.log)" >&2
  cat "$work/compare.log" >&2
  exit 1
fi
echo "Compare of 10 runs: ${line#aelab: }"
