// Depthwise NHWC int8 convolution (channel multiplier 1) with XNNPACK's qc8 arithmetic, for AVX-512 VNNI CPUs.
//
// Why our own: Debian's XNNPACK (2022-02) runs qc8 depthwise layers 2.3-3x slower than its fp32 ones (it widens
// to int16 and multiplies tap by tap), which left the int8 mobilenet-v2 barely faster than the float model.
//
// Arithmetic (identical to XNNPACK's, so outputs match bit for bit):
//   acc[c] = bias[c] + sum_taps (x - input_zero_point) * w[c][tap]           exact in int32
//   y[c]   = clamp(round_even(float(acc[c]) * scale[c]) + output_zero_point, output_min, output_max)
//   scale[c] = input_scale * kernel_scale[c] / output_scale, in float as XNNPACK computes it.
//
// A depthwise tap has no channel sum, so vpdpbusd's four bytes per lane hold four taps of one channel instead:
// a first pass copies, for every padded input row and output column, each channel's window row (up to four
// taps per 4-byte group, flipped to unsigned: x ^ 0x80 = x + 128) into `windows`, 16 channels per 64 bytes.
// Each copied window row serves kernel_height output rows, and a 3x3 window then takes 3 vpdpbusd per 16
// channels instead of 9 multiplies. Taps outside the input read the input zero point, so they contribute zero;
// the unused fourth byte of a group has weight zero. The extra 128 + input_zero_point per product is folded into
// the bias at pack time: acc0[c] = bias[c] - (input_zero_point + 128) * sum_taps w[c][tap].
#include "CKernels.h"

#include <stdint.h>
#include <string.h>

// Channels per vector (int32 lanes) and per packed block.
#define LANES 16
// Per block of 16 channels: 16 int32 initial accumulators, 16 float scales, then the weights.
#define HEADER_BYTES (LANES * (sizeof(int32_t) + sizeof(float)))
// Channel blocks per tile.
#define TILE_BLOCKS 4

static size_t blocks(const adapt_dwconv2d_qc8 *conv) { return (conv->channels + LANES - 1) / LANES; }
// 4-byte groups per window row.
static size_t row_groups(const adapt_dwconv2d_qc8 *conv) { return (conv->kernel_width + 3) / 4; }
static size_t padded_height(const adapt_dwconv2d_qc8 *conv) { return conv->pad_top + conv->in_height + conv->pad_bottom; }
// Bytes of one output column's window row over all channels: groups x blocks x 64.
static size_t column_bytes(const adapt_dwconv2d_qc8 *conv) { return row_groups(conv) * blocks(conv) * 64; }
static size_t block_bytes(const adapt_dwconv2d_qc8 *conv) {
    return HEADER_BYTES + conv->kernel_height * row_groups(conv) * 64;
}

size_t adapt_dwconv2d_qc8_packed_bytes(const adapt_dwconv2d_qc8 *conv) { return blocks(conv) * block_bytes(conv); }

size_t adapt_dwconv2d_qc8_windows_bytes(const adapt_dwconv2d_qc8 *conv) {
    return conv->batch * padded_height(conv) * conv->out_width * column_bytes(conv);
}

void adapt_dwconv2d_qc8_fill_padding(const adapt_dwconv2d_qc8 *conv) {
    memset(conv->windows, (uint8_t)conv->input_zero_point ^ 0x80, adapt_dwconv2d_qc8_windows_bytes(conv));
}

void adapt_dwconv2d_qc8_pack(const adapt_dwconv2d_qc8 *conv, const int8_t *weights, const int32_t *bias,
                             float input_scale, const float *kernel_scales, float output_scale, void *packed) {
    const size_t kh_count = conv->kernel_height, kw_count = conv->kernel_width, groups = row_groups(conv);
    const size_t bytes = block_bytes(conv);
    memset(packed, 0, adapt_dwconv2d_qc8_packed_bytes(conv));
    for (size_t c = 0; c < conv->channels; c++) {
        uint8_t *block = (uint8_t *)packed + c / LANES * bytes;
        size_t lane = c % LANES;
        int8_t *lane_weights = (int8_t *)(block + HEADER_BYTES) + lane * 4;
        int32_t sum = 0;
        for (size_t kh = 0; kh < kh_count; kh++) {
            for (size_t kw = 0; kw < kw_count; kw++) {
                int8_t w = weights[(c * kh_count + kh) * kw_count + kw];
                lane_weights[(kh * groups + kw / 4) * 64 + kw % 4] = w;
                sum += w;
            }
        }
        // Unsigned: the product and difference wrap as XNNPACK's int32 packing does (only the exact sum matters).
        uint32_t initial = (uint32_t)(bias ? bias[c] : 0) - (uint32_t)((int32_t)conv->input_zero_point + 128) * (uint32_t)sum;
        memcpy(block + lane * sizeof(int32_t), &initial, sizeof initial);
        // The same float expression, in the same order, as xnn_create_convolution2d_nhwc_qc8.
        float scale = input_scale * kernel_scales[c] / output_scale;
        memcpy(block + LANES * sizeof(int32_t) + lane * sizeof(float), &scale, sizeof scale);
    }
}

