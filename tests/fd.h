// fd.h: the C tests' finite-difference check of a model's parameter gradients.
#ifndef MM_TEST_FD_H
#define MM_TEST_FD_H
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "makemore.h"

// The worst |analytic - numeric| / tolerance over every parameter of m on the
// batch (X, Y) of B examples, with Richardson-extrapolated central differences
// (steps 1e-2 and 5e-3); tolerance 2e-4 + 1e-2 |numeric|. *worst_k: its index.
static inline double fd_worst_gradient(mm_model* m, const uint16_t* X, const uint16_t* Y, int B, long* worst_k) {
    mm_err err = {0};
    *worst_k = -1;
    float* p = mm_model_params(m);
    long np = mm_model_num_params(m);
    float loss;
    mm_model_forward_backward(m, X, Y, B, &loss, &err);
    float* g = malloc(sizeof(float) * (size_t)np);
    if (!g) return INFINITY;
    memcpy(g, mm_model_grads(m), sizeof(float) * (size_t)np);
    double worst = 0;
    for (long k = 0; k < np; k++) {
        float p0 = p[k], lp, lm;
        double d[2];
        for (int s = 0; s < 2; s++) {
            float h = s ? 5e-3f : 1e-2f;
            p[k] = p0 + h; mm_model_forward_backward(m, X, Y, B, &lp, &err);
            p[k] = p0 - h; mm_model_forward_backward(m, X, Y, B, &lm, &err);
            d[s] = ((double)lp - (double)lm) / ((double)(p0 + h) - (double)(p0 - h));
        }
        p[k] = p0;
        double fd = (4 * d[1] - d[0]) / 3;
        double e = fabs(fd - g[k]) / (2e-4 + 1e-2 * fabs(fd));
        if (e > worst) { worst = e; *worst_k = k; }
    }
    free(g);
    return worst;
}

#endif
