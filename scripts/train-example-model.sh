#!/usr/bin/env bash
# train-example-model.sh: web/models/names.safetensors, the model web/example.html
# shows: wavenet22k trained on data/names.txt for 20000 steps with the native CLI
# (about 10 s; lr 0.1, then 0.01 from step 15000). Deterministic: the same bytes
# on every run of the same build.
#   bash scripts/train-example-model.sh [path/to/makemore]   (default build/makemore)
set -euo pipefail
cd "$(dirname "$0")/.."
cli="${1:-build/makemore}"
[ -x "$cli" ] || { echo "train-example-model: no native CLI at $cli (build it first: cmake -S . -B build && cmake --build build)" >&2; exit 1; }
mkdir -p web/models
tmp="web/models/names.safetensors.tmp"
"$cli" train --preset wavenet22k --steps 20000 --decay-step 15000 --seed 42 --reproducible --threads 1 \
  --data data/names.txt --samples 5 --temperature 0.8 --save "$tmp"
mv "$tmp" web/models/names.safetensors
ls -l web/models/names.safetensors
