#!/usr/bin/env bash
# Quick start, command 2: install what is missing, build, run the whole test suite (ctest).
#   bash scripts/test.sh            Release build (assertions on), every test
#   bash scripts/test.sh --asan     Debug build with AddressSanitizer + UndefinedBehaviorSanitizer
#   bash scripts/test.sh --tsan     ThreadSanitizer build of the threaded tests only: the Job
#                                   state machine and publishing, the window's JobSlot / JobList
#                                   hand-off (test_threads), no suppressions
# The plain run ends with a ~20 s smoke of each libFuzzer harness (scripts/fuzz.sh --smoke 20;
# skipped with a message without clang/libFuzzer; AELAB_FUZZ_SMOKE=0 skips it).
# Further arguments go to ctest (e.g. -R nn: to run one layer's tests).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_missing
if [ "${1:-}" = "--tsan" ]; then
  shift
  build="$AELAB_ROOT/build-tsan"
  configure_and_build "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAELAB_TSAN=ON -DAELAB_TESTS=ON \
    -DAELAB_APP=OFF -- test_threads
  # No suppressions: every thread in test_threads runs aelab code.
  export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1 second_deadlock_stack=1}"
  # Run directly (Catch2 reports every case); further arguments are Catch2 test specs.
  "$build/tests/test_threads" "$@"
  echo "aelab tests: ThreadSanitizer clean"
  exit 0
fi
if [ "${1:-}" = "--asan" ]; then
  shift
  build="$AELAB_ROOT/build-asan"
  configure_and_build "$build" -DCMAKE_BUILD_TYPE=Debug -DAELAB_SANITIZE=ON -DAELAB_TESTS=ON
  # oneDNN's JIT and OpenMP runtime are not built with ASan; leaks inside them are not ours.
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
else
  build="$AELAB_ROOT/build-test"
  configure_and_build "$build" -DCMAKE_BUILD_TYPE=Release -DAELAB_TESTS=ON
fi
fetch_mnist_10k "$build/src/aelab"
cd "$build"
# GUI tests need a display: start a private Xvfb when there is none.
# Xvfb picks a free display number itself (-displayfd), so two test runs on one machine never
# share, or kill, each other's display. -noreset: an X server resets when its last client leaves,
# and a window opening during that reset fails ("Failed to open display"); between two window
# tests there are moments with no client (4 clients connecting at once: 11 of 400 failed without
# it, 0 with it).
if [ -z "${DISPLAY:-}" ] && command -v Xvfb >/dev/null; then
  displayfile="$(mktemp)"
  Xvfb -displayfd 3 -noreset -screen 0 1920x1080x24 -nolisten tcp 3>"$displayfile" >/dev/null 2>&1 &
  xvfb_pid=$!
  trap 'kill $xvfb_pid 2>/dev/null || true; rm -f "$displayfile"' EXIT
  for _ in $(seq 50); do [ -s "$displayfile" ] && break; sleep 0.1; done
  if [ -s "$displayfile" ]; then
    export DISPLAY=":$(head -1 "$displayfile")"
  else
    echo "aelab tests: Xvfb did not start; the window tests will be skipped" >&2
  fi
fi
ctest --output-on-failure --parallel "$(nproc)" "$@"
if [ $# -eq 0 ] && [ "${AELAB_FUZZ_SMOKE:-1}" != 0 ]; then
  bash "$AELAB_ROOT/scripts/fuzz.sh" --smoke 20
fi
