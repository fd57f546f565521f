// Shared between gemm_q8.c and gemm_q8_packed.c (not part of the module's interface).
#ifndef T2R_MT_Q8_INTERNAL_H
#define T2R_MT_Q8_INTERNAL_H
#include <stdint.h>

/// gemm_q8.c's per-row quantization of A for the VNNI bodies: q + 128 in bytes, row stride ldq.
void mt_q8_quantize_rows_u8(int n, int k, const float *x, int ldx, uint8_t *q, int ldq, float *s);

#endif
