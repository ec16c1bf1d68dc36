// Built when oneDNN's headers were missing: every entry point says so, and the backend is reported unavailable.
#if !__has_include(<oneapi/dnnl/dnnl.h>)
#include "cdnnl.h"

#include <stdio.h>

static const char reason[] = "adapt-top was built without oneDNN (libdnnl-dev was not installed)";

static int unavailable(char *message, size_t capacity) {
    if (message && capacity) snprintf(message, capacity, "%s", reason);
    return -1;
}

int cdnnl_load(char *message, size_t capacity) { return unavailable(message, capacity) + 1; }
cdnnl_context *cdnnl_context_create(int threads, char *message, size_t capacity) {
    (void)threads;
    unavailable(message, capacity);
    return NULL;
}
void cdnnl_context_destroy(cdnnl_context *context) { (void)context; }
cdnnl_net *cdnnl_net_create(cdnnl_context *context, char *message, size_t capacity) {
    (void)context;
    unavailable(message, capacity);
    return NULL;
}
void cdnnl_net_destroy(cdnnl_net *net) { (void)net; }
int cdnnl_net_external(cdnnl_net *net, int rank, const long *dims, float *buffer, char *message, size_t capacity) {
    (void)net, (void)rank, (void)dims, (void)buffer;
    return unavailable(message, capacity);
}
int cdnnl_net_constant(cdnnl_net *net, int rank, const long *dims, const float *data, char *message, size_t capacity) {
    (void)net, (void)rank, (void)dims, (void)data;
    return unavailable(message, capacity);
}
int cdnnl_net_copy(cdnnl_net *net, int from, int to, char *message, size_t capacity) {
    (void)net, (void)from, (void)to;
    return unavailable(message, capacity);
}
int cdnnl_net_convolution(cdnnl_net *net, int source, const long *geometry, const void *weights, const void *bias,
                          int residual, cdnnl_eltwise activation, const cdnnl_int8 *int8, char *message, size_t capacity) {
    (void)net, (void)source, (void)geometry, (void)weights, (void)bias, (void)residual, (void)activation, (void)int8;
    return unavailable(message, capacity);
}
int cdnnl_net_quantize(cdnnl_net *net, int source, cdnnl_quantization to, char *message, size_t capacity) {
    (void)net, (void)source, (void)to;
    return unavailable(message, capacity);
}
int cdnnl_net_dequantize(cdnnl_net *net, int source, cdnnl_quantization from, char *message, size_t capacity) {
    (void)net, (void)source, (void)from;
    return unavailable(message, capacity);
}
int cdnnl_net_pooling(cdnnl_net *net, int source, int kind, const long *window, long output_height, long output_width,
                      cdnnl_eltwise activation, char *message, size_t capacity) {
    (void)net, (void)source, (void)kind, (void)window, (void)output_height, (void)output_width, (void)activation;
    return unavailable(message, capacity);
}
int cdnnl_net_inner_product(cdnnl_net *net, int source, long outputs, const float *weights, const float *bias,
                            cdnnl_eltwise activation, char *message, size_t capacity) {
    (void)net, (void)source, (void)outputs, (void)weights, (void)bias, (void)activation;
    return unavailable(message, capacity);
}
int cdnnl_net_eltwise(cdnnl_net *net, int source, cdnnl_eltwise function, cdnnl_eltwise then, char *message,
                      size_t capacity) {
    (void)net, (void)source, (void)function, (void)then;
    return unavailable(message, capacity);
}
int cdnnl_net_binary(cdnnl_net *net, int kind, int a, int b, cdnnl_eltwise activation, char *message, size_t capacity) {
    (void)net, (void)kind, (void)a, (void)b, (void)activation;
    return unavailable(message, capacity);
}
int cdnnl_net_concat(cdnnl_net *net, int count, const int *sources, int axis, char *message, size_t capacity) {
    (void)net, (void)count, (void)sources, (void)axis;
    return unavailable(message, capacity);
}
int cdnnl_net_softmax(cdnnl_net *net, int source, int axis, char *message, size_t capacity) {
    (void)net, (void)source, (void)axis;
    return unavailable(message, capacity);
}
int cdnnl_net_lrn(cdnnl_net *net, int source, long size, float alpha, float beta, float bias, char *message,
                  size_t capacity) {
    (void)net, (void)source, (void)size, (void)alpha, (void)beta, (void)bias;
    return unavailable(message, capacity);
}
int cdnnl_net_channel_shuffle(cdnnl_net *net, int source, long groups, char *message, size_t capacity) {
    (void)net, (void)source, (void)groups;
    return unavailable(message, capacity);
}
int cdnnl_net_reshape(cdnnl_net *net, int source, int rank, const long *dims, char *message, size_t capacity) {
    (void)net, (void)source, (void)rank, (void)dims;
    return unavailable(message, capacity);
}
int cdnnl_net_step_count(const cdnnl_net *net) { (void)net; return 0; }
const char *cdnnl_net_step_implementation(const cdnnl_net *net, int step) { (void)net, (void)step; return ""; }
void cdnnl_net_bytes(const cdnnl_net *net, size_t *activations, size_t *constants) {
    (void)net;
    if (activations) *activations = 0;
    if (constants) *constants = 0;
}
int cdnnl_net_run(cdnnl_net *net, int first, int end, char *message, size_t capacity) {
    (void)net, (void)first, (void)end;
    return unavailable(message, capacity) + 1;
}

#endif
