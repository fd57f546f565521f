// COneDNN: oneDNN's sgemm (Debian: libdnnl-dev) behind a plain C function.
//
// oneDNN picks its kernels from the CPU's instruction sets at run time (AVX-512 where the CPU
// has it, whatever OPENBLAS_CORETYPE says); `mt-bench gemm` compares it with OpenBLAS (README:
// GEMM backends). Only MTTensor/GEMM.swift calls it.
#ifndef CONEDNN_H
#define CONEDNN_H

#ifdef __cplusplus
extern "C" {
#endif

/// C[M,N] = alpha · op(A) · op(B) + beta · C, row-major, on the calling thread only (oneDNN's
/// OpenMP team is capped at one thread for every thread that calls this: the toolkit splits
/// products over its own pool). trans_a / trans_b: 0 = as stored, 1 = transposed.
/// Returns oneDNN's status (0 = success). The first call on a thread blocks the asynchronous
/// signals on that thread for good (onednn.c says why; a sink thread takes them instead).
int mt_onednn_sgemm(int trans_a, int trans_b, long m, long n, long k, float alpha,
                    const float *a, long lda, const float *b, long ldb,
                    float beta, float *c, long ldc);

#ifdef __cplusplus
}
#endif

#endif
