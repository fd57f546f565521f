// The loss's and softmax's row passes in AVX2 (see ckernels.h), each giving its Swift kernel's
// bits: Kernels.maxAndSum (lanes' max and Float sums, the lanes added in order into a double),
// Kernels.expShiftScale (g · (exp(x − lse) − c)), and Σ exp(x[i] − m), Kernels.sumExp: the same
// exponential (FastMath.exp's Cephes polynomial, every multiply and add rounded separately), the
// same eight Float lanes (element i in lane i mod 8), the lanes added in order into a double,
// then the tail elements one by one in double. So it gives Kernels.sumExp's bits; the Swift
// build targets baseline x86-64, where SIMD8 runs as two SSE halves.
#include "ckernels.h"
#include "cpu_avx2.h"

#pragma STDC FP_CONTRACT OFF

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

__attribute__((target("avx2")))
static inline __m256 exp8(__m256 xin) {
    const __m256 low = _mm256_cmp_ps(xin, _mm256_set1_ps(-87.3f), _CMP_LT_OQ);
    const __m256 magic = _mm256_set1_ps(12582912.0f);  // 1.5 · 2^23
    const __m256 t = _mm256_add_ps(_mm256_mul_ps(xin, _mm256_set1_ps(1.44269504088896341f)), magic);
    const __m256 fx = _mm256_sub_ps(t, magic);         // round-to-nearest(x · log2 e)
    const __m256i n = _mm256_sub_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(0x4B400000));
    __m256 x = _mm256_sub_ps(xin, _mm256_mul_ps(fx, _mm256_set1_ps(0.693359375f)));
    x = _mm256_add_ps(x, _mm256_mul_ps(fx, _mm256_set1_ps(2.12194440e-4f)));
    __m256 y = _mm256_set1_ps(1.9875691500e-4f);
    y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(1.3981999507e-3f));
    y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(8.3334519073e-3f));
    y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(4.1665795894e-2f));
    y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(1.6666665459e-1f));
    y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(5.0000001201e-1f));
    y = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(y, _mm256_mul_ps(x, x)), x), _mm256_set1_ps(1.0f));
    const __m256i e = _mm256_mullo_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), _mm256_set1_epi32(8388608));
    return _mm256_andnot_ps(low, _mm256_mul_ps(y, _mm256_castsi256_ps(e)));
}

__attribute__((target("avx2")))
static double sum_exp_avx2(const float *x, long n, float m) {
    __m256 acc = _mm256_setzero_ps();
    const __m256 mv = _mm256_set1_ps(m);
    long i = 0;
    for (; i + 8 <= n; i += 8) acc = _mm256_add_ps(acc, exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv)));
    float lanes[8];
    _mm256_storeu_ps(lanes, acc);
    double total = 0;
    for (int l = 0; l < 8; l++) total += (double)lanes[l];
    for (; i < n; i++) {
        float e[8];
        _mm256_storeu_ps(e, exp8(_mm256_set1_ps(x[i] - m)));
        total += (double)e[0];
    }
    return total;
}

__attribute__((target("avx2")))
void mt_max_and_sum(const float *x, long n, float *max_out, double *sum_out) {
    // MAXPS(v, mv) is v > mv ? v : mv, the Swift loop's select.
    __m256 mv = _mm256_set1_ps(-__builtin_inff()), sv = _mm256_setzero_ps();
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        mv = _mm256_max_ps(v, mv);
        sv = _mm256_add_ps(sv, v);
    }
    float ml[8], sl[8];
    _mm256_storeu_ps(ml, mv);
    _mm256_storeu_ps(sl, sv);
    float m = ml[0];
    for (int l = 1; l < 8; l++) m = ml[l] >= m ? ml[l] : m;  // Swift.max(m, v): v >= m ? v : m
    double total = 0;
    for (int l = 0; l < 8; l++) total += (double)sl[l];
    for (; i < n; i++) { m = x[i] >= m ? x[i] : m; total += (double)x[i]; }
    *max_out = m;
    *sum_out = total;
}

__attribute__((target("avx2")))
void mt_exp_shift_scale(const float *x, float *out, long n, float lse, float g, float c) {
    const __m256 lv = _mm256_set1_ps(lse), cv = _mm256_set1_ps(c), gv = _mm256_set1_ps(g);
    long i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(out + i, _mm256_mul_ps(gv, _mm256_sub_ps(exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), lv)), cv)));
    for (; i < n; i++) {
        float e[8];
        _mm256_storeu_ps(e, exp8(_mm256_set1_ps(x[i] - lse)));
        out[i] = g * (e[0] - c);
    }
}

int mt_sum_exp_available(void) { return mt_cpu_has_avx2(); }

double mt_sum_exp(const float *x, long n, float m) { return sum_exp_avx2(x, n, m); }
#else
int mt_sum_exp_available(void) { return 0; }
double mt_sum_exp(const float *x, long n, float m) { (void)x; (void)n; (void)m; return 0; }
void mt_max_and_sum(const float *x, long n, float *max_out, double *sum_out) {
    (void)x; (void)n; *max_out = 0; *sum_out = 0;
}
void mt_exp_shift_scale(const float *x, float *out, long n, float lse, float g, float c) {
    (void)x; (void)out; (void)n; (void)lse; (void)g; (void)c;
}
#endif
