// Layer norm's backward over rows (see ckernels.h), LayerNorm.backward's bits. Each row needs two
// sums over its columns, Σ g_i and Σ g_i·x̂_i (g = dy ⊙ γ, x̂ = (x − μ)·rstd), added one column at
// a time in order: a chain of dependent additions per row. Eight rows run side by side in the
// eight lanes of an AVX2 register (each lane the same chain as its row alone), their columns
// brought into lanes eight at a time by an 8×8 transpose. Then each row's gradients, elementwise
// over the columns: dγ += dy ⊙ x̂, dβ += dy, dx += rstd · (g − mG − x̂ · mGX). Rows past the last
// group of eight and CPUs without AVX2 take the one-row loop.
#include "ckernels.h"
#include "cpu_avx2.h"

#pragma STDC FP_CONTRACT OFF

static void row_sums_scalar(const float *x, const float *dy, const float *gamma, long d, float mu, float rs,
                            float *mG, float *mGX) {
    float sumG = 0, sumGX = 0;
    for (long i = 0; i < d; i++) {
        const float xh = (x[i] - mu) * rs;
        const float gi = dy[i] * gamma[i];
        sumG += gi;
        sumGX += gi * xh;
    }
    *mG = sumG / (float)d;
    *mGX = sumGX / (float)d;
}

static void row_gradients_scalar(const float *x, const float *dy, float *dx, const float *gamma, long d, float mu,
                                 float rs, float mG, float mGX, float *dg, float *db, long from) {
    for (long i = from; i < d; i++) {
        const float xh = (x[i] - mu) * rs;
        dg[i] += dy[i] * xh;
        db[i] += dy[i];
        dx[i] += rs * (dy[i] * gamma[i] - mG - xh * mGX);
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

// r[j] (row j's eight values) → r[c] (column c's values of the eight rows).
__attribute__((target("avx2")))
static inline void transpose8(__m256 r[8]) {
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20); r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20); r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    r[4] = _mm256_permute2f128_ps(u0, u4, 0x31); r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[6] = _mm256_permute2f128_ps(u2, u6, 0x31); r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

// The two sums of rows r0..r0+7, lane j for row r0 + j.
__attribute__((target("avx2")))
static void row_sums8(const float *x, const float *dy, const float *gamma, const float *mean, const float *rstd,
                      long d, long r0, float mG[8], float mGX[8]) {
    const __m256 mu = _mm256_loadu_ps(mean + r0), rs = _mm256_loadu_ps(rstd + r0);
    __m256 sumG = _mm256_setzero_ps(), sumGX = _mm256_setzero_ps();
    long i = 0;
    for (; i + 8 <= d; i += 8) {
        __m256 xc[8], gc[8];
        for (int j = 0; j < 8; j++) {
            xc[j] = _mm256_loadu_ps(x + (r0 + j) * d + i);
            gc[j] = _mm256_loadu_ps(dy + (r0 + j) * d + i);
        }
        transpose8(xc);
        transpose8(gc);
        for (int c = 0; c < 8; c++) {
            const __m256 xh = _mm256_mul_ps(_mm256_sub_ps(xc[c], mu), rs);
            const __m256 gi = _mm256_mul_ps(gc[c], _mm256_set1_ps(gamma[i + c]));
            sumG = _mm256_add_ps(sumG, gi);
            sumGX = _mm256_add_ps(sumGX, _mm256_mul_ps(gi, xh));
        }
    }
    for (; i < d; i++) {
        float xv[8], gv[8];
        for (int j = 0; j < 8; j++) { xv[j] = x[(r0 + j) * d + i]; gv[j] = dy[(r0 + j) * d + i]; }
        const __m256 xh = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(xv), mu), rs);
        const __m256 gi = _mm256_mul_ps(_mm256_loadu_ps(gv), _mm256_set1_ps(gamma[i]));
        sumG = _mm256_add_ps(sumG, gi);
        sumGX = _mm256_add_ps(sumGX, _mm256_mul_ps(gi, xh));
    }
    const __m256 dv = _mm256_set1_ps((float)d);
    _mm256_storeu_ps(mG, _mm256_div_ps(sumG, dv));
    _mm256_storeu_ps(mGX, _mm256_div_ps(sumGX, dv));
}

__attribute__((target("avx2")))
static void row_gradients8(const float *x, const float *dy, float *dx, const float *gamma, long d, float mu, float rs,
                           float mG, float mGX, float *dg, float *db) {
    const __m256 muv = _mm256_set1_ps(mu), rsv = _mm256_set1_ps(rs), mGv = _mm256_set1_ps(mG), mGXv = _mm256_set1_ps(mGX);
    long i = 0;
    for (; i + 8 <= d; i += 8) {
        const __m256 xh = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), muv), rsv);
        const __m256 g = _mm256_loadu_ps(dy + i);
        _mm256_storeu_ps(dg + i, _mm256_add_ps(_mm256_loadu_ps(dg + i), _mm256_mul_ps(g, xh)));
        _mm256_storeu_ps(db + i, _mm256_add_ps(_mm256_loadu_ps(db + i), g));
        const __m256 inner = _mm256_sub_ps(_mm256_sub_ps(_mm256_mul_ps(g, _mm256_loadu_ps(gamma + i)), mGv),
                                           _mm256_mul_ps(xh, mGXv));
        _mm256_storeu_ps(dx + i, _mm256_add_ps(_mm256_loadu_ps(dx + i), _mm256_mul_ps(rsv, inner)));
    }
    row_gradients_scalar(x, dy, dx, gamma, d, mu, rs, mG, mGX, dg, db, i);
}

#endif

void mt_layer_norm_backward_rows(const float *x, const float *dy, float *dx, const float *gamma, const float *mean,
                                 const float *rstd, long d, long row_lo, long row_hi, float *dg, float *db,
                                 int allow_simd) {
    long r = row_lo;
#if defined(__x86_64__)
    if (allow_simd && mt_cpu_has_avx2()) {
        for (; r + 8 <= row_hi; r += 8) {
            float mG[8], mGX[8];
            row_sums8(x, dy, gamma, mean, rstd, d, r, mG, mGX);
            for (int j = 0; j < 8; j++) {
                const long row = r + j;
                row_gradients8(x + row * d, dy + row * d, dx + row * d, gamma, d, mean[row], rstd[row], mG[j], mGX[j],
                               dg, db);
            }
        }
    }
#else
    (void)allow_simd;
#endif
    for (; r < row_hi; r++) {
        float mG, mGX;
        row_sums_scalar(x + r * d, dy + r * d, gamma, d, mean[r], rstd[r], &mG, &mGX);
        row_gradients_scalar(x + r * d, dy + r * d, dx + r * d, gamma, d, mean[r], rstd[r], mG, mGX, dg, db, 0);
    }
}
