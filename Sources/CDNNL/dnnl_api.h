#ifndef CDNNL_DNNL_API_H
#define CDNNL_DNNL_API_H
// Inside the shim only: oneDNN's functions as looked up in libdnnl.so.2 (loader.c), and the context.
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>

#include "cdnnl.h"

#define CDNNL_FUNCTIONS(X)                                                                                            \
    X(dnnl_version) X(dnnl_engine_create) X(dnnl_engine_destroy) X(dnnl_stream_create) X(dnnl_stream_destroy)         \
    X(dnnl_stream_wait) X(dnnl_memory_desc_init_by_tag) X(dnnl_memory_desc_equal) X(dnnl_memory_desc_get_size)        \
    X(dnnl_memory_desc_reshape) X(dnnl_memory_create) X(dnnl_memory_destroy) X(dnnl_memory_get_data_handle)           \
    X(dnnl_dilated_convolution_forward_desc_init) X(dnnl_pooling_v2_forward_desc_init)                                \
    X(dnnl_inner_product_forward_desc_init) X(dnnl_eltwise_forward_desc_init) X(dnnl_binary_desc_init)                \
    X(dnnl_concat_primitive_desc_create) X(dnnl_softmax_forward_desc_init) X(dnnl_lrn_forward_desc_init)              \
    X(dnnl_shuffle_forward_desc_init) X(dnnl_primitive_desc_create) X(dnnl_primitive_desc_query)                      \
    X(dnnl_primitive_desc_query_md) X(dnnl_primitive_desc_destroy) X(dnnl_reorder_primitive_desc_create)              \
    X(dnnl_primitive_create) X(dnnl_primitive_execute) X(dnnl_primitive_destroy) X(dnnl_primitive_attr_create)        \
    X(dnnl_primitive_attr_destroy) X(dnnl_primitive_attr_set_post_ops) X(dnnl_primitive_attr_set_output_scales)                   \
    X(dnnl_primitive_attr_set_zero_points) X(dnnl_post_ops_create)                        \
    X(dnnl_post_ops_append_eltwise) X(dnnl_post_ops_append_sum) X(dnnl_post_ops_destroy)

struct cdnnl_api {
#define CDNNL_DECLARE(name) __typeof__(&name) name;
    CDNNL_FUNCTIONS(CDNNL_DECLARE)
#undef CDNNL_DECLARE
    // OpenMP's (Debian builds oneDNN on it): the thread count is per calling thread, so it is set before each run.
    void (*set_omp_threads)(int);
};
extern struct cdnnl_api cdnnl_api;

// Shared by every net of one backend; each net has a stream of its own, since models of one backend run on
// several threads at once (the inference thread, accuracy evaluation, the pool compiling the next variant).
struct cdnnl_context {
    dnnl_engine_t engine;
    int threads;
};

// "oneDNN: <what> (status N)" into the caller's message buffer.
static inline void cdnnl_say(char *message, size_t capacity, const char *what, dnnl_status_t status) {
    if (message && capacity) snprintf(message, capacity, "oneDNN: %s (status %d)", what, (int)status);
}

#endif
