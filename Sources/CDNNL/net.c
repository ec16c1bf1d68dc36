// A model as oneDNN primitives over values that keep the layouts oneDNN picks (see cdnnl.h).
#if __has_include(<oneapi/dnnl/dnnl.h>)
#include "dnnl_api.h"

#include <stdlib.h>
#include <string.h>

#define api cdnnl_api
#define MAX_ARGS 8

typedef struct {
    dnnl_memory_desc_t md;
    dnnl_memory_t memory;
} value;

typedef struct {
    dnnl_primitive_t primitive;
    int count;
    dnnl_exec_arg_t args[MAX_ARGS];
    char implementation[96];
} step;

struct cdnnl_net {
    cdnnl_context *context;
    dnnl_stream_t stream;
    value *values;
    int value_count, value_capacity;
    step *steps;
    int step_count, step_capacity;
    // Every memory the net created (values, weights, aliases), destroyed with it.
    dnnl_memory_t *memories;
    int memory_count, memory_capacity;
    size_t activation_bytes, constant_bytes;
};

static void fail(char *message, size_t capacity, const char *what) {
    if (message && capacity) snprintf(message, capacity, "oneDNN: %s", what);
}

// Grows `*array` (of `size`-byte elements) to hold one more; 0 when out of memory.
static int reserve(void **array, int *capacity, int count, size_t size) {
    if (count < *capacity) return 1;
    int grown = *capacity ? *capacity * 2 : 16;
    void *resized = realloc(*array, (size_t)grown * size);
    if (!resized) return 0;
    *array = resized;
    *capacity = grown;
    return 1;
}

cdnnl_net *cdnnl_net_create(cdnnl_context *context, char *message, size_t capacity) {
    cdnnl_net *net = calloc(1, sizeof *net);
    if (!net) {
        fail(message, capacity, "out of memory");
        return NULL;
    }
    net->context = context;
    dnnl_status_t status = api.dnnl_stream_create(&net->stream, context->engine, dnnl_stream_default_flags);
    if (status != dnnl_success) {
        cdnnl_say(message, capacity, "cannot create a stream", status);
        free(net);
        return NULL;
    }
    return net;
}

void cdnnl_net_destroy(cdnnl_net *net) {
    if (!net) return;
    for (int i = 0; i < net->step_count; i++) api.dnnl_primitive_destroy(net->steps[i].primitive);
    for (int i = 0; i < net->memory_count; i++) api.dnnl_memory_destroy(net->memories[i]);
    api.dnnl_stream_destroy(net->stream);
    free(net->steps);
    free(net->values);
    free(net->memories);
    free(net);
}

static int valid(const cdnnl_net *net, int index, char *message, size_t capacity) {
    if (index >= 0 && index < net->value_count) return 1;
    if (message && capacity) snprintf(message, capacity, "oneDNN: no value %d in this net", index);
    return 0;
}

// A memory of `md` on `handle` (DNNL_MEMORY_ALLOCATE: oneDNN allocates it), owned by the net; NULL on failure.
static dnnl_memory_t new_memory(cdnnl_net *net, const dnnl_memory_desc_t *md, void *handle, char *message, size_t capacity) {
    if (!reserve((void **)&net->memories, &net->memory_capacity, net->memory_count, sizeof(dnnl_memory_t))) {
        fail(message, capacity, "out of memory");
        return NULL;
    }
    dnnl_memory_t memory = NULL;
    dnnl_status_t status = api.dnnl_memory_create(&memory, md, net->context->engine, handle);
    if (status != dnnl_success) {
        cdnnl_say(message, capacity, "cannot create a memory", status);
        return NULL;
    }
    net->memories[net->memory_count++] = memory;
    return memory;
}

static int add_value(cdnnl_net *net, const dnnl_memory_desc_t *md, dnnl_memory_t memory, char *message, size_t capacity) {
    if (!reserve((void **)&net->values, &net->value_capacity, net->value_count, sizeof(value))) {
        fail(message, capacity, "out of memory");
        return -1;
    }
    net->values[net->value_count] = (value){.md = *md, .memory = memory};
    return net->value_count++;
}

// A value oneDNN allocates, in layout `md`.
static int allocated_value(cdnnl_net *net, const dnnl_memory_desc_t *md, char *message, size_t capacity) {
    dnnl_memory_t memory = new_memory(net, md, DNNL_MEMORY_ALLOCATE, message, capacity);
    if (!memory) return -1;
    net->activation_bytes += api.dnnl_memory_desc_get_size(md);
    return add_value(net, md, memory, message, capacity);
}

// Appends a step running `primitive` (created from `pd`, which this destroys) with `args`; its index, or -1.
static int add_step(cdnnl_net *net, dnnl_primitive_desc_t pd, const dnnl_exec_arg_t *args, int count, char *message,
                    size_t capacity) {
    step made = {.count = count};
    const char *implementation = NULL;
    api.dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &implementation);
    snprintf(made.implementation, sizeof made.implementation, "%s", implementation ? implementation : "unknown");
    dnnl_status_t status = api.dnnl_primitive_create(&made.primitive, pd);
    api.dnnl_primitive_desc_destroy(pd);
    if (status != dnnl_success) {
        cdnnl_say(message, capacity, "cannot create a primitive", status);
        return -1;
    }
    if (!reserve((void **)&net->steps, &net->step_capacity, net->step_count, sizeof(step))) {
        api.dnnl_primitive_destroy(made.primitive);
        fail(message, capacity, "out of memory");
        return -1;
    }
    memcpy(made.args, args, (size_t)count * sizeof *args);
    net->steps[net->step_count] = made;
    return net->step_count++;
}

