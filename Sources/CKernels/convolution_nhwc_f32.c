// Dense NHWC fp32 convolution for AVX-512 CPUs.
//
// Why our own: on x86 Debian's XNNPACK (2022-02) runs convolutions through its 7x16 AVX-512 igemm kernel,
// whose 7 accumulators leave the FMA units waiting on their 4-cycle latency; measured on a 2-vCPU Xeon, a
// 32->32 3x3 convolution on 28x28 ran at ~65 % of peak. This kernel keeps up to 24 accumulators live
// (6 pixels x 64 channels, 8 x 48, 12 x 32 or 12 x 16), with the same indirection idea as XNNPACK: each tile
// gathers one input pointer per output pixel and tap (or per window row, where the window lies inside the
// image), and padding points at a zero row. The sum runs in the same order (bias, then kh, kw, ci), so
// results match XNNPACK's bit for bit. Tiles span output rows, so only the tensor's last tile is short.
#include "CKernels.h"

#include <string.h>

size_t adapt_conv2d_f32_packed_count(size_t out_channels, size_t kernel_height, size_t kernel_width,
                                     size_t in_channels) {
    size_t blocks = (out_channels + ADAPT_CONV_BLOCK - 1) / ADAPT_CONV_BLOCK;
    return blocks * ADAPT_CONV_BLOCK * (1 + kernel_height * kernel_width * in_channels);
}

void adapt_conv2d_f32_pack(const float *weights, const float *bias, size_t out_channels, size_t kernel_height,
                           size_t kernel_width, size_t in_channels, float *packed) {
    size_t taps = kernel_height * kernel_width;
    size_t block_floats = ADAPT_CONV_BLOCK * (1 + taps * in_channels);
    memset(packed, 0, adapt_conv2d_f32_packed_count(out_channels, kernel_height, kernel_width, in_channels) *
                          sizeof(float));
    for (size_t co = 0; co < out_channels; co++) {
        float *block = packed + co / ADAPT_CONV_BLOCK * block_floats;
        size_t lane = co % ADAPT_CONV_BLOCK;
        block[lane] = bias ? bias[co] : 0.0f;
        for (size_t tap = 0; tap < taps; tap++) {
            for (size_t ci = 0; ci < in_channels; ci++) {
                block[ADAPT_CONV_BLOCK * (1 + tap * in_channels + ci) + lane] =
                    weights[(co * taps + tap) * in_channels + ci];
            }
        }
    }
}

size_t adapt_conv2d_f32_tile_pixels(size_t block_channels) {
    size_t vectors = (block_channels + 15) / 16;
    return vectors >= 4 ? 6 : vectors == 3 ? 8 : 12;
}

static size_t pixel_tiles(const adapt_conv2d_f32 *conv, size_t tile_pixels) {
    size_t pixels = conv->batch * conv->out_height * conv->out_width;
    return (pixels + tile_pixels - 1) / tile_pixels;
}

size_t adapt_conv2d_f32_tile_count(const adapt_conv2d_f32 *conv) {
    size_t count = 0;
    for (size_t co = 0; co < conv->out_channels; co += ADAPT_CONV_BLOCK) {
        size_t width = conv->out_channels - co < ADAPT_CONV_BLOCK ? conv->out_channels - co : ADAPT_CONV_BLOCK;
        count += pixel_tiles(conv, adapt_conv2d_f32_tile_pixels(width));
    }
    return count;
}

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))
#define ALWAYS_INLINE static inline __attribute__((always_inline))

// acc[i][v] += rows[i][j] * weights[j][v] for j < depth: the inner loop, one broadcast per pixel and one
// load per weight vector for MR x VECTORS FMAs. Returns the weights pointer advanced past what it read.
ALWAYS_INLINE AVX512 const float *accumulate(__m512 *acc, const float *const *rows, const float *weights,
                                             size_t depth, const int MR, const int VECTORS) {
    for (size_t j = 0; j < depth; j++) {
        __m512 w[VECTORS];
        #pragma clang loop unroll(full)
        for (int v = 0; v < VECTORS; v++) w[v] = _mm512_load_ps(weights + 16 * v);
        #pragma clang loop unroll(full)
        for (int i = 0; i < MR; i++) {
            __m512 x = _mm512_set1_ps(rows[i][j]);
            #pragma clang loop unroll(full)
            for (int v = 0; v < VECTORS; v++) acc[i * VECTORS + v] = _mm512_fmadd_ps(x, w[v], acc[i * VECTORS + v]);
        }
        weights += ADAPT_CONV_BLOCK;
    }
    return weights;
}

