// Counting the products of a training step (see ckernels.h and MTTensor/GEMM.swift): FLOPs
// (2·m·n·k per product) and the largest product's shape, for mt-bench train's model-FLOPs
// rate. Off unless a benchmark turns it on; products may come from several threads.
#include "ckernels.h"

#include <pthread.h>
#include <stdatomic.h>

static _Atomic int counting;
static pthread_mutex_t count_mu = PTHREAD_MUTEX_INITIALIZER;
static double total_flops;
static mt_product_shape largest;
static double top_flops, top_seconds;
// Top-level products by shape (the first MT_MAX_SHAPES distinct shapes; more are only summed).
static mt_shape_time shapes[MT_MAX_SHAPES];
static int shape_count;

void mt_count_products(int on) {
    pthread_mutex_lock(&count_mu);
    if (on) {
        total_flops = 0;
        largest = (mt_product_shape){0, 0, 0, 0, 0};
        top_flops = 0;
        top_seconds = 0;
        shape_count = 0;
    }
    atomic_store(&counting, on);
    pthread_mutex_unlock(&count_mu);
}

int mt_counting_products(void) { return atomic_load_explicit(&counting, memory_order_relaxed); }

void mt_count_product(int m, int n, int k, int trans_a, int trans_b) {
    if (!atomic_load_explicit(&counting, memory_order_relaxed)) return;
    double f = 2.0 * m * n * k;
    pthread_mutex_lock(&count_mu);
    total_flops += f;
    if ((double)m * n * k > (double)largest.m * largest.n * largest.k)
        largest = (mt_product_shape){m, n, k, trans_a, trans_b};
    pthread_mutex_unlock(&count_mu);
}

double mt_counted_flops(void) {
    pthread_mutex_lock(&count_mu);
    double f = total_flops;
    pthread_mutex_unlock(&count_mu);
    return f;
}

mt_product_shape mt_largest_product(void) {
    pthread_mutex_lock(&count_mu);
    mt_product_shape s = largest;
    pthread_mutex_unlock(&count_mu);
    return s;
}

void mt_count_top_level_product(int m, int n, int k, int trans_a, int trans_b, double seconds) {
    pthread_mutex_lock(&count_mu);
    top_flops += 2.0 * m * n * k;
    top_seconds += seconds;
    int i = 0;
    while (i < shape_count && !(shapes[i].shape.m == m && shapes[i].shape.n == n && shapes[i].shape.k == k &&
                                shapes[i].shape.trans_a == trans_a && shapes[i].shape.trans_b == trans_b))
        i++;
    if (i == shape_count && shape_count < MT_MAX_SHAPES)
        shapes[shape_count++] = (mt_shape_time){{m, n, k, trans_a, trans_b}, 0, 0};
    if (i < shape_count) {
        shapes[i].calls++;
        shapes[i].seconds += seconds;
    }
    pthread_mutex_unlock(&count_mu);
}

int mt_counted_top_level_shapes(mt_shape_time *out, int max) {
    pthread_mutex_lock(&count_mu);
    int n = shape_count < max ? shape_count : max;
    for (int i = 0; i < n; i++) out[i] = shapes[i];
    pthread_mutex_unlock(&count_mu);
    return n;
}

void mt_counted_top_level(double *flops, double *seconds) {
    pthread_mutex_lock(&count_mu);
    *flops = top_flops;
    *seconds = top_seconds;
    pthread_mutex_unlock(&count_mu);
}
