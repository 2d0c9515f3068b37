#!/usr/bin/env bash
# setup.sh: installs what the builds and tests need, only what is missing.
#   Debian packages: cmake, build-essential, emscripten, clang, chromium (apt-get),
#     and for the fast wasm module clang-19, lld-19, wasi-libc, libclang-rt-19-dev-wasm32
#   npm packages: node_modules from package-lock.json (npm ci)
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v cmake >/dev/null || need+=(cmake)
{ command -v cc >/dev/null && command -v make >/dev/null; } || need+=(build-essential)
command -v emcc >/dev/null || need+=(emscripten)
command -v clang >/dev/null || need+=(clang)
command -v chromium >/dev/null || need+=(chromium)
command -v clang-19 >/dev/null || need+=(clang-19)
command -v wasm-ld-19 >/dev/null || need+=(lld-19)
[ -f /usr/lib/wasm32-wasi/libc.a ] || need+=(wasi-libc)
[ -f /usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a ] || need+=(libclang-rt-19-dev-wasm32)
{ command -v node >/dev/null && command -v npm >/dev/null; } || need+=(nodejs npm)

if ((${#need[@]})); then
  echo "setup: installing ${need[*]}"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${need[@]}"
fi

if [ ! -d node_modules ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi
