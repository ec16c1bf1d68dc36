// Dense NHWC int8 convolution (XNNPACK's qc8: per-tensor asymmetric activations, per-channel symmetric
// weights) for AVX-512 VNNI CPUs.
//
// Why our own: Debian's XNNPACK (2022-02) has no VNNI kernels on x86, so its qc8 convolution ran no faster
// than our fp32 kernel. `vpdpbusd` does four u8 x s8 products and their sum per 32-bit lane in one instruction. Structure as in convolution_nhwc_f32.c: tiles of MR pixels x up to 64
// channels, one input pointer per pixel and tap (or window row).
//
// Arithmetic (identical to XNNPACK's, so outputs match bit for bit):
//   acc[c] = bias[c] + sum_k (x[k] - input_zero_point) * w[c][k]            exact in int32
//   y[c]   = clamp(round_even(float(acc[c]) * scale[c]) + output_zero_point, output_min, output_max)
//   scale[c] = input_scale * kernel_scale[c] / output_scale, in float as XNNPACK computes it.
// vpdpbusd wants the activations unsigned: x ^ 0x80 = x + 128, and the extra 128 + input_zero_point per
// product is folded into the bias at pack time: acc0[c] = bias[c] - (input_zero_point + 128) * sum_k w[c][k].
// Integer sums are exact in any order, so unlike the fp32 kernel the order of the taps is free.
//
// Flipping each broadcast in the inner loop would cost one ALU instruction per pixel and 4-channel group
// beside every 1-4 vpdpbusd. So a first pass copies the input once, flipped, into `flipped`: each pixel's
// channels padded to a multiple of 4 (whole 4-byte groups per tap), inside a border of flipped zero points as
// wide as the padding (written once). Tiles then never test bounds: every tap or window row of a pixel is a
// fixed offset from its window's corner, and window rows are contiguous for any channel count. Against per-tap
// flips and bounds checks this took 3x3 32->32 on 28x28 from 46 to 32 us. The pass reads the input tensor
// exactly (masked loads), never past its end.
#include "CKernels.h"

#include <stdint.h>
#include <string.h>

// Per block of 64 output channels: 64 int32 initial accumulators, 64 float scales, then the weights.
#define HEADER_BYTES (ADAPT_CONV_BLOCK * (sizeof(int32_t) + sizeof(float)))
// Bytes of one window row gathered into a position when rows are expanded (one 16-byte copy each).
#define EXPANDED_ROW_BYTES 16
// Input row bytes the expanding pass stages on the stack.
#define LINE_BYTES 4096

static size_t channel_groups(size_t in_channels) { return (in_channels + 3) / 4; }
static size_t padded_height(const adapt_conv2d_qc8 *conv) { return conv->pad_top + conv->in_height + conv->pad_bottom; }
static size_t padded_width(const adapt_conv2d_qc8 *conv) { return conv->pad_left + conv->in_width + conv->pad_right; }

// With few channels, padding each pixel to 4 bytes wastes most of every vpdpbusd (a 1-channel 3x3 stem: 3 of 4
// lanes). Then the flipped copy holds, per padded position, the kernel_width pixels of the window row that starts
// there, back to back: the convolution becomes kernel_height x 1 over kernel_width * in_channels channels, whose
// weights are the OHWI weights unchanged (3 groups instead of 9 for that stem).
static bool expands_rows(const adapt_conv2d_qc8 *conv) {
    const size_t kw = conv->kernel_width, ci = conv->in_channels;
    return kw > 1 && conv->dilation_width == 1 && kw * ci <= EXPANDED_ROW_BYTES &&
           channel_groups(kw * ci) < kw * channel_groups(ci) && padded_width(conv) * ci + 64 <= LINE_BYTES;
}

// The geometry the tiles see: kernel width, channels, and positions per padded row of the flipped copy.
typedef struct geometry { size_t kernel_width, in_channels, positions; } geometry;

static geometry tile_geometry(const adapt_conv2d_qc8 *conv) {
    if (expands_rows(conv))
        return (geometry){1, conv->kernel_width * conv->in_channels, padded_width(conv) - conv->kernel_width + 1};
    return (geometry){conv->kernel_width, conv->in_channels, padded_width(conv)};
}

static size_t block_bytes(const adapt_conv2d_qc8 *conv) {
    geometry g = tile_geometry(conv);
    return HEADER_BYTES + conv->kernel_height * g.kernel_width * channel_groups(g.in_channels) * ADAPT_CONV_BLOCK * 4;
}

size_t adapt_conv2d_qc8_packed_bytes(const adapt_conv2d_qc8 *conv) {
    return (conv->out_channels + ADAPT_CONV_BLOCK - 1) / ADAPT_CONV_BLOCK * block_bytes(conv);
}

size_t adapt_conv2d_qc8_flipped_bytes(const adapt_conv2d_qc8 *conv) {
    geometry g = tile_geometry(conv);
    return conv->batch * padded_height(conv) * g.positions * channel_groups(g.in_channels) * 4;
}

void adapt_conv2d_qc8_fill_padding(const adapt_conv2d_qc8 *conv) {
    memset(conv->flipped, (uint8_t)conv->input_zero_point ^ 0x80, adapt_conv2d_qc8_flipped_bytes(conv));
}

// Input rows per unit of the flipping pass: a few hundred pixels, so its dispatch costs little.
static size_t flip_rows(const adapt_conv2d_qc8 *conv) {
    size_t rows = 512 / (conv->in_width ? conv->in_width : 1);
    return rows ? rows : 1;
}

size_t adapt_conv2d_qc8_flip_count(const adapt_conv2d_qc8 *conv) {
    size_t rows = conv->batch * conv->in_height;
    return (rows + flip_rows(conv) - 1) / flip_rows(conv);
}

void adapt_conv2d_qc8_pack(const adapt_conv2d_qc8 *conv, const int8_t *weights, const int32_t *bias, float input_scale,
                           const float *kernel_scales, float output_scale, void *packed) {
    // Expanded rows read the OHWI weights as kernel_height x 1 x (kernel_width * in_channels): the same bytes.
    const geometry g = tile_geometry(conv);
    const size_t taps = conv->kernel_height * g.kernel_width, channels = g.in_channels, groups = channel_groups(channels);
    const size_t bytes = block_bytes(conv);
    memset(packed, 0, adapt_conv2d_qc8_packed_bytes(conv));
    for (size_t co = 0; co < conv->out_channels; co++) {
        uint8_t *block = (uint8_t *)packed + co / ADAPT_CONV_BLOCK * bytes;
        size_t lane = co % ADAPT_CONV_BLOCK;
        int8_t *lane_weights = (int8_t *)(block + HEADER_BYTES) + lane * 4;
        int32_t sum = 0;
        for (size_t tap = 0; tap < taps; tap++) {
            for (size_t ci = 0; ci < channels; ci++) {
                int8_t w = weights[(co * taps + tap) * channels + ci];
                lane_weights[((tap * groups + ci / 4) * ADAPT_CONV_BLOCK) * 4 + ci % 4] = w;
                sum += w;
            }
        }
        // Unsigned: the product and difference wrap as XNNPACK's int32 packing does (only the exact sum matters).
        uint32_t initial = (uint32_t)(bias ? bias[co] : 0) - (uint32_t)((int32_t)conv->input_zero_point + 128) * (uint32_t)sum;
        memcpy(block + lane * sizeof(int32_t), &initial, sizeof initial);
        // The same float expression, in the same order, as xnn_create_convolution2d_nhwc_qc8.
        float scale = input_scale * kernel_scales[co] / output_scale;
        memcpy(block + ADAPT_CONV_BLOCK * sizeof(int32_t) + lane * sizeof(float), &scale, sizeof scale);
    }
}

size_t adapt_conv2d_qc8_tile_count(const adapt_conv2d_qc8 *conv) {
    size_t pixels = conv->batch * conv->out_height * conv->out_width, count = 0;
    for (size_t co = 0; co < conv->out_channels; co += ADAPT_CONV_BLOCK) {
        size_t width = conv->out_channels - co < ADAPT_CONV_BLOCK ? conv->out_channels - co : ADAPT_CONV_BLOCK;
        size_t mr = adapt_conv2d_f32_tile_pixels(width);
        count += (pixels + mr - 1) / mr;
    }
    return count;
}

#if defined(__x86_64__)
#include <immintrin.h>

#define VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
#define ALWAYS_INLINE static inline __attribute__((always_inline))

// The low `count` bits set (all 64 from 64 on).
static inline __mmask64 low_bits(size_t count) { return count >= 64 ? ~0ull : (1ull << count) - 1; }

