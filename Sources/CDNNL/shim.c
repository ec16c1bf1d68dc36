#include "cdnnl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if __has_include(<oneapi/dnnl/dnnl.h>)
#include <oneapi/dnnl/dnnl.h>

// Every oneDNN function the shim calls, looked up in libdnnl.so.2 at run time.
#define CDNNL_FUNCTIONS(X)                                                                                            \
    X(dnnl_version) X(dnnl_engine_create) X(dnnl_engine_destroy) X(dnnl_stream_create) X(dnnl_stream_destroy)         \
    X(dnnl_stream_wait) X(dnnl_memory_desc_init_by_tag) X(dnnl_memory_desc_equal) X(dnnl_memory_create)               \
    X(dnnl_memory_destroy) X(dnnl_memory_get_data_handle) X(dnnl_dilated_convolution_forward_desc_init)               \
    X(dnnl_primitive_desc_create) X(dnnl_primitive_desc_query) X(dnnl_primitive_desc_query_md)                         \
    X(dnnl_primitive_desc_destroy) X(dnnl_reorder_primitive_desc_create) X(dnnl_primitive_create)                      \
    X(dnnl_primitive_execute) X(dnnl_primitive_destroy) X(dnnl_primitive_attr_create) X(dnnl_primitive_attr_destroy) \
    X(dnnl_primitive_attr_set_post_ops) X(dnnl_post_ops_create) X(dnnl_post_ops_append_eltwise)                       \
    X(dnnl_post_ops_destroy)

static struct {
#define CDNNL_DECLARE(name) __typeof__(&name) name;
    CDNNL_FUNCTIONS(CDNNL_DECLARE)
} api;

// OpenMP's (Debian builds oneDNN on it): the thread count is per calling thread, so it is set before each run.
static void (*set_omp_threads)(int);

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int loaded;
static char load_message[256];

static void load(void) {
    // One thread unless an op asks for more: OpenMP's default is every core, spinning, for the whole process.
    setenv("OMP_NUM_THREADS", "1", 0);
    void *library = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        snprintf(load_message, sizeof load_message, "cannot open libdnnl.so.2 (install libdnnl-dev): %s", dlerror());
        return;
    }
