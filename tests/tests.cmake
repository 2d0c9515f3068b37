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
