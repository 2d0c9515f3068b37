#!/usr/bin/env bash
# build-wasm.sh: the WebAssembly modules in build-wasm/:
#   makemore-simd.wasm, makemore-scalar.wasm   emscripten (wasm/wasm.cmake), in build-wasm/
#   makemore-relaxed.wasm (relaxed SIMD, threads), makemore-simd-threads.wasm (strict SIMD, threads)
#                                              clang-19 (wasm/fast.cmake), built in build-wasm-fast/
set -euo pipefail
cd "$(dirname "$0")/.."
# Emscripten's JS optimizer (used when it emits JS glue) needs Debian's node modules.
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
emcmake cmake -S . -B build-wasm -DCMAKE_BUILD_TYPE=Release
cmake --build build-wasm -j2
cmake -S . -B build-wasm-fast -DCMAKE_TOOLCHAIN_FILE=wasm/wasi-toolchain.cmake -DCMAKE_BUILD_TYPE=Release
cmake --build build-wasm-fast -j2
ls -l build-wasm/makemore-simd.wasm build-wasm/makemore-scalar.wasm build-wasm/makemore-relaxed.wasm build-wasm/makemore-simd-threads.wasm
