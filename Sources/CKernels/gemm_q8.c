// Int8 products A · Bᵀ for decoding with int8 weights (see ckernels.h and MTTensor/Int8Weights.swift).
//
// B is a weight matrix stored [out, in] and quantized once per output row (symmetric: w ≈ sb[j] ·
// qb[j, p], |qb| ≤ 127). A's rows are quantized on every call, per row, the same way (dynamic
// quantization, as CTranslate2's int8 does). Each output is then
//     C[i, j] = (sa[i] · sb[j]) · Σ_p qa[i, p] · qb[j, p]  (+ beta · C[i, j])
// with the sum exact in int32 (|sum| ≤ k · 127² < 2³¹ for k < 133,000). Because the integer sum
// is exact, the AVX2 body and the portable one give identical results, whatever the split of j.
//
// AVX2 body: A's quantized rows are kept widened to int16 in a per-thread scratch; B rows are
// loaded as 16 int8, widened, and multiplied pairwise into int32 lanes (vpmaddwd). Register block:
// 4 rows of A × 2 rows of B, eight 8-lane int32 accumulators.
#include "ckernels.h"

// B rows per panel: a panel (PANEL · k bytes) stays in L1/L2 while every block of 4 A rows
// passes over it, so large products (batched decoding, the encoder) do not re-stream A per B pair.
#define PANEL 16

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define MT_X86 1
#endif

// round(t) half away from zero, as lroundf, without the libm call (a quantized input row is
// k of these per product): t − trunc(t) is exact in float.
static inline int round_away(float t) {
    int v = (int)t;
    float f = t - (float)v;
    return v + (f >= 0.5f) - (f <= -0.5f);
}

static inline int clamp127(int v) { return v > 127 ? 127 : v < -127 ? -127 : v; }

// Per-thread scratch for A's quantized rows (int16, or bytes for VNNI) and scales: grows, never shrinks.
static __thread int16_t *scratch_q;
static __thread float *scratch_s;
static __thread uint8_t *scratch_u;
static __thread long scratch_cap, scratch_rows, scratch_ucap;

// Room for m scales, and for m·k int16 values (AVX2, portable) or m·k bytes (VNNI) of A.
static int ensure_scratch(int m, int k, int bytes) {
    if (m > scratch_rows) {
        float *s = realloc(scratch_s, (size_t)m * sizeof(float));
        if (!s) return 0;
        scratch_s = s;
        scratch_rows = m;
    }
    long need = (long)m * k;
    if (bytes && need > scratch_ucap) {
        uint8_t *u = realloc(scratch_u, (size_t)need);
        if (!u) return 0;
        scratch_u = u;
        scratch_ucap = need;
    }
    if (!bytes && need > scratch_cap) {
        int16_t *q = realloc(scratch_q, (size_t)need * sizeof(int16_t));
        if (!q) return 0;
        scratch_q = q;
        scratch_cap = need;
    }
    return 1;
}

// The per-row scale: max|x| / 127, 1 for an all-zero row.
static inline float row_scale(const float *r, int k) {
    float mx = 0;
    for (int p = 0; p < k; p++) { float v = fabsf(r[p]); if (v > mx) mx = v; }
    return mx > 0 ? mx / 127.0f : 1.0f;
}

// Symmetric per-row quantization, q = round(x / s) in [-127, 127], rounded half away from zero
// (as lroundf) in every body; stored widened to int16 (AVX2, portable), as q + 128 in unsigned
// bytes (VNNI multiplies unsigned by signed bytes), or as int8 (weights).
#define QUANTIZE_ROWS(T, OFFSET)                                                    \
    for (int i = 0; i < n; i++) {                                                    \
        const float *r = x + (long)i * ldx;                                          \
        float scale = row_scale(r, k), inv = 1.0f / scale;                           \
        T *o = q + (long)i * ldq;                                                    \
        for (int p = 0; p < k; p++) o[p] = (T)(clamp127(round_away(r[p] * inv)) + OFFSET); \
        s[i] = scale;                                                                \
    }

static void quantize_rows_i16(int n, int k, const float *x, int ldx, int16_t *q, int ldq, float *s) {
    QUANTIZE_ROWS(int16_t, 0)
}

