# Native tests, registered with ctest (included from CMakeLists.txt).
add_executable(test_core tests/test_core.c)
target_compile_options(test_core PRIVATE ${MM_FLAGS})
target_compile_definitions(test_core PRIVATE MM_DATA="${PROJECT_SOURCE_DIR}/data/names.txt")
target_link_libraries(test_core PRIVATE mmcore)
add_test(NAME core COMMAND test_core)

add_executable(test_kernels tests/test_kernels.c)
target_compile_options(test_kernels PRIVATE ${MM_FLAGS})
target_link_libraries(test_kernels PRIVATE mmcore)
add_test(NAME kernels COMMAND test_kernels)

# the sequence models (form conv and gated): finite differences, the conv form = the lecture's model, whole-word training
add_executable(test_seq tests/test_seq.c)
target_compile_options(test_seq PRIVATE ${MM_FLAGS})
target_compile_definitions(test_seq PRIVATE MM_DATA="${PROJECT_SOURCE_DIR}/data/names.txt")
target_link_libraries(test_seq PRIVATE mmcore)
add_test(NAME seq COMMAND test_seq)

# the fast engine's shared nodes (src/shared.c): row counts, against every node's pass and finite differences, threads
add_executable(test_shared tests/test_shared.c)
target_compile_options(test_shared PRIVATE ${MM_FLAGS})
target_link_libraries(test_shared PRIVATE mmcore)
add_test(NAME shared COMMAND test_shared)

# the settings' schema: the list, each field's limits (min-1 and max+1 refused, naming it), text and JSON forms
add_executable(test_schema tests/test_schema.c)
target_compile_options(test_schema PRIVATE ${MM_FLAGS})
target_link_libraries(test_schema PRIVATE mmcore)
add_test(NAME schema COMMAND test_schema)

# PyTorch reference test: tests/fixtures/README.md says how to regenerate the fixtures.
add_executable(mm_dump_inputs tests/dump_inputs.c)
target_compile_options(mm_dump_inputs PRIVATE ${MM_FLAGS})
target_link_libraries(mm_dump_inputs PRIVATE mmcore)
add_executable(test_torch tests/test_torch.c)
target_compile_options(test_torch PRIVATE ${MM_FLAGS})
target_compile_definitions(test_torch PRIVATE MM_FIXTURE_DIR="${PROJECT_SOURCE_DIR}/tests/fixtures")
target_link_libraries(test_torch PRIVATE mmcore)
add_test(NAME torch_reference COMMAND test_torch)
# the test must catch a 1e-3 error in one gradient and a swapped BatchNorm mode
add_test(NAME torch_reference_catches_grad_error COMMAND test_torch --perturb-grad)
add_test(NAME torch_reference_catches_bn_mode COMMAND test_torch --flip-bn)

# the CLI's contract: info prints the lecture's numbers as JSON
add_test(NAME cli_info COMMAND makemore info --preset wavenet76k --json)
set_tests_properties(cli_info PROPERTIES PASS_REGULAR_EXPRESSION "\"params\":76579,\"split\":\\[182473,22827,22846\\]")
add_test(NAME cli_bad_preset COMMAND makemore info --preset nope)
set_tests_properties(cli_bad_preset PROPERTIES WILL_FAIL TRUE)

# ================================================================ model files and checkpoints (issue 5)
# test_safetensors: round trip, exact resume, hostile files, PyTorch fixtures (tests/fixtures/st_*).
add_executable(test_safetensors tests/test_safetensors.c)
target_compile_options(test_safetensors PRIVATE ${MM_FLAGS})
target_compile_definitions(test_safetensors PRIVATE MM_DATA="${PROJECT_SOURCE_DIR}/data/names.txt"
                           MM_FIXTURE_DIR="${PROJECT_SOURCE_DIR}/tests/fixtures")
