#!/usr/bin/env bash
# build.sh: the native Release build (build/) and both WebAssembly modules (build-wasm/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2
# the example model for web/example.html (wavenet22k, 20000 steps, ~10 s)
bash scripts/train-example-model.sh build/makemore
bash scripts/build-wasm.sh
