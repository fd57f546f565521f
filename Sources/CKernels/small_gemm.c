// The few-rows product A · Bᵀ of a decoding step (see ckernels.h and MTTensor/SmallGEMM.swift).
// Register block: 4 rows of A × 2 rows of B, eight 8-float accumulators over k, one horizontal
// reduction of all eight at the end; B is streamed once, A (at most 16 rows) stays in L1.
#include "ckernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define MT_X86 1
#endif

static inline void put(float *c, float v, float alpha, float beta) {
    float s = alpha == 1.0f ? v : alpha * v;
    *c = beta == 0.0f ? s : s + beta * *c;
}

// Writes a block's sums: s[q] to C[i+q, j], s[4+q] to C[i+q, j+1] (when pair), for q < r.
static inline void put_block(float *c, int ldc, int i, int j, int r, int pair, const float *s,
                             float alpha, float beta) {
    for (int q = 0; q < r; q++) {
        put(c + (long)(i + q) * ldc + j, s[q], alpha, beta);
        if (pair) put(c + (long)(i + q) * ldc + j + 1, s[4 + q], alpha, beta);
    }
}

// Portable body: the same blocking and summation order as the AVX2 one (8 lanes, then the lanes
// in the order of the AVX2 reduction), so both give the same results up to FMA rounding.
static void small_gemm_portable(int m, int j0, int j1, int k, float alpha, const float *a, int lda,
                                const float *b, int ldb, float beta, float *c, int ldc) {
    for (int j = j0; j < j1; j += 2) {
        int pair = j + 1 < j1;
        const float *b0 = b + (long)j * ldb, *b1 = pair ? b0 + ldb : b0;
        for (int i = 0; i < m; i += 4) {
            int r = m - i < 4 ? m - i : 4;
            const float *ar[4];
            for (int q = 0; q < 4; q++) ar[q] = a + (long)(i + (q < r ? q : 0)) * lda;
            float acc[8][8] = {{0}};
            int p = 0;
            for (; p + 8 <= k; p += 8)
                for (int l = 0; l < 8; l++)
                    for (int q = 0; q < 4; q++) {
                        acc[q][l] += ar[q][p + l] * b0[p + l];
                        acc[4 + q][l] += ar[q][p + l] * b1[p + l];
                    }
            float s[8];
            for (int v = 0; v < 8; v++) {
                const float *x = acc[v];
                s[v] = (((x[0] + x[1]) + (x[2] + x[3])) + ((x[4] + x[5]) + (x[6] + x[7])));
            }
            for (; p < k; p++)
                for (int q = 0; q < 4; q++) {
                    s[q] += ar[q][p] * b0[p];
                    s[4 + q] += ar[q][p] * b1[p];
                }
            put_block(c, ldc, i, j, r, pair, s, alpha, beta);
        }
    }
}

#ifdef MT_X86
__attribute__((target("avx2,fma")))
static void small_gemm_avx2(int m, int j0, int j1, int k, float alpha, const float *a, int lda,
                            const float *b, int ldb, float beta, float *c, int ldc) {
    for (int j = j0; j < j1; j += 2) {
        int pair = j + 1 < j1;
        const float *b0 = b + (long)j * ldb, *b1 = pair ? b0 + ldb : b0;
        for (int i = 0; i < m; i += 4) {
            int r = m - i < 4 ? m - i : 4;
            const float *a0 = a + (long)i * lda;
            const float *a1 = r > 1 ? a0 + lda : a0, *a2 = r > 2 ? a0 + 2L * lda : a0, *a3 = r > 3 ? a0 + 3L * lda : a0;
            __m256 v0 = _mm256_setzero_ps(), v1 = v0, v2 = v0, v3 = v0, v4 = v0, v5 = v0, v6 = v0, v7 = v0;
            int p = 0;
            for (; p + 8 <= k; p += 8) {
                __m256 x0 = _mm256_loadu_ps(b0 + p), x1 = _mm256_loadu_ps(b1 + p);
                __m256 y0 = _mm256_loadu_ps(a0 + p), y1 = _mm256_loadu_ps(a1 + p);
                __m256 y2 = _mm256_loadu_ps(a2 + p), y3 = _mm256_loadu_ps(a3 + p);
                v0 = _mm256_fmadd_ps(y0, x0, v0); v1 = _mm256_fmadd_ps(y1, x0, v1);
                v2 = _mm256_fmadd_ps(y2, x0, v2); v3 = _mm256_fmadd_ps(y3, x0, v3);
                v4 = _mm256_fmadd_ps(y0, x1, v4); v5 = _mm256_fmadd_ps(y1, x1, v5);
                v6 = _mm256_fmadd_ps(y2, x1, v6); v7 = _mm256_fmadd_ps(y3, x1, v7);
            }
            // Eight horizontal sums at once: lane v of the result is the sum of accumulator v.
            __m256 t = _mm256_hadd_ps(_mm256_hadd_ps(v0, v1), _mm256_hadd_ps(v2, v3));
            __m256 u = _mm256_hadd_ps(_mm256_hadd_ps(v4, v5), _mm256_hadd_ps(v6, v7));
            __m256 sum = _mm256_add_ps(_mm256_permute2f128_ps(t, u, 0x20), _mm256_permute2f128_ps(t, u, 0x31));
            float s[8];
            _mm256_storeu_ps(s, sum);
            for (; p < k; p++) {
                float x0 = b0[p], x1 = b1[p];
                s[0] += a0[p] * x0; s[1] += a1[p] * x0; s[2] += a2[p] * x0; s[3] += a3[p] * x0;
                s[4] += a0[p] * x1; s[5] += a1[p] * x1; s[6] += a2[p] * x1; s[7] += a3[p] * x1;
            }
            put_block(c, ldc, i, j, r, pair, s, alpha, beta);
        }
    }
}
#endif

typedef void (*small_gemm_fn)(int, int, int, int, float, const float *, int, const float *, int, float, float *, int);

static small_gemm_fn pick(void) {
#ifdef MT_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return small_gemm_avx2;
#endif
    return small_gemm_portable;
}

static small_gemm_fn chosen;

void mt_small_gemm_nt(int m, int j0, int j1, int k, float alpha, const float *a, int lda,
                      const float *b, int ldb, float beta, float *c, int ldc) {
    small_gemm_fn f = __atomic_load_n(&chosen, __ATOMIC_ACQUIRE);
    if (!f) { f = pick(); __atomic_store_n(&chosen, f, __ATOMIC_RELEASE); }
    f(m, j0, j1, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void mt_small_gemm_nt_portable(int m, int j0, int j1, int k, float alpha, const float *a, int lda,
                               const float *b, int ldb, float beta, float *c, int ldc) {
    small_gemm_portable(m, j0, j1, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

int mt_small_gemm_uses_avx2(void) {
#ifdef MT_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

// A sequential pass of plain loads, one per cache line, several lines in flight: the hardware
// prefetcher sees a stream and the loads do not wait on one another. oneDNN's few-rows kernel
// reads B's rows in an order that streams from DRAM at about half this pass's rate, and at full
// speed from L2; reading each block first, then multiplying it, is faster than either alone.
static volatile float read_lines_sink;

void mt_read_lines(const float *p, long n) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    long i = 0;
    for (; i + 64 <= n; i += 64) {
        s0 += p[i]; s1 += p[i + 16]; s2 += p[i + 32]; s3 += p[i + 48];
    }
    for (; i < n; i += 16) s0 += p[i];
    read_lines_sink = (s0 + s1) + (s2 + s3);
}