size_t adapt_dwconv2d_qc8_expand_count(const adapt_dwconv2d_qc8 *conv) { return conv->batch * conv->in_height; }

size_t adapt_dwconv2d_qc8_tile_count(const adapt_dwconv2d_qc8 *conv) {
    return conv->batch * conv->out_height * ((blocks(conv) + TILE_BLOCKS - 1) / TILE_BLOCKS);
}

#if defined(__x86_64__)
#include <immintrin.h>

#define VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
#define ALWAYS_INLINE static inline __attribute__((always_inline))

// Copies input row `unit` (over batch x height) into its padded row of `windows`: per output column, window-row
// group and block of 16 channels, 64 bytes with byte 4c + j = flipped tap 4g + j of channel c.
static VNNI void expand_row(const adapt_dwconv2d_qc8 *conv, size_t unit) {
    const size_t n = unit / conv->in_height, y = unit % conv->in_height;
    const size_t channels = conv->channels, width = conv->in_width, groups = row_groups(conv);
    const size_t block_count = blocks(conv);
    const int8_t *source = conv->input + unit * width * channels;
    int8_t *destination = conv->windows + ((n * padded_height(conv) + conv->pad_top + y) * conv->out_width) * column_bytes(conv);
    const __m128i zero_point = _mm_set1_epi8((char)conv->input_zero_point);
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    // Dword 4k + m of the result is dword k of tap m's 16 bytes (zmm lane m); then each 128-bit lane's bytes
    // 4j + c go to 4c + j: channel-major taps.
    const __m512i dwords = _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0);
    const __m512i bytes = _mm512_broadcast_i32x4(_mm_set_epi8(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0));
    for (size_t ox = 0; ox < conv->out_width; ox++) {
        for (size_t g = 0; g < groups; g++) {
            // Input columns of the group's four taps (or -1: none, or outside the input).
            ptrdiff_t column[4];
            for (size_t j = 0; j < 4; j++) {
                size_t tap = 4 * g + j;
                ptrdiff_t x = (ptrdiff_t)(ox * conv->stride_width + tap * conv->dilation_width) - (ptrdiff_t)conv->pad_left;
                column[j] = tap < conv->kernel_width && x >= 0 && x < (ptrdiff_t)width ? x : -1;
            }
            int8_t *out = destination + (ox * groups + g) * block_count * 64;
            for (size_t b = 0; b < block_count; b++) {
                size_t c = b * LANES;
                __mmask16 mask = channels - c >= LANES ? (__mmask16)0xFFFF : (__mmask16)((1u << (channels - c)) - 1);
                __m128i tap[4];
                for (size_t j = 0; j < 4; j++)
                    tap[j] = column[j] < 0 ? zero_point
                                           : _mm_maskz_loadu_epi8(mask, source + (size_t)column[j] * channels + c);
                __m512i v = _mm512_castsi128_si512(tap[0]);
                v = _mm512_inserti32x4(v, tap[1], 1);
                v = _mm512_inserti32x4(v, tap[2], 2);
                v = _mm512_inserti32x4(v, tap[3], 3);
                v = _mm512_shuffle_epi8(_mm512_permutexvar_epi32(dwords, v), bytes);
                _mm512_storeu_si512(out + b * 64, _mm512_xor_si512(v, flip));
            }
        }
    }
}

