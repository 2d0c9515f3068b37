// mathf_inline.h: tanh as an inline function, so loops over it vectorise.
#ifndef MM_MATHF_INLINE_H
#define MM_MATHF_INLINE_H
#include <stdint.h>
#include <string.h>

static inline float bits_to_float(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

// tanh(x): an odd polynomial for |x| < 0.625, else 1 - 2 / (exp(2|x|) + 1)
// with |x| clamped to 10 (tanh(10) rounds to 1.0f); NaN passes through.
// Both sides are computed, then selected, so loops over it vectorise; the
// exp steps are mm_expf's for 2|x| in [1.25, 20], where its clamps never apply.
// The SIMD kernel (kernels_simd.c) repeats these operations lane by lane.
static inline float mm_tanh_inline(float x) {
    float a = x < 0.0f ? -x : x;
    // small |x|
    float z = x * x;
    float p = -5.70498872745e-3f;
    p = p * z + 2.06390887954e-2f;
    p = p * z - 5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z - 3.33332819422e-1f;
    float small = p * z * x + x;
    // large |x|: e = exp(2a) as in mm_expf (NaN takes the clamp, then is passed through below)
    float aa = a <= 10.0f ? a : 10.0f;
    float y = aa + aa;
    float n = (y * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = y - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float r2 = r * r;
    float q = 1.9875691500e-4f;
    q = q * r + 1.3981999507e-3f;
    q = q * r + 8.3334519073e-3f;
    q = q * r + 4.1665795894e-2f;
    q = q * r + 1.6666665459e-1f;
    q = q * r + 5.0000001201e-1f;
    q = q * r2 + r + 1.0f;
    float e = q * bits_to_float((uint32_t)((int32_t)n + 127) << 23);
    float t = 1.0f - 2.0f / (e + 1.0f);
    float large = x < 0.0f ? -t : t;
    float v = a < 0.625f ? small : large;
    return x != x ? x : v;
}
#endif
