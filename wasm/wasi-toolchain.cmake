# wasi-toolchain.cmake: Debian's clang-19 and wasm-ld-19 for wasm32, with wasi-libc.
#   cmake -S . -B build-wasm-fast -DCMAKE_TOOLCHAIN_FILE=wasm/wasi-toolchain.cmake
# (apt-get install clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32). See wasm/fast.cmake.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR wasm32)
set(CMAKE_C_COMPILER clang-19)
set(CMAKE_C_COMPILER_TARGET wasm32-wasi)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(MM_WASI ON)
# Link with wasm-ld directly: the clang driver would run the wasm-opt on PATH
# (emscripten's binaryen 108 rejects relaxed SIMD).
find_program(MM_WASM_LD NAMES wasm-ld-19 REQUIRED)
set(MM_WASI_LIB /usr/lib/wasm32-wasi)
set(MM_WASI_RT /usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a)
set(CMAKE_C_LINK_EXECUTABLE "${MM_WASM_LD} <LINK_FLAGS> <OBJECTS> -o <TARGET> <LINK_LIBRARIES>")
