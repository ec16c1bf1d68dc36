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
#include <cpuid.h>
#include <immintrin.h>

#define VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512vbmi")))
#define ALWAYS_INLINE static inline __attribute__((always_inline))

// Copies input row `unit` (over batch x height) into its padded row of `windows`: per output column, window-row
// group and block of 16 channels, 64 bytes with byte 4c + j = flipped tap 4g + j of channel c.
static VNNI void expand_row(const adapt_dwconv2d_qc8 *conv, size_t unit) {
    const size_t n = unit / conv->in_height, y = unit % conv->in_height;
    const size_t channels = conv->channels, width = conv->in_width, groups = row_groups(conv);
    const size_t block_count = blocks(conv);
    const int8_t *source = conv->input + unit * width * channels;
    int8_t *destination = conv->windows + ((n * padded_height(conv) + conv->pad_top + y) * conv->out_width) * column_bytes(conv);
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    // Byte 4c + j of the result is byte c of tap j's 16 bytes (zmm lane j): channel-major taps, one vpermb.
    uint8_t order[64];
    for (int c = 0; c < 16; c++)
        for (int j = 0; j < 4; j++) order[4 * c + j] = (uint8_t)(16 * j + c);
    const __m512i interleave = _mm512_loadu_si512(order);
    const __m512i zero_points = _mm512_set1_epi8((char)conv->input_zero_point);
    for (size_t ox = 0; ox < conv->out_width; ox++) {
        for (size_t g = 0; g < groups; g++) {
            // Input pixels of the group's four taps; a tap outside the input (or past the window) reads the zero
            // point: its lane of the vector keeps the zero points it starts from.
            const int8_t *pixel[4];
            __mmask16 lanes = 0;
            for (size_t j = 0; j < 4; j++) {
                size_t tap = 4 * g + j;
                ptrdiff_t x = (ptrdiff_t)(ox * conv->stride_width + tap * conv->dilation_width) - (ptrdiff_t)conv->pad_left;
                bool inside = tap < conv->kernel_width && x >= 0 && x < (ptrdiff_t)width;
                pixel[j] = source + (inside ? (size_t)x * channels : 0);
                if (inside) lanes |= (__mmask16)(0xF << (4 * j));
            }
            int8_t *out = destination + (ox * groups + g) * block_count * 64;
            for (size_t b = 0; b < block_count; b++) {
                size_t c = b * LANES;
                // Masked broadcasts put tap j's 16 channels in 128-bit lane j without a shuffle; the last block's
                // missing channels are read as the zero points of whole lanes or as garbage-free masked bytes.
                __m512i v = zero_points;
                if (channels - c >= LANES) {
                    v = _mm512_mask_broadcast_i32x4(v, lanes & 0x000F, _mm_loadu_si128((const __m128i *)(pixel[0] + c)));
                    v = _mm512_mask_broadcast_i32x4(v, lanes & 0x00F0, _mm_loadu_si128((const __m128i *)(pixel[1] + c)));
                    v = _mm512_mask_broadcast_i32x4(v, lanes & 0x0F00, _mm_loadu_si128((const __m128i *)(pixel[2] + c)));
                    v = _mm512_mask_broadcast_i32x4(v, lanes & 0xF000, _mm_loadu_si128((const __m128i *)(pixel[3] + c)));
                } else {
                    __mmask16 mask = (__mmask16)((1u << (channels - c)) - 1);
                    for (size_t j = 0; j < 4; j++)
                        if (lanes >> (4 * j) & 1)
                            v = _mm512_mask_broadcast_i32x4(v, (__mmask16)(0xF << (4 * j)), _mm_maskz_loadu_epi8(mask, pixel[j] + c));
                }
                v = _mm512_permutexvar_epi8(interleave, v);
                _mm512_storeu_si512(out + b * 64, _mm512_xor_si512(v, flip));
            }
        }
    }
}

