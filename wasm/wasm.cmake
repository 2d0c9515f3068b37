# wasm.cmake: the WebAssembly build, included by CMakeLists.txt under Emscripten.
#
#   emcmake cmake -S . -B build-wasm && cmake --build build-wasm
#
# Builds two standalone modules (no JS glue, no filesystem, growable memory)
# from the same core sources plus wasm/exports.c, the flat C ABI that
# wasm/makemore.mjs calls:
#   build-wasm/makemore-simd.wasm    -msimd128, with src/kernels/kernels_simd.c and
#                                    kernels_simd_fast.c (strict SIMD's fast engine)
#   build-wasm/makemore-scalar.wasm  plain wasm, scalar kernels only
# Both use -ffp-contract=off (from MM_FLAGS): their reproducible engines give bitwise the same numbers.
# Functions are exported by MMW_EXPORT (EMSCRIPTEN_KEEPALIVE) in exports.c.

set(MM_WASM_LINK_FLAGS
  --no-entry                 # a reactor: JS calls _initialize, then the exports
  -sSTANDALONE_WASM=1
  -sFILESYSTEM=0
  # (no -sEXIT_RUNTIME: a reactor never exits the runtime; emcc rejects setting it)
  -sALLOW_MEMORY_GROWTH=1
  -sINITIAL_MEMORY=16777216
  -sMAXIMUM_MEMORY=2147483648
  -sERROR_ON_UNDEFINED_SYMBOLS=1
)
if(CMAKE_BUILD_TYPE STREQUAL "Release")
  list(APPEND MM_WASM_LINK_FLAGS -O3)
endif()

# One module: target name NAME, output ${CMAKE_BINARY_DIR}/NAME.wasm.
function(mm_add_wasm_module NAME)
  cmake_parse_arguments(ARG "" "" "SOURCES;FLAGS" ${ARGN})
  add_executable(${NAME} ${ARG_SOURCES} wasm/exports.c)
  target_include_directories(${NAME} PRIVATE src)
  target_compile_options(${NAME} PRIVATE ${MM_FLAGS} ${ARG_FLAGS})
  target_link_options(${NAME} PRIVATE ${MM_WASM_LINK_FLAGS} ${ARG_FLAGS})
  set_target_properties(${NAME} PROPERTIES
    SUFFIX ".wasm"
    RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}")
endfunction()

mm_add_wasm_module(makemore-scalar SOURCES ${MM_CORE_SOURCES})
mm_add_wasm_module(makemore-simd SOURCES ${MM_CORE_SOURCES} src/kernels/kernels_simd.c src/kernels/kernels_simd_fast.c FLAGS -msimd128)

# The Node tests of the JS API, so `ctest` in the wasm build runs them too
# (npm test runs them directly with `node --test tests/`).
if(MM_BUILD_TESTS)
  find_program(MM_NODE node)
  if(MM_NODE)
    enable_testing()
    add_test(NAME wasm_js_api
             COMMAND ${MM_NODE} --test ${CMAKE_SOURCE_DIR}/tests/wasm.test.mjs
             WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
    set_tests_properties(wasm_js_api PROPERTIES
      ENVIRONMENT "MM_WASM_DIR=${CMAKE_BINARY_DIR}" TIMEOUT 900)
  endif()
endif()

# The kernel test and bench as standalone wasm programs with main(), run by
# wasm/run_wasi.mjs: every SIMD kernel against its scalar twin, bitwise.
function(mm_add_wasm_program NAME SRC)
  add_executable(${NAME} ${SRC} src/kernels/kernels_scalar.c src/kernels/kernels_simd.c src/kernels/kernels_simd_fast.c src/base/mathf.c)
  target_include_directories(${NAME} PRIVATE src)
  target_compile_options(${NAME} PRIVATE ${MM_FLAGS} -msimd128)
  target_link_options(${NAME} PRIVATE -sSTANDALONE_WASM=1 -sALLOW_MEMORY_GROWTH=1 -msimd128 -O3)
  set_target_properties(${NAME} PROPERTIES SUFFIX ".wasm" RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}")
endfunction()
mm_add_wasm_program(test_kernels_simd tests/test_kernels.c)
mm_add_wasm_program(kernels_bench_simd bench/kernels_bench.c)
