// mathf.c: exp, log and tanh from IEEE + - * / and bit operations only.
// libm differs between glibc (native) and musl (Emscripten) in the last bit;
// these do not, so every build of the core gives bitwise the same numbers.
// The SIMD kernels (kernels_simd.c) repeat these operations lane by lane.
// Algorithms after Cephes (expf, logf, tanhf); error about 1-2 ulp.
#include <stdint.h>
#include <string.h>
#include "makemore.h"
#include "base/mathf_inline.h"

static uint32_t float_to_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

// exp(x). Inputs below -87 give 0, above 88 are clamped to 88 (about 1.65e38).
float mm_expf(float x) {
    if (x != x) return x;
    if (x < -87.0f) return 0.0f;
    if (x > 88.0f) x = 88.0f;
    return mm_exp_core(x);
}

// log(x) for x > 0 (0 gives -inf, negative or NaN gives NaN).
float mm_logf(float x) {
    if (x != x || x < 0.0f) return 0.0f / 0.0f;
    if (x == 0.0f) return -1.0f / 0.0f;
    if (x == 1.0f / 0.0f) return x;
    uint32_t u = float_to_bits(x);
    int e;
    if ((u >> 23) == 0) { // subnormal: scale up by 2^23
        x *= 8388608.0f;
        u = float_to_bits(x);
        e = (int)(u >> 23) - 126 - 23;
    } else {
        e = (int)(u >> 23) - 126;
    }
    // mantissa m in [0.5, 1)
    float m = bits_to_float((u & 0x007fffffu) | 0x3f000000u);
    if (m < 0.707106781186547524f) { e -= 1; m = m + m - 1.0f; } else { m = m - 1.0f; }
    float z = m * m;
    float y = 7.0376836292e-2f;
    y = y * m - 1.1514610310e-1f;
    y = y * m + 1.1676998740e-1f;
    y = y * m - 1.2420140846e-1f;
    y = y * m + 1.4249322787e-1f;
    y = y * m - 1.6668057665e-1f;
    y = y * m + 2.0000714765e-1f;
    y = y * m - 2.4999993993e-1f;
    y = y * m + 3.3333331174e-1f;
    y = y * m * z;
    float fe = (float)e;
    y += -2.12194440e-4f * fe;
    y += -0.5f * z;
    float r = m + y;
    r += 0.693359375f * fe;
    return r;
}

float mm_tanhf(float x) { return mm_tanh_inline(x); }
