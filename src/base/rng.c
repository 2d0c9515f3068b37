// rng.c: the core's seeded generator (splitmix64: one 64-bit state) for
// initialisation, batches and sampling.
#include <math.h>
#include "makemore.h"

void mm_rng_seed(mm_rng* r, uint64_t seed) { r->s = seed; }
uint32_t mm_rng_u32(mm_rng* r) {
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}
float mm_rng_uniform(mm_rng* r) { return (float)(mm_rng_u32(r) >> 8) * (1.0f / 16777216.0f); }
// Marsaglia's polar method (one of the pair), with mm_logf so every build agrees.
float mm_rng_normal(mm_rng* r) {
    for (;;) {
        float u = 2.0f * mm_rng_uniform(r) - 1.0f, v = 2.0f * mm_rng_uniform(r) - 1.0f;
        float s = u * u + v * v;
        if (s > 0.0f && s < 1.0f) return u * sqrtf(-2.0f * mm_logf(s) / s);
    }
}

