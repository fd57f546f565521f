// OpenBLAS's CBLAS interface (Debian: libopenblas-dev). Only MTTensor/GEMM.swift calls cblas_sgemm.
#include <cblas.h>