target_link_libraries(test_safetensors PRIVATE mmcore)
add_test(NAME safetensors COMMAND test_safetensors)
set_tests_properties(safetensors PROPERTIES TIMEOUT 600)

# model files written by an earlier build (tests/fixtures/main-2026-12-01-*) load and give bitwise its numbers
add_executable(test_old_files tests/test_old_files.c)
target_compile_options(test_old_files PRIVATE ${MM_FLAGS})
target_compile_definitions(test_old_files PRIVATE MM_DATA="${PROJECT_SOURCE_DIR}/data/names.txt"
                           MM_FIXTURE_DIR="${PROJECT_SOURCE_DIR}/tests/fixtures")
target_link_libraries(test_old_files PRIVATE mmcore)
add_test(NAME old_files COMMAND test_old_files)

# The libFuzzer targets (tests/fuzz_*.c): the model loader, the word-list parser and
# the checkpoint resume path. Here in replay mode (their main in tests/fuzz_replay.h)
# over their seed corpora plus deterministic mutations of them; with MM_LIBFUZZER=ON
# (clang) as libFuzzer programs on an instrumented core: bench/fuzz.sh builds and runs them.
option(MM_LIBFUZZER "Build the fuzz targets for libFuzzer (clang; see bench/fuzz.sh)" OFF)
if(MM_LIBFUZZER)
  target_compile_options(mmcore PRIVATE -fsanitize=fuzzer-no-link)
endif()
foreach(target load words resume)
  add_executable(fuzz_${target} tests/fuzz_${target}.c)
  target_compile_options(fuzz_${target} PRIVATE ${MM_FLAGS})
  target_link_libraries(fuzz_${target} PRIVATE mmcore)
  if(MM_LIBFUZZER)
    target_compile_definitions(fuzz_${target} PRIVATE MM_LIBFUZZER)
    target_compile_options(fuzz_${target} PRIVATE -fsanitize=fuzzer)
    target_link_options(fuzz_${target} PRIVATE -fsanitize=fuzzer)
  endif()
endforeach()
if(NOT MM_LIBFUZZER)
  add_test(NAME fuzz_load_replay COMMAND fuzz_load --mutate ${PROJECT_SOURCE_DIR}/tests/fixtures)
  add_test(NAME fuzz_words_replay COMMAND fuzz_words --mutate ${PROJECT_SOURCE_DIR}/tests/corpus/words)
  # the seeds must resume as they are (else the fuzzer would only meet refusals), then mutated
  add_test(NAME fuzz_resume_seeds COMMAND fuzz_resume --expect-ok ${PROJECT_SOURCE_DIR}/tests/corpus/resume)
  add_test(NAME fuzz_resume_replay COMMAND fuzz_resume --mutate ${PROJECT_SOURCE_DIR}/tests/corpus/resume)
  set_tests_properties(fuzz_load_replay fuzz_words_replay fuzz_resume_replay PROPERTIES TIMEOUT 600)
endif()

# the CLI reads a model file made by the lecture's PyTorch classes
add_test(NAME cli_sample_torch_file COMMAND makemore sample --model ${PROJECT_SOURCE_DIR}/tests/fixtures/st_torch_hier.safetensors
         --count 3 --seed 1 --json)
set_tests_properties(cli_sample_torch_file PROPERTIES PASS_REGULAR_EXPRESSION "^\\[\"[a-z]*\",\"[a-z]*\",\"[a-z]*\"\\]")
# ================================================================ end of model files and checkpoints

# ================================================================ the split the core keeps (issue 9)
# test_split: which word went where, against Python's random (tests/fixtures/split_names.json,
# written by tests/split_reference.py), and the word lookup against a sorted reference.
add_executable(test_split tests/test_split.c)
target_compile_options(test_split PRIVATE ${MM_FLAGS})
target_compile_definitions(test_split PRIVATE MM_DATA="${PROJECT_SOURCE_DIR}/data/names.txt"
                           MM_FIXTURE_DIR="${PROJECT_SOURCE_DIR}/tests/fixtures")