// One tile: `count` (<= MR) consecutive output pixels starting at `pixel`, VECTORS x 16 channels of block
// `block`. MR and VECTORS are compile-time constants at every call, so `acc` lives in registers.
ALWAYS_INLINE AVX512 void conv_tile(const adapt_conv2d_f32 *conv, size_t block, size_t pixel, size_t count,
                                    const int MR, const int VECTORS, __mmask16 last_mask) {
    const size_t taps = conv->kernel_height * conv->kernel_width, in_channels = conv->in_channels;
    const float *weights = conv->packed + block * ADAPT_CONV_BLOCK * (1 + taps * in_channels);

    __m512 acc[MR * VECTORS];
    #pragma clang loop unroll(full)
    for (int v = 0; v < VECTORS; v++) {
        __m512 bias = _mm512_load_ps(weights + 16 * v);
        #pragma clang loop unroll(full)
        for (int i = 0; i < MR; i++) acc[i * VECTORS + v] = bias;
    }
    weights += ADAPT_CONV_BLOCK;

    // Where each pixel's window starts in the input (may be negative: padding); pixels past the end of the
    // tensor (a short last tile) get a window entirely outside, so they read zeros.
    // One division for the tile's first pixel; the rest step along the row with carries.
    const size_t plane = conv->out_height * conv->out_width;
    size_t n = pixel / plane, oy = pixel % plane / conv->out_width, ox = pixel % conv->out_width;
    const size_t image_floats = conv->in_height * conv->in_width * in_channels;
    long top[MR], left[MR];
    const float *image[MR];
    #pragma clang loop unroll(full)
    for (int i = 0; i < MR; i++) {
        if ((size_t)i < count) {
            top[i] = (long)(oy * conv->stride_height) - (long)conv->pad_top;
            left[i] = (long)(ox * conv->stride_width) - (long)conv->pad_left;
            image[i] = conv->input + n * image_floats;
            if (++ox == conv->out_width) {
                ox = 0;
                if (++oy == conv->out_height) { oy = 0; n++; }
            }
        } else {
            top[i] = -(long)(conv->kernel_height * conv->dilation_height) - 1;
            left[i] = 0;
            image[i] = conv->input;
        }
    }

    // When every pixel's window lies inside the image horizontally (and is not dilated across), a window row
    // is kernel_width * in_channels contiguous floats, in the packed weights' order: one pointer per pixel
    // and window row instead of per tap. Stems over 3 channels spend most of their time on that set-up.
    bool contiguous_rows = conv->dilation_width == 1;
    #pragma clang loop unroll(full)
    for (int i = 0; i < MR; i++)
        contiguous_rows &= (size_t)i >= count || (left[i] >= 0 && left[i] + (long)conv->kernel_width <= (long)conv->in_width);

    const float *rows[MR];
    if (contiguous_rows) {
        for (size_t kh = 0; kh < conv->kernel_height; kh++) {
            #pragma clang loop unroll(full)
            for (int i = 0; i < MR; i++) {
                long y = top[i] + (long)(kh * conv->dilation_height);
                bool inside = (size_t)i < count && y >= 0 && y < (long)conv->in_height;
                rows[i] = inside ? image[i] + ((size_t)y * conv->in_width + (size_t)left[i]) * in_channels : conv->zero;
            }
            weights = accumulate(acc, rows, weights, conv->kernel_width * in_channels, MR, VECTORS);
        }
    } else {
        for (size_t kh = 0; kh < conv->kernel_height; kh++) {
            for (size_t kw = 0; kw < conv->kernel_width; kw++) {
                #pragma clang loop unroll(full)
                for (int i = 0; i < MR; i++) {
                    long y = top[i] + (long)(kh * conv->dilation_height);
                    long x = left[i] + (long)(kw * conv->dilation_width);
                    bool inside = y >= 0 && y < (long)conv->in_height && x >= 0 && x < (long)conv->in_width;
                    rows[i] = inside ? image[i] + ((size_t)y * conv->in_width + (size_t)x) * in_channels : conv->zero;
                }
                weights = accumulate(acc, rows, weights, in_channels, MR, VECTORS);
            }
        }
    }

    const __m512 low = _mm512_set1_ps(conv->output_min), high = _mm512_set1_ps(conv->output_max);
    #pragma clang loop unroll(full)
    for (int i = 0; i < MR; i++) {
        if ((size_t)i >= count) break;
        float *out = conv->output + (pixel + (size_t)i) * conv->out_pixel_stride + block * ADAPT_CONV_BLOCK;
        #pragma clang loop unroll(full)
        for (int v = 0; v < VECTORS; v++) {
            __m512 y = _mm512_min_ps(_mm512_max_ps(acc[i * VECTORS + v], low), high);
            if (v == VECTORS - 1) _mm512_mask_storeu_ps(out + 16 * v, last_mask, y);
            else _mm512_storeu_ps(out + 16 * v, y);
        }
    }
}