static void typed_plain_md(dnnl_memory_desc_t *md, int rank, const dnnl_dim_t *dims, dnnl_data_type_t type) {
    static const dnnl_format_tag_t plain[] = {dnnl_a, dnnl_a, dnnl_ab, dnnl_abc, dnnl_abcd, dnnl_abcde};
    api.dnnl_memory_desc_init_by_tag(md, rank, dims, type, plain[rank]);
}

static void plain_md(dnnl_memory_desc_t *md, int rank, const dnnl_dim_t *dims) { typed_plain_md(md, rank, dims, dnnl_f32); }

static int copy_dims(int rank, const long *from, dnnl_dim_t *to, char *message, size_t capacity) {
    if (rank < 1 || rank > 5) {
        if (message && capacity) snprintf(message, capacity, "oneDNN: tensors of rank %d are not supported", rank);
        return 0;
    }
    for (int i = 0; i < rank; i++) to[i] = from[i];
    return 1;
}

int cdnnl_net_external(cdnnl_net *net, int rank, const long *dims, float *buffer, char *message, size_t capacity) {
    dnnl_dims_t shape;
    if (!copy_dims(rank, dims, shape, message, capacity)) return -1;
    dnnl_memory_desc_t md;
    plain_md(&md, rank, shape);
    dnnl_memory_t memory = new_memory(net, &md, buffer, message, capacity);
    return memory ? add_value(net, &md, memory, message, capacity) : -1;
}

// A memory holding a copy of `data` (plain, `md`), counted as constant bytes.
static dnnl_memory_t constant_memory(cdnnl_net *net, const dnnl_memory_desc_t *md, const void *data, char *message,
                                     size_t capacity) {
    dnnl_memory_t memory = new_memory(net, md, DNNL_MEMORY_ALLOCATE, message, capacity);
    void *handle = NULL;
    if (!memory || api.dnnl_memory_get_data_handle(memory, &handle) != dnnl_success || !handle) {
        if (memory) fail(message, capacity, "cannot reach a constant's memory");
        return NULL;
    }
    size_t size = api.dnnl_memory_desc_get_size(md);
    memcpy(handle, data, size);
    net->constant_bytes += size;
    return memory;
}

int cdnnl_net_constant(cdnnl_net *net, int rank, const long *dims, const float *data, char *message, size_t capacity) {
    dnnl_dims_t shape;
    if (!copy_dims(rank, dims, shape, message, capacity)) return -1;
    dnnl_memory_desc_t md;
    plain_md(&md, rank, shape);
    dnnl_memory_t memory = constant_memory(net, &md, data, message, capacity);
    return memory ? add_value(net, &md, memory, message, capacity) : -1;
}

static dnnl_primitive_desc_t scaled_reorder_pd(cdnnl_net *net, const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to,
                                               const_dnnl_primitive_attr_t attributes, char *message, size_t capacity) {
    dnnl_primitive_desc_t pd = NULL;
    dnnl_status_t status =
        api.dnnl_reorder_primitive_desc_create(&pd, from, net->context->engine, to, net->context->engine, attributes);
    if (status != dnnl_success) cdnnl_say(message, capacity, "no reorder between these layouts", status);
    return pd;
}

static dnnl_primitive_desc_t reorder_pd(cdnnl_net *net, const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to,
                                        char *message, size_t capacity) {
    return scaled_reorder_pd(net, from, to, NULL, message, capacity);
}

// Prefixes a step's implementation with what it does ("reorder jit:uni"), where the primitive's name alone would
// not say; returns `step` (-1 passes through).
static int label(cdnnl_net *net, int step, const char *what) {
    if (step < 0) return step;
    char *implementation = net->steps[step].implementation;
    char labelled[sizeof net->steps[step].implementation];
    snprintf(labelled, sizeof labelled, "%s %s", what, implementation);
    memcpy(implementation, labelled, sizeof labelled);
    return step;
}

int cdnnl_net_copy(cdnnl_net *net, int from, int to, char *message, size_t capacity) {
    if (!valid(net, from, message, capacity) || !valid(net, to, message, capacity)) return -1;
    dnnl_primitive_desc_t pd = reorder_pd(net, &net->values[from].md, &net->values[to].md, message, capacity);
    if (!pd) return -1;
    dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, net->values[from].memory}, {DNNL_ARG_TO, net->values[to].memory}};
    return label(net, add_step(net, pd, args, 2, message, capacity), "reorder");
}

// `index` in layout `md`: itself when it already is, else a new value and a reorder step into it.
static int in_layout(cdnnl_net *net, int index, const dnnl_memory_desc_t *md, char *message, size_t capacity) {
    if (api.dnnl_memory_desc_equal(&net->values[index].md, md)) return index;
    int converted = allocated_value(net, md, message, capacity);
    if (converted < 0 || cdnnl_net_copy(net, index, converted, message, capacity) < 0) return -1;
    return converted;
}

