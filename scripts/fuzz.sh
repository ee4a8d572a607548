#!/usr/bin/env bash
# The libFuzzer harnesses of tests/fuzz, built with clang (ASan + UBSan) in build-fuzz/.
#   bash scripts/fuzz.sh                 each harness to 1,000,000 executions (the default)
#   bash scripts/fuzz.sh --runs N        each to N executions
#   bash scripts/fuzz.sh --smoke SECS    each for SECS seconds (scripts/test.sh runs --smoke 20)
#   --parallel                           all harnesses at once (one core each)
#   --only "idx npm"                     just these harnesses (idx npm tensor_blob stored_json)
# Every run is under a malloc limit (-malloc_limit_mb: one allocation above it is a failure) and
# an RSS limit, and prints per harness: executions, seconds, peak RSS. A crash stops the script
# with the reproducer libFuzzer saved under build-fuzz/artifacts/.
# Without clang or the libFuzzer runtime (Debian's libclang-rt-14-dev) it says so and exits 0.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
runs=1000000
smoke=""
parallel=0
only="idx npm tensor_blob stored_json"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --smoke) smoke="$2"; shift 2 ;;
    --parallel) parallel=1; shift ;;
    --only) only="$2"; shift 2 ;;
    *) echo "usage: bash scripts/fuzz.sh [--runs N | --smoke SECONDS] [--parallel] [--only \"NAMES\"]" >&2; exit 2 ;;
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

seeds="$build/seeds"
mkdir -p "$build/artifacts" "$seeds"
targets=()
for name in $only; do targets+=("fuzz_$name"); done
targets+=(aelab_fuzz_seeds)
case " $only " in *" stored_json "*) targets+=(aelab_fuzz_json_seeds) ;; esac
cmake --build "$build" --parallel "$(nproc)" --target "${targets[@]}" >"$build/build.log" 2>&1 ||
  { tail -30 "$build/build.log" >&2; exit 1; }
"$build/tests/fuzz/aelab_fuzz_seeds" "$seeds"
[ ! -x "$build/tests/fuzz/aelab_fuzz_json_seeds" ] || "$build/tests/fuzz/aelab_fuzz_json_seeds" "$seeds"
# oneDNN and libgomp are not built with ASan; their leaks at exit are not ours.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

# run_one NAME CORPUS MAX_LEN MALLOC_MB: one harness; its table row, or its log's tail on failure.
run_one() {
  local name="$1" corpus="$2" max_len="$3" malloc_mb="$4"
  local work="$build/corpus/$name" log="$build/fuzz-$name.log" limit start secs execs rss
  mkdir -p "$work"
  if [ -n "$smoke" ]; then limit=-max_total_time="$smoke"; else limit=-runs="$runs"; fi
  start=$(date +%s)
  if ! "$build/tests/fuzz/fuzz_$name" "$limit" -max_len="$max_len" -malloc_limit_mb="$malloc_mb" \
      -rss_limit_mb=2048 -timeout=30 -print_final_stats=1 -artifact_prefix="$build/artifacts/$name-" \
      "$work" "$seeds/$corpus" >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "aelab fuzz: fuzz_$name FAILED (log: $log, reproducer under $build/artifacts/)" >&2
    return 1
  fi
  secs=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  printf '%-12s %12s %8s %7s MB\n' "$name" "$execs" "$secs" "$rss"
}

# harness corpus max_len malloc_limit_mb
HARNESSES=(
  "idx idx 8192 256"
  "npm npm 32768 512"
  "tensor_blob blob 4096 256"
  "stored_json json 4096 256"
)
printf '%-12s %12s %8s %10s\n' harness executions seconds peak_rss
failed=0
pids=()
for h in "${HARNESSES[@]}"; do
  read -r name corpus max_len malloc_mb <<<"$h"
  case " $only " in *" $name "*) ;; *) continue ;; esac
  if [ "$parallel" = 1 ]; then
    run_one "$name" "$corpus" "$max_len" "$malloc_mb" &
    pids+=($!)
  else
    run_one "$name" "$corpus" "$max_len" "$malloc_mb" || failed=1
  fi
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
exit "$failed"
