#!/usr/bin/env bash
# The README's window screenshots, written by the program itself at 1280x720 under Xvfb, from a
# run store this script fills with the study's runs (about 3 minutes on 2 cores):
#   (a) the study MLP at L = 2 and L = 16 (50 epochs), the sigma 0.5 dis_net, the judge, and at
#   L = 16 the L1-only reference and a frozen (b) retraining of (a).
#
# Usage: scripts/screenshots.sh [AELAB_BINARY] [OUT_DIR] [STORE_DIR]
#   defaults: build/src/aelab, docs/screenshots, a temporary folder (kept when given, so a second
#   call reuses its runs).
set -euo pipefail
aelab="$(realpath "${1:-build/src/aelab}")"
out="$(realpath -m "${2:-docs/screenshots}")"
store="${3:-}"
[ -n "$store" ] || store="$(mktemp -d)"
mkdir -p "$out" "$store"
db="$store/runs.sqlite"
xvfb_pid=""
trap '[ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null' EXIT
if [ -z "${DISPLAY:-}" ]; then
  for n in $(seq 90 99); do [ -e "/tmp/.X11-unix/X$n" ] || break; done
  Xvfb ":$n" -noreset -screen 0 1920x1080x24 >/dev/null 2>&1 &
  xvfb_pid=$!
  export DISPLAY=":$n"
  sleep 1
fi
run() { "$aelab" --runs-db "$db" "$@"; }
id_of() {  # run name -> id (empty when there is none)
  run runs list --json | python3 -c "
import json, sys
for r in json.load(sys.stdin):
    if r['name'] == sys.argv[1] and r['status'] == 'finished': print(r['id'])" "$1"
}
ensure() {  # name, then the train arguments
  local name="$1"
  shift
  [ -n "$(id_of "$name")" ] || run train "$@" --name "$name" >/dev/null
  id_of "$name"
}
a2=$(ensure study-L2 ae --preset mlp --latent 2 --epochs 50)
a16=$(ensure study-L16 ae --preset mlp --latent 16 --epochs 50)
dis=$(ensure disnet-sigma0.5 disnet --sigma 0.5 --kernel 5)
judge=$(ensure judge classifier)
ref=$(ensure study-L16+10-l1 ae --preset mlp --latent 16 --epochs 10 --init-run "$a16")
b=$(ensure b-frozen-0.01 ae --preset mlp --latent 16 --epochs 10 --init-run "$a16" \
  --adversarial frozen --lambda 0.01 --disnet "$dis")
echo "runs: a2=$a2 a16=$a16 dis=$dis judge=$judge ref=$ref b=$b"

shot() {  # file, then window arguments
  local file="$1"
  shift
  AELAB_CONFIG_DIR="$store/config" "$aelab" --runs-db "$db" --width 1280 --height 720 \
    --screenshot "$out/$file" "$@" 2>>"$store/window.log"
  echo "wrote $out/$file"
}
shot playground.png --panel playground --frames 60
shot latent_explorer.png --panel latent_explorer --run "$a16" --frames 90
shot kmeans.png --panel kmeans --split latent_explorer --run "$a16" --frames 150
shot blur_disnet.png --panel blur_disnet --frames 90
shot runs.png --panel runs --frames 60
# The explorer following a run that trains in the window, beside its training curves.
shot explorer-training.png --panel training --split latent_explorer \
  --train "preset=mlp,latent=2,epochs=40,name=watch-me" --frames 1500