// Weights: reordered once, now, from the caller's plain `data` into the layout the primitive asked for.
static dnnl_memory_t packed_weights(cdnnl_net *net, const dnnl_memory_desc_t *plain, const dnnl_memory_desc_t *wanted,
                                    const void *data, char *message, size_t capacity) {
    dnnl_memory_t user = NULL;
    dnnl_status_t status = api.dnnl_memory_create(&user, plain, net->context->engine, (void *)data);
    if (status != dnnl_success) {
        cdnnl_say(message, capacity, "cannot wrap the weights", status);
        return NULL;
    }
    dnnl_memory_t packed = new_memory(net, wanted, DNNL_MEMORY_ALLOCATE, message, capacity);
    dnnl_primitive_desc_t pd = packed ? reorder_pd(net, plain, wanted, message, capacity) : NULL;
    dnnl_primitive_t reorder = NULL;
    int ok = pd && api.dnnl_primitive_create(&reorder, pd) == dnnl_success;
    if (pd) api.dnnl_primitive_desc_destroy(pd);
    if (ok) {
        dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, user}, {DNNL_ARG_TO, packed}};
        ok = api.dnnl_primitive_execute(reorder, net->stream, 2, args) == dnnl_success
            && api.dnnl_stream_wait(net->stream) == dnnl_success;
        if (!ok) fail(message, capacity, "reordering the weights failed");
    }
    if (reorder) api.dnnl_primitive_destroy(reorder);
    api.dnnl_memory_destroy(user);
    if (!ok) return NULL;
    net->constant_bytes += api.dnnl_memory_desc_get_size(wanted);
    return packed;
}

// f32 biases for float layers; s32 (in units of input scale × weight scale) for int8 ones.
static dnnl_memory_t bias_memory(cdnnl_net *net, dnnl_dim_t count, const void *bias, dnnl_data_type_t type,
                                 dnnl_memory_desc_t *md, char *message, size_t capacity) {
    dnnl_dims_t dims = {count};
    api.dnnl_memory_desc_init_by_tag(md, 1, dims, type, dnnl_x);
    return constant_memory(net, md, bias, message, capacity);
}

static int eltwise_algorithm(int kind, dnnl_alg_kind_t *algorithm) {
    switch (kind) {
    case CDNNL_ELTWISE_RELU: *algorithm = dnnl_eltwise_relu; return 1;
    case CDNNL_ELTWISE_CLIP: *algorithm = dnnl_eltwise_clip_v2; return 1;
    case CDNNL_ELTWISE_LOGISTIC: *algorithm = dnnl_eltwise_logistic; return 1;
    case CDNNL_ELTWISE_TANH: *algorithm = dnnl_eltwise_tanh; return 1;
    case CDNNL_ELTWISE_HARDSWISH: *algorithm = dnnl_eltwise_hardswish; return 1;
    case CDNNL_ELTWISE_LINEAR: *algorithm = dnnl_eltwise_linear; return 1;
    default: return 0;
    }
}

// Post-ops: optionally the sum with what the destination holds (a residual), then the optional activation.
// NULL attr when there are none.
static dnnl_primitive_attr_t post_ops(int accumulate, cdnnl_eltwise activation) {
    dnnl_alg_kind_t algorithm;
    int has_activation = eltwise_algorithm(activation.kind, &algorithm);
    if (!accumulate && !has_activation) return NULL;
    dnnl_primitive_attr_t attributes = NULL;
    dnnl_post_ops_t ops = NULL;
    api.dnnl_primitive_attr_create(&attributes);
    api.dnnl_post_ops_create(&ops);
    if (accumulate) api.dnnl_post_ops_append_sum(ops, 1.0f);
    if (has_activation) api.dnnl_post_ops_append_eltwise(ops, 1.0f, algorithm, activation.alpha, activation.beta);
    api.dnnl_primitive_attr_set_post_ops(attributes, ops);
    api.dnnl_post_ops_destroy(ops);
    return attributes;
}

static dnnl_primitive_desc_t make_pd(cdnnl_net *net, const void *descriptor, dnnl_primitive_attr_t attributes,
                                     const char *what, char *message, size_t capacity) {
    dnnl_primitive_desc_t pd = NULL;
    dnnl_status_t status = api.dnnl_primitive_desc_create(&pd, descriptor, attributes, net->context->engine, NULL);
    if (attributes) api.dnnl_primitive_attr_destroy(attributes);
    if (status != dnnl_success) {
        char reason[128];
        snprintf(reason, sizeof reason, "no implementation of this %s", what);
        cdnnl_say(message, capacity, reason, status);
        return NULL;
    }
    return pd;
}

// What every layer with weights ends with, given its primitive descriptor (which this takes over): the weights
// packed into the layout `pd` chose, the bias copied, the input read in the layout `pd` wants, the output in a new
// value (or over `accumulate_into`'s memory, for a sum post-op), and the step. The output value, or -1.
static int weighted_step(cdnnl_net *net, dnnl_primitive_desc_t pd, int source, const dnnl_memory_desc_t *weights_plain,
                         const void *weights, const void *bias, dnnl_data_type_t bias_type, dnnl_dim_t bias_count,
                         int accumulate_into, char *message, size_t capacity) {
    const dnnl_memory_desc_t *source_md = api.dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
    const dnnl_memory_desc_t *weights_md = api.dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    const dnnl_memory_desc_t *destination_md = api.dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
    dnnl_memory_t packed = packed_weights(net, weights_plain, weights_md, weights, message, capacity);
    dnnl_memory_desc_t bias_plain;
    dnnl_memory_t bias_values = packed && bias ? bias_memory(net, bias_count, bias, bias_type, &bias_plain, message, capacity) : NULL;
    int input = packed && (bias_values || !bias) ? in_layout(net, source, source_md, message, capacity) : -1;
    int output = -1;
    if (input >= 0) {
        output = accumulate_into >= 0 ? add_value(net, destination_md, net->values[accumulate_into].memory, message, capacity)
                                      : allocated_value(net, destination_md, message, capacity);
    }
    if (output < 0) {
        api.dnnl_primitive_desc_destroy(pd);
        return -1;
    }
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, net->values[input].memory}, {DNNL_ARG_WEIGHTS, packed},
                              {DNNL_ARG_DST, net->values[output].memory}, {DNNL_ARG_BIAS, bias_values}};
    return add_step(net, pd, args, bias ? 4 : 3, message, capacity) < 0 ? -1 : output;
}

