#ifndef CXNNPACK_H
#define CXNNPACK_H
// The one doorway to XNNPACK and pthreadpool (Debian: libxnnpack-dev, libpthreadpool-dev).
// Only Sources/AdaptInference/Backend/XNNPACK imports this module.
#include <xnnpack.h>
#include <pthreadpool.h>

// Macros Swift cannot import as typed constants get a function each.
static inline size_t CXNNPack_extraBytes(void) { return XNN_EXTRA_BYTES; }
static inline uint32_t CXNNPack_flagDepthwiseConvolution(void) { return XNN_FLAG_DEPTHWISE_CONVOLUTION; }
static inline uint32_t CXNNPack_flagTransposeWeights(void) { return XNN_FLAG_TRANSPOSE_WEIGHTS; }

#endif
