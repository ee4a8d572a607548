#!/usr/bin/env bash
# The libFuzzer harnesses of tests/fuzz, built with clang (ASan + UBSan) in build-fuzz/.
#   bash scripts/fuzz.sh                 each harness to 1,000,000 executions (the default)
#   bash scripts/fuzz.sh --runs N        each to N executions
#   bash scripts/fuzz.sh --smoke SECS    each for SECS seconds (scripts/test.sh runs --smoke 20)
# Every run is under a malloc limit (-malloc_limit_mb: one allocation above it is a failure) and
# an RSS limit, and prints per harness: executions, seconds, peak RSS. A crash stops the script
# with the reproducer libFuzzer saved under build-fuzz/artifacts/.
# Without clang or the libFuzzer runtime (Debian's libclang-rt-14-dev) it says so and exits 0.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
runs=1000000
smoke=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --smoke) smoke="$2"; shift 2 ;;
    *) echo "usage: bash scripts/fuzz.sh [--runs N | --smoke SECONDS]" >&2; exit 2 ;;
  esac
done

if ! command -v clang++ >/dev/null || ! echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' |
    clang++ -x c++ -fsanitize=fuzzer - -o /dev/null 2>/dev/null; then
  echo "aelab fuzz: skipped: clang++ with libFuzzer is missing (apt-get install clang libclang-rt-14-dev)"
  exit 0
fi

build="$AELAB_ROOT/build-fuzz"
cmake -S "$AELAB_ROOT" -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAELAB_FUZZ=ON -DAELAB_TESTS=OFF -DAELAB_APP=OFF >/dev/null

# harness corpus max_len malloc_limit_mb seed_program (each built just before it runs, so the
# first harnesses start before the train library is compiled)
HARNESSES=(
  "idx idx 65536 256 aelab_fuzz_seeds"
  "npm npm 131072 512 aelab_fuzz_seeds"
  "tensor_blob blob 16384 256 aelab_fuzz_seeds"
  "stored_json json 8192 256 aelab_fuzz_json_seeds"
)
seeds="$build/seeds"
mkdir -p "$build/artifacts" "$seeds"
# oneDNN and libgomp are not built with ASan; their leaks at exit are not ours.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
printf '%-12s %12s %8s %10s\n' harness executions seconds peak_rss
for h in "${HARNESSES[@]}"; do
  read -r name corpus max_len malloc_mb seeder <<<"$h"
  cmake --build "$build" --parallel "$(nproc)" --target "fuzz_$name" "$seeder" >"$build/build-$name.log" 2>&1 ||
    { tail -30 "$build/build-$name.log" >&2; exit 1; }
  rm -rf "${seeds:?}/$corpus"
  "$build/tests/fuzz/$seeder" "$seeds"
  work="$build/corpus/$name"
  mkdir -p "$work"
  if [ -n "$smoke" ]; then limit=(-max_total_time="$smoke"); else limit=(-runs="$runs"); fi
  log="$build/fuzz-$name.log"
  start=$(date +%s)
  if ! "$build/tests/fuzz/fuzz_$name" "${limit[@]}" -max_len="$max_len" -malloc_limit_mb="$malloc_mb" \
      -rss_limit_mb=2048 -timeout=30 -print_final_stats=1 -artifact_prefix="$build/artifacts/$name-" \
      "$work" "$seeds/$corpus" >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "aelab fuzz: fuzz_$name FAILED (log: $log)" >&2
    exit 1
  fi
  secs=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  printf '%-12s %12s %8s %7s MB\n' "$name" "$execs" "$secs" "$rss"
done
