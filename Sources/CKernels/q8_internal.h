// Shared between gemm_q8.c and gemm_q8_packed.c (not part of the module's interface).
#ifndef T2R_MT_Q8_INTERNAL_H
#define T2R_MT_Q8_INTERNAL_H
#include <stdint.h>

/// gemm_q8.c's per-row quantization of A for the VNNI bodies (q + 128 in bytes) into its
/// per-thread scratch, m rows of stride ldq ≥ k with zeros in [k, ldq); *q and *s point at the
/// rows and their scales. Returns 0 when the scratch could not be allocated, else 1.
int mt_q8_quantize_u8_scratch(int m, int k, int ldq, const float *a, int lda, uint8_t **q, float **s);

#endif