// Copies input rows [flip_rows * chunk, ...) (over batch x height) into the inside of `flipped`: bytes ^ 0x80,
// channels padded to a multiple of 4 (the padding's weights are zero, so its value is free).
static VNNI void flip_chunk(const adapt_conv2d_qc8 *conv, size_t chunk) {
    const size_t channels = conv->in_channels, stride = channel_groups(channels) * 4, width = conv->in_width;
    const size_t rows = conv->batch * conv->in_height, step = flip_rows(conv);
    const size_t first = chunk * step, last = first + step < rows ? first + step : rows;
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    if (expands_rows(conv)) {
        // Stage each padded input row flipped, then copy every window row out of it (16 bytes loaded, exactly
        // a position's bytes stored, so no copy spills into a position another thread writes).
        const geometry g = tile_geometry(conv);
        const size_t position_bytes = channel_groups(g.in_channels) * 4, left = conv->pad_left * channels;
        const __mmask16 store = (__mmask16)((1u << position_bytes) - 1);
        uint8_t line[LINE_BYTES];
        memset(line, (uint8_t)conv->input_zero_point ^ 0x80, padded_width(conv) * channels + 64);
        for (size_t row = first; row < last; row++) {
            size_t n = row / conv->in_height, y = row % conv->in_height;
            const int8_t *source = conv->input + row * width * channels;
            for (size_t k = 0; k < width * channels; k += 64) {
                __mmask64 mask = low_bits(width * channels - k);
                _mm512_mask_storeu_epi8(line + left + k, mask, _mm512_xor_si512(_mm512_maskz_loadu_epi8(mask, source + k), flip));
            }
            int8_t *destination = conv->flipped + (n * padded_height(conv) + conv->pad_top + y) * g.positions * position_bytes;
            for (size_t x = 0; x < g.positions; x++)
                _mm_mask_storeu_epi8(destination + x * position_bytes, store, _mm_loadu_si128((const __m128i *)(line + x * channels)));
        }
        return;
    }
    for (size_t row = first; row < last; row++) {
        size_t n = row / conv->in_height, y = row % conv->in_height;
        const int8_t *source = conv->input + row * width * channels;
        int8_t *destination = conv->flipped +
            ((n * padded_height(conv) + conv->pad_top + y) * padded_width(conv) + conv->pad_left) * stride;
        if (channels == stride) {
            size_t count = width * channels, k = 0;
            for (; k + 64 <= count; k += 64)
                _mm512_storeu_si512(destination + k, _mm512_xor_si512(_mm512_loadu_si512(source + k), flip));
            __mmask64 mask = low_bits(count - k);
            _mm512_mask_storeu_epi8(destination + k, mask, _mm512_xor_si512(_mm512_maskz_loadu_epi8(mask, source + k), flip));
            continue;
        }
        for (size_t x = 0; x < width; x++) {
            for (size_t k = 0; k < stride; k += 64) {
                __mmask64 load = low_bits(channels - (k < channels ? k : channels)), store = low_bits(stride - k);
                _mm512_mask_storeu_epi8(destination + x * stride + k, store,
                                        _mm512_xor_si512(_mm512_maskz_loadu_epi8(load, source + x * channels + k), flip));
            }
        }
    }
}

// acc[i][v] += rows[i][4j..4j+3] . weights[j][v] for j < groups (rows already flipped to unsigned): one
// broadcast of four activation bytes per pixel and one load per weight vector for MR x VECTORS vpdpbusd.
// A single pixel (a fully connected layer on one row) alternates four sets of accumulators over the groups,
// so that consecutive vpdpbusd do not wait on each other; conv_tile adds the sets up.
ALWAYS_INLINE VNNI const int8_t *accumulate(__m512i *acc, const uint8_t *const *rows, const int8_t *weights,
                                            size_t groups, const int MR, const int VECTORS) {
    size_t j = 0;
    if (MR == 1) {
        for (; j + 4 <= groups; j += 4) {
            #pragma clang loop unroll(full)
            for (int set = 0; set < 4; set++) {
                int32_t four;
                memcpy(&four, rows[0] + 4 * (j + (size_t)set), sizeof four);
                __m512i x = _mm512_set1_epi32(four);
                #pragma clang loop unroll(full)
                for (int v = 0; v < VECTORS; v++)
                    acc[set * VECTORS + v] = _mm512_dpbusd_epi32(
                        acc[set * VECTORS + v], x, _mm512_load_si512((const void *)(weights + 64 * v)));
                weights += ADAPT_CONV_BLOCK * 4;
            }
        }
    }
    for (; j < groups; j++) {
        __m512i w[4];
        #pragma clang loop unroll(full)
        for (int v = 0; v < VECTORS; v++) w[v] = _mm512_load_si512((const void *)(weights + 64 * v));
        #pragma clang loop unroll(full)
        for (int i = 0; i < MR; i++) {
            int32_t four;
            memcpy(&four, rows[i] + 4 * j, sizeof four);
            __m512i x = _mm512_set1_epi32(four);
            #pragma clang loop unroll(full)
            for (int v = 0; v < VECTORS; v++) acc[i * VECTORS + v] = _mm512_dpbusd_epi32(acc[i * VECTORS + v], x, w[v]);
        }
        weights += ADAPT_CONV_BLOCK * 4;
    }
    return weights;
}