target_link_libraries(test_split PRIVATE mmcore)
add_test(NAME split COMMAND test_split)

# Layer lists beyond the configuration's Sequential: residual (Add) and fan-out graphs
# against finite differences, bad lists, a list equal to the configuration's model.
add_executable(test_layers tests/test_layers.c)
target_compile_options(test_layers PRIVATE ${MM_FLAGS})
target_include_directories(test_layers PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(test_layers PRIVATE mmcore)
add_test(NAME layers COMMAND test_layers)

# makemore.py's layers (RNNCell, GRUCell, LSTMCell, CausalBoW, the Embedding's context and position modes, torch's
# Linear) against finite differences on whole-word batches (1, 2, 16 positions, words of mixed lengths), both engines;
# a batch = its words alone; a context evaluated alone = its position inside its word (families rnn, bow, mlp)
add_executable(test_recurrent tests/test_recurrent.c)
target_compile_options(test_recurrent PRIVATE ${MM_FLAGS})
target_include_directories(test_recurrent PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(test_recurrent PRIVATE mmcore)
add_test(NAME recurrent COMMAND test_recurrent)

# the layer list (issue 11 item 4): kinds and output shapes as the lecture prints them, parameters per layer
add_executable(test_layer_list tests/test_layer_list.c)
target_compile_options(test_layer_list PRIVATE ${MM_FLAGS})
target_link_libraries(test_layer_list PRIVATE mmcore)
add_test(NAME layer_list COMMAND test_layer_list)

# the training diagnostics (src/stats.c): against PyTorch (tests/fixtures/stats-*.bin, tests/reference_stats.py),
# bitwise the same runs with and without them, the steps they land at; --biased: the test catches the biased std
add_executable(test_stats tests/test_stats.c)
target_compile_options(test_stats PRIVATE ${MM_FLAGS})
target_compile_definitions(test_stats PRIVATE MM_DATA="${PROJECT_SOURCE_DIR}/data/names.txt" MM_FIXTURE_DIR="${PROJECT_SOURCE_DIR}/tests/fixtures")
target_link_libraries(test_stats PRIVATE mmcore)
add_test(NAME stats COMMAND test_stats)
add_test(NAME stats_catches_biased_std COMMAND test_stats --biased)

# sampling that carries state: makemore.py's RNN, GRU, LSTM and BoW extend their rows a character at a time, with
# the same names as the full pass of the context (both engines, prefixes, greedy, names past the block)
add_executable(test_sample_state tests/test_sample_state.c)
target_compile_options(test_sample_state PRIVATE ${MM_FLAGS})
target_include_directories(test_sample_state PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_compile_definitions(test_sample_state PRIVATE MM_DATA="${PROJECT_SOURCE_DIR}/data/names.txt")
target_link_libraries(test_sample_state PRIVATE mmcore)
add_test(NAME sample_state COMMAND test_sample_state)

# the recurrent cells' diagnostics: gates saturated exactly where their biases say (GRU z r hbar, LSTM i f g o, RNN)
add_executable(test_cell_stats tests/test_cell_stats.c)
target_compile_options(test_cell_stats PRIVATE ${MM_FLAGS})
target_link_libraries(test_cell_stats PRIVATE mmcore)
add_test(NAME cell_stats COMMAND test_cell_stats)

# training makemore.py's models: batches of whole words, 1 and 2 threads bitwise, bad settings named
add_executable(test_zoo_train tests/test_zoo_train.c)
target_compile_options(test_zoo_train PRIVATE ${MM_FLAGS})
target_compile_definitions(test_zoo_train PRIVATE MM_DATA="${PROJECT_SOURCE_DIR}/data/names.txt")
target_link_libraries(test_zoo_train PRIVATE mmcore)
add_test(NAME zoo_train COMMAND test_zoo_train)