// Whether oneDNN fell back to its slow reference implementation ("ref:any") for this descriptor.
static int is_reference(const_dnnl_primitive_desc_t pd) {
    const char *implementation = NULL;
    api.dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &implementation);
    return implementation && strncmp(implementation, "ref", 3) == 0;
}

struct convolution_shape {
    const dnnl_memory_desc_t *weights, *bias;
    dnnl_dims_t strides, dilates, padding_l, padding_r;
    const cdnnl_int8 *int8;
    dnnl_dim_t output_channels;
};

// An int8 layer's requantization: output scales per channel (input scale × weight scale / output scale) and the
// input's and output's zero points, added to `attributes` (created when NULL).
static dnnl_primitive_attr_t with_int8(dnnl_primitive_attr_t attributes, const cdnnl_int8 *int8, dnnl_dim_t channels) {
    if (!int8) return attributes;
    if (!attributes) api.dnnl_primitive_attr_create(&attributes);
    float *scales = malloc((size_t)channels * sizeof *scales);
    if (!scales) return attributes;  // the descriptor then fails to match the layer and says so
    for (dnnl_dim_t i = 0; i < channels; i++) scales[i] = int8->input.scale * int8->weight_scales[i] / int8->output.scale;
    api.dnnl_primitive_attr_set_output_scales(attributes, channels, 1 << 1, scales);
    free(scales);
    const int32_t input_zero_point = int8->input.zero_point, output_zero_point = int8->output.zero_point;
    if (input_zero_point) api.dnnl_primitive_attr_set_zero_points(attributes, DNNL_ARG_SRC, 1, 0, &input_zero_point);
    if (output_zero_point) api.dnnl_primitive_attr_set_zero_points(attributes, DNNL_ARG_DST, 1, 0, &output_zero_point);
    return attributes;
}

// The convolution's primitive descriptor with `algorithm`, reading `source` and writing `destination` (each a
// layout or format any); NULL (reason in message, when given one) if oneDNN has no such kernel here.
static dnnl_primitive_desc_t convolution_pd(cdnnl_net *net, const struct convolution_shape *shape,
                                            dnnl_alg_kind_t algorithm, const dnnl_memory_desc_t *source,
                                            const dnnl_memory_desc_t *destination, int accumulate,
                                            cdnnl_eltwise activation, char *message, size_t capacity) {
    dnnl_convolution_desc_t descriptor;
    dnnl_status_t status = api.dnnl_dilated_convolution_forward_desc_init(
        &descriptor, dnnl_forward_inference, algorithm, source, shape->weights, shape->bias, destination,
        shape->strides, shape->dilates, shape->padding_l, shape->padding_r);
    if (status != dnnl_success) {
        cdnnl_say(message, capacity, "convolution not supported with these parameters", status);
        return NULL;
    }
    return make_pd(net, &descriptor, with_int8(post_ops(accumulate, activation), shape->int8, shape->output_channels),
                   "convolution", message, capacity);
}

