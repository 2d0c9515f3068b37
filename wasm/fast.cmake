# fast.cmake: the threaded WebAssembly modules, built with clang-19 (wasm/wasi-toolchain.cmake),
# included by CMakeLists.txt. Emscripten 3.1.6 cannot emit the final relaxed-SIMD opcodes.
#
#   makemore-relaxed.wasm       relaxed SIMD (fused multiply-add matmuls: the fast engine)
#                               and threads: it imports a shared memory, and helper
#                               instances of it in Workers run the pool's tasks
#                               (src/kernels/pool.c; wasm/makemore.mjs starts them). It also
#                               has the reference SIMD kernels (the reproducible engine).
#   makemore-simd-threads.wasm  the same without a relaxed op (engines that refuse them:
#                               Safari): strict SIMD's fast engine (kernels_simd_fast.c:
#                               the fast passes, multiply then add) and threads
#   test_kernels_relaxed.wasm, kernels_bench_relaxed.wasm   WASI programs (wasm/run_wasi.mjs)
#
# wasi-libc is built without atomics, hence --no-check-features: only the caller's
# thread uses libc (malloc included); helpers run kernels on memory it allocated,
# each on its own stack (__stack_pointer is exported so the loader can set it).
set(MM_WASM_OUT "${CMAKE_SOURCE_DIR}/build-wasm" CACHE PATH "where the .wasm modules go")
set(MM_THREADS_FLAGS ${MM_FLAGS} -msimd128 -matomics -mbulk-memory -fvisibility=hidden)
set(MM_THREADS_LINK
  ${MM_WASI_LIB}/crt1-reactor.o
  --no-entry --export-dynamic --export=_initialize --export=__stack_pointer
  --shared-memory --import-memory --initial-memory=16777216 --max-memory=2147483648
  -z stack-size=1048576 --no-check-features --gc-sections -O2 --strip-debug)

# One threaded module: target NAME (build-wasm/NAME.wasm), its kernel sources and extra flags.
function(mm_add_threads_module NAME)
  cmake_parse_arguments(ARG "" "" "SOURCES;FLAGS" ${ARGN})
  add_executable(${NAME} ${MM_CORE_SOURCES} ${ARG_SOURCES} wasm/exports.c)
  target_include_directories(${NAME} PRIVATE src)
  target_compile_options(${NAME} PRIVATE ${MM_THREADS_FLAGS} ${ARG_FLAGS})
  target_link_options(${NAME} PRIVATE ${MM_THREADS_LINK})
  target_link_libraries(${NAME} PRIVATE -L${MM_WASI_LIB} -lc ${MM_WASI_RT})
  set_target_properties(${NAME} PROPERTIES SUFFIX ".wasm" RUNTIME_OUTPUT_DIRECTORY "${MM_WASM_OUT}")
endfunction()
mm_add_threads_module(makemore-relaxed SOURCES src/kernels/kernels_simd.c src/kernels/kernels_relaxed.c FLAGS -mrelaxed-simd)
mm_add_threads_module(makemore-simd-threads SOURCES src/kernels/kernels_simd.c src/kernels/kernels_simd_fast.c)

# Programs with main(): the kernel test and bench (no threads, their own memory).
function(mm_add_relaxed_program NAME SRC)
  add_executable(${NAME} ${SRC} src/kernels/kernels_scalar.c src/kernels/kernels_simd.c src/kernels/kernels_relaxed.c src/base/mathf.c)
  target_include_directories(${NAME} PRIVATE src)
  target_compile_options(${NAME} PRIVATE ${MM_FLAGS} -msimd128 -mrelaxed-simd)
  target_link_options(${NAME} PRIVATE ${MM_WASI_LIB}/crt1-command.o -z stack-size=1048576 --initial-memory=67108864 --max-memory=1073741824 -O2)
  target_link_libraries(${NAME} PRIVATE -L${MM_WASI_LIB} -lc ${MM_WASI_RT})
  set_target_properties(${NAME} PROPERTIES SUFFIX ".wasm" RUNTIME_OUTPUT_DIRECTORY "${MM_WASM_OUT}")
endfunction()
mm_add_relaxed_program(test_kernels_relaxed tests/test_kernels.c)
mm_add_relaxed_program(kernels_bench_relaxed bench/kernels_bench.c)
