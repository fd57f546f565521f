// See include/conednn.h.
#include "conednn.h"
#include <dnnl.h>

// libgomp's; declared here so the shim does not depend on the compiler shipping omp.h.
void omp_set_num_threads(int n);

// Whether this thread's OpenMP thread count has been set to one.
static __thread int one_thread;

int mt_onednn_sgemm(int trans_a, int trans_b, long m, long n, long k, float alpha,
                    const float *a, long lda, const float *b, long ldb,
                    float beta, float *c, long ldc) {
    if (!one_thread) {
        omp_set_num_threads(1);
        one_thread = 1;
    }
    return (int)dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha,
                           a, lda, b, ldb, beta, c, ldc);
}
