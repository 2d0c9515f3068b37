#!/usr/bin/env bash
# test.sh (npm test): setup, then every build and its tests.
#   build/       native Release: ctest
#   build-asan/  native with AddressSanitizer + UBSan: ctest
#   build-wasm/  both WebAssembly modules
#   npm run typecheck  tsc --noEmit over the JS (strict JSDoc types)
#   node --experimental-wasm-relaxed-simd --test tests/   the JS API on every module, the page, the CLIs, the package
#     (the fast module needs relaxed SIMD, behind a flag in Node 20, passed on to every test file)
set -euo pipefail
cd "$(dirname "$0")/.."

t_start=$SECONDS
phase() { echo; echo "==== $* ($((SECONDS - t_start)) s)"; }

phase setup
bash scripts/setup.sh

phase "native Release build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2
phase "native ctest"
ctest --test-dir build --output-on-failure --no-tests=error

phase "native ASan/UBSan build"
cmake -S . -B build-asan -DMM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Release
cmake --build build-asan -j2
phase "ASan/UBSan ctest"
ctest --test-dir build-asan --output-on-failure --no-tests=error

phase "wasm build"
bash scripts/build-wasm.sh

phase "example model (web/models/names.safetensors)"
bash scripts/train-example-model.sh build/makemore

phase "typecheck (tsc over the JS: tsconfig.json, tsconfig.worker.json)"
npm run --silent typecheck

phase "node tests"
# the fast module needs relaxed SIMD, behind a flag in Node 20 (passed on to every test file)
node --experimental-wasm-relaxed-simd --test tests/

phase "all passed"
