// Whether this CPU runs AVX2 (for the kernels that choose their body at run time), asked once.
#ifndef MT_CPU_AVX2_H
#define MT_CPU_AVX2_H

#if defined(__x86_64__)
static inline int mt_cpu_has_avx2(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") ? 1 : 0;
    }
    return cached;
}
#endif

#endif
