#define _POSIX_C_SOURCE 200809L
// pool.c: a small thread pool with one operation, a parallel-for, for the kernels.
//
// The calling thread and n-1 helpers share one job at a time: tasks 0..n-1 of
// fn(ctx, i). Each task is claimed with one compare-and-swap on a 64-bit word
// holding (job generation, next task), so a helper that wakes late can never
// run a task of a job it did not read. The caller runs tasks too and returns
// once all are done, so a pool whose helpers never started still finishes
// (alone). Helpers spin on the job word for a while after each job (a handoff
// then costs well under a microsecond), then sleep: natively on a condition
// variable, in wasm on memory.atomic.wait32 (the caller notifies only when
// someone sleeps).
//
// Natively the helpers are pthreads started by mm_pool_new. In wasm they are
// Web Workers (or Node worker_threads) running instances of the same module on
// one shared memory, each calling mm_pool_helper(pool, i) (wasm/makemore.mjs
// starts them); such a build has -matomics (MM_THREADS). A build without
// threads (MM_THREADS 0) has pools of one thread.
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include "base/internal.h"
#include "kernels/pool.h"

#if defined(__wasm__)
#if defined(__wasm_atomics__)
#define MM_THREADS 1
#define MM_WASM_THREADS 1
#else
#define MM_THREADS 0
#endif
#else
#define MM_THREADS 1
#define MM_PTHREADS 1
#include <pthread.h>
#include <sched.h>
#endif

// Spins of a waiting helper before it sleeps: about 50-200 us on these machines,
// longer than the gaps between the kernels of a training step.
#define SPINS 200000
// Spins (some 50-100 us) of the caller waiting for a helper's last task before it gives its core
// away (natively sched_yield; in wasm a short memory.atomic.wait32, where the
// context allows it): a helper that lost its core to another thread (a page's
// main thread, another process) then gets it back at once. Not sooner: a wake
// costs some 2 us in Node and 23 us in Chromium, and a short wait for a helper
// that is merely slower than the caller is common (measured: 4000 spins made
// Chromium's 2-thread rate that of 1 thread).
#define CALLER_SPINS 100000

struct mm_pool {
    int n_threads;
    // the job: written by the caller before the job word is published
    _Atomic(mm_task_fn) fn;
    _Atomic(void*) ctx;
    atomic_uint n_tasks;
    _Atomic uint64_t claim; // (generation << 32) | next task
    atomic_uint done;       // tasks finished in this job
    atomic_int wake;        // low 32 bits of the generation: what sleepers wait on
    atomic_int sleepers;
    atomic_int stop;
    atomic_int running;     // helpers inside mm_pool_helper
    atomic_int caller_waiting; // the caller sleeps on `done`
    int caller_can_sleep;   // wasm: 0 on a browser's main thread (no memory.atomic.wait there)
    uint32_t gen;           // caller only
#ifdef MM_PTHREADS
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t* threads;
    int n_started;
#endif
};

int mm_pool_threads(const mm_pool* p) { return p ? p->n_threads : 1; }

#ifdef MM_PTHREADS
static int pool_start(mm_pool* p, mm_err* err);
#endif

int mm_threads_supported(void) { return MM_THREADS; }

mm_pool* mm_pool_new(int n_threads, mm_err* err) {
    if (n_threads < 1 || n_threads > MM_MAX_THREADS) {
        mm_fail(err, MM_EINVAL, "thread count %d is outside 1..%d", n_threads, MM_MAX_THREADS);
        return NULL;
    }
    if (!MM_THREADS && n_threads > 1) {
        mm_fail(err, MM_EINVAL, "this build has no threads (asked for %d): use 1", n_threads);
        return NULL;
    }
    mm_pool* p = calloc(1, sizeof *p);
    if (!p) { mm_fail(err, MM_ENOMEM, "out of memory creating the thread pool"); return NULL; }
    p->n_threads = n_threads;
    p->caller_can_sleep = 1;
    atomic_init(&p->caller_waiting, 0);
    atomic_init(&p->fn, NULL);
    atomic_init(&p->ctx, NULL);
    atomic_init(&p->n_tasks, 0);
    atomic_init(&p->claim, 0);
    atomic_init(&p->done, 0);
    atomic_init(&p->wake, 0);
    atomic_init(&p->sleepers, 0);
    atomic_init(&p->stop, 0);
    atomic_init(&p->running, 0);
#ifdef MM_PTHREADS
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (n_threads > 1) {
        p->threads = calloc((size_t)n_threads - 1, sizeof(pthread_t));
        if (!p->threads) { mm_pool_free(p); mm_fail(err, MM_ENOMEM, "out of memory creating the thread pool"); return NULL; }
    }
    if (pool_start(p, err)) { mm_pool_free(p); return NULL; }
#endif
    return p;
}

// ---------------------------------------------------------------- sleeping and waking

static void sleep_until_changed(mm_pool* p, int seen) {
#if defined(MM_PTHREADS)
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add(&p->sleepers, 1);
    while (atomic_load(&p->wake) == seen && !atomic_load(&p->stop)) pthread_cond_wait(&p->cv, &p->mu);
    atomic_fetch_sub(&p->sleepers, 1);
    pthread_mutex_unlock(&p->mu);
#elif defined(MM_WASM_THREADS)
    // in slices of 100 ms: a Worker being terminated (Node ends a process's workers
    // at exit) can only stop it between waits
    atomic_fetch_add(&p->sleepers, 1);
    if (atomic_load(&p->wake) == seen && !atomic_load(&p->stop))
        __builtin_wasm_memory_atomic_wait32((int*)&p->wake, seen, 100000000);
    atomic_fetch_sub(&p->sleepers, 1);
#else
    (void)p; (void)seen;
#endif
}