#define CDNNL_LOOK_UP(name)                                                                                           \
    if (!(api.name = (__typeof__(&name))dlsym(library, #name))) {                                                     \
        snprintf(load_message, sizeof load_message, "libdnnl.so.2 has no %s", #name);                                 \
        return;                                                                                                       \
    }
    CDNNL_FUNCTIONS(CDNNL_LOOK_UP)
    set_omp_threads = (void (*)(int))dlsym(library, "omp_set_num_threads");
    const dnnl_version_t *version = api.dnnl_version();
    const char *runtime = version->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP"
                        : version->cpu_runtime == DNNL_RUNTIME_SEQ ? "sequential"
                        : version->cpu_runtime == DNNL_RUNTIME_THREADPOOL ? "threadpool" : "TBB or other";
    snprintf(load_message, sizeof load_message, "oneDNN %d.%d.%d (cpu runtime: %s)", version->major, version->minor,
             version->patch, runtime);
    loaded = 1;
}

static void say(char *message, size_t capacity, const char *what, dnnl_status_t status) {
    if (message && capacity) snprintf(message, capacity, "oneDNN: %s (status %d)", what, (int)status);
}

int cdnnl_load(char *message, size_t capacity) {
    pthread_once(&load_once, load);
    if (message && capacity) snprintf(message, capacity, "%s", load_message);
    return loaded;
}

struct cdnnl_context {
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    int threads;
};

cdnnl_context *cdnnl_context_create(int threads, char *message, size_t capacity) {
    if (!cdnnl_load(message, capacity)) return NULL;
    cdnnl_context *context = calloc(1, sizeof *context);
    if (!context) return NULL;
    context->threads = threads < 1 ? 1 : threads;
    dnnl_status_t status = api.dnnl_engine_create(&context->engine, dnnl_cpu, 0);
    if (status != dnnl_success) {
        say(message, capacity, "cannot create a CPU engine", status);
        free(context);
        return NULL;
    }
    status = api.dnnl_stream_create(&context->stream, context->engine, dnnl_stream_default_flags);
    if (status != dnnl_success) {
        say(message, capacity, "cannot create a stream", status);
        api.dnnl_engine_destroy(context->engine);
        free(context);
        return NULL;
    }
    return context;
}

void cdnnl_context_destroy(cdnnl_context *context) {
    if (!context) return;
    api.dnnl_stream_destroy(context->stream);
    api.dnnl_engine_destroy(context->engine);
    free(context);
}

struct cdnnl_op {
    cdnnl_context *context;
    dnnl_primitive_t primitive, source_reorder, destination_reorder;
    dnnl_memory_t user_source, source, weights, bias, destination, user_destination;
    char implementation[128];
};

void cdnnl_op_destroy(cdnnl_op *op) {
    if (!op) return;
    dnnl_primitive_t primitives[] = {op->primitive, op->source_reorder, op->destination_reorder};
    for (size_t i = 0; i < 3; i++) if (primitives[i]) api.dnnl_primitive_destroy(primitives[i]);
    // The user memories wrap the caller's buffers; the others own theirs (or alias the user ones).
    dnnl_memory_t memories[] = {op->user_source, op->weights, op->bias, op->user_destination};
    for (size_t i = 0; i < 4; i++) if (memories[i]) api.dnnl_memory_destroy(memories[i]);
    if (op->source && op->source != op->user_source) api.dnnl_memory_destroy(op->source);
    if (op->destination && op->destination != op->user_destination) api.dnnl_memory_destroy(op->destination);
    free(op);
}

// A reorder primitive from one memory to another; NULL (reason in message) if oneDNN has none.
static dnnl_primitive_t make_reorder(cdnnl_context *context, const dnnl_memory_desc_t *from_md,
                                     const dnnl_memory_desc_t *to_md, char *message, size_t capacity) {
    dnnl_primitive_desc_t pd;
    dnnl_status_t status = api.dnnl_reorder_primitive_desc_create(&pd, from_md, context->engine, to_md, context->engine, NULL);
    if (status != dnnl_success) {
        say(message, capacity, "no reorder between these layouts", status);
        return NULL;
    }
    dnnl_primitive_t reorder = NULL;
    status = api.dnnl_primitive_create(&reorder, pd);
    api.dnnl_primitive_desc_destroy(pd);
    if (status != dnnl_success) say(message, capacity, "cannot create a reorder", status);
    return reorder;
}

static int run_reorder(cdnnl_context *context, dnnl_primitive_t reorder, dnnl_memory_t from, dnnl_memory_t to) {
    dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    return api.dnnl_primitive_execute(reorder, context->stream, 2, args) == dnnl_success;
}

cdnnl_op *cdnnl_convolution_create(cdnnl_context *context, const long *g, const float *weights, const float *bias,
                                   int activation, float minimum, float maximum, float *source, float *destination,
                                   char *message, size_t capacity) {
    const dnnl_dim_t n = g[0], c = g[1], h = g[2], w = g[3], oc = g[4], kh = g[5], kw = g[6];
    const dnnl_dim_t stride_h = g[7], stride_w = g[8], dilation_h = g[9], dilation_w = g[10];
    const dnnl_dim_t top = g[11], left = g[12], bottom = g[13], right = g[14], groups = g[15];
    const dnnl_dim_t oh = (h + top + bottom - (dilation_h * (kh - 1) + 1)) / stride_h + 1;
    const dnnl_dim_t ow = (w + left + right - (dilation_w * (kw - 1) + 1)) / stride_w + 1;
    if (groups < 1 || c % groups || oc % groups || oh < 1 || ow < 1) {
        if (message && capacity) snprintf(message, capacity, "oneDNN: a convolution of impossible geometry");
        return NULL;
    }
    cdnnl_op *op = calloc(1, sizeof *op);
    if (!op) return NULL;
    op->context = context;
    dnnl_memory_desc_t user_source_md, user_weights_md, bias_md, user_destination_md;
    dnnl_memory_desc_t source_any, weights_any, destination_any;
    dnnl_dims_t source_dims = {n, c, h, w}, destination_dims = {n, oc, oh, ow}, bias_dims = {oc};
    dnnl_dims_t weights_dims = {oc, c, kh, kw}, grouped_dims = {groups, oc / groups, c / groups, kh, kw};
    const int grouped = groups > 1;
    api.dnnl_memory_desc_init_by_tag(&user_source_md, 4, source_dims, dnnl_f32, dnnl_nchw);
    api.dnnl_memory_desc_init_by_tag(&source_any, 4, source_dims, dnnl_f32, dnnl_format_tag_any);
    api.dnnl_memory_desc_init_by_tag(&user_destination_md, 4, destination_dims, dnnl_f32, dnnl_nchw);
    api.dnnl_memory_desc_init_by_tag(&destination_any, 4, destination_dims, dnnl_f32, dnnl_format_tag_any);
    api.dnnl_memory_desc_init_by_tag(&user_weights_md, grouped ? 5 : 4, grouped ? grouped_dims : weights_dims, dnnl_f32,
                                     grouped ? dnnl_goihw : dnnl_oihw);
    api.dnnl_memory_desc_init_by_tag(&weights_any, grouped ? 5 : 4, grouped ? grouped_dims : weights_dims, dnnl_f32,
                                     dnnl_format_tag_any);
    api.dnnl_memory_desc_init_by_tag(&bias_md, 1, bias_dims, dnnl_f32, dnnl_x);
    dnnl_dims_t strides = {stride_h, stride_w}, dilates = {dilation_h - 1, dilation_w - 1};
    dnnl_dims_t padding_l = {top, left}, padding_r = {bottom, right};
    dnnl_convolution_desc_t descriptor;
    dnnl_status_t status = api.dnnl_dilated_convolution_forward_desc_init(
        &descriptor, dnnl_forward_inference, dnnl_convolution_direct, &source_any, &weights_any, bias ? &bias_md : NULL,
        &destination_any, strides, dilates, padding_l, padding_r);
    if (status != dnnl_success) {
        say(message, capacity, "convolution not supported with these parameters", status);
        free(op);
        return NULL;
    }
    dnnl_primitive_attr_t attributes = NULL;
    api.dnnl_primitive_attr_create(&attributes);
    if (activation != CDNNL_ACTIVATION_NONE) {
        dnnl_post_ops_t post_ops;
        api.dnnl_post_ops_create(&post_ops);
        if (activation == CDNNL_ACTIVATION_RELU) api.dnnl_post_ops_append_eltwise(post_ops, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f);
        else api.dnnl_post_ops_append_eltwise(post_ops, 1.0f, dnnl_eltwise_clip, minimum, maximum);
        api.dnnl_primitive_attr_set_post_ops(attributes, post_ops);
        api.dnnl_post_ops_destroy(post_ops);
    }
    dnnl_primitive_desc_t pd = NULL;
    status = api.dnnl_primitive_desc_create(&pd, &descriptor, attributes, context->engine, NULL);
    api.dnnl_primitive_attr_destroy(attributes);
    if (status != dnnl_success) {
        say(message, capacity, "no implementation of this convolution", status);
        free(op);
        return NULL;
    }
    const char *implementation = NULL;
    api.dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &implementation);
    snprintf(op->implementation, sizeof op->implementation, "%s", implementation ? implementation : "unknown");
    const dnnl_memory_desc_t *source_md = api.dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
    const dnnl_memory_desc_t *weights_md = api.dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    const dnnl_memory_desc_t *destination_md = api.dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
    int ok = api.dnnl_primitive_create(&op->primitive, pd) == dnnl_success;
    // The caller's buffers, wrapped; layouts of oneDNN's choosing get memories of their own and a reorder each way.
    ok = ok && api.dnnl_memory_create(&op->user_source, &user_source_md, context->engine, source) == dnnl_success;
    ok = ok && api.dnnl_memory_create(&op->user_destination, &user_destination_md, context->engine, destination) == dnnl_success;
    if (ok && api.dnnl_memory_desc_equal(source_md, &user_source_md)) {
        op->source = op->user_source;
    } else if (ok) {
        ok = api.dnnl_memory_create(&op->source, source_md, context->engine, DNNL_MEMORY_ALLOCATE) == dnnl_success
            && (op->source_reorder = make_reorder(context, &user_source_md, source_md, message, capacity));
    }
    if (ok && api.dnnl_memory_desc_equal(destination_md, &user_destination_md)) {
        op->destination = op->user_destination;
    } else if (ok) {
        ok = api.dnnl_memory_create(&op->destination, destination_md, context->engine, DNNL_MEMORY_ALLOCATE) == dnnl_success
            && (op->destination_reorder = make_reorder(context, destination_md, &user_destination_md, message, capacity));
    }
    // Weights: reordered once into the layout the kernel wants, into memory oneDNN owns.
    if (ok) {
        dnnl_memory_t user_weights = NULL;
        ok = api.dnnl_memory_create(&user_weights, &user_weights_md, context->engine, (void *)weights) == dnnl_success
            && api.dnnl_memory_create(&op->weights, weights_md, context->engine, DNNL_MEMORY_ALLOCATE) == dnnl_success;
        if (ok) {
            dnnl_primitive_t reorder = make_reorder(context, &user_weights_md, weights_md, message, capacity);
            ok = reorder && run_reorder(context, reorder, user_weights, op->weights)
                && api.dnnl_stream_wait(context->stream) == dnnl_success;
            if (reorder) api.dnnl_primitive_destroy(reorder);
        }
        if (user_weights) api.dnnl_memory_destroy(user_weights);
    }
    if (ok && bias) {
        ok = api.dnnl_memory_create(&op->bias, &bias_md, context->engine, DNNL_MEMORY_ALLOCATE) == dnnl_success;
        void *handle = NULL;
        if (ok) ok = api.dnnl_memory_get_data_handle(op->bias, &handle) == dnnl_success && handle;
        if (ok) memcpy(handle, bias, (size_t)oc * sizeof(float));
    }
    api.dnnl_primitive_desc_destroy(pd);
    if (!ok) {
        if (message && capacity && !message[0]) snprintf(message, capacity, "oneDNN: cannot set up the convolution");
        cdnnl_op_destroy(op);
        return NULL;
    }
    return op;
}

int cdnnl_op_execute(cdnnl_op *op, char *message, size_t capacity) {
    cdnnl_context *context = op->context;
    if (set_omp_threads) set_omp_threads(context->threads);
    if (op->source_reorder && !run_reorder(context, op->source_reorder, op->user_source, op->source)) {
        if (message && capacity) snprintf(message, capacity, "oneDNN: the input reorder failed");
        return 0;
    }
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, op->source}, {DNNL_ARG_WEIGHTS, op->weights}, {DNNL_ARG_DST, op->destination}};
    int count = 3;
    if (op->bias) args[count++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, op->bias};
    dnnl_status_t status = api.dnnl_primitive_execute(op->primitive, context->stream, count, args);
    if (status != dnnl_success) {
        say(message, capacity, "the convolution failed", status);
        return 0;
    }
    if (op->destination_reorder && !run_reorder(context, op->destination_reorder, op->destination, op->user_destination)) {
        if (message && capacity) snprintf(message, capacity, "oneDNN: the output reorder failed");
        return 0;
    }
    status = api.dnnl_stream_wait(context->stream);
    if (status != dnnl_success) {
        say(message, capacity, "waiting for the stream failed", status);
        return 0;
    }
    return 1;
}