// `count` (<= MR) output pixels from column ox of output row (n, oy), channel block b: MR accumulators, each
// weight vector loaded once for all of them.
ALWAYS_INLINE VNNI void dw_tile(const adapt_dwconv2d_qc8 *conv, size_t n, size_t oy, size_t ox, size_t count, size_t b,
                                const int MR) {
    const size_t groups = row_groups(conv), block_count = blocks(conv), column = column_bytes(conv);
    const uint8_t *header = (const uint8_t *)conv->packed + b * block_bytes(conv);
    const int8_t *weights = (const int8_t *)(header + HEADER_BYTES);
    const __m512i initial = _mm512_load_si512((const void *)header);
    __m512i acc[16];  // MR at most
    #pragma clang loop unroll(full)
    for (int i = 0; i < MR; i++) acc[i] = initial;
    // Pixels past `count` compute on the first one's windows and are not stored.
    const size_t row_bytes = conv->out_width * column;
    const uint8_t *base = (const uint8_t *)conv->windows + (n * padded_height(conv) + oy * conv->stride_height) * row_bytes +
                          ox * column + b * 64;
    size_t offset[16];
    #pragma clang loop unroll(full)
    for (int i = 0; i < MR; i++) offset[i] = ((size_t)i < count ? (size_t)i : 0) * column;
    for (size_t kh = 0; kh < conv->kernel_height; kh++) {
        const uint8_t *row = base + kh * conv->dilation_height * row_bytes;
        for (size_t g = 0; g < groups; g++) {
            __m512i w = _mm512_load_si512((const void *)weights);
            weights += 64;
            const uint8_t *group = row + g * block_count * 64;
            #pragma clang loop unroll(full)
            for (int i = 0; i < MR; i++)
                acc[i] = _mm512_dpbusd_epi32(acc[i], _mm512_loadu_si512((const void *)(group + offset[i])), w);
        }
    }

    // As the dense kernel: clamping in float to the integer bounds less the zero point, before rounding, gives
    // the same codes as clamping after it and keeps cvtps_epi32 away from overflow.
    const __m512 scale = _mm512_load_ps((const float *)(header + LANES * sizeof(int32_t)));
    const int zero_point = conv->output_zero_point;
    const __m512 low = _mm512_set1_ps((float)(conv->output_min - zero_point));
    const __m512 high = _mm512_set1_ps((float)(conv->output_max - zero_point));
    const __m512i shift = _mm512_set1_epi32(zero_point);
    const size_t c = b * LANES;
    const __mmask16 mask = conv->channels - c >= LANES ? (__mmask16)0xFFFF : (__mmask16)((1u << (conv->channels - c)) - 1);
    int8_t *out = conv->output + ((n * conv->out_height + oy) * conv->out_width + ox) * conv->out_pixel_stride + c;
    #pragma clang loop unroll(full)
    for (int i = 0; i < MR; i++) {
        if ((size_t)i >= count) break;
        __m512 y = _mm512_mul_ps(_mm512_cvtepi32_ps(acc[i]), scale);
        y = _mm512_min_ps(_mm512_max_ps(y, low), high);
        // cvtps_epi32 rounds to nearest even under the default MXCSR, as XNNPACK's fp32 requantization does.
        __m128i q = _mm512_cvtsepi32_epi8(_mm512_add_epi32(_mm512_cvtps_epi32(y), shift));
        _mm_mask_storeu_epi8(out + (size_t)i * conv->out_pixel_stride, mask, q);
    }
}

#define TILE_PIXELS 8

static VNNI void dw_row(const adapt_dwconv2d_qc8 *conv, size_t tile) {
    const size_t tiles_per_row = (blocks(conv) + TILE_BLOCKS - 1) / TILE_BLOCKS;
    const size_t row = tile / tiles_per_row, first_block = tile % tiles_per_row * TILE_BLOCKS;
    const size_t n = row / conv->out_height, oy = row % conv->out_height;
    const size_t last_block = first_block + TILE_BLOCKS < blocks(conv) ? first_block + TILE_BLOCKS : blocks(conv);
    for (size_t b = first_block; b < last_block; b++) {
        for (size_t ox = 0; ox < conv->out_width; ox += TILE_PIXELS) {
            size_t count = conv->out_width - ox < TILE_PIXELS ? conv->out_width - ox : TILE_PIXELS;
            dw_tile(conv, n, oy, ox, count, b, TILE_PIXELS);
        }
    }
}

void adapt_dwconv2d_qc8_expand_rows(const adapt_dwconv2d_qc8 *conv, size_t first_unit, size_t unit_count) {
    for (size_t unit = first_unit; unit < first_unit + unit_count; unit++) expand_row(conv, unit);
}

void adapt_dwconv2d_qc8_run_tiles(const adapt_dwconv2d_qc8 *conv, size_t first_tile, size_t tile_count) {
    for (size_t tile = first_tile; tile < first_tile + tile_count; tile++) dw_row(conv, tile);
}

#else

void adapt_dwconv2d_qc8_expand_rows(const adapt_dwconv2d_qc8 *conv, size_t first_unit, size_t unit_count) {
    (void)conv; (void)first_unit; (void)unit_count;
}

void adapt_dwconv2d_qc8_run_tiles(const adapt_dwconv2d_qc8 *conv, size_t first_tile, size_t tile_count) {
    (void)conv; (void)first_tile; (void)tile_count;
}

#endif

void adapt_dwconv2d_qc8_expand_row(void *conv, size_t unit) {
    adapt_dwconv2d_qc8_expand_rows((const adapt_dwconv2d_qc8 *)conv, unit, 1);
}

void adapt_dwconv2d_qc8_run_tile(void *conv, size_t tile) {
    adapt_dwconv2d_qc8_run_tiles((const adapt_dwconv2d_qc8 *)conv, tile, 1);
}