static void quantize_rows_u8(int n, int k, const float *x, int ldx, uint8_t *q, int ldq, float *s) {
    QUANTIZE_ROWS(uint8_t, 128)
}

int mt_q8_quantize_u8_scratch(int m, int k, int ldq, const float *a, int lda, uint8_t **q, float **s) {
    if (!ensure_scratch(m, ldq, 1)) return 0;
    quantize_rows_u8(m, k, a, lda, scratch_u, ldq, scratch_s);
    if (ldq > k) for (int i = 0; i < m; i++) memset(scratch_u + (long)i * ldq + k, 0, (size_t)(ldq - k));
    *q = scratch_u;
    *s = scratch_s;
    return 1;
}

void mt_quantize_rows_s8(int n, int k, const float *x, int ldx, int8_t *q, int ldq, float *s) {
    QUANTIZE_ROWS(int8_t, 0)
}

static inline void put(float *c, float v, float beta) { *c = beta == 0.0f ? v : v + beta * *c; }

static void q8_portable(int m, int j0, int j1, int k, const int16_t *qa, const float *sa,
                        const int8_t *qb, int ldb, const float *sb, float beta, float *c, int ldc) {
    for (int j = j0; j < j1; j++) {
        const int8_t *b = qb + (long)j * ldb;
        for (int i = 0; i < m; i++) {
            const int16_t *a = qa + (long)i * k;
            int32_t acc = 0;
            for (int p = 0; p < k; p++) acc += (int32_t)a[p] * (int32_t)b[p];
            put(c + (long)i * ldc + j, (sa[i] * sb[j]) * (float)acc, beta);
        }
    }
}

#ifdef MT_X86
__attribute__((target("avx2")))
static inline int32_t hsum_epi32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

__attribute__((target("avx2")))
static void q8_avx2(int m, int j0, int j1, int k, const int16_t *qa, const float *sa,
                    const int8_t *qb, int ldb, const float *sb, float beta, float *c, int ldc) {
    for (int jp = j0; jp < j1; jp += PANEL)
    for (int i = 0; i < m; i += 4)
    for (int j = jp, je = jp + PANEL < j1 ? jp + PANEL : j1; j < je; j += 2) {
        int pair = j + 1 < je;
        const int8_t *b0 = qb + (long)j * ldb, *b1 = pair ? b0 + ldb : b0;
        {
            int r = m - i < 4 ? m - i : 4;
            const int16_t *a0 = qa + (long)i * k;
            const int16_t *a1 = r > 1 ? a0 + k : a0, *a2 = r > 2 ? a0 + 2L * k : a0, *a3 = r > 3 ? a0 + 3L * k : a0;
            __m256i v0 = _mm256_setzero_si256(), v1 = v0, v2 = v0, v3 = v0, v4 = v0, v5 = v0, v6 = v0, v7 = v0;
            int p = 0;
            for (; p + 16 <= k; p += 16) {
                __m256i x0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b0 + p)));
                __m256i x1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b1 + p)));
                __m256i y0 = _mm256_loadu_si256((const __m256i *)(a0 + p));
                __m256i y1 = _mm256_loadu_si256((const __m256i *)(a1 + p));
                __m256i y2 = _mm256_loadu_si256((const __m256i *)(a2 + p));
                __m256i y3 = _mm256_loadu_si256((const __m256i *)(a3 + p));
                v0 = _mm256_add_epi32(v0, _mm256_madd_epi16(y0, x0)); v1 = _mm256_add_epi32(v1, _mm256_madd_epi16(y1, x0));
                v2 = _mm256_add_epi32(v2, _mm256_madd_epi16(y2, x0)); v3 = _mm256_add_epi32(v3, _mm256_madd_epi16(y3, x0));
                v4 = _mm256_add_epi32(v4, _mm256_madd_epi16(y0, x1)); v5 = _mm256_add_epi32(v5, _mm256_madd_epi16(y1, x1));
                v6 = _mm256_add_epi32(v6, _mm256_madd_epi16(y2, x1)); v7 = _mm256_add_epi32(v7, _mm256_madd_epi16(y3, x1));
            }
            int32_t s[8] = {hsum_epi32(v0), hsum_epi32(v1), hsum_epi32(v2), hsum_epi32(v3),
                            hsum_epi32(v4), hsum_epi32(v5), hsum_epi32(v6), hsum_epi32(v7)};
            for (; p < k; p++) {
                int32_t x0 = b0[p], x1 = b1[p];
                s[0] += a0[p] * x0; s[1] += a1[p] * x0; s[2] += a2[p] * x0; s[3] += a3[p] * x0;
                s[4] += a0[p] * x1; s[5] += a1[p] * x1; s[6] += a2[p] * x1; s[7] += a3[p] * x1;
            }
            for (int q = 0; q < r; q++) {
                put(c + (long)(i + q) * ldc + j, (sa[i + q] * sb[j]) * (float)s[q], beta);
                if (pair) put(c + (long)(i + q) * ldc + j + 1, (sa[i + q] * sb[j + 1]) * (float)s[4 + q], beta);
            }
        }
    }
}

