#!/usr/bin/env bash
# setup.sh: installs what the builds and tests need, only what is missing.
#   Debian packages: cmake, build-essential, emscripten, clang, chromium (apt-get),
#     and for the fast wasm module clang-19, lld-19, wasi-libc, libclang-rt-19-dev-wasm32,
#     and for the tests in more engines (tests/browser/engines.mjs) firefox-esr, webkit2gtk-driver
#     (WebKitWebDriver; MiniBrowser comes with its dependency libwebkit2gtk-4.1-0), xvfb and xauth
#     (xvfb-run). No en_US.UTF-8 locale is needed: WebKit takes navigator.language from LANG itself.
#   npm packages: node_modules from package-lock.json (npm ci), puppeteer-core among them
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v cmake >/dev/null || need+=(cmake)
{ command -v cc >/dev/null && command -v make >/dev/null; } || need+=(build-essential)
command -v emcc >/dev/null || need+=(emscripten)
command -v clang >/dev/null || need+=(clang)
command -v chromium >/dev/null || need+=(chromium)
command -v firefox-esr >/dev/null || need+=(firefox-esr)
command -v WebKitWebDriver >/dev/null || need+=(webkit2gtk-driver)
command -v xvfb-run >/dev/null || need+=(xvfb)
command -v xauth >/dev/null || need+=(xauth)
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

# also when package-lock.json changed since the last install (npm keeps its copy in node_modules/.package-lock.json)
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi
