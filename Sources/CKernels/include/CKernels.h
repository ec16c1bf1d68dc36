#ifndef CKERNELS_H
#define CKERNELS_H
// adapt-top's own SIMD kernels, in C because they need per-function target attributes (AVX-512 on x86-64,
// chosen at run time) and exact control of register blocking, which Swift's SIMD types do not give.
// Only Sources/AdaptInference/Backend/XNNPACK imports this module.
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Output channels are packed in blocks of this many (zero-padded at the end).
#define ADAPT_CONV_BLOCK 64

// A dense (group = 1) 2-D convolution over NHWC fp32 tensors, with a fused output clamp.
// `packed` comes from adapt_conv2d_f32_pack; `zero` points at kernel_width * in_channels zeros (read for
// padding taps and window rows).
typedef struct adapt_conv2d_f32 {
    size_t batch, in_height, in_width, in_channels;
    size_t out_height, out_width, out_channels;
    size_t kernel_height, kernel_width;
    size_t stride_height, stride_width, dilation_height, dilation_width;
    size_t pad_top, pad_left;
    const float *input;
    float *output;
    // Floats from one output pixel to the next: out_channels, or more when the output is a channel slice of
    // a Concat's buffer (the convolution then writes its channels in place and the Concat copies nothing).
    size_t out_pixel_stride;
    const float *packed;
    const float *zero;
    float output_min, output_max;
} adapt_conv2d_f32;

// True when this CPU (and the OS) can run the kernels: x86-64 with AVX-512F and ZMM state enabled.
// Elsewhere (ARM boards, older x86) every kernel here is a no-op and XNNPACK runs everything.
bool adapt_kernels_available(void);

// The pixel-tile height the kernel uses for a block of `block_channels` output channels (for descriptions).
size_t adapt_conv2d_f32_tile_pixels(size_t block_channels);

// Floats of packed weights: per block of 64 output channels, 64 biases then [kh][kw][ci][64] weights.
size_t adapt_conv2d_f32_packed_count(size_t out_channels, size_t kernel_height, size_t kernel_width, size_t in_channels);

// Packs OHWI weights (out × kh × kw × in, row-major) and per-channel bias (may be NULL) into `packed`.
void adapt_conv2d_f32_pack(const float *weights, const float *bias, size_t out_channels, size_t kernel_height,
                           size_t kernel_width, size_t in_channels, float *packed);

// Units of work (channel block × pixel tile); run them all, in any order and on any threads, for one inference.
size_t adapt_conv2d_f32_tile_count(const adapt_conv2d_f32 *conv);
void adapt_conv2d_f32_run_tiles(const adapt_conv2d_f32 *conv, size_t first_tile, size_t tile_count);
// The same for one tile, shaped as a pthreadpool 1-D task.
void adapt_conv2d_f32_run_tile(void *conv, size_t tile);

// A dense (group = 1) 2-D convolution over NHWC int8 tensors with XNNPACK's qc8 arithmetic (per-tensor
// asymmetric activations, per-output-channel symmetric weights, int32 bias, float requantization), for CPUs
// with AVX-512 VNNI; outputs equal XNNPACK's convolution2d_nhwc_qc8 bit for bit.
// One inference runs every flip chunk (copying the input into `flipped`, see adapt_conv2d_qc8_flipped_bytes),
// then every tile. `packed` comes from adapt_conv2d_qc8_pack.
typedef struct adapt_conv2d_qc8 {
    size_t batch, in_height, in_width, in_channels;
    size_t out_height, out_width, out_channels;
    size_t kernel_height, kernel_width;
    size_t stride_height, stride_width, dilation_height, dilation_width;
    size_t pad_top, pad_left, pad_bottom, pad_right;
    const int8_t *input;
    // The input flipped to unsigned (x ^ 0x80), channels padded to a multiple of 4 (or, with few channels, each
    // position's whole window row), inside a border of the flipped input zero point as wide as the padding:
    // adapt_conv2d_qc8_flipped_bytes, 64-byte aligned, border written once by adapt_conv2d_qc8_fill_padding.
    int8_t *flipped;
    int8_t *output;
    // Bytes from one output pixel to the next: out_channels or more.
    size_t out_pixel_stride;
    const void *packed;
    int8_t input_zero_point, output_zero_point, output_min, output_max;
} adapt_conv2d_qc8;

// True when this CPU can run adapt_conv2d_qc8: adapt_kernels_available plus AVX512BW, AVX512VL and AVX512-VNNI.
bool adapt_kernels_vnni_available(void);

// Bytes of packed weights for this convolution's geometry (64-byte aligned blocks of 64 output channels: 64
// int32 initial accumulators, 64 float requantization scales, then the weights in 4-byte groups).
size_t adapt_conv2d_qc8_packed_bytes(const adapt_conv2d_qc8 *conv);
// Packs OHWI int8 weights, int32 bias (may be NULL) and the quantization parameters into `packed` (64-byte
// aligned) for the geometry and input zero point `conv` describes (its buffers are not read). Requantization
// scale per channel: input_scale * kernel_scales[c] / output_scale.
void adapt_conv2d_qc8_pack(const adapt_conv2d_qc8 *conv, const int8_t *weights, const int32_t *bias, float input_scale,
                           const float *kernel_scales, float output_scale, void *packed);

// Bytes the `flipped` copy of the input needs; and writing its border (the flipped input zero point), once.
size_t adapt_conv2d_qc8_flipped_bytes(const adapt_conv2d_qc8 *conv);
void adapt_conv2d_qc8_fill_padding(const adapt_conv2d_qc8 *conv);

