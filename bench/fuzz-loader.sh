#!/usr/bin/env bash
# fuzz-loader.sh: libFuzzer (clang, ASan + UBSan) on the model-file loader for a
# bounded time (default 60 s), seeded with the committed safetensors fixtures.
#   bash bench/fuzz-loader.sh [SECONDS]
# Needs clang and its runtime (Debian: clang, libclang-rt-14-dev). Exits non-zero on a crash.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
command -v clang >/dev/null || { echo "fuzz-loader: needs clang (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }
mkdir -p build/fuzz-corpus
cp tests/fixtures/st_*.safetensors build/fuzz-corpus/
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -ffp-contract=off -Isrc -DMM_LIBFUZZER \
  tests/fuzz_load.c src/io.c src/model.c src/train.c src/data.c src/mathf.c src/kernels_scalar.c -lm -o build/fuzz_load_lf
build/fuzz_load_lf -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 \
  -dict=tests/fixtures/st_fuzz.dict -artifact_prefix=build/ build/fuzz-corpus
