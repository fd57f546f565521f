// The recurrent linear-attention step's inner loop (see ckernels.h): the state update
// s[j, :] += fk[j] · v and the read-out o += fq[j] · s[j, :] over one head's r features.
// Every element is one multiply and one add, rounded separately, in the same order as the
// scalar body, so the AVX-512, AVX and portable bodies give the same bits (and the same as the
// Swift loop this replaced). The build targets baseline x86-64, hence the run-time choice.
#include "ckernels.h"

// No fused multiply-add, also in the scalar tails of the AVX-512 body (whose target has FMA).
#pragma STDC FP_CONTRACT OFF

#if defined(__x86_64__) || defined(__i386__)
#define MT_X86 1
#include <immintrin.h>
#endif

typedef void (*axpy_pair_fn)(int dh, float kj, float qj, float *sj, const float *v, float *o);

// sj += kj · v (when kj ≠ 0), then o += qj · sj (when qj ≠ 0).
static void pair_portable(int dh, float kj, float qj, float *sj, const float *v, float *o) {
    if (kj != 0) for (int i = 0; i < dh; i++) sj[i] += kj * v[i];
    if (qj != 0) for (int i = 0; i < dh; i++) o[i] += qj * sj[i];
}

#ifdef MT_X86
// One body per vector width W (floats): VEC the register type, P the intrinsics' prefix
// (_mm256 or _mm512). The scalar tails are pair_portable's loops.
#define PAIR_BODY(NAME, TARGET, VEC, W, P)                                                        \
    __attribute__((target(TARGET)))                                                               \
    static void NAME(int dh, float kj, float qj, float *sj, const float *v, float *o) {           \
        int i = 0;                                                                                \
        const VEC kv = P##_set1_ps(kj), qv = P##_set1_ps(qj);                                     \
        if (kj != 0 && qj != 0) {                                                                 \
            for (; i + W <= dh; i += W) {                                                         \
                VEC s = P##_add_ps(P##_loadu_ps(sj + i), P##_mul_ps(kv, P##_loadu_ps(v + i)));    \
                P##_storeu_ps(sj + i, s);                                                         \
                P##_storeu_ps(o + i, P##_add_ps(P##_loadu_ps(o + i), P##_mul_ps(qv, s)));         \
            }                                                                                     \
            for (; i < dh; i++) { sj[i] += kj * v[i]; o[i] += qj * sj[i]; }                       \
        } else if (kj != 0) {                                                                     \
            for (; i + W <= dh; i += W)                                                           \
                P##_storeu_ps(sj + i, P##_add_ps(P##_loadu_ps(sj + i), P##_mul_ps(kv, P##_loadu_ps(v + i)))); \
            for (; i < dh; i++) sj[i] += kj * v[i];                                               \
        } else if (qj != 0) {                                                                     \
            for (; i + W <= dh; i += W)                                                           \
                P##_storeu_ps(o + i, P##_add_ps(P##_loadu_ps(o + i), P##_mul_ps(qv, P##_loadu_ps(sj + i)))); \
            for (; i < dh; i++) o[i] += qj * sj[i];                                               \
        }                                                                                         \
    }

PAIR_BODY(pair_avx, "avx", __m256, 8, _mm256)
PAIR_BODY(pair_avx512, "avx512f", __m512, 16, _mm512)
#endif

static axpy_pair_fn body_fn(int body) {
    switch (body) {
    case 1: return pair_portable;
#ifdef MT_X86
    case 2: __builtin_cpu_init(); return __builtin_cpu_supports("avx") ? pair_avx : 0;
    case 3: __builtin_cpu_init(); return __builtin_cpu_supports("avx512f") ? pair_avx512 : 0;
#endif
    default: return 0;
    }
}

int mt_linear_attention_body(void) {
    for (int b = 3; b > 1; b--) if (body_fn(b)) return b;
    return 1;
}

static axpy_pair_fn chosen;

// The body this CPU runs, picked on first use.
static axpy_pair_fn chosen_body(void) {
    axpy_pair_fn f = __atomic_load_n(&chosen, __ATOMIC_ACQUIRE);
    if (!f) { f = body_fn(mt_linear_attention_body()); __atomic_store_n(&chosen, f, __ATOMIC_RELEASE); }
    return f;
}

static void step(axpy_pair_fn f, int r, int dh, float *s, float *z, const float *fk, const float *fq,
                 const float *v, float *o, double eps) {
    for (int i = 0; i < dh; i++) o[i] = 0;
    double den = 0;
    for (int j = 0; j < r; j++) {
        const float kj = fk[j], qj = fq[j];
        f(dh, kj, qj, s + (long)j * dh, v, o);
        if (kj != 0) z[j] += kj;
        if (qj != 0) den += (double)qj * (double)z[j];
    }
    const double m = eps >= den ? eps : den;   // Swift.max(den, eps): a NaN den stays NaN
    const float inv = (float)(1 / m);
    for (int i = 0; i < dh; i++) o[i] *= inv;
}

void mt_linear_attention_step(int r, int dh, float *s, float *z, const float *fk, const float *fq,
                              const float *v, float *o, double eps) {
    step(chosen_body(), r, dh, s, z, fk, fq, v, o, eps);
}

static void read_out(axpy_pair_fn f, int r, int dh, const float *s, const float *z, const float *fq, float *o,
                     double eps) {
    for (int i = 0; i < dh; i++) o[i] = 0;
    double den = 0;
    for (int j = 0; j < r; j++) {
        const float qj = fq[j];
        if (qj == 0) continue;
        f(dh, 0, qj, (float *)(s + (long)j * dh), 0, o);   // kj = 0: s is only read
        den += (double)qj * (double)z[j];
    }
    const double a = den < 0 ? -den : den;
    const double m = eps >= a ? eps : a;   // Swift.max(Swift.abs(den), eps)
    const float inv = (float)(1 / m);
    for (int i = 0; i < dh; i++) o[i] *= inv;
}

void mt_linear_attention_read(int r, int dh, const float *s, const float *z, const float *fq, float *o, double eps) {
    read_out(chosen_body(), r, dh, s, z, fq, o, eps);
}

int mt_linear_attention_read_body(int body, int r, int dh, const float *s, const float *z, const float *fq, float *o,
                                  double eps) {
    axpy_pair_fn f = body_fn(body);
    if (!f) return 0;
    read_out(f, r, dh, s, z, fq, o, eps);
    return 1;
}

int mt_linear_attention_step_body(int body, int r, int dh, float *s, float *z, const float *fk, const float *fq,
                                  const float *v, float *o, double eps) {
    axpy_pair_fn f = body_fn(body);
    if (!f) return 0;
    step(f, r, dh, s, z, fk, fq, v, o, eps);
    return 1;
}
