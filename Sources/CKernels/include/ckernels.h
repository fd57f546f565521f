// Small numeric kernels in C where Swift cannot reach the instruction set: the build targets
// baseline x86-64 (SSE2) so that binaries run on every machine, and these functions pick an
// AVX2+FMA body at run time when the CPU has it (cpuid), else a portable one.
#ifndef T2R_MT_CKERNELS_H
#define T2R_MT_CKERNELS_H

#include <stdint.h>

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
/// Reads one float of every 64-byte line of p[0..<n] (the result is discarded): brings a block of
/// weights into this core's caches at streaming speed before a product reads it (small_gemm.c).
void mt_read_lines(const float *p, long n);

/// Symmetric int8 quantization of n rows of k floats (row stride ldw): s[i] = max|w[i, :]| / 127
/// (1 for a zero row), q[i, p] = round(w[i, p] / s[i]) clamped to [-127, 127] (row stride ldq).
void mt_quantize_rows_s8(int n, int k, const float *w, int ldw, int8_t *q, int ldq, float *s);

/// C[i, j] = (sa[i] · sb[j]) · Σ_p qa[i, p] · qb[j, p] + beta · C[i, j] for i in [0, m), j in
/// [j0, j1), where A's rows (floats, stride lda) are quantized on the call like
/// mt_quantize_rows_s8 and qb/sb are B quantized by it (stride ldb). The integer sums are exact,
/// so the result does not depend on the body (AVX2 or portable) or on the caller's split of j.
/// Returns 0 when the per-thread scratch for A could not be allocated, else 1.
int mt_gemm_q8_nt(int m, int j0, int j1, int k, const float *a, int lda, const int8_t *qb, int ldb,
                  const float *sb, float beta, float *c, int ldc);

/// One body by number (1 portable, 2 AVX2, 3 AVX-512 VNNI): -1 when this CPU cannot run it.
/// Tests compare the bodies; they agree bit for bit.
int mt_gemm_q8_nt_body(int body, int m, int j0, int j1, int k, const float *a, int lda, const int8_t *qb, int ldb,
                       const float *sb, float beta, float *c, int ldc);

/// The body mt_gemm_q8_nt runs on this CPU (1 portable, 2 AVX2, 3 AVX-512 VNNI; the environment's
/// MT_Q8_BODY=avx2|portable picks a lesser one).
int mt_gemm_q8_body(void);

/// One row and head of the recurrent linear-attention step (CausalLinearAttention.step). For each
/// feature j < r: when fk[j] != 0, s[j, :] += fk[j] · v and z[j] += fk[j]; when fq[j] != 0,
/// o += fq[j] · s[j, :] (after s[j]'s update) and den += fq[j] · z[j] in double. o (dh floats) is
/// zeroed first and finally multiplied by (float)(1 / max(den, eps)). s is [r, dh], row stride dh.
/// Each element is one multiply and one add rounded separately: every body gives the same bits.
void mt_linear_attention_step(int r, int dh, float *s, float *z, const float *fk, const float *fq,
                              const float *v, float *o, double eps);

/// One body by number (1 portable, 2 AVX, 3 AVX-512F): 0 when this CPU cannot run it, else 1.
int mt_linear_attention_step_body(int body, int r, int dh, float *s, float *z, const float *fk, const float *fq,
                                  const float *v, float *o, double eps);

/// The read-out alone, for cross attention's fixed state (CrossLinearAttention.step): o = Σ_j
/// fq[j] · s[j, :] over the features with fq[j] != 0, times (float)(1 / max(|den|, eps)) where
/// den = Σ_j fq[j] · z[j] in double. Same bodies and the same bits as the Swift loop.
void mt_linear_attention_read(int r, int dh, const float *s, const float *z, const float *fq, float *o, double eps);

/// One body by number, as mt_linear_attention_step_body.
int mt_linear_attention_read_body(int body, int r, int dh, const float *s, const float *z, const float *fq, float *o,
                                  double eps);

/// The body mt_linear_attention_step runs on this CPU (1 portable, 2 AVX, 3 AVX-512F).
int mt_linear_attention_body(void);

/// Σ_i exp(x[i] − m) for i < n, Kernels.sumExp's bits (FastMath.exp, eight Float lanes added in
/// order into a double, then the tail in double) with AVX2. Call only when mt_sum_exp_available().
double mt_sum_exp(const float *x, long n, float m);

/// The max of x[0..<n] and Σ x[i] (eight Float lanes added in order into a double, then the tail
/// in double): Kernels.maxAndSum's sum bits and its max value (a zero maximum may differ in sign,
/// which no log-sum-exp can see), with AVX2. Only when mt_sum_exp_available().
void mt_max_and_sum(const float *x, long n, float *max_out, double *sum_out);

/// out[i] = g · (exp(x[i] − lse) − c) for i < n, Kernels.expShiftScale's bits, with AVX2 (out may
/// be x). Only when mt_sum_exp_available().
void mt_exp_shift_scale(const float *x, float *out, long n, float lse, float g, float c);

