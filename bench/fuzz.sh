#!/usr/bin/env bash
# fuzz.sh: libFuzzer (clang, AddressSanitizer + UBSan) on one of the core's fuzz
# targets for a bounded time, seeded with its committed corpus:
#   bash bench/fuzz.sh TARGET [SECONDS]      TARGET: load | words | resume; SECONDS default 60
#     load    the model-file loader (tests/fuzz_load.c; seeds tests/fixtures/st_*.safetensors)
#     words   the word-list parser and the split (tests/fuzz_words.c; seeds tests/corpus/words/)
#     resume  resuming from a checkpoint with its word list (tests/fuzz_resume.c; seeds tests/corpus/resume/)
# The targets and the core are built by CMake (MM_LIBFUZZER=ON, MM_SANITIZE=ON), so the
# core's source list is CMakeLists.txt's. Build and working corpus in $MM_FUZZ_BUILD
# (default build-fuzz/); a crash is written there as TARGET-crash-* and the script exits
# non-zero: copy the input into the target's corpus as a regression seed (ctest replays it).
# Needs clang and its libFuzzer runtime (Debian: apt-get install clang libclang-rt-14-dev).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:-}"
secs="${2:-60}"
case "$target" in
  load) seeds=(tests/fixtures/st_*.safetensors); extra=(-dict=tests/fixtures/st_fuzz.dict) ;;
  words) seeds=(tests/corpus/words/*.txt); extra=() ;;
  resume) seeds=(tests/corpus/resume/*.safetensors); extra=(-dict=tests/fixtures/st_fuzz.dict) ;;
  *) echo "usage: bash bench/fuzz.sh load|words|resume [SECONDS]" >&2; exit 2 ;;
esac
[[ "$secs" =~ ^[0-9]+$ ]] || { echo "fuzz: SECONDS must be a whole number, not '$secs'" >&2; exit 2; }
cc="${CC:-clang}"
command -v "$cc" >/dev/null || { echo "fuzz: needs clang (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }
rt="$("$cc" -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null || true)"
[ -f "$rt" ] || { echo "fuzz: clang's libFuzzer runtime is missing (apt-get install libclang-rt-14-dev)" >&2; exit 2; }
build="${MM_FUZZ_BUILD:-build-fuzz}"
cmake -S . -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS=-g \
  -DMM_SANITIZE=ON -DMM_LIBFUZZER=ON >/dev/null
cmake --build "$build" --target "fuzz_$target" -j2 >/dev/null
corpus="$build/corpus-$target" # libFuzzer adds what it finds here, not to the committed seeds
mkdir -p "$corpus"
cp "${seeds[@]}" "$corpus/"
"$build/fuzz_$target" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 \
  "${extra[@]}" -artifact_prefix="$build/$target-" "$corpus"
