// Throwaway-size probe, kept so its numbers can be reproduced: attention's per-sentence, per-head
// products of a `small` training step (25 tokens, head width 64, model width 256; 652 = 163
// sentences × 4 heads, each head's rows strided in the [B, T, D] activations as the toolkit
// stores them) through oneDNN's dnnl_sgemm (the toolkit's backend, one thread) against two
// hand-written AVX2+FMA kernels: the toolkit's few-rows A · Bᵀ kernel (Sources/CKernels/
// small_gemm.c: four A rows × two B rows of dot products) for Q · Kᵀ, and a broadcast kernel
// (4 rows × 16 columns of C in eight accumulators, B's rows read in place) for P · V and Pᵀ · dC.
// Prints µs per call and GFLOP/s for each, best of 7 passes over all 652 items, and the largest
// difference between the two results.
//
//   gcc -O2 -fopenmp tools/probes/attention_tiny_products.c Sources/CKernels/small_gemm.c \
//       -ISources/CKernels/include -o /tmp/attention_tiny_products -ldnnl -lm && /tmp/attention_tiny_products
#include <dnnl.h>
#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

void mt_small_gemm_nt(int m, int j0, int j1, int k, float alpha, const float *a, int lda,
                      const float *b, int ldb, float beta, float *c, int ldc);

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

// C[m, n] = op(A)[m, k] · B[k, n] (beta 0, alpha 1), B's rows contiguous with stride ldb;
// op(A)(i, p) = a[i·lda + p], or a[p·lda + i] when ta.
__attribute__((target("avx2,fma")))
static void broadcast_kernel(int ta, int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                             float *c, int ldc) {
    long ras = ta ? 1 : lda, pas = ta ? lda : 1;
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int j = 0; j < n; j += 16) {
        int w = n - j < 16 ? n - j : 16;
        __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32(w), lane);
        __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32(w - 8), lane);
        for (int i = 0; i < m; i += 4) {
            int r = m - i < 4 ? m - i : 4;
            const float *a0 = a + i * ras;
            const float *a1 = r > 1 ? a0 + ras : a0, *a2 = r > 2 ? a0 + 2 * ras : a0, *a3 = r > 3 ? a0 + 3 * ras : a0;
            __m256 v[8];
            for (int q = 0; q < 8; q++) v[q] = _mm256_setzero_ps();
            const float *bp = b + j;
            for (int p = 0; p < k; p++, bp += ldb) {
                __m256 x0 = w == 16 ? _mm256_loadu_ps(bp) : _mm256_maskload_ps(bp, m0);
                __m256 x1 = w == 16 ? _mm256_loadu_ps(bp + 8) : _mm256_maskload_ps(bp + 8, m1);
                long o = p * pas;
                __m256 y0 = _mm256_broadcast_ss(a0 + o), y1 = _mm256_broadcast_ss(a1 + o);
                __m256 y2 = _mm256_broadcast_ss(a2 + o), y3 = _mm256_broadcast_ss(a3 + o);
                v[0] = _mm256_fmadd_ps(y0, x0, v[0]); v[1] = _mm256_fmadd_ps(y0, x1, v[1]);
                v[2] = _mm256_fmadd_ps(y1, x0, v[2]); v[3] = _mm256_fmadd_ps(y1, x1, v[3]);
                v[4] = _mm256_fmadd_ps(y2, x0, v[4]); v[5] = _mm256_fmadd_ps(y2, x1, v[5]);
                v[6] = _mm256_fmadd_ps(y3, x0, v[6]); v[7] = _mm256_fmadd_ps(y3, x1, v[7]);
            }
            for (int q = 0; q < r; q++) {
                float *cr = c + (long)(i + q) * ldc + j;
                _mm256_maskstore_ps(cr, m0, v[2 * q]);
                _mm256_maskstore_ps(cr + 8, m1, v[2 * q + 1]);
            }
        }
    }
}

int main(void) {
    omp_set_num_threads(1);
    const int T = 25, S = 25, dh = 64, d = 256, items = 652, heads = 4;
    float *q = malloc(4L * items * T * d), *k = malloc(4L * items * S * d), *p = malloc(4L * items * T * S);
    float *c1 = calloc((size_t)items * T * d, 4), *c2 = calloc((size_t)items * T * d, 4);
    for (long i = 0; i < (long)items * T * d; i++) { q[i] = (i % 7) * 0.1f - 0.3f; k[i] = (i % 5) * 0.1f - 0.2f; }
    for (long i = 0; i < (long)items * T * S; i++) p[i] = (i % 11) * 0.05f;
    const char *names[3] = {"Q·Kᵀ 25x25x64 NT", "P·V 25x64x25 NN", "Pᵀ·dC 25x64x25 TN"};
    for (int cs = 0; cs < 3; cs++) {
        double best[2] = {1e9, 1e9};
        for (int rep = 0; rep < 7; rep++)
            for (int impl = 0; impl < 2; impl++) {
                float *out = impl ? c2 : c1;
                double t0 = now();
                for (int i = 0; i < items; i++) {
                    int b = i / heads, h = i % heads;
                    const float *qb = q + (long)b * T * d + h * dh, *kb = k + (long)b * S * d + h * dh;
                    const float *pb = p + (long)i * T * S;
                    float *ob = cs == 0 ? out + (long)i * T * S : out + (long)b * T * d + h * dh;
                    if (cs == 0) {
                        if (impl) mt_small_gemm_nt(T, 0, S, dh, 1, qb, d, kb, d, 0, ob, S);
                        else dnnl_sgemm('N', 'T', T, S, dh, 1, qb, d, kb, d, 0, ob, S);
                    } else {
                        int ta = cs == 2;
                        if (impl) broadcast_kernel(ta, T, dh, S, pb, S, kb, d, ob, d);
                        else dnnl_sgemm(ta ? 'T' : 'N', 'N', T, dh, S, 1, pb, S, kb, d, 0, ob, d);
                    }
                }
                double t = (now() - t0) / items;
                if (t < best[impl]) best[impl] = t;
            }
        long n = cs == 0 ? (long)items * T * S : (long)items * T * d;
        double md = 0;
        for (long i = 0; i < n; i++) { double e = fabs(c1[i] - c2[i]); if (e > md) md = e; }
        double flop = 2.0 * T * S * dh;
        printf("{\"probe\":\"attention_tiny_products\",\"product\":\"%s\",\"onednn_us\":%.2f,\"onednn_gflops\":%.1f,"
               "\"own_us\":%.2f,\"own_gflops\":%.1f,\"max_abs_diff\":%.3g}\n",
               names[cs], best[0] * 1e6, flop / best[0] / 1e9, best[1] * 1e6, flop / best[1] / 1e9, md);
    }
    return 0;
}
