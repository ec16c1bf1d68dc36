#ifndef CDNNL_H
#define CDNNL_H
// The one doorway to oneDNN (Debian: libdnnl-dev). Its library is opened at run time (dlopen), so adapt-top builds
// and runs where oneDNN is missing — ARM boards among them — and reports the backend as unavailable there.
// Swift sees only this narrow API of our own, never oneDNN's types. Only Sources/AdaptInference/Backend/OneDNN
// imports this module.
//
// A model is one `cdnnl_net`: float32 values (tensors) and the steps (oneDNN primitives) between them. A value a
// step produces is in the layout oneDNN chose for it (often blocked, nChw16c), and the next step reads it as it
// is; reorders happen only where a step cannot take that layout, and into the caller's plain buffers at the
// model's edges. Everything is created while building; running a net only executes its steps.
//
// Functions returning a value or step index return -1 on failure, and every failure writes its reason into
// `message` (capacity bytes, always terminated).
#include <stddef.h>

typedef struct cdnnl_context cdnnl_context;
typedef struct cdnnl_net cdnnl_net;

/// Loads oneDNN once; 1 on success, with its version ("oneDNN 2.6.3 (cpu runtime: OpenMP)") in `message`,
/// else 0 with the reason in `message`.
int cdnnl_load(char *message, size_t capacity);

/// A CPU engine whose nets run on `threads` threads (1: the caller's alone); each net has a stream of its own, so
/// nets of one context may run on several threads at once. NULL if oneDNN is not loaded or refuses. Loading sets
/// OMP_NUM_THREADS=1 unless it is set already.
cdnnl_context *cdnnl_context_create(int threads, char *message, size_t capacity);
void cdnnl_context_destroy(cdnnl_context *context);

/// Element-wise functions, standalone or fused after another step (`CDNNL_ELTWISE_NONE`: nothing fused).
/// alpha and beta: RELU — the slope below zero (0 for ReLU, LeakyRelu's alpha); CLIP — minimum, maximum;
/// LINEAR — alpha·x + beta. LOGISTIC, TANH and HARDSWISH take none.
enum {
    CDNNL_ELTWISE_NONE = 0, CDNNL_ELTWISE_RELU, CDNNL_ELTWISE_CLIP, CDNNL_ELTWISE_LOGISTIC, CDNNL_ELTWISE_TANH,
    CDNNL_ELTWISE_HARDSWISH, CDNNL_ELTWISE_LINEAR
};
typedef struct { int kind; float alpha, beta; } cdnnl_eltwise;

enum { CDNNL_POOL_MAX = 0, CDNNL_POOL_AVERAGE_INCLUDING_PADDING, CDNNL_POOL_AVERAGE_EXCLUDING_PADDING };
enum { CDNNL_BINARY_ADD = 0, CDNNL_BINARY_SUB, CDNNL_BINARY_MUL, CDNNL_BINARY_DIV };

cdnnl_net *cdnnl_net_create(cdnnl_context *context, char *message, size_t capacity);
void cdnnl_net_destroy(cdnnl_net *net);

/// A plain (row-major: NCHW, NC…) tensor in a buffer the caller owns and keeps alive as long as the net.
int cdnnl_net_external(cdnnl_net *net, int rank, const long *dims, float *buffer, char *message, size_t capacity);
/// A constant plain tensor, copied into the net.
int cdnnl_net_constant(cdnnl_net *net, int rank, const long *dims, const float *data, char *message, size_t capacity);
/// A step copying `from` into `to` (same dims), converting layouts; returns the step's index.
int cdnnl_net_copy(cdnnl_net *net, int from, int to, char *message, size_t capacity);

/// An int8 tensor's real values: scale × (code − zero_point), per tensor.
typedef struct { float scale; int zero_point; } cdnnl_quantization;

/// What makes a convolution int8: its input's and output's parameters and a scale per output channel of its
/// weights (symmetric). Requantization happens inside the kernel (VNNI where the CPU has it).
typedef struct {
    cdnnl_quantization input, output;
    const float *weight_scales;
} cdnnl_int8;

/// ONNX Conv of `source` (rank 4): `geometry` = output channels, kernel h, w, stride h, w, dilation h, w,
/// pad top, left, bottom, right, groups (12 values); weights O×(C/groups)×KH×KW, bias (may be NULL) O; then
/// `activation`, inside the kernel. float32 unless `int8` is given: then `source` must be int8, `weights` are
/// signed chars, `bias` int32 in units of input scale × weight scale, the output int8, and `activation` applies
/// to output codes before the output's zero point is added.
/// With `residual` (float32 only; a value of the output's dims, -1 for none) the kernel adds
/// the residual before the activation by accumulating into the residual's memory when it is in the layout the
/// kernel writes (the residual is then overwritten: no later step may read it), else into a converted copy.
int cdnnl_net_convolution(cdnnl_net *net, int source, const long *geometry, const void *weights, const void *bias,
                          int residual, cdnnl_eltwise activation, const cdnnl_int8 *int8, char *message, size_t capacity);
/// float32 → int8 codes with `to`'s parameters (rounded to nearest, saturated), in the same layout.
int cdnnl_net_quantize(cdnnl_net *net, int source, cdnnl_quantization to, char *message, size_t capacity);
/// int8 codes (with parameters `from`) → float32, in the same layout.
int cdnnl_net_dequantize(cdnnl_net *net, int source, cdnnl_quantization from, char *message, size_t capacity);
/// 2-D pooling: `window` = kernel h, w, stride h, w, dilation h, w, pad top, left, bottom, right (10 values);
/// the output's spatial size is given (ceil_mode is the caller's extra bottom/right padding). An int8 source gives
/// an int8 output of the same codes' scale (max pooling; average pooling rounds).
int cdnnl_net_pooling(cdnnl_net *net, int source, int kind, const long *window, long output_height, long output_width,
                      cdnnl_eltwise activation, char *message, size_t capacity);
/// A fully connected layer: output[n][o] = Σ source[n][i…]·weights[o][i…] + bias[o], `source` of rank 2 or 4
/// (then weights are O×C×H×W: a Flatten before it costs nothing). `bias` may be NULL.
int cdnnl_net_inner_product(cdnnl_net *net, int source, long outputs, const float *weights, const float *bias,
                            cdnnl_eltwise activation, char *message, size_t capacity);
/// `function`, then `then` (for HardSigmoid's clip after its linear), on a copy of `source`.
int cdnnl_net_eltwise(cdnnl_net *net, int source, cdnnl_eltwise function, cdnnl_eltwise then, char *message,
                      size_t capacity);
/// a ∘ b element-wise; b's dims equal a's or are 1 where they broadcast (same rank).
int cdnnl_net_binary(cdnnl_net *net, int kind, int a, int b, cdnnl_eltwise activation, char *message, size_t capacity);
int cdnnl_net_concat(cdnnl_net *net, int count, const int *sources, int axis, char *message, size_t capacity);
int cdnnl_net_softmax(cdnnl_net *net, int source, int axis, char *message, size_t capacity);
/// Local response normalisation across channels, ONNX LRN's parameters.
int cdnnl_net_lrn(cdnnl_net *net, int source, long size, float alpha, float beta, float bias, char *message,
                  size_t capacity);
/// ShuffleNet's channel shuffle of `groups` groups on axis 1.
int cdnnl_net_channel_shuffle(cdnnl_net *net, int source, long groups, char *message, size_t capacity);
/// The same elements with other dims (row-major order, float32 or int8): free when `source` is plain, else one
/// reorder step.
int cdnnl_net_reshape(cdnnl_net *net, int source, int rank, const long *dims, char *message, size_t capacity);

int cdnnl_net_step_count(const cdnnl_net *net);
/// The implementation oneDNN chose for a step, e.g. "brgconv:avx512_core" or "reorder jit:uni".
const char *cdnnl_net_step_implementation(const cdnnl_net *net, int step);
/// Bytes oneDNN holds for activations (values it allocated) and for constants (weights in its layouts, biases).
void cdnnl_net_bytes(const cdnnl_net *net, size_t *activations, size_t *constants);
/// Runs steps [first, end) and waits for them; 1 on success, else 0 with the reason.
int cdnnl_net_run(cdnnl_net *net, int first, int end, char *message, size_t capacity);

#endif
