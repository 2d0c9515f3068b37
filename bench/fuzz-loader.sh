#!/usr/bin/env bash
# fuzz-loader.sh: the model-file loader's fuzzing, now one target of bench/fuzz.sh:
#   bash bench/fuzz-loader.sh [SECONDS]    (= bash bench/fuzz.sh load [SECONDS])
exec bash "$(dirname "$0")/fuzz.sh" load "${1:-60}"