// One tile: `count` (<= MR) consecutive output pixels starting at `pixel`, VECTORS x 16 channels of block
// `block`. MR and VECTORS are compile-time constants at every call, so `acc` lives in registers.
ALWAYS_INLINE VNNI void conv_tile(const adapt_conv2d_qc8 *conv, size_t block, size_t pixel, size_t count,
                                  const int MR, const int VECTORS, __mmask16 last_mask) {
    const geometry g = tile_geometry(conv);
    const size_t groups = channel_groups(g.in_channels), pixel_bytes = groups * 4;
    const uint8_t *header = (const uint8_t *)conv->packed + block * block_bytes(conv);
    const int8_t *weights = (const int8_t *)(header + HEADER_BYTES);

    __m512i acc[24];  // MR * VECTORS at most
    #pragma clang loop unroll(full)
    for (int v = 0; v < VECTORS; v++) {
        __m512i initial = _mm512_load_si512((const void *)(header + 64 * v));
        #pragma clang loop unroll(full)
        for (int i = 0; i < MR; i++) acc[i * VECTORS + v] = initial;
        if (MR == 1) acc[VECTORS + v] = acc[2 * VECTORS + v] = acc[3 * VECTORS + v] = _mm512_setzero_si512();
    }

    // Each pixel's window corner in the padded copy; pixels past the end of the tensor (a short last tile)
    // compute on the first pixel's window and are not stored.
    // One division for the tile's first pixel; the rest step along the row with carries.
    const size_t plane = conv->out_height * conv->out_width, width = g.positions;
    const size_t image_bytes = padded_height(conv) * width * pixel_bytes;
    size_t n = pixel / plane, oy = pixel % plane / conv->out_width, ox = pixel % conv->out_width;
    const uint8_t *corner[12];  // MR at most
    #pragma clang loop unroll(full)
    for (int i = 0; i < MR; i++) {
        if ((size_t)i < count) {
            corner[i] = (const uint8_t *)conv->flipped + n * image_bytes +
                        (oy * conv->stride_height * width + ox * conv->stride_width) * pixel_bytes;
            if (++ox == conv->out_width) {
                ox = 0;
                if (++oy == conv->out_height) { oy = 0; n++; }
            }
        } else {
            corner[i] = corner[0];
        }
    }

    // Without dilation across, a window row is kernel_width * pixel_bytes contiguous bytes, in the packed
    // weights' order: one pointer per pixel and window row instead of per tap.
    const uint8_t *rows[12];
    const size_t row_bytes = conv->dilation_height * width * pixel_bytes;
    if (conv->dilation_width == 1) {
        for (size_t kh = 0; kh < conv->kernel_height; kh++) {
            #pragma clang loop unroll(full)
            for (int i = 0; i < MR; i++) rows[i] = corner[i] + kh * row_bytes;
            weights = accumulate(acc, rows, weights, g.kernel_width * groups, MR, VECTORS);
        }
    } else {
        const size_t tap_bytes = conv->dilation_width * pixel_bytes;
        for (size_t kh = 0; kh < conv->kernel_height; kh++) {
            for (size_t kw = 0; kw < conv->kernel_width; kw++) {
                #pragma clang loop unroll(full)
                for (int i = 0; i < MR; i++) rows[i] = corner[i] + kh * row_bytes + kw * tap_bytes;
                weights = accumulate(acc, rows, weights, groups, MR, VECTORS);
            }
        }
    }

    if (MR == 1) {
        #pragma clang loop unroll(full)
        for (int v = 0; v < VECTORS; v++)
            acc[v] = _mm512_add_epi32(_mm512_add_epi32(acc[v], acc[VECTORS + v]),
                                      _mm512_add_epi32(acc[2 * VECTORS + v], acc[3 * VECTORS + v]));
    }

    // Clamping in float to the integer bounds less the zero point, before rounding, gives the same codes as
    // clamping after it and keeps cvtps_epi32 away from overflow (XNNPACK clamps the top the same way).
    const float *scales = (const float *)(header + ADAPT_CONV_BLOCK * sizeof(int32_t));
    const int zero_point = conv->output_zero_point;
    const __m512 low = _mm512_set1_ps((float)(conv->output_min - zero_point));
    const __m512 high = _mm512_set1_ps((float)(conv->output_max - zero_point));
    const __m512i shift = _mm512_set1_epi32(zero_point);
    #pragma clang loop unroll(full)
    for (int i = 0; i < MR; i++) {
        if ((size_t)i >= count) break;
        int8_t *out = conv->output + (pixel + (size_t)i) * conv->out_pixel_stride + block * ADAPT_CONV_BLOCK;
        #pragma clang loop unroll(full)
        for (int v = 0; v < VECTORS; v++) {
            __m512 y = _mm512_mul_ps(_mm512_cvtepi32_ps(acc[i * VECTORS + v]), _mm512_load_ps(scales + 16 * v));
            y = _mm512_min_ps(_mm512_max_ps(y, low), high);
            // cvtps_epi32 rounds to nearest even under the default MXCSR, as XNNPACK's fp32 requantization does.
            __m128i q = _mm512_cvtsepi32_epi8(_mm512_add_epi32(_mm512_cvtps_epi32(y), shift));
            if (v == VECTORS - 1) _mm_mask_storeu_epi8(out + 16 * v, last_mask, q);
            else _mm_storeu_si128((__m128i *)(out + 16 * v), q);
        }
    }
}

