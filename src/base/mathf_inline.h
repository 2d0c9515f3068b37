// mathf_inline.h: tanh as an inline function, so loops over it vectorise.
#ifndef MM_MATHF_INLINE_H
#define MM_MATHF_INLINE_H
#include <stdint.h>
#include <string.h>

static inline float bits_to_float(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

// exp(x) for x in [-87, 88] (Cephes expf): n = round(x / ln2) by the 1.5*2^23
// trick (round to nearest even), a degree-6 polynomial in the remainder, times 2^n.
static inline float mm_exp_core(float x) {
    float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float r2 = r * r;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r2 + r + 1.0f;
    return p * bits_to_float((uint32_t)((int32_t)n + 127) << 23);
}

// tanh(x): an odd polynomial for |x| < 0.625, else 1 - 2 / (exp(2|x|) + 1)
// with |x| clamped to 10 (tanh(10) rounds to 1.0f); NaN passes through.
// Both sides are computed, then selected, so loops over it vectorise; exp is
// mm_expf's core for 2|x| in [0, 20], where its clamps never apply.
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
    float e = mm_exp_core(aa + aa);
    float t = 1.0f - 2.0f / (e + 1.0f);
    float large = x < 0.0f ? -t : t;
    float v = a < 0.625f ? small : large;
    return x != x ? x : v;
}

// 1 / (1 + exp(-x)), x clamped to [-80, 80] where the exp core holds (sigmoid(80) rounds to 1)
static inline float mm_sigmoid_inline(float x) {
    float c = x < -80.0f ? -80.0f : x > 80.0f ? 80.0f : x;
    return x != x ? x : 1.0f / (1.0f + mm_exp_core(-c));
}
#endif
