#ifndef CDNNL_H
#define CDNNL_H
// The one doorway to oneDNN (Debian: libdnnl-dev). Its library is opened at run time (dlopen), so adapt-top builds
// and runs where oneDNN is missing — ARM boards among them — and reports the backend as unavailable there.
// Swift sees only this narrow API of our own, never oneDNN's types. Only Sources/AdaptInference/Backend/OneDNN
// imports this module.
#include <stddef.h>

typedef struct cdnnl_context cdnnl_context;
typedef struct cdnnl_op cdnnl_op;

/// Loads oneDNN once; 1 on success, with its version ("2.6.3 (cpu runtime: OpenMP, isa: …)") in `message`,
/// else 0 with the reason in `message`.
int cdnnl_load(char *message, size_t capacity);

/// A CPU engine and a stream on it, whose ops run on `threads` threads (1: the caller's alone); NULL (reason in
/// `message`) if oneDNN is not loaded or refuses. Loading sets OMP_NUM_THREADS=1 unless it is set already.
cdnnl_context *cdnnl_context_create(int threads, char *message, size_t capacity);
void cdnnl_context_destroy(cdnnl_context *context);

enum { CDNNL_ACTIVATION_NONE = 0, CDNNL_ACTIVATION_RELU = 1, CDNNL_ACTIVATION_CLIP = 2 };

/// A float32 2-D convolution (ONNX Conv semantics) with an optional fused ReLU or clip, reading `source`
/// (N×C×H×W) and writing `destination` (N×OC×OH×OW) in plain NCHW. oneDNN picks its own layouts inside; weights
/// (OC×C/groups×KH×KW) and bias are reordered and copied once, here. `geometry`: n, c, h, w, oc, kh, kw, stride_h,
/// stride_w, dilation_h, dilation_w, pad_top, pad_left, pad_bottom, pad_right, groups (16 values).
/// NULL with the reason in `message` if oneDNN cannot run it.
cdnnl_op *cdnnl_convolution_create(cdnnl_context *context, const long *geometry, const float *weights, const float *bias,
                                   int activation, float minimum, float maximum, float *source, float *destination,
                                   char *message, size_t capacity);

/// Runs an op (its layout conversions included) and waits for it; 1 on success, else 0 with the reason.
int cdnnl_op_execute(cdnnl_op *op, char *message, size_t capacity);

/// The implementation oneDNN chose, e.g. "brgconv:avx512_core".
const char *cdnnl_op_implementation(const cdnnl_op *op);

void cdnnl_op_destroy(cdnnl_op *op);

#endif
