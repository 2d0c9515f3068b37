// cli/probe.c: the thread count a run measures (see probe.h).
#include "cli/probe.h"

#include <math.h>

void mm_probe_start(mm_thread_probe* p, mm_pool* pool, int engine, long steps) {
    *p = (mm_thread_probe){.pool = pool, .engine = engine, .best = {INFINITY, INFINITY}};
    int n = mm_pool_threads(pool);
    // chunks of 1/128 of the run, 8 to 32 steps: the warm-up and 8 timed chunks take 7% of it at most
    long c = steps / 128;
    p->chunk = (int)(c < 8 ? 8 : c > 32 ? 32 : c);
    if (n <= 1 || steps < 16L * p->chunk) p->threads = n; // nothing to weigh, or too short to: the pool
}

// The side of timed chunk k (1-based): 0 1 1 0 0 1 1 0, so a drift of the machine's speed favours neither.
static int side_of(int k) { return ((k + 1) / 2) % 2; }

long mm_probe_before(mm_thread_probe* p, mm_trainer* t, long chunk, double now) {
    if (p->threads) return chunk;
    p->side = p->at == 0 ? 1 : side_of(p->at);
    mm_err err = {0};
    mm_trainer_set_engine(t, p->engine, p->side ? p->pool : NULL, &err); // the same kernels: it cannot fail
    p->t0 = now;
    return chunk < p->chunk ? chunk : p->chunk;
}

void mm_probe_after(mm_thread_probe* p, mm_trainer* t, long done, double now) {
    if (p->threads || done <= 0) return;
    if (p->at > 0) {
        double per = (now - p->t0) / (double)done;
        if (per < p->best[p->side]) p->best[p->side] = per;
    }
    if (++p->at <= 2 * MM_PROBE_ROUNDS) return;
    int pool = p->best[1] < p->best[0];
    p->threads = pool ? mm_pool_threads(p->pool) : 1;
    mm_err err = {0};
    mm_trainer_set_engine(t, p->engine, pool ? p->pool : NULL, &err);
}

double mm_probe_rate(const mm_thread_probe* p, int k) {
    double b = p->best[k != 0];
    return isfinite(b) && b > 0 ? 1.0 / b : 0.0;
}
