// Whether this CPU runs AVX2 (for the kernels that choose their body at run time), asked once per
// file that includes it (threads may ask at once: the cached answer is read and written atomically).
#ifndef MT_CPU_AVX2_H
#define MT_CPU_AVX2_H

#if defined(__x86_64__)
static inline int mt_cpu_has_avx2(void) {
    static int cached = -1;
    int c = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (c < 0) {
        __builtin_cpu_init();
        c = __builtin_cpu_supports("avx2") ? 1 : 0;
        __atomic_store_n(&cached, c, __ATOMIC_RELAXED);
    }
    return c;
}
#endif

#endif
