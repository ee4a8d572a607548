#!/usr/bin/env bash
# Quick start, command 1: install what is missing, fetch the data, build (Release), open the lab.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_missing
configure_and_build "$AELAB_ROOT/build" -DCMAKE_BUILD_TYPE=Release -DAELAB_TESTS=OFF
fetch_mnist_10k "$AELAB_ROOT/build/src/aelab"
exec "$AELAB_ROOT/build/src/aelab" "$@"
