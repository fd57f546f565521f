// Small numeric kernels in C where Swift cannot reach the instruction set: the build targets
// baseline x86-64 (SSE2) so that binaries run on every machine, and these functions pick an
// AVX2+FMA body at run time when the CPU has it (cpuid), else a portable one.
#ifndef T2R_MT_CKERNELS_H
#define T2R_MT_CKERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// C[i, j] = alpha * dot(A[i, :], B[j, :]) + beta * C[i, j] for i in [0, m), j in [j0, j1):
/// A is [m, k] with row stride lda, B is [n, k] with row stride ldb (a weight matrix stored
/// [out, in]), C is [m, n] with row stride ldc. beta == 0 never reads C. Each output is
/// computed in one fixed order whatever the caller's split of [j0, j1).
void mt_small_gemm_nt(int m, int j0, int j1, int k, float alpha,
                      const float *a, int lda, const float *b, int ldb,
                      float beta, float *c, int ldc);

/// The portable body alone (tests compare it with the reference on machines with AVX2).
void mt_small_gemm_nt_portable(int m, int j0, int j1, int k, float alpha,
                               const float *a, int lda, const float *b, int ldb,
                               float beta, float *c, int ldc);

/// 1 when the AVX2+FMA body is in use, 0 for the portable one.
int mt_small_gemm_uses_avx2(void);

#ifdef __cplusplus
}
#endif
#endif