// AVX-512 VNNI body: vpdpbusd multiplies 4 unsigned bytes of A (q + 128) by 4 signed bytes of
// B and adds them into an int32 lane, 64 products per instruction. Σ (qa + 128) · qb = Σ qa · qb +
// 128 · Σ qb, so B's row sums (vpdpbusd with ones) are subtracted; the sums stay exact. Tails of
// k are masked loads (zeros add nothing to either sum).
__attribute__((target("avx512f,avx512bw,avx512vnni")))
static void q8_vnni(int m, int j0, int j1, int k, const uint8_t *ua, const float *sa,
                    const int8_t *qb, int ldb, const float *sb, float beta, float *c, int ldc) {
    const __m512i ones = _mm512_set1_epi8(1);
    for (int jp = j0; jp < j1; jp += PANEL) {
        int je = jp + PANEL < j1 ? jp + PANEL : j1;
        int32_t sums[PANEL];  // 128 · Σ_p qb[j, p] for the panel's rows
        for (int j = jp; j < je; j++) {
            const int8_t *b = qb + (long)j * ldb;
            __m512i t = _mm512_setzero_si512();
            for (int p = 0; p < k; p += 64) {
                __mmask64 mask = p + 64 <= k ? ~(__mmask64)0 : (((__mmask64)1 << (k - p)) - 1);
                t = _mm512_dpbusd_epi32(t, ones, _mm512_maskz_loadu_epi8(mask, b + p));
            }
            sums[j - jp] = 128 * _mm512_reduce_add_epi32(t);
        }
        for (int i = 0; i < m; i += 4)
        for (int j = jp; j < je; j += 2) {
            int pair = j + 1 < je;
            const int8_t *b0 = qb + (long)j * ldb, *b1 = pair ? b0 + ldb : b0;
            int32_t sum0 = sums[j - jp], sum1 = pair ? sums[j + 1 - jp] : sum0;
            int r = m - i < 4 ? m - i : 4;
            const uint8_t *a0 = ua + (long)i * k;
            const uint8_t *a1 = r > 1 ? a0 + k : a0, *a2 = r > 2 ? a0 + 2L * k : a0, *a3 = r > 3 ? a0 + 3L * k : a0;
            __m512i v0 = _mm512_setzero_si512(), v1 = v0, v2 = v0, v3 = v0, v4 = v0, v5 = v0, v6 = v0, v7 = v0;
            for (int p = 0; p < k; p += 64) {
                __mmask64 mask = p + 64 <= k ? ~(__mmask64)0 : (((__mmask64)1 << (k - p)) - 1);
                __m512i x0 = _mm512_maskz_loadu_epi8(mask, b0 + p), x1 = _mm512_maskz_loadu_epi8(mask, b1 + p);
                __m512i y0 = _mm512_maskz_loadu_epi8(mask, a0 + p), y1 = _mm512_maskz_loadu_epi8(mask, a1 + p);
                __m512i y2 = _mm512_maskz_loadu_epi8(mask, a2 + p), y3 = _mm512_maskz_loadu_epi8(mask, a3 + p);
                v0 = _mm512_dpbusd_epi32(v0, y0, x0); v1 = _mm512_dpbusd_epi32(v1, y1, x0);
                v2 = _mm512_dpbusd_epi32(v2, y2, x0); v3 = _mm512_dpbusd_epi32(v3, y3, x0);
                v4 = _mm512_dpbusd_epi32(v4, y0, x1); v5 = _mm512_dpbusd_epi32(v5, y1, x1);
                v6 = _mm512_dpbusd_epi32(v6, y2, x1); v7 = _mm512_dpbusd_epi32(v7, y3, x1);
            }
            int32_t s[8] = {_mm512_reduce_add_epi32(v0) - sum0, _mm512_reduce_add_epi32(v1) - sum0,
                            _mm512_reduce_add_epi32(v2) - sum0, _mm512_reduce_add_epi32(v3) - sum0,
                            _mm512_reduce_add_epi32(v4) - sum1, _mm512_reduce_add_epi32(v5) - sum1,
                            _mm512_reduce_add_epi32(v6) - sum1, _mm512_reduce_add_epi32(v7) - sum1};
            for (int q = 0; q < r; q++) {
                put(c + (long)(i + q) * ldc + j, (sa[i + q] * sb[j]) * (float)s[q], beta);
                if (pair) put(c + (long)(i + q) * ldc + j + 1, (sa[i + q] * sb[j + 1]) * (float)s[4 + q], beta);
            }
        }
    }
}
#endif