int cdnnl_net_convolution(cdnnl_net *net, int source, const long *g, const void *weights, const void *bias,
                          int residual, cdnnl_eltwise activation, const cdnnl_int8 *int8, char *message, size_t capacity) {
    if (!valid(net, source, message, capacity) || (residual >= 0 && !valid(net, residual, message, capacity))) return -1;
    // A copy: adding values (reorders) may move the array.
    const dnnl_memory_desc_t input_md = net->values[source].md, *input = &input_md;
    if (input->ndims != 4) {
        fail(message, capacity, "a convolution needs a rank-4 input");
        return -1;
    }
    const dnnl_dim_t n = input->dims[0], c = input->dims[1], h = input->dims[2], w = input->dims[3];
    const dnnl_dim_t oc = g[0], kh = g[1], kw = g[2], stride_h = g[3], stride_w = g[4], dilation_h = g[5];
    const dnnl_dim_t dilation_w = g[6], top = g[7], left = g[8], bottom = g[9], right = g[10], groups = g[11];
    const dnnl_dim_t oh = (h + top + bottom - (dilation_h * (kh - 1) + 1)) / stride_h + 1;
    const dnnl_dim_t ow = (w + left + right - (dilation_w * (kw - 1) + 1)) / stride_w + 1;
    if (groups < 1 || c % groups || oc % groups || oh < 1 || ow < 1) {
        fail(message, capacity, "a convolution of impossible geometry");
        return -1;
    }
    if (int8 && (residual >= 0 || input->data_type != dnnl_s8)) {
        fail(message, capacity, int8 ? "an int8 convolution needs an int8 input and no residual" : "");
        return -1;
    }
    const dnnl_data_type_t data = int8 ? dnnl_s8 : dnnl_f32;
    dnnl_memory_desc_t source_any, weights_any, weights_plain, bias_md, destination_any;
    dnnl_dims_t source_dims = {n, c, h, w}, destination_dims = {n, oc, oh, ow};
    dnnl_dims_t weights_dims = {oc, c, kh, kw}, grouped_dims = {groups, oc / groups, c / groups, kh, kw};
    const int grouped = groups > 1;
    api.dnnl_memory_desc_init_by_tag(&source_any, 4, source_dims, data, dnnl_format_tag_any);
    api.dnnl_memory_desc_init_by_tag(&destination_any, 4, destination_dims, data, dnnl_format_tag_any);
    api.dnnl_memory_desc_init_by_tag(&weights_plain, grouped ? 5 : 4, grouped ? grouped_dims : weights_dims, data,
                                     grouped ? dnnl_goihw : dnnl_oihw);
    api.dnnl_memory_desc_init_by_tag(&weights_any, grouped ? 5 : 4, grouped ? grouped_dims : weights_dims, data,
                                     dnnl_format_tag_any);
    dnnl_dims_t bias_dims = {oc};
    api.dnnl_memory_desc_init_by_tag(&bias_md, 1, bias_dims, int8 ? dnnl_s32 : dnnl_f32, dnnl_x);
    const struct convolution_shape shape = {
        .weights = &weights_any, .bias = bias ? &bias_md : NULL, .int8 = int8, .output_channels = oc,
        .strides = {stride_h, stride_w}, .dilates = {dilation_h - 1, dilation_w - 1},
        .padding_l = {top, left}, .padding_r = {bottom, right},
    };
    // Winograd does a 3×3 stride-1 layer in fewer multiplications than any direct kernel can (a 2.25× cut for
    // oneDNN's F(2×2, 3×3) tiles), once there are enough channels to amortise its input and output transforms
    // (a first layer on 1 channel runs 5× slower on it); worth a reorder of its input when one is needed.
    const int winograd = !int8 && kh == 3 && kw == 3 && stride_h == 1 && stride_w == 1 && dilation_h == 1 && dilation_w == 1
                         && groups == 1 && c >= 16 && oc >= 16;
    cdnnl_eltwise first_activation = residual >= 0 ? (cdnnl_eltwise){0} : activation;
    dnnl_alg_kind_t algorithm = winograd ? dnnl_convolution_winograd : dnnl_convolution_direct;
    const dnnl_memory_desc_t *source_choice = &source_any;
    dnnl_primitive_desc_t pd =
        winograd ? convolution_pd(net, &shape, algorithm, source_choice, &destination_any, 0, first_activation, NULL, 0) : NULL;
    dnnl_memory_desc_t plain;
    plain_md(&plain, 4, input->dims);
    if (!pd && !api.dnnl_memory_desc_equal(input, &plain)) {
        // A direct kernel reads the value in the layout its producer chose when a fast one takes it: kernels
        // that prefer different layouts (Winograd's nChw16c, brgconv's nhwc) would put a reorder between layers.
        algorithm = dnnl_convolution_direct;
        pd = convolution_pd(net, &shape, algorithm, input, &destination_any, 0, first_activation, NULL, 0);
        if (pd && is_reference(pd)) {
            api.dnnl_primitive_desc_destroy(pd);
            pd = NULL;
        }
        if (pd) source_choice = input;
    }
    if (!pd) {
        algorithm = dnnl_convolution_direct;
        pd = convolution_pd(net, &shape, algorithm, source_choice, &destination_any, 0, first_activation, message, capacity);
    }
    if (!pd) return -1;
    if (residual >= 0) {
        // The kernels accumulate into their destination (a "sum" post-op; oneDNN 2.6 runs a binary-add post-op
        // on its slow reference kernel only), so the output is written over the residual, in the layout the kernel
        // writes: the residual itself when it has that layout, else a converted copy.
        dnnl_memory_desc_t preferred = *api.dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
        api.dnnl_primitive_desc_destroy(pd);
        residual = in_layout(net, residual, &preferred, message, capacity);
        if (residual < 0) return -1;
        pd = convolution_pd(net, &shape, algorithm, source_choice, &preferred, 1, activation, message, capacity);
        if (!pd) return -1;
    }
    return weighted_step(net, pd, source, &weights_plain, weights, bias, int8 ? dnnl_s32 : dnnl_f32, oc, residual, message,
                         capacity);
}

// A step of `pd` reading `source` (converted to the layout `pd` wants) into a new value; the output value or -1.
static int simple_step(cdnnl_net *net, dnnl_primitive_desc_t pd, int source, char *message, size_t capacity) {
    const dnnl_memory_desc_t *source_md = api.dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
    const dnnl_memory_desc_t *destination_md = api.dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
    int input = in_layout(net, source, source_md, message, capacity);
    int output = input >= 0 ? allocated_value(net, destination_md, message, capacity) : -1;
    // Pooling's training workspace is not needed for inference; scratchpad stays oneDNN's (library mode).
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, input >= 0 ? net->values[input].memory : NULL},
                              {DNNL_ARG_DST, output >= 0 ? net->values[output].memory : NULL}};
    if (output < 0) {
        api.dnnl_primitive_desc_destroy(pd);
        return -1;
    }
    return add_step(net, pd, args, 2, message, capacity) < 0 ? -1 : output;
}