/// 1 when this CPU has AVX2 (mt_sum_exp, mt_max_and_sum and mt_exp_shift_scale may be called), else 0.
int mt_sum_exp_available(void);

/// Dropout masks for rows [row_lo, row_hi) of a [rows, cols] mask (dropout_mask.c): row r
/// draws from xoshiro256** seeded as RNG(seed: seed, stream: r), two 24-bit uniforms per draw,
/// an element 0 when its uniform is below `threshold` (RNG.dropThreshold) and `keep` otherwise:
/// RNG.fillDropoutMask's bits. Given x (and y), also y = x ⊙ mask over those rows. With
/// allow_simd and AVX2, four rows' streams run side by side; the bits are the same either way.
void mt_dropout_rows(float *mask, const float *x, float *y, long cols, long row_lo, long row_hi,
                     uint64_t seed, uint64_t threshold, float keep, int allow_simd);

/// Layer norm's backward for rows [row_lo, row_hi) of x, dy, dx [·, d] (layer_norm_backward.c):
/// per row, with g = dy ⊙ γ and x̂ = (x − mean[r])·rstd[r], mG = Σ g / d and mGX = Σ g·x̂ / d
/// summed column by column in order, then dγ += dy ⊙ x̂, dβ += dy, dx += rstd · (g − mG − x̂·mGX),
/// rows in order: the one-row loop's bits. With allow_simd and AVX2, eight rows' sums run side by
/// side (the same chains); the bits are the same either way.
void mt_layer_norm_backward_rows(const float *x, const float *dy, float *dx, const float *gamma, const float *mean,
                                 const float *rstd, long d, long row_lo, long row_hi, float *dg, float *db,
                                 int allow_simd);

/// Bytes of B packed for mt_gemm_q8_nt_packed: n rows rounded up to 16 (a panel), k rounded up
/// to 4 (a group), one byte each.
long mt_q8_packed_bytes(int n, int k);

/// Packs B (n rows of k int8, stride ldq, as mt_quantize_rows_s8 makes them) into panels of 16
/// rows: for each group of 4 columns the 16 rows' 4 bytes side by side (zeros beyond n and k);
/// colsum (n rounded up to 16 entries) gets 128 · Σ_p q[j, p].
void mt_q8_pack(int n, int k, const int8_t *q, int ldq, int8_t *packed, int32_t *colsum);

/// 1 when this CPU runs mt_gemm_q8_nt_packed (AVX-512 VNNI), else 0.
int mt_gemm_q8_packed_available(void);

/// mt_gemm_q8_nt with B packed by mt_q8_pack: the same results bit for bit (exact integer sums,
/// the same float epilogue), without horizontal sums. Returns 0 when scratch could not be
/// allocated or the CPU lacks AVX-512 VNNI, else 1.
int mt_gemm_q8_nt_packed(int m, int j0, int j1, int k, const float *a, int lda, const int8_t *packed,
                         const int32_t *colsum, const float *sb, float beta, float *c, int ldc);

/// A loop body over [lo, hi) of a job's range, with the caller's context.
typedef void (*mt_range_fn)(void *ctx, long lo, long hi);

/// Runs fn over [0, count) split into `parts` contiguous parts (part p is [count·p/parts,
/// count·(p+1)/parts)) on the calling thread and up to parts − 1 persistent workers
/// (spin_pool.c), returning when every part is done. Parts are claimed by whoever comes first, so
/// results must not depend on which thread runs a part. A call made while another is running
/// (from another thread, or from inside a part) runs the whole range inline.
void mt_pool_run(long count, int parts, mt_range_fn fn, void *ctx);

/// Workers started so far.
int mt_pool_workers(void);

/// The shape of a counted product: C[m, n] from op(A)[m, k] · op(B)[k, n] (trans flags 0 or 1).
typedef struct { int m, n, k, trans_a, trans_b; } mt_product_shape;

/// Product counting (flop_count.c), for benchmarks: on resets the counts. Off by default.
void mt_count_products(int on);
int mt_counting_products(void);
/// Adds one product (a no-op unless counting is on).
void mt_count_product(int m, int n, int k, int trans_a, int trans_b);
/// FLOPs (2·m·n·k summed) and the largest product (by m·n·k) since counting was turned on.
double mt_counted_flops(void);
mt_product_shape mt_largest_product(void);
/// Adds the wall time of one product issued outside parallel regions (its FLOPs and seconds),
/// and reads the sums: where a step's time goes between such products and everything else.
void mt_count_top_level_product(int m, int n, int k, int trans_a, int trans_b, double seconds);
void mt_counted_top_level(double *flops, double *seconds);

/// The same by shape: each distinct shape's calls and summed seconds, in first-seen order (at
/// most MT_MAX_SHAPES shapes are kept). Copies at most `max` into `out`; returns how many.
#define MT_MAX_SHAPES 64
typedef struct { mt_product_shape shape; int calls; double seconds; } mt_shape_time;
int mt_counted_top_level_shapes(mt_shape_time *out, int max);

#ifdef __cplusplus
}
#endif
#endif
