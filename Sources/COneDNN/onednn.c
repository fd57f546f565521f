// See include/conednn.h.
#include "conednn.h"
#include <dnnl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

// libgomp's; declared here so the shim does not depend on the compiler shipping omp.h.
void omp_set_num_threads(int n);

// Whether this thread has been prepared for oneDNN (one OpenMP thread, signals blocked).
static __thread int prepared;

// oneDNN 2.6's generated no-copy sgemm kernels (jit_avx512_common_gemm_f32, jit_avx_gemm_f32)
// point rsp at a heap workspace while they run. A signal handled on that thread then writes its
// frame into the heap, and a later free() aborts ("corrupted size vs. prev_size"): oneDNN issue
// #4845, fixed upstream (PR #4855) after Debian's 2.6.3. mt-train's SIGUSR1/SIGTERM stop and
// mt-serve's SIGTERM drain hit it. So a thread that calls oneDNN blocks the asynchronous
// signals for good, and a sink thread that blocks none exists to take them: the kernel hands a
// process-directed signal to a thread that does not block it, so handlers still run (on the
// sink, or on a thread that never calls oneDNN). Fault signals stay unblocked (they are sent to
// the faulting thread), and so do SIGABRT and SIGPROF (the Swift runtime's crash backtracer
// signals threads with it).

static void *signal_sink(void *unused) {
    (void)unused;
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, NULL);
    for (;;) pause();
    return NULL;
}

static void start_signal_sink(void) {
    pthread_attr_t attr;
    pthread_t thread;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    pthread_create(&thread, &attr, signal_sink, NULL);
    pthread_attr_destroy(&attr);
}

static void prepare_thread(void) {
    static pthread_once_t sink_once = PTHREAD_ONCE_INIT;
    pthread_once(&sink_once, start_signal_sink);
    sigset_t async;
    sigfillset(&async);
    const int kept[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT, SIGPROF};
    for (unsigned i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) sigdelset(&async, kept[i]);
    pthread_sigmask(SIG_BLOCK, &async, NULL);
    omp_set_num_threads(1);
    prepared = 1;
}

int mt_onednn_sgemm(int trans_a, int trans_b, long m, long n, long k, float alpha,
                    const float *a, long lda, const float *b, long ldb,
                    float beta, float *c, long ldc) {
    if (!prepared) prepare_thread();
    return (int)dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha,
                           a, lda, b, ldb, beta, c, ldc);
}