int cdnnl_net_pooling(cdnnl_net *net, int source, int kind, const long *window, long output_height, long output_width,
                      cdnnl_eltwise activation, char *message, size_t capacity) {
    if (!valid(net, source, message, capacity)) return -1;
    // A copy: adding values (reorders) may move the array.
    const dnnl_memory_desc_t input_md = net->values[source].md, *input = &input_md;
    if (input->ndims != 4) {
        fail(message, capacity, "pooling needs a rank-4 input");
        return -1;
    }
    dnnl_alg_kind_t algorithm = kind == CDNNL_POOL_MAX ? dnnl_pooling_max
                              : kind == CDNNL_POOL_AVERAGE_INCLUDING_PADDING ? dnnl_pooling_avg_include_padding
                                                                              : dnnl_pooling_avg_exclude_padding;
    dnnl_dims_t destination_dims = {input->dims[0], input->dims[1], output_height, output_width};
    dnnl_memory_desc_t destination_any;
    api.dnnl_memory_desc_init_by_tag(&destination_any, 4, destination_dims, input->data_type, dnnl_format_tag_any);
    dnnl_dims_t kernel = {window[0], window[1]}, strides = {window[2], window[3]};
    dnnl_dims_t dilation = {window[4] - 1, window[5] - 1}, padding_l = {window[6], window[7]};
    dnnl_dims_t padding_r = {window[8], window[9]};
    dnnl_pooling_v2_desc_t descriptor;
    dnnl_status_t status = api.dnnl_pooling_v2_forward_desc_init(&descriptor, dnnl_forward_inference, algorithm, input,
                                                                 &destination_any, strides, kernel, dilation, padding_l,
                                                                 padding_r);
    if (status != dnnl_success) {
        cdnnl_say(message, capacity, "pooling not supported with these parameters", status);
        return -1;
    }
    dnnl_primitive_desc_t pd = make_pd(net, &descriptor, post_ops(0, activation), "pooling", message, capacity);
    return pd ? simple_step(net, pd, source, message, capacity) : -1;
}

int cdnnl_net_inner_product(cdnnl_net *net, int source, long outputs, const float *weights, const float *bias,
                            cdnnl_eltwise activation, char *message, size_t capacity) {
    if (!valid(net, source, message, capacity)) return -1;
    // A copy: adding values (reorders) may move the array.
    const dnnl_memory_desc_t input_md = net->values[source].md, *input = &input_md;
    if (input->ndims != 2 && input->ndims != 4) {
        fail(message, capacity, "an inner product needs a rank-2 or rank-4 input");
        return -1;
    }
    dnnl_dims_t weights_dims = {outputs}, destination_dims = {input->dims[0], outputs};
    for (int i = 1; i < input->ndims; i++) weights_dims[i] = input->dims[i];
    dnnl_memory_desc_t source_any, weights_any, weights_plain, bias_md, destination_any;
    api.dnnl_memory_desc_init_by_tag(&source_any, input->ndims, input->dims, dnnl_f32, dnnl_format_tag_any);
    api.dnnl_memory_desc_init_by_tag(&weights_any, input->ndims, weights_dims, dnnl_f32, dnnl_format_tag_any);
    plain_md(&weights_plain, input->ndims, weights_dims);
    api.dnnl_memory_desc_init_by_tag(&destination_any, 2, destination_dims, dnnl_f32, dnnl_format_tag_any);
    dnnl_dims_t bias_dims = {outputs};
    api.dnnl_memory_desc_init_by_tag(&bias_md, 1, bias_dims, dnnl_f32, dnnl_x);
    dnnl_inner_product_desc_t descriptor;
    dnnl_status_t status = api.dnnl_inner_product_forward_desc_init(
        &descriptor, dnnl_forward_inference, &source_any, &weights_any, bias ? &bias_md : NULL, &destination_any);
    if (status != dnnl_success) {
        cdnnl_say(message, capacity, "inner product not supported with these parameters", status);
        return -1;
    }
    dnnl_primitive_desc_t pd = make_pd(net, &descriptor, post_ops(0, activation), "inner product", message, capacity);
    if (!pd) return -1;
    return weighted_step(net, pd, source, &weights_plain, weights, bias, dnnl_f32, outputs, -1, message, capacity);
}

int cdnnl_net_eltwise(cdnnl_net *net, int source, cdnnl_eltwise function, cdnnl_eltwise then, char *message,
                      size_t capacity) {
    if (!valid(net, source, message, capacity)) return -1;
    dnnl_alg_kind_t algorithm;
    if (!eltwise_algorithm(function.kind, &algorithm)) {
        fail(message, capacity, "unknown element-wise function");
        return -1;
    }
    dnnl_eltwise_desc_t descriptor;
    dnnl_status_t status = api.dnnl_eltwise_forward_desc_init(&descriptor, dnnl_forward_inference, algorithm,
                                                              &net->values[source].md, function.alpha, function.beta);
    if (status != dnnl_success) {
        cdnnl_say(message, capacity, "element-wise function not supported here", status);
        return -1;
    }
    dnnl_primitive_desc_t pd = make_pd(net, &descriptor, post_ops(0, then), "element-wise function", message, capacity);
    return pd ? simple_step(net, pd, source, message, capacity) : -1;
}