typedef void (*q8_fn)(int, int, int, int, const int16_t *, const float *, const int8_t *, int, const float *,
                      float, float *, int);

enum { BODY_PORTABLE = 1, BODY_AVX2 = 2, BODY_VNNI = 3 };
static int chosen_body;

// The body this CPU runs: AVX-512 VNNI, else AVX2, else portable (MT_Q8_BODY=avx2|portable
// forces a lesser one, for benchmarks).
static int pick_body(void) {
    int b = __atomic_load_n(&chosen_body, __ATOMIC_ACQUIRE);
    if (b) return b;
    b = BODY_PORTABLE;
#ifdef MT_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) b = BODY_AVX2;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni"))
        b = BODY_VNNI;
#endif
    const char *force = getenv("MT_Q8_BODY");
    if (force && !strcmp(force, "portable")) b = BODY_PORTABLE;
    if (force && !strcmp(force, "avx2") && b == BODY_VNNI) b = BODY_AVX2;
    __atomic_store_n(&chosen_body, b, __ATOMIC_RELEASE);
    return b;
}

static int run_q8(int body, int m, int j0, int j1, int k, const float *a, int lda, const int8_t *qb, int ldb,
                  const float *sb, float beta, float *c, int ldc) {
    if (!ensure_scratch(m, k, body == BODY_VNNI)) return 0;
#ifdef MT_X86
    if (body == BODY_VNNI) {
        quantize_rows_u8(m, k, a, lda, scratch_u, k, scratch_s);
        q8_vnni(m, j0, j1, k, scratch_u, scratch_s, qb, ldb, sb, beta, c, ldc);
        return 1;
    }
#endif
    quantize_rows_i16(m, k, a, lda, scratch_q, k, scratch_s);
#ifdef MT_X86
    if (body == BODY_AVX2) { q8_avx2(m, j0, j1, k, scratch_q, scratch_s, qb, ldb, sb, beta, c, ldc); return 1; }
#endif
    q8_portable(m, j0, j1, k, scratch_q, scratch_s, qb, ldb, sb, beta, c, ldc);
    return 1;
}

int mt_gemm_q8_nt(int m, int j0, int j1, int k, const float *a, int lda, const int8_t *qb, int ldb,
                  const float *sb, float beta, float *c, int ldc) {
    return run_q8(pick_body(), m, j0, j1, k, a, lda, qb, ldb, sb, beta, c, ldc);
}

int mt_gemm_q8_nt_body(int body, int m, int j0, int j1, int k, const float *a, int lda, const int8_t *qb, int ldb,
                       const float *sb, float beta, float *c, int ldc) {
    int best = pick_body();
    if (body < BODY_PORTABLE || body > best) return -1;
    return run_q8(body, m, j0, j1, k, a, lda, qb, ldb, sb, beta, c, ldc);
}

int mt_gemm_q8_body(void) { return pick_body(); }
