#!/usr/bin/env bash
# The crash test at full length: `aelab train ae` killed with SIGKILL 50 times (half of them inside
# a checkpoint's transaction), each time checked for PRAGMA integrity_check, damage to the runs
# finished before, "interrupted at epoch E" and a `train resume` to the weights of a run that was
# never killed. Prints the figures the README quotes:
#   crash test: 50 kills (25 inside a checkpoint write), 0 integrity errors, 0 damaged runs, ...
#   bash scripts/crash_test.sh [KILLS [SEED]]     (defaults 50 and 13)
# The suite runs the same test with 6 kills (ctest -R 'cli: crash').
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_missing
build="$AELAB_ROOT/build-test"
configure_and_build "$build" -DCMAKE_BUILD_TYPE=Release -DAELAB_TESTS=ON
fetch_mnist_10k "$build/src/aelab"
AELAB_CRASH_KILLS="${1:-50}" AELAB_CRASH_SEED="${2:-13}" \
  "$build/tests/test_cli" "crash: SIGKILL during training*"