int cdnnl_net_binary(cdnnl_net *net, int kind, int a, int b, cdnnl_eltwise activation, char *message, size_t capacity) {
    if (!valid(net, a, message, capacity) || !valid(net, b, message, capacity)) return -1;
    static const dnnl_alg_kind_t algorithms[] = {dnnl_binary_add, dnnl_binary_sub, dnnl_binary_mul, dnnl_binary_div};
    if (kind < 0 || kind > CDNNL_BINARY_DIV) {
        fail(message, capacity, "unknown binary op");
        return -1;
    }
    // A copy: adding values (reorders) may move the array.
    const dnnl_memory_desc_t first_md = net->values[a].md, *first = &first_md;
    // Same dims: the second operand is read in the first's layout (one reorder if it differs). Broadcast
    // operands (constants, mostly) are read as they are.
    int second = b;
    const dnnl_memory_desc_t *second_md = &net->values[b].md;
    if (second_md->ndims == first->ndims && !memcmp(second_md->dims, first->dims, sizeof(dnnl_dim_t) * (size_t)first->ndims)) {
        second = in_layout(net, b, first, message, capacity);
        if (second < 0) return -1;
    }
    dnnl_memory_desc_t destination_any;
    api.dnnl_memory_desc_init_by_tag(&destination_any, first->ndims, first->dims, dnnl_f32, dnnl_format_tag_any);
    dnnl_binary_desc_t descriptor;
    dnnl_status_t status = api.dnnl_binary_desc_init(&descriptor, algorithms[kind], first, &net->values[second].md,
                                                     &destination_any);
    if (status != dnnl_success) {
        cdnnl_say(message, capacity, "binary op not supported with these shapes", status);
        return -1;
    }
    dnnl_primitive_desc_t pd = make_pd(net, &descriptor, post_ops(0, activation), "binary op", message, capacity);
    if (!pd) return -1;
    const dnnl_memory_desc_t *destination_md = api.dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
    int output = allocated_value(net, destination_md, message, capacity);
    if (output < 0) {
        api.dnnl_primitive_desc_destroy(pd);
        return -1;
    }
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC_0, net->values[a].memory}, {DNNL_ARG_SRC_1, net->values[second].memory},
                              {DNNL_ARG_DST, net->values[output].memory}};
    return add_step(net, pd, args, 3, message, capacity) < 0 ? -1 : output;
}

int cdnnl_net_concat(cdnnl_net *net, int count, const int *sources, int axis, char *message, size_t capacity) {
    if (count < 1 || count > MAX_ARGS - 1) {
        if (message && capacity) snprintf(message, capacity, "oneDNN: concat of %d inputs (1 to %d here)", count, MAX_ARGS - 1);
        return -1;
    }
    dnnl_memory_desc_t mds[MAX_ARGS];
    for (int i = 0; i < count; i++) {
        if (!valid(net, sources[i], message, capacity)) return -1;
        mds[i] = net->values[sources[i]].md;
    }
    dnnl_primitive_desc_t pd = NULL;
    dnnl_status_t status = api.dnnl_concat_primitive_desc_create(&pd, NULL, count, axis, mds, NULL, net->context->engine);
    if (status != dnnl_success) {
        cdnnl_say(message, capacity, "no implementation of this concat", status);
        return -1;
    }
    const dnnl_memory_desc_t *destination_md = api.dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
    int output = allocated_value(net, destination_md, message, capacity);
    if (output < 0) {
        api.dnnl_primitive_desc_destroy(pd);
        return -1;
    }
    dnnl_exec_arg_t args[MAX_ARGS];
    for (int i = 0; i < count; i++) args[i] = (dnnl_exec_arg_t){DNNL_ARG_MULTIPLE_SRC + i, net->values[sources[i]].memory};
    args[count] = (dnnl_exec_arg_t){DNNL_ARG_DST, net->values[output].memory};
    return add_step(net, pd, args, count + 1, message, capacity) < 0 ? -1 : output;
}

int cdnnl_net_softmax(cdnnl_net *net, int source, int axis, char *message, size_t capacity) {
    if (!valid(net, source, message, capacity)) return -1;
    dnnl_softmax_desc_t descriptor;
    dnnl_status_t status =
        api.dnnl_softmax_forward_desc_init(&descriptor, dnnl_forward_inference, &net->values[source].md, axis);
    if (status != dnnl_success) {
        cdnnl_say(message, capacity, "softmax not supported here", status);
        return -1;
    }
    dnnl_primitive_desc_t pd = make_pd(net, &descriptor, NULL, "softmax", message, capacity);
    return pd ? simple_step(net, pd, source, message, capacity) : -1;
}

int cdnnl_net_lrn(cdnnl_net *net, int source, long size, float alpha, float beta, float bias, char *message,
                  size_t capacity) {
    if (!valid(net, source, message, capacity)) return -1;
    dnnl_lrn_desc_t descriptor;
    dnnl_status_t status = api.dnnl_lrn_forward_desc_init(&descriptor, dnnl_forward_inference, dnnl_lrn_across_channels,
                                                          &net->values[source].md, size, alpha, beta, bias);
    if (status != dnnl_success) {
        cdnnl_say(message, capacity, "LRN not supported here", status);
        return -1;
    }
    dnnl_primitive_desc_t pd = make_pd(net, &descriptor, NULL, "LRN", message, capacity);
    return pd ? simple_step(net, pd, source, message, capacity) : -1;
}

int cdnnl_net_channel_shuffle(cdnnl_net *net, int source, long groups, char *message, size_t capacity) {
    if (!valid(net, source, message, capacity)) return -1;
    // A copy: adding values (reorders) may move the array.
    const dnnl_memory_desc_t input_md = net->values[source].md, *input = &input_md;
    if (input->ndims < 2 || groups < 1 || input->dims[1] % groups) {
        fail(message, capacity, "a channel shuffle whose groups do not divide the channels");
        return -1;
    }
    dnnl_shuffle_desc_t descriptor;
    // oneDNN's group_size is the number of channels in each group.
    dnnl_status_t status =
        api.dnnl_shuffle_forward_desc_init(&descriptor, dnnl_forward_inference, input, 1, input->dims[1] / groups);
    if (status != dnnl_success) {
        cdnnl_say(message, capacity, "channel shuffle not supported here", status);
        return -1;
    }
    dnnl_primitive_desc_t pd = make_pd(net, &descriptor, NULL, "channel shuffle", message, capacity);
    return pd ? simple_step(net, pd, source, message, capacity) : -1;
}