static void wake_all(mm_pool* p) {
    if (!atomic_load(&p->sleepers)) return;
#if defined(MM_PTHREADS)
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
#elif defined(MM_WASM_THREADS)
    __builtin_wasm_memory_atomic_notify((int*)&p->wake, (unsigned)MM_MAX_THREADS);
#endif
}

// ---------------------------------------------------------------- running tasks

// Claims and runs tasks of job gen until none are left.
static void run_tasks(mm_pool* p, uint32_t gen) {
    for (;;) {
        uint64_t s = atomic_load(&p->claim);
        mm_task_fn fn = atomic_load_explicit(&p->fn, memory_order_relaxed);
        void* ctx = atomic_load_explicit(&p->ctx, memory_order_relaxed);
        uint32_t n = atomic_load_explicit(&p->n_tasks, memory_order_relaxed);
        // the fields are this job's only if the claim below succeeds for this generation
        if ((uint32_t)(s >> 32) != gen || (uint32_t)s >= n) return;
        if (!atomic_compare_exchange_weak(&p->claim, &s, s + 1)) continue;
        fn(ctx, (int)(uint32_t)s);
        unsigned d = atomic_fetch_add(&p->done, 1) + 1;
#ifdef MM_WASM_THREADS
        if (d == n && atomic_load(&p->caller_waiting)) __builtin_wasm_memory_atomic_notify((int*)&p->done, 1);
#else
        (void)d;
#endif
    }
}

// The caller waits for the helpers' last tasks of a job of n.
static void wait_done(mm_pool* p, unsigned n) {
    int spins = 0;
    while (atomic_load(&p->done) < n) {
        if (++spins < CALLER_SPINS || !p->caller_can_sleep) continue;
#if defined(MM_PTHREADS)
        sched_yield();
#elif defined(MM_WASM_THREADS)
        atomic_store(&p->caller_waiting, 1);
        unsigned d = atomic_load(&p->done);
        if (d < n) __builtin_wasm_memory_atomic_wait32((int*)&p->done, (int)d, 200000); // at most 0.2 ms
        atomic_store(&p->caller_waiting, 0);
#endif
    }
}

void mm_pool_set_caller_sleeps(mm_pool* p, int can_sleep) {
    if (p) p->caller_can_sleep = can_sleep != 0;
}

void mm_parallel_for(mm_pool* p, int n, mm_task_fn fn, void* ctx) {
    if (n <= 0) return;
    if (!p || p->n_threads == 1 || n == 1) {
        for (int i = 0; i < n; i++) fn(ctx, i);
        return;
    }
    uint32_t gen = ++p->gen;
    atomic_store_explicit(&p->fn, fn, memory_order_relaxed);
    atomic_store_explicit(&p->ctx, ctx, memory_order_relaxed);
    atomic_store_explicit(&p->n_tasks, (unsigned)n, memory_order_relaxed);
    atomic_store(&p->done, 0);
    atomic_store(&p->claim, (uint64_t)gen << 32); // publishes the fields above
    atomic_store(&p->wake, (int)gen);
    wake_all(p);
    run_tasks(p, gen);
    wait_done(p, (unsigned)n);
}

void mm_pool_helper(mm_pool* p, int index) {
    (void)index;
    atomic_fetch_add(&p->running, 1);
    uint32_t seen = (uint32_t)(atomic_load(&p->claim) >> 32);
    while (!atomic_load(&p->stop)) {
        uint32_t gen = (uint32_t)(atomic_load(&p->claim) >> 32);
        if (gen != seen) {
            seen = gen;
            run_tasks(p, gen);
            continue;
        }
        int spins = 0;
        while ((uint32_t)(atomic_load(&p->claim) >> 32) == seen && !atomic_load(&p->stop) && spins < SPINS) spins++;
        if (spins == SPINS) sleep_until_changed(p, (int)seen);
    }
    atomic_fetch_sub(&p->running, 1);
}

int mm_pool_running(const mm_pool* p) { return p ? atomic_load(&((mm_pool*)p)->running) : 0; }

#ifdef MM_PTHREADS
typedef struct { mm_pool* p; int i; } helper_arg;
static void* helper_main(void* a) {
    helper_arg h = *(helper_arg*)a;
    free(a);
    mm_pool_helper(h.p, h.i);
    return NULL;
}
#endif

#ifdef MM_PTHREADS
static int pool_start(mm_pool* p, mm_err* err) {
    for (int i = p->n_started + 1; i < p->n_threads; i++) {
        helper_arg* a = malloc(sizeof *a);
        if (!a) return mm_fail(err, MM_ENOMEM, "out of memory starting a thread");
        a->p = p; a->i = i;
        if (pthread_create(&p->threads[i - 1], NULL, helper_main, a) != 0) {
            free(a);
            return mm_fail(err, MM_ENOMEM, "could not start thread %d of %d", i + 1, p->n_threads);
        }
        p->n_started = i;
    }
    return MM_OK;
}
#endif

void mm_pool_stop(mm_pool* p) {
    if (!p) return;
    atomic_store(&p->stop, 1);
    atomic_fetch_add(&p->wake, 1);
#if defined(MM_PTHREADS)
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 1; i <= p->n_started; i++) pthread_join(p->threads[i - 1], NULL);
    p->n_started = 0;
#elif defined(MM_WASM_THREADS)
    __builtin_wasm_memory_atomic_notify((int*)&p->wake, (unsigned)MM_MAX_THREADS);
#endif
}

void mm_pool_free(mm_pool* p) {
    if (!p) return;
#ifdef MM_PTHREADS
    mm_pool_stop(p);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->threads);
#endif
    free(p);
}

// ---------------------------------------------------------------- time (profiling)

double mm_now_sec(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
