#!/usr/bin/env bash
# Quick start, command 2: install what is missing, build, run the whole test suite (ctest).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_missing
build="$AELAB_ROOT/build-test"
configure_and_build "$build" -DCMAKE_BUILD_TYPE=Release -DAELAB_TESTS=ON
fetch_mnist_10k "$build/src/aelab"
cd "$build"
# GUI tests need a display: start a private Xvfb when there is none.
if [ -z "${DISPLAY:-}" ] && command -v Xvfb >/dev/null; then
  Xvfb :97 -screen 0 1600x1000x24 -nolisten tcp >/dev/null 2>&1 &
  xvfb_pid=$!
  trap 'kill $xvfb_pid 2>/dev/null || true' EXIT
  export DISPLAY=:97
  sleep 1
fi
ctest --output-on-failure --parallel "$(nproc)" "$@"
