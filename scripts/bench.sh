#!/usr/bin/env bash
# aelab against the programs users would pick instead, measured in one invocation on the same data
# and the same codes: installs the references (Debian packages), builds aelab (Release), then runs
# bench/run_bench.py, which prints one table of ratios and writes it as JSON and Markdown.
#
#   bash scripts/bench.sh [--out DIR] [--quick] [--full] [--dataset fashion]
#     --out DIR   where results.json / results.md and the maps go (default bench/results)
#     --quick     short runs: checks that everything works, figures are not for the README
#     --full      also run the references' t-SNE / UMAP on all 70,000 codes (many minutes)
# Speed figures are only worth keeping from a quiet machine.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# The references, from Debian. libopenblas0-pthread makes libblas.so.3 OpenBLAS (PyTorch, NumPy and
# R link the generic name; without it they run the reference BLAS).
BENCH_APT_PACKAGES=(
  python3-torch python3-sklearn python3-threadpoolctl python3-numpy umap-learn
  r-cran-rtsne r-base-core libopenblas0-pthread
)

install_missing
missing=()
for p in "${BENCH_APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "aelab bench: installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
fi

configure_and_build "$AELAB_ROOT/build" -DCMAKE_BUILD_TYPE=Release
# Debian's python3 (the references are Debian packages), not another python3 first on PATH.
exec /usr/bin/python3 "$AELAB_ROOT/bench/run_bench.py" --aelab "$AELAB_ROOT/build/src/aelab" "$@"
