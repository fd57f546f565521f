// Dropout masks (see ckernels.h), RNG.fillDropoutMask's bits four rows at a time: row r's stream
// is xoshiro256** seeded by SplitMix64 from (seed, stream: r) exactly as RNG(seed:stream:) does,
// and four rows' streams run side by side in the four 64-bit lanes of an AVX2 register (the
// generator needs only shifts, adds and xors: s·5 = (s << 2) + s, s·9 = (s << 3) + s). Each draw
// gives a row two elements, bits 40..63 then bits 8..31 as 24-bit uniforms, and an element is
// dropped when its uniform is below the threshold. Rows past the last group of four, and CPUs
// without AVX2, take the scalar loop, which is the Swift one.
#include "ckernels.h"
#include "cpu_avx2.h"
#include <stdint.h>
#include <string.h>

static inline uint64_t splitmix64(uint64_t *x) {
    *x += 0x9E3779B97F4A7C15ULL;
    uint64_t z = *x;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline void seed_stream(uint64_t seed, uint64_t stream, uint64_t s[4]) {
    uint64_t sm = seed ^ (stream * 0x9E3779B97F4A7C15ULL) ^ 0xD1B54A32D192ED03ULL;
    for (int i = 0; i < 4; i++) s[i] = splitmix64(&sm);
    if ((s[0] | s[1] | s[2] | s[3]) == 0) s[0] = 1;
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t next(uint64_t s[4]) {
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

// keep's bits when u (24 bits) is at or above the threshold, else 0 (RNG.dropBit, branch-free).
static inline uint32_t mask_bits(uint64_t u, uint64_t threshold, uint32_t keep) {
    return keep & ((uint32_t)((u - threshold) >> 63) - 1u);
}

static void row_scalar(float *m, const float *x, float *y, long cols, uint64_t seed, uint64_t row,
                       uint64_t threshold, uint32_t keep) {
    uint64_t s[4];
    seed_stream(seed, row, s);
    uint32_t *mb = (uint32_t *)m;
    long i = 0;
    for (; i + 2 <= cols; i += 2) {
        const uint64_t r = next(s);
        mb[i] = mask_bits(r >> 40, threshold, keep);
        mb[i + 1] = mask_bits((r >> 8) & 0xFFFFFF, threshold, keep);
    }
    if (i < cols) mb[i] = mask_bits(next(s) >> 40, threshold, keep);
    if (x) for (long j = 0; j < cols; j++) y[j] = x[j] * m[j];
}

#if defined(__x86_64__)
#include <immintrin.h>

#define ROTL4(v, k) _mm256_or_si256(_mm256_slli_epi64((v), (k)), _mm256_srli_epi64((v), 64 - (k)))

__attribute__((target("avx2")))
static void rows4_avx2(float *mask, const float *x, float *y, long cols, uint64_t seed, long row,
                       uint64_t threshold, uint32_t keep) {
    uint64_t st[4][4];  // [row][word]
    for (int l = 0; l < 4; l++) seed_stream(seed, (uint64_t)(row + l), st[l]);
    __m256i s0 = _mm256_setr_epi64x((long long)st[0][0], (long long)st[1][0], (long long)st[2][0], (long long)st[3][0]);
    __m256i s1 = _mm256_setr_epi64x((long long)st[0][1], (long long)st[1][1], (long long)st[2][1], (long long)st[3][1]);
    __m256i s2 = _mm256_setr_epi64x((long long)st[0][2], (long long)st[1][2], (long long)st[2][2], (long long)st[3][2]);
    __m256i s3 = _mm256_setr_epi64x((long long)st[0][3], (long long)st[1][3], (long long)st[2][3], (long long)st[3][3]);
    const __m256i thr = _mm256_set1_epi64x((long long)threshold);
    const __m256i keepv = _mm256_set1_epi64x((long long)keep);
    const __m256i low24 = _mm256_set1_epi64x(0xFFFFFF);
    const __m256i one = _mm256_set1_epi64x(1);
    float *m0 = mask, *m1 = mask + cols, *m2 = mask + 2 * cols, *m3 = mask + 3 * cols;
    long i = 0;
    for (; i < cols; i += 2) {
        // result = rotl(s1 · 5, 7) · 9
        const __m256i s15 = _mm256_add_epi64(_mm256_slli_epi64(s1, 2), s1);
        const __m256i rot = ROTL4(s15, 7);
        const __m256i r = _mm256_add_epi64(_mm256_slli_epi64(rot, 3), rot);
        const __m256i t = _mm256_slli_epi64(s1, 17);
        s2 = _mm256_xor_si256(s2, s0);
        s3 = _mm256_xor_si256(s3, s1);
        s1 = _mm256_xor_si256(s1, s2);
        s0 = _mm256_xor_si256(s0, s3);
        s2 = _mm256_xor_si256(s2, t);
        s3 = ROTL4(s3, 45);
        // keep & (((u − threshold) >> 63) − 1) for both uniforms; the first into the low 32 bits
        // of each lane, the second into the high 32 bits: one 8-byte store per row.
        const __m256i uh = _mm256_srli_epi64(r, 40);
        const __m256i ul = _mm256_and_si256(_mm256_srli_epi64(r, 8), low24);
        const __m256i dh = _mm256_sub_epi64(_mm256_srli_epi64(_mm256_sub_epi64(uh, thr), 63), one);
        const __m256i dl = _mm256_sub_epi64(_mm256_srli_epi64(_mm256_sub_epi64(ul, thr), 63), one);
        const __m256i pair = _mm256_or_si256(_mm256_and_si256(dh, keepv),
                                             _mm256_slli_epi64(_mm256_and_si256(dl, keepv), 32));
        uint64_t out[4];
        _mm256_storeu_si256((__m256i *)out, pair);
        if (i + 2 <= cols) {
            memcpy(m0 + i, &out[0], 8); memcpy(m1 + i, &out[1], 8);
            memcpy(m2 + i, &out[2], 8); memcpy(m3 + i, &out[3], 8);
        } else {  // odd column count: the last draw gives its first uniform only
            memcpy(m0 + i, &out[0], 4); memcpy(m1 + i, &out[1], 4);
            memcpy(m2 + i, &out[2], 4); memcpy(m3 + i, &out[3], 4);
        }
    }
    if (!x) return;
    const long n = 4 * cols;
    long j = 0;
    for (; j + 8 <= n; j += 8)
        _mm256_storeu_ps(y + j, _mm256_mul_ps(_mm256_loadu_ps(x + j), _mm256_loadu_ps(mask + j)));
    for (; j < n; j++) y[j] = x[j] * mask[j];
}

#endif

void mt_dropout_rows(float *mask, const float *x, float *y, long cols, long row_lo, long row_hi,
                     uint64_t seed, uint64_t threshold, float keep, int allow_simd) {
    uint32_t kb;
    memcpy(&kb, &keep, 4);
    long r = row_lo;
#if defined(__x86_64__)
    if (allow_simd && mt_cpu_has_avx2()) {
        for (; r + 4 <= row_hi; r += 4)
            rows4_avx2(mask + r * cols, x ? x + r * cols : NULL, x ? y + r * cols : NULL, cols, seed, r, threshold, kb);
    }
#else
    (void)allow_simd;
#endif
    for (; r < row_hi; r++)
        row_scalar(mask + r * cols, x ? x + r * cols : NULL, x ? y + r * cols : NULL, cols, seed, (uint64_t)r, threshold, kb);
}
