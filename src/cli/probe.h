// cli/probe.h: the thread count a run measures (the CLI's default, --threads not given): the run's
// first steps alternate between the calling thread alone and the pool, each side timed in short
// chunks, and the run goes on with the faster. A default never slower than one thread (issue 22:
// at the lecture's batch of 32 a second thread costs natively). The kernels split their outputs,
// never their sums, so the losses are bitwise the same whichever side trains a step.
#ifndef MM_CLI_PROBE_H
#define MM_CLI_PROBE_H
#include "makemore.h"

typedef struct {
    mm_pool* pool;   // the pool weighed against one thread (NULL or 1 thread: nothing to measure)
    int engine;      // the run's engine (MM_ENGINE_*)
    int chunk;       // steps a timed chunk trains
    int at;          // the next timed chunk (0: the untimed warm-up), up to 2 * MM_PROBE_ROUNDS
    double best[2];  // each side's fastest seconds per step: [0] one thread, [1] the pool
    int threads;     // the threads chosen (0 while measuring)
    int side;        // the side of the chunk under way
    double t0;       // its start
} mm_thread_probe;

#define MM_PROBE_ROUNDS 4 // chunks timed on each side, in the order 0 1 1 0 0 1 1 0

// Starts measuring over a run of `steps` steps (a run too short to measure keeps the pool: threads = the pool's).
void mm_probe_start(mm_thread_probe* p, mm_pool* pool, int engine, long steps);
// Before a chunk: its steps at most (the chunk being measured) and the side that trains it (set on the trainer).
long mm_probe_before(mm_thread_probe* p, mm_trainer* t, long chunk, double now);
// After a chunk of `done` steps: its time; once both sides are measured, the faster trains the rest.
void mm_probe_after(mm_thread_probe* p, mm_trainer* t, long done, double now);
// Steps per second measured on side k (0: one thread, 1: the pool; 0 if not measured).
double mm_probe_rate(const mm_thread_probe* p, int k);

#endif