// The first pass of one inference, in units of a few input rows: run them all (any order, any threads)
// before any tile.
size_t adapt_conv2d_qc8_flip_count(const adapt_conv2d_qc8 *conv);
void adapt_conv2d_qc8_flip_chunks(const adapt_conv2d_qc8 *conv, size_t first_chunk, size_t chunk_count);
void adapt_conv2d_qc8_flip_chunk(void *conv, size_t chunk);

// Units of work (channel block × pixel tile, tiled as the fp32 kernel); run them all, in any order and on any
// threads, for one inference.
size_t adapt_conv2d_qc8_tile_count(const adapt_conv2d_qc8 *conv);
void adapt_conv2d_qc8_run_tiles(const adapt_conv2d_qc8 *conv, size_t first_tile, size_t tile_count);
// The same for one tile, shaped as a pthreadpool 1-D task.
void adapt_conv2d_qc8_run_tile(void *conv, size_t tile);

// A depthwise (group = channels, one filter per channel) 2-D convolution over NHWC int8 tensors with XNNPACK's
// qc8 arithmetic, for CPUs with AVX-512 VNNI; outputs equal XNNPACK's convolution2d_nhwc_qc8 with groups =
// channels bit for bit. One inference runs every expand unit (copying each input row's window rows into
// `windows`, see adapt_dwconv2d_qc8_windows_bytes), then every tile. `packed` comes from adapt_dwconv2d_qc8_pack.
typedef struct adapt_dwconv2d_qc8 {
    size_t batch, in_height, in_width, channels;
    size_t out_height, out_width;
    size_t kernel_height, kernel_width;
    size_t stride_height, stride_width, dilation_height, dilation_width;
    size_t pad_top, pad_left, pad_bottom, pad_right;
    const int8_t *input;
    // Per padded input row and output column, each channel's window row flipped to unsigned (x ^ 0x80), four taps
    // per 4-byte group, 16 channels per 64 bytes; rows of padding hold the flipped input zero point:
    // adapt_dwconv2d_qc8_windows_bytes, 64-byte aligned, padding rows written once by adapt_dwconv2d_qc8_fill_padding.
    int8_t *windows;
    int8_t *output;
    // Bytes from one output pixel to the next: channels or more.
    size_t out_pixel_stride;
    const void *packed;
    int8_t input_zero_point, output_zero_point, output_min, output_max;
} adapt_dwconv2d_qc8;

// True when this CPU can run adapt_dwconv2d_qc8: adapt_kernels_vnni_available plus AVX512-VBMI (vpermb).
bool adapt_dwconv2d_qc8_available(void);

// Bytes of packed weights (64-byte aligned blocks of 16 channels: 16 int32 initial accumulators, 16 float
// requantization scales, then per window row its taps in 4-byte groups).
size_t adapt_dwconv2d_qc8_packed_bytes(const adapt_dwconv2d_qc8 *conv);
// Packs [channels][kh][kw] int8 weights, int32 bias (may be NULL) and the quantization parameters into `packed`
// (64-byte aligned) for the geometry and input zero point `conv` describes (its buffers are not read).
void adapt_dwconv2d_qc8_pack(const adapt_dwconv2d_qc8 *conv, const int8_t *weights, const int32_t *bias,
                             float input_scale, const float *kernel_scales, float output_scale, void *packed);

// Bytes the `windows` copy needs; and writing it whole with the flipped input zero point, once.
size_t adapt_dwconv2d_qc8_windows_bytes(const adapt_dwconv2d_qc8 *conv);
void adapt_dwconv2d_qc8_fill_padding(const adapt_dwconv2d_qc8 *conv);

// The first pass of one inference, one unit per input row: run them all (any order, any threads) before any tile.
size_t adapt_dwconv2d_qc8_expand_count(const adapt_dwconv2d_qc8 *conv);
void adapt_dwconv2d_qc8_expand_rows(const adapt_dwconv2d_qc8 *conv, size_t first_unit, size_t unit_count);
void adapt_dwconv2d_qc8_expand_row(void *conv, size_t unit);

// Units of work (output row x up to 64 channels); run them all, in any order and on any threads, for one inference.
size_t adapt_dwconv2d_qc8_tile_count(const adapt_dwconv2d_qc8 *conv);
void adapt_dwconv2d_qc8_run_tiles(const adapt_dwconv2d_qc8 *conv, size_t first_tile, size_t tile_count);
void adapt_dwconv2d_qc8_run_tile(void *conv, size_t tile);

// A fully connected layer on a few rows (a batch-1 classifier head): y = clamp(W x + b) per row.
// XNNPACK's 1-row GEMM kernel chains every FMA of an output vector through one accumulator, so it runs at
// a quarter of the FMA rate; this kernel interleaves four chains per output vector.
typedef struct adapt_gemv_f32 {
    size_t rows, inputs, outputs;
    const float *input;  // rows x inputs
    float *output;       // rows x outputs
    const float *packed;
    float output_min, output_max;
} adapt_gemv_f32;

// Floats of packed weights: per block of 64 outputs, 64 biases then [inputs][64] weights.
size_t adapt_gemv_f32_packed_count(size_t outputs, size_t inputs);
// Packs row-major [outputs][inputs] weights and a bias (may be NULL).
void adapt_gemv_f32_pack(const float *weights, const float *bias, size_t outputs, size_t inputs, float *packed);
// Units of work (row x output block), independent of each other.
size_t adapt_gemv_f32_tile_count(const adapt_gemv_f32 *gemv);
void adapt_gemv_f32_run_tiles(const adapt_gemv_f32 *gemv, size_t first_tile, size_t tile_count);
void adapt_gemv_f32_run_tile(void *gemv, size_t tile);

// destination[c * rows + r] = source[r * columns + c] (AVX 8x8 blocks; call only when adapt_kernels_available).
void adapt_transpose_f32(const float *source, float *destination, size_t rows, size_t columns);

#ifdef __cplusplus
}
#endif
#endif