// `count` (<= MR) output pixels from column ox of output row (n, oy), channel blocks first_block ..
// first_block + VECTORS - 1: MR x VECTORS accumulators, each weight vector loaded once for all MR pixels.
ALWAYS_INLINE VNNI void dw_tile(const adapt_dwconv2d_qc8 *conv, size_t n, size_t oy, size_t ox, size_t count,
                                size_t first_block, const int MR, const int VECTORS) {
    const size_t groups = row_groups(conv), block_count = blocks(conv), column = column_bytes(conv);
    const size_t kernel_height = conv->kernel_height, weight_bytes = block_bytes(conv);
    const uint8_t *header = (const uint8_t *)conv->packed + first_block * weight_bytes;
    __m512i acc[16];  // MR * VECTORS at most
    #pragma clang loop unroll(full)
    for (int v = 0; v < VECTORS; v++) {
        const __m512i initial = _mm512_load_si512((const void *)(header + v * weight_bytes));
        #pragma clang loop unroll(full)
        for (int i = 0; i < MR; i++) acc[i * VECTORS + v] = initial;
    }
    // Pixels past `count` compute on the first one's windows and are not stored.
    const size_t row_bytes = conv->out_width * column, row_step = conv->dilation_height * row_bytes;
    const uint8_t *base = (const uint8_t *)conv->windows + (n * padded_height(conv) + oy * conv->stride_height) * row_bytes +
                          ox * column + first_block * 64;
    size_t offset[16];
    #pragma clang loop unroll(full)
    for (int i = 0; i < MR; i++) offset[i] = ((size_t)i < count ? (size_t)i : 0) * column;
    const uint8_t *weights = header + HEADER_BYTES;
    for (size_t kh = 0; kh < kernel_height; kh++) {
        const uint8_t *row = base + kh * row_step;
        for (size_t g = 0; g < groups; g++) {
            const uint8_t *group = row + g * block_count * 64;
            #pragma clang loop unroll(full)
            for (int v = 0; v < VECTORS; v++) {
                __m512i w = _mm512_load_si512((const void *)(weights + v * weight_bytes));
                #pragma clang loop unroll(full)
                for (int i = 0; i < MR; i++)
                    acc[i * VECTORS + v] =
                        _mm512_dpbusd_epi32(acc[i * VECTORS + v], _mm512_loadu_si512((const void *)(group + offset[i] + 64 * v)), w);
            }
            weights += 64;
        }
    }

    // As XNNPACK: the scaled sum is clamped in float to output_max less the zero point (away from cvtps_epi32's
    // overflow), rounded to nearest even, narrowed with saturation, offset by the zero point, then clamped below:
    // the same codes as clamp(round(y) + zero_point, output_min, output_max).
    const int zero_point = conv->output_zero_point;
    const size_t c = first_block * LANES, channels = conv->channels, stride = conv->out_pixel_stride;
    int8_t *out = conv->output + ((n * conv->out_height + oy) * conv->out_width + ox) * stride + c;
    __m512 scale[4];
    #pragma clang loop unroll(full)
    for (int v = 0; v < VECTORS; v++) scale[v] = _mm512_load_ps((const float *)(header + v * weight_bytes + LANES * sizeof(int32_t)));
    const __m512 high = _mm512_set1_ps((float)(conv->output_max - zero_point));
    if (VECTORS == 4) {
        const __m512i shift = _mm512_set1_epi16((short)zero_point), low = _mm512_set1_epi8((char)conv->output_min);
        // packs leave dword 4L + m holding block m's channels 4L..4L+3.
        const __m512i order = _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0);
        const __mmask64 mask = channels - c >= 64 ? ~0ull : (1ull << (channels - c)) - 1;
        #pragma clang loop unroll(full)
        for (int i = 0; i < MR; i++) {
            if ((size_t)i >= count) break;
            __m512i q[4];
            #pragma clang loop unroll(full)
            for (int v = 0; v < 4; v++)
                q[v] = _mm512_cvtps_epi32(_mm512_min_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(acc[i * 4 + v]), scale[v]), high));
            __m512i low_half = _mm512_adds_epi16(_mm512_packs_epi32(q[0], q[1]), shift);
            __m512i high_half = _mm512_adds_epi16(_mm512_packs_epi32(q[2], q[3]), shift);
            __m512i bytes = _mm512_max_epi8(_mm512_packs_epi16(low_half, high_half), low);
            _mm512_mask_storeu_epi8(out + (size_t)i * stride, mask, _mm512_permutexvar_epi32(order, bytes));
        }
        return;
    }
    const __m512 low = _mm512_set1_ps((float)(conv->output_min - zero_point));
    const __m512i shift = _mm512_set1_epi32(zero_point);
    #pragma clang loop unroll(full)
    for (int i = 0; i < MR; i++) {
        if ((size_t)i >= count) break;
        #pragma clang loop unroll(full)
        for (int v = 0; v < VECTORS; v++) {
            size_t first = c + 16 * (size_t)v;
            __mmask16 mask = channels - first >= LANES ? (__mmask16)0xFFFF : (__mmask16)((1u << (channels - first)) - 1);
            __m512 y = _mm512_mul_ps(_mm512_cvtepi32_ps(acc[i * VECTORS + v]), scale[v]);
            y = _mm512_min_ps(_mm512_max_ps(y, low), high);
            // cvtps_epi32 rounds to nearest even under the default MXCSR, as XNNPACK's fp32 requantization does.
            __m128i q = _mm512_cvtsepi32_epi8(_mm512_add_epi32(_mm512_cvtps_epi32(y), shift));
            _mm_mask_storeu_epi8(out + (size_t)i * stride + 16 * (size_t)v, mask, q);
        }
    }
}

