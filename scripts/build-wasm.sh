#!/usr/bin/env bash
# build-wasm.sh: build-wasm/makemore-simd.wasm and build-wasm/makemore-scalar.wasm (see wasm/wasm.cmake).
set -euo pipefail
cd "$(dirname "$0")/.."
# Emscripten's JS optimizer (used when it emits JS glue) needs Debian's node modules.
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
emcmake cmake -S . -B build-wasm -DCMAKE_BUILD_TYPE=Release
cmake --build build-wasm -j2
ls -l build-wasm/makemore-simd.wasm build-wasm/makemore-scalar.wasm
