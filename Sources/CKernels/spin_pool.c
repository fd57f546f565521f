// A persistent pool of worker threads for short parallel loops (see ckernels.h and
// MTTensor/Parallel.swift).
//
// Why: a decoding step at batch 1 issues ~40 products of ~50 µs each. Handing each to
// DispatchQueue.concurrentPerform woke a sleeping thread every time (tens of µs on this VM), so
// two threads were slower than one. Here the workers spin for a short while after each job
// (`MT_SPIN_US`, default 200 µs) and only then sleep on a condition variable, so a stream of
// products hands off in well under a microsecond. The caller takes parts too: parts are claimed
// one at a time by whoever comes first, so a worker that is asleep or descheduled never holds
// the caller up by more than the parts it has already claimed.
//
// A job is `parts` contiguous sub-ranges of [0, count): part p is [count·p/parts,
// count·(p+1)/parts), whoever runs it. Callers must produce results that do not depend on
// which thread runs a part (every output written by one part, in one order).
//
// The claim word packs (generation, parts, next part) into one 64-bit atomic, so a worker that
// wakes late can never claim a part of a job it did not see published: its compare-and-swap
// fails once the generation moved on. A job's function and context stay valid until every
// part is done, and the caller does not return before that.
#include "ckernels.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define CPU_RELAX() __asm__ __volatile__("yield")
#else
#define CPU_RELAX() ((void)0)
#endif

#define MAX_WORKERS 63

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cv = PTHREAD_COND_INITIALIZER;
static _Atomic unsigned long long claim_word;  // gen << 32 | parts << 16 | next
static _Atomic int sleepers;
static _Atomic int busy;    // a caller owns the pool
static _Atomic int done_parts;
static _Atomic int started;
static long spin_ns = -1;

// The current job (written by the caller before the claim word is published).
static mt_range_fn job_fn;
static void *job_ctx;
static long job_count;

static inline unsigned long long pack(unsigned gen, int parts, int next) {
    return ((unsigned long long)gen << 32) | ((unsigned long long)(unsigned)parts << 16) | (unsigned)next;
}
static inline unsigned gen_of(unsigned long long w) { return (unsigned)(w >> 32); }
static inline int parts_of(unsigned long long w) { return (int)((w >> 16) & 0xffff); }
static inline int next_of(unsigned long long w) { return (int)(w & 0xffff); }

static long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

// Claims and runs parts of job `gen` until none is left; returns the number run.
static int run_parts(unsigned gen) {
    int ran = 0;
    for (;;) {
        unsigned long long w = atomic_load_explicit(&claim_word, memory_order_acquire);
        if (gen_of(w) != gen || next_of(w) >= parts_of(w)) return ran;
        if (!atomic_compare_exchange_weak_explicit(&claim_word, &w, w + 1, memory_order_acq_rel,
                                                   memory_order_acquire))
            continue;
        int p = next_of(w), parts = parts_of(w);
        long lo = job_count * p / parts, hi = job_count * (p + 1) / parts;
        if (lo < hi) job_fn(job_ctx, lo, hi);
        atomic_fetch_add_explicit(&done_parts, 1, memory_order_release);
        ran++;
    }
}

static void *worker_main(void *arg) {
    (void)arg;
    unsigned seen = gen_of(atomic_load(&claim_word));
    for (;;) {
        long t0 = now_ns();
        unsigned iter = 0;
        unsigned gen;
        while ((gen = gen_of(atomic_load_explicit(&claim_word, memory_order_acquire))) == seen) {
            CPU_RELAX();
            if ((++iter & 63) != 0) continue;
            if (now_ns() - t0 > spin_ns) {
                pthread_mutex_lock(&pool_mu);
                atomic_fetch_add(&sleepers, 1);
                while (gen_of(atomic_load(&claim_word)) == seen) pthread_cond_wait(&pool_cv, &pool_mu);
                atomic_fetch_sub(&sleepers, 1);
                pthread_mutex_unlock(&pool_mu);
                t0 = now_ns();
            }
        }
        seen = gen;
        run_parts(gen);
    }
    return NULL;
}

static int ensure_workers(int want) {
    if (want > MAX_WORKERS) want = MAX_WORKERS;
    int have = atomic_load(&started);
    while (have < want) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 1 << 20);
        int rc = pthread_create(&t, &attr, worker_main, NULL);
        pthread_attr_destroy(&attr);
        if (rc != 0) break;
        have++;
    }
    atomic_store(&started, have);
    return have;
}

void mt_pool_run(long count, int parts, mt_range_fn fn, void *ctx) {
    if (count <= 0) return;
    if (parts > 0xffff) parts = 0xffff;
    if (parts > count) parts = (int)count;
    if (parts <= 1 || atomic_exchange(&busy, 1)) {  // one part, or another caller has the pool
        fn(ctx, 0, count);
        return;
    }
    if (spin_ns < 0) {
        const char *s = getenv("MT_SPIN_US");
        long us = s ? atol(s) : 200;
        spin_ns = (us < 0 ? 0 : us) * 1000L;
    }
    if (ensure_workers(parts - 1) == 0) {
        atomic_store(&busy, 0);
        fn(ctx, 0, count);
        return;
    }
    job_fn = fn;
    job_ctx = ctx;
    job_count = count;
    atomic_store_explicit(&done_parts, 0, memory_order_relaxed);
    unsigned gen = gen_of(atomic_load(&claim_word)) + 1;
    atomic_store(&claim_word, pack(gen, parts, 0));  // seq_cst: publishes the job, ordered before the load below
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&pool_mu);
        pthread_cond_broadcast(&pool_cv);
        pthread_mutex_unlock(&pool_mu);
    }
    run_parts(gen);
    unsigned iter = 0;
    while (atomic_load_explicit(&done_parts, memory_order_acquire) < parts) {
        CPU_RELAX();
        if ((++iter & 1023) == 0) sched_yield();  // a worker holding a part was descheduled
    }
    atomic_store(&busy, 0);
}

int mt_pool_workers(void) { return atomic_load(&started); }
