// Int8 products A · Bᵀ with B packed for AVX-512 VNNI (see ckernels.h). gemm_q8.c's VNNI body
// takes dot products along k (64 bytes per instruction) and ends every output with a horizontal
// sum; here B is packed so that one vpdpbusd adds 4 k-values into 16 outputs at once: a panel of
// 16 B rows stores, for each group of 4 columns, the 16 rows' 4 bytes side by side (64 bytes).
// A row's 4 bytes are broadcast, so no horizontal sums remain. Register block: 4 rows of A × 2
// panels (32 outputs), eight accumulators. The integer sums are exact and the float epilogue
// is gemm_q8.c's, element by element ((sa · sb) · (float)sum, then + beta · c, no fused
// multiply-add), so results equal the other bodies' bit for bit.
#include "ckernels.h"
#include "q8_internal.h"

#include <string.h>

#pragma STDC FP_CONTRACT OFF

static inline int groups(int k) { return (k + 3) / 4; }

long mt_q8_packed_bytes(int n, int k) { return (long)((n + 15) / 16) * groups(k) * 64; }

void mt_q8_pack(int n, int k, const int8_t *q, int ldq, int8_t *packed, int32_t *colsum) {
    const int kg = groups(k), panels = (n + 15) / 16;
    memset(packed, 0, (size_t)mt_q8_packed_bytes(n, k));
    for (int j = 0; j < panels * 16; j++) colsum[j] = 0;
    for (int j = 0; j < n; j++) {
        int8_t *panel = packed + (long)(j / 16) * kg * 64 + (j % 16) * 4;
        int32_t sum = 0;
        for (int p = 0; p < k; p++) {
            panel[(long)(p / 4) * 64 + p % 4] = q[(long)j * ldq + p];
            sum += q[(long)j * ldq + p];
        }
        colsum[j] = 128 * sum;
    }
}

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

static inline int32_t load4(const uint8_t *p) { int32_t v; memcpy(&v, p, 4); return v; }

// Row i of C, panel columns [jb, jb + 16) within [j0, j1): (sa · sb[j]) · (float)(acc − colsum[j]),
// then + beta · c when beta ≠ 0.
__attribute__((target("avx512f,avx512bw,avx512vnni")))
static inline void store_panel(__m512i acc, int jb, int j0, int j1, float sa, const int32_t *colsum,
                               const float *sb, float beta, float *crow) {
    int lo = j0 > jb ? j0 - jb : 0, hi = j1 < jb + 16 ? j1 - jb : 16;
    if (lo >= hi) return;
    const __mmask16 mask = (__mmask16)(((1u << hi) - 1) & ~((1u << lo) - 1));
    const __m512 sum = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc, _mm512_loadu_si512(colsum + jb)));
    const __m512 scale = _mm512_mul_ps(_mm512_set1_ps(sa), _mm512_maskz_loadu_ps(mask, sb + jb));
    __m512 v = _mm512_mul_ps(scale, sum);
    if (beta != 0.0f) v = _mm512_add_ps(v, _mm512_mul_ps(_mm512_set1_ps(beta), _mm512_maskz_loadu_ps(mask, crow + jb)));
    _mm512_mask_storeu_ps(crow + jb, mask, v);
}

__attribute__((target("avx512f,avx512bw,avx512vnni")))
static void kernel(int m, int j0, int j1, int kp, const uint8_t *ua, const float *sa, const int8_t *packed,
                   const int32_t *colsum, const float *sb, float beta, float *c, int ldc) {
    const int kg = kp / 4, p1 = (j1 + 15) / 16;
    for (int panel = j0 / 16; panel < p1; panel += 2) {
        const int two = panel + 1 < p1;
        const int8_t *b0 = packed + (long)panel * kg * 64, *b1 = two ? b0 + (long)kg * 64 : b0;
        for (int i = 0; i < m; i += 4) {
            const int r = m - i < 4 ? m - i : 4;
            const uint8_t *a0 = ua + (long)i * kp;
            const uint8_t *a1 = r > 1 ? a0 + kp : a0, *a2 = r > 2 ? a0 + 2L * kp : a0, *a3 = r > 3 ? a0 + 3L * kp : a0;
            __m512i v0 = _mm512_setzero_si512(), v1 = v0, v2 = v0, v3 = v0, w0 = v0, w1 = v0, w2 = v0, w3 = v0;
            for (int g = 0; g < kg; g++) {
                const __m512i x0 = _mm512_loadu_si512(b0 + (long)g * 64), x1 = _mm512_loadu_si512(b1 + (long)g * 64);
                const __m512i y0 = _mm512_set1_epi32(load4(a0 + 4 * g)), y1 = _mm512_set1_epi32(load4(a1 + 4 * g));
                const __m512i y2 = _mm512_set1_epi32(load4(a2 + 4 * g)), y3 = _mm512_set1_epi32(load4(a3 + 4 * g));
                v0 = _mm512_dpbusd_epi32(v0, y0, x0); v1 = _mm512_dpbusd_epi32(v1, y1, x0);
                v2 = _mm512_dpbusd_epi32(v2, y2, x0); v3 = _mm512_dpbusd_epi32(v3, y3, x0);
                w0 = _mm512_dpbusd_epi32(w0, y0, x1); w1 = _mm512_dpbusd_epi32(w1, y1, x1);
                w2 = _mm512_dpbusd_epi32(w2, y2, x1); w3 = _mm512_dpbusd_epi32(w3, y3, x1);
            }
            const __m512i vs[4] = {v0, v1, v2, v3}, ws[4] = {w0, w1, w2, w3};
            for (int q = 0; q < r; q++) {
                float *crow = c + (long)(i + q) * ldc;
                store_panel(vs[q], panel * 16, j0, j1, sa[i + q], colsum, sb, beta, crow);
                if (two) store_panel(ws[q], panel * 16 + 16, j0, j1, sa[i + q], colsum, sb, beta, crow);
            }
        }
    }
}

int mt_gemm_q8_packed_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vnni");
}

int mt_gemm_q8_nt_packed(int m, int j0, int j1, int k, const float *a, int lda, const int8_t *packed,
                         const int32_t *colsum, const float *sb, float beta, float *c, int ldc) {
    if (m <= 0 || j1 <= j0) return 1;
    const int kp = groups(k) * 4;   // A's rows padded with zeros to whole groups of 4
    uint8_t *ua;
    float *sa;
    if (!mt_q8_quantize_u8_scratch(m, k, kp, a, lda, &ua, &sa)) return 0;
    kernel(m, j0, j1, kp, ua, sa, packed, colsum, sb, beta, c, ldc);
    return 1;
}
#else
int mt_gemm_q8_packed_available(void) { return 0; }
int mt_gemm_q8_nt_packed(int m, int j0, int j1, int k, const float *a, int lda, const int8_t *packed,
                         const int32_t *colsum, const float *sb, float beta, float *c, int ldc) {
    (void)m; (void)j0; (void)j1; (void)k; (void)a; (void)lda; (void)packed; (void)colsum; (void)sb; (void)beta;
    (void)c; (void)ldc;
    return 0;
}
#endif