static VNNI void conv_tile_4(const adapt_conv2d_qc8 *c, size_t b, size_t p, size_t n, __mmask16 m) { conv_tile(c, b, p, n, 6, 4, m); }
static VNNI void conv_tile_3(const adapt_conv2d_qc8 *c, size_t b, size_t p, size_t n, __mmask16 m) { conv_tile(c, b, p, n, 8, 3, m); }
static VNNI void conv_tile_2(const adapt_conv2d_qc8 *c, size_t b, size_t p, size_t n, __mmask16 m) { conv_tile(c, b, p, n, 12, 2, m); }
static VNNI void conv_tile_1(const adapt_conv2d_qc8 *c, size_t b, size_t p, size_t n, __mmask16 m) { conv_tile(c, b, p, n, 12, 1, m); }
static VNNI void pixel_tile_4(const adapt_conv2d_qc8 *c, size_t b, size_t p, __mmask16 m) { conv_tile(c, b, p, 1, 1, 4, m); }
static VNNI void pixel_tile_3(const adapt_conv2d_qc8 *c, size_t b, size_t p, __mmask16 m) { conv_tile(c, b, p, 1, 1, 3, m); }
static VNNI void pixel_tile_2(const adapt_conv2d_qc8 *c, size_t b, size_t p, __mmask16 m) { conv_tile(c, b, p, 1, 1, 2, m); }
static VNNI void pixel_tile_1(const adapt_conv2d_qc8 *c, size_t b, size_t p, __mmask16 m) { conv_tile(c, b, p, 1, 1, 1, m); }

void adapt_conv2d_qc8_flip_chunks(const adapt_conv2d_qc8 *conv, size_t first_chunk, size_t chunk_count) {
    for (size_t chunk = first_chunk; chunk < first_chunk + chunk_count; chunk++) flip_chunk(conv, chunk);
}

void adapt_conv2d_qc8_run_tiles(const adapt_conv2d_qc8 *conv, size_t first_tile, size_t tile_count) {
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
            if (count == 1) {
                switch (vectors) {
                case 4: pixel_tile_4(conv, block, pixel, last_mask); break;
                case 3: pixel_tile_3(conv, block, pixel, last_mask); break;
                case 2: pixel_tile_2(conv, block, pixel, last_mask); break;
                default: pixel_tile_1(conv, block, pixel, last_mask); break;
                }
                continue;
            }
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

void adapt_conv2d_qc8_flip_chunks(const adapt_conv2d_qc8 *conv, size_t first_chunk, size_t chunk_count) {
    (void)conv; (void)first_chunk; (void)chunk_count;
}

void adapt_conv2d_qc8_run_tiles(const adapt_conv2d_qc8 *conv, size_t first_tile, size_t tile_count) {
    (void)conv; (void)first_tile; (void)tile_count;
}

#endif

void adapt_conv2d_qc8_run_tile(void *conv, size_t tile) {
    adapt_conv2d_qc8_run_tiles((const adapt_conv2d_qc8 *)conv, tile, 1);
}

void adapt_conv2d_qc8_flip_chunk(void *conv, size_t chunk) {
    adapt_conv2d_qc8_flip_chunks((const adapt_conv2d_qc8 *)conv, chunk, 1);
}
