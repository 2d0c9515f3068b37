// fd.h: the C tests' finite-difference check of a model's parameter gradients, and the whole-word
// batches they run on.
#ifndef MM_TEST_FD_H
#define MM_TEST_FD_H
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "makemore.h"

// Each parameter's |analytic - numeric| / tolerance of m on the batch (X, Y) of B examples, into e (and the
// numeric gradient into fd, if given), with Richardson-extrapolated central differences (steps 1e-2 and
// 5e-3); tolerance 2e-4 + 1e-2 |numeric|. 0: done, -1: out of memory.
static inline int fd_errors(mm_model* m, const uint16_t* X, const uint16_t* Y, int B, double* e, double* fd) {
    mm_err err = {0};
    float* p = mm_model_params(m);
    long np = mm_model_num_params(m);
    float loss;
    mm_model_forward_backward(m, X, Y, B, &loss, &err);
    float* g = malloc(sizeof(float) * (size_t)np);
    if (!g) return -1;
    memcpy(g, mm_model_grads(m), sizeof(float) * (size_t)np);
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
        double num = (4 * d[1] - d[0]) / 3;
        if (fd) fd[k] = num;
        e[k] = fabs(num - g[k]) / (2e-4 + 1e-2 * fabs(num));
    }
    free(g);
    return 0;
}

// The worst of fd_errors over every parameter; *worst_k: its index.
static inline double fd_worst_gradient(mm_model* m, const uint16_t* X, const uint16_t* Y, int B, long* worst_k) {
    *worst_k = -1;
    long np = mm_model_num_params(m);
    double* e = malloc(sizeof(double) * (size_t)np);
    if (!e || fd_errors(m, X, Y, B, e, NULL)) { free(e); return INFINITY; }
    double worst = 0;
    for (long k = 0; k < np; k++)
        if (e[k] > worst) { worst = e[k]; *worst_k = k; }
    free(e);
    return worst;
}

// Examples (contexts of bs tokens, targets) of the words laid out as the lecture's dataset and the
// trainer's whole-word batches: each word's examples consecutive, the first with an all-zero context;
// token k is 'a' + k - 1. The last word is cut so there are at most max examples; returns their count.
static inline int words_to_examples(const char* const* words, int n_words, int bs, int max, uint16_t* X, uint16_t* Y) {
    int e = 0;
    for (int w = 0; w < n_words && e < max; w++) {
        int len = (int)strlen(words[w]);
        uint16_t ctx[64] = {0};
        for (int i = 0; i <= len && e < max; i++) {
            memcpy(X + (long)e * bs, ctx, sizeof(uint16_t) * (size_t)bs);
            uint16_t y = i < len ? (uint16_t)(words[w][i] - 'a' + 1) : 0;
            Y[e++] = y;
            memmove(ctx, ctx + 1, sizeof(uint16_t) * (size_t)(bs - 1));
            ctx[bs - 1] = y;
        }
    }
    return e;
}

#endif