// Output row (n, oy) over up to TILE_BLOCKS blocks, in runs of pixels along the row.
#define DW_RUN(MR, VECTORS)                                                                       \
    for (size_t ox = 0; ox < width; ox += MR)                                                     \
        dw_tile(conv, n, oy, ox, width - ox < MR ? width - ox : MR, first_block, MR, VECTORS)

static VNNI void dw_row(const adapt_dwconv2d_qc8 *conv, size_t tile) {
    const size_t tiles_per_row = (blocks(conv) + TILE_BLOCKS - 1) / TILE_BLOCKS;
    const size_t row = tile / tiles_per_row, first_block = tile % tiles_per_row * TILE_BLOCKS;
    const size_t n = row / conv->out_height, oy = row % conv->out_height, width = conv->out_width;
    const size_t vectors = blocks(conv) - first_block < TILE_BLOCKS ? blocks(conv) - first_block : TILE_BLOCKS;
    switch (vectors) {
    case 4: DW_RUN(4, 4); break;
    case 3: DW_RUN(4, 3); break;
    case 2: DW_RUN(7, 2); break;
    default: DW_RUN(8, 1); break;
    }
}

void adapt_dwconv2d_qc8_expand_rows(const adapt_dwconv2d_qc8 *conv, size_t first_unit, size_t unit_count) {
    for (size_t unit = first_unit; unit < first_unit + unit_count; unit++) expand_row(conv, unit);
}

void adapt_dwconv2d_qc8_run_tiles(const adapt_dwconv2d_qc8 *conv, size_t first_tile, size_t tile_count) {
    for (size_t tile = first_tile; tile < first_tile + tile_count; tile++) dw_row(conv, tile);
}

bool adapt_dwconv2d_qc8_available(void) {
    if (!adapt_kernels_vnni_available()) return false;
    unsigned eax, ebx, ecx, edx;
    return __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) && (ecx & bit_AVX512VBMI);
}

#else

bool adapt_dwconv2d_qc8_available(void) { return false; }

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