static AVX512 void conv_tile_4(const adapt_conv2d_f32 *c, size_t b, size_t p, size_t n, __mmask16 m) { conv_tile(c, b, p, n, 6, 4, m); }
static AVX512 void conv_tile_3(const adapt_conv2d_f32 *c, size_t b, size_t p, size_t n, __mmask16 m) { conv_tile(c, b, p, n, 8, 3, m); }
static AVX512 void conv_tile_2(const adapt_conv2d_f32 *c, size_t b, size_t p, size_t n, __mmask16 m) { conv_tile(c, b, p, n, 12, 2, m); }
static AVX512 void conv_tile_1(const adapt_conv2d_f32 *c, size_t b, size_t p, size_t n, __mmask16 m) { conv_tile(c, b, p, n, 12, 1, m); }

void adapt_conv2d_f32_run_tiles(const adapt_conv2d_f32 *conv, size_t first_tile, size_t tile_count) {
    const size_t pixels = conv->batch * conv->out_height * conv->out_width;
    const size_t end = first_tile + tile_count;
    size_t block_start = 0;  // index of the block's first tile
    for (size_t block = 0; block * ADAPT_CONV_BLOCK < conv->out_channels && block_start < end; block++) {
        size_t width = conv->out_channels - block * ADAPT_CONV_BLOCK;
        if (width > ADAPT_CONV_BLOCK) width = ADAPT_CONV_BLOCK;
        size_t vectors = (width + 15) / 16, mr = adapt_conv2d_f32_tile_pixels(width);
        size_t tiles = (pixels + mr - 1) / mr;
        __mmask16 last_mask = (width % 16) ? (__mmask16)((1u << (width % 16)) - 1) : (__mmask16)0xFFFF;
        size_t first = first_tile > block_start ? first_tile - block_start : 0;
        size_t last = end - block_start < tiles ? end - block_start : tiles;
        for (size_t t = first; t < last; t++) {
            size_t pixel = t * mr, count = pixels - pixel < mr ? pixels - pixel : mr;
            switch (vectors) {
            case 4: conv_tile_4(conv, block, pixel, count, last_mask); break;
            case 3: conv_tile_3(conv, block, pixel, count, last_mask); break;
            case 2: conv_tile_2(conv, block, pixel, count, last_mask); break;
            default: conv_tile_1(conv, block, pixel, count, last_mask); break;
            }
        }
        block_start += tiles;
    }
}

#else

void adapt_conv2d_f32_run_tiles(const adapt_conv2d_f32 *conv, size_t first_tile, size_t tile_count) {
    (void)conv; (void)first_tile; (void)tile_count;
}

#endif

void adapt_conv2d_f32_run_tile(void *conv, size_t tile) {
    adapt_conv2d_f32_run_tiles((const adapt_conv2d_f32 *)conv, tile, 1);
}