int cdnnl_net_reshape(cdnnl_net *net, int source, int rank, const long *dims, char *message, size_t capacity) {
    dnnl_dims_t shape;
    if (!valid(net, source, message, capacity) || !copy_dims(rank, dims, shape, message, capacity)) return -1;
    // A copy: adding values (reorders) may move the array.
    const dnnl_memory_desc_t input_md = net->values[source].md, *input = &input_md;
    dnnl_memory_desc_t plain, reshaped;
    typed_plain_md(&plain, input->ndims, input->dims, input->data_type);
    int flat = in_layout(net, source, &plain, message, capacity);
    if (flat < 0) return -1;
    typed_plain_md(&reshaped, rank, shape, input->data_type);
    if (api.dnnl_memory_desc_get_size(&reshaped) != api.dnnl_memory_desc_get_size(&plain)) {
        fail(message, capacity, "a reshape that changes the element count");
        return -1;
    }
    void *handle = NULL;
    api.dnnl_memory_get_data_handle(net->values[flat].memory, &handle);
    dnnl_memory_t alias = new_memory(net, &reshaped, handle, message, capacity);
    return alias ? add_value(net, &reshaped, alias, message, capacity) : -1;
}

// A reorder of `source` into its own layout with data type `type`, scaling by `scale` and shifting by the zero
// points: to = scale × (from − from_zero_point) + to_zero_point, rounded and saturated.
static int convert(cdnnl_net *net, int source, dnnl_data_type_t type, float scale, int from_zero_point,
                   int to_zero_point, char *message, size_t capacity) {
    if (!valid(net, source, message, capacity)) return -1;
    dnnl_memory_desc_t from = net->values[source].md, to = from;
    to.data_type = type;
    to.extra = (dnnl_memory_extra_desc_t){0};
    dnnl_primitive_attr_t attributes = NULL;
    api.dnnl_primitive_attr_create(&attributes);
    api.dnnl_primitive_attr_set_output_scales(attributes, 1, 0, &scale);
    const int32_t from_point = from_zero_point, to_point = to_zero_point;
    if (from_point) api.dnnl_primitive_attr_set_zero_points(attributes, DNNL_ARG_FROM, 1, 0, &from_point);
    if (to_point) api.dnnl_primitive_attr_set_zero_points(attributes, DNNL_ARG_TO, 1, 0, &to_point);
    dnnl_primitive_desc_t pd = scaled_reorder_pd(net, &from, &to, attributes, message, capacity);
    api.dnnl_primitive_attr_destroy(attributes);
    if (!pd) return -1;
    int output = allocated_value(net, &to, message, capacity);
    if (output < 0) {
        api.dnnl_primitive_desc_destroy(pd);
        return -1;
    }
    dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, net->values[source].memory}, {DNNL_ARG_TO, net->values[output].memory}};
    return label(net, add_step(net, pd, args, 2, message, capacity), type == dnnl_s8 ? "quantize" : "dequantize") < 0 ? -1 : output;
}

int cdnnl_net_quantize(cdnnl_net *net, int source, cdnnl_quantization to, char *message, size_t capacity) {
    if (!(to.scale > 0)) {
        fail(message, capacity, "an int8 scale must be positive");
        return -1;
    }
    return convert(net, source, dnnl_s8, 1.0f / to.scale, 0, to.zero_point, message, capacity);
}

int cdnnl_net_dequantize(cdnnl_net *net, int source, cdnnl_quantization from, char *message, size_t capacity) {
    return convert(net, source, dnnl_f32, from.scale, from.zero_point, 0, message, capacity);
}

int cdnnl_net_step_count(const cdnnl_net *net) { return net->step_count; }

const char *cdnnl_net_step_implementation(const cdnnl_net *net, int index) {
    return index >= 0 && index < net->step_count ? net->steps[index].implementation : "";
}

void cdnnl_net_bytes(const cdnnl_net *net, size_t *activations, size_t *constants) {
    if (activations) *activations = net->activation_bytes;
    if (constants) *constants = net->constant_bytes;
}

int cdnnl_net_run(cdnnl_net *net, int first, int end, char *message, size_t capacity) {
    cdnnl_context *context = net->context;
    if (api.set_omp_threads) api.set_omp_threads(context->threads);
    for (int i = first < 0 ? 0 : first; i < end && i < net->step_count; i++) {
        step *current = &net->steps[i];
        dnnl_status_t status = api.dnnl_primitive_execute(current->primitive, net->stream, current->count, current->args);
        if (status != dnnl_success) {
            if (message && capacity)
                snprintf(message, capacity, "oneDNN: step %d (%s) failed (status %d)", i, current->implementation, (int)status);
            return 0;
        }
    }
    dnnl_status_t status = api.dnnl_stream_wait(net->stream);
    if (status != dnnl_success) {
        cdnnl_say(message, capacity, "waiting for the stream failed", status);
        return 0;
    }
    return 1;
}

#endif