const char *cdnnl_op_implementation(const cdnnl_op *op) { return op->implementation; }

#else  // oneDNN's headers were not there at build time: the backend is unavailable, nothing else changes.

int cdnnl_load(char *message, size_t capacity) {
    if (message && capacity) snprintf(message, capacity, "adapt-top was built without oneDNN (libdnnl-dev was not installed)");
    return 0;
}
cdnnl_context *cdnnl_context_create(int threads, char *message, size_t capacity) {
    (void)threads;
    cdnnl_load(message, capacity);
    return NULL;
}
void cdnnl_context_destroy(cdnnl_context *context) { (void)context; }
cdnnl_op *cdnnl_convolution_create(cdnnl_context *context, const long *geometry, const float *weights, const float *bias,
                                   int activation, float minimum, float maximum, float *source, float *destination,
                                   char *message, size_t capacity) {
    (void)context; (void)geometry; (void)weights; (void)bias; (void)activation; (void)minimum; (void)maximum;
    (void)source; (void)destination;
    cdnnl_load(message, capacity);
    return NULL;
}
int cdnnl_op_execute(cdnnl_op *op, char *message, size_t capacity) { (void)op; return cdnnl_load(message, capacity); }
const char *cdnnl_op_implementation(const cdnnl_op *op) { (void)op; return "unavailable"; }
void cdnnl_op_destroy(cdnnl_op *op) { (void)op; }

#endif
