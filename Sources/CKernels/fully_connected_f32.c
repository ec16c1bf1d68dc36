// Fully connected fp32 on one or a few rows, for AVX-512 CPUs (see CKernels.h for why).
#include "CKernels.h"

#include <string.h>

#define BLOCK 64

size_t adapt_gemv_f32_packed_count(size_t outputs, size_t inputs) {
    return (outputs + BLOCK - 1) / BLOCK * BLOCK * (1 + inputs);
}

void adapt_gemv_f32_pack(const float *weights, const float *bias, size_t outputs, size_t inputs, float *packed) {
    memset(packed, 0, adapt_gemv_f32_packed_count(outputs, inputs) * sizeof(float));
    for (size_t o = 0; o < outputs; o++) {
        float *block = packed + o / BLOCK * BLOCK * (1 + inputs);
        size_t lane = o % BLOCK;
        block[lane] = bias ? bias[o] : 0.0f;
        for (size_t i = 0; i < inputs; i++) block[BLOCK * (1 + i) + lane] = weights[o * inputs + i];
    }
}

static size_t blocks(const adapt_gemv_f32 *gemv) { return (gemv->outputs + BLOCK - 1) / BLOCK; }

size_t adapt_gemv_f32_tile_count(const adapt_gemv_f32 *gemv) { return gemv->rows * blocks(gemv); }

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))
#define ALWAYS_INLINE static inline __attribute__((always_inline))

// One row times one block of VECTORS x 16 outputs. Four partial sums per output vector (k mod 4) hide the
// FMA latency; they are added at the end, so the sum order differs from XNNPACK's (rounding-level change).
ALWAYS_INLINE AVX512 void gemv_block(const adapt_gemv_f32 *gemv, size_t row, size_t block, const int VECTORS,
                                     __mmask16 last_mask) {
    const size_t inputs = gemv->inputs;
    const float *weights = gemv->packed + block * BLOCK * (1 + inputs);
    const float *x = gemv->input + row * inputs;
    __m512 acc[4][VECTORS];
#pragma clang loop unroll(full)
    for (int v = 0; v < VECTORS; v++) {
        acc[0][v] = _mm512_load_ps(weights + 16 * v);
        acc[1][v] = acc[2][v] = acc[3][v] = _mm512_setzero_ps();
    }
    weights += BLOCK;
    size_t k = 0;
    for (; k + 4 <= inputs; k += 4) {
#pragma clang loop unroll(full)
        for (int phase = 0; phase < 4; phase++) {
            __m512 xk = _mm512_set1_ps(x[k + (size_t)phase]);
#pragma clang loop unroll(full)
            for (int v = 0; v < VECTORS; v++)
                acc[phase][v] = _mm512_fmadd_ps(xk, _mm512_load_ps(weights + BLOCK * phase + 16 * v), acc[phase][v]);
        }
        weights += 4 * BLOCK;
    }
    for (; k < inputs; k++) {
        __m512 xk = _mm512_set1_ps(x[k]);
#pragma clang loop unroll(full)
        for (int v = 0; v < VECTORS; v++) acc[0][v] = _mm512_fmadd_ps(xk, _mm512_load_ps(weights + 16 * v), acc[0][v]);
        weights += BLOCK;
    }
    const __m512 low = _mm512_set1_ps(gemv->output_min), high = _mm512_set1_ps(gemv->output_max);
    float *out = gemv->output + row * gemv->outputs + block * BLOCK;
#pragma clang loop unroll(full)
    for (int v = 0; v < VECTORS; v++) {
        __m512 sum = _mm512_add_ps(_mm512_add_ps(acc[0][v], acc[1][v]), _mm512_add_ps(acc[2][v], acc[3][v]));
        __m512 y = _mm512_min_ps(_mm512_max_ps(sum, low), high);
        if (v == VECTORS - 1) _mm512_mask_storeu_ps(out + 16 * v, last_mask, y);
        else _mm512_storeu_ps(out + 16 * v, y);
    }
}

static AVX512 void gemv_block_4(const adapt_gemv_f32 *g, size_t r, size_t b, __mmask16 m) { gemv_block(g, r, b, 4, m); }
static AVX512 void gemv_block_3(const adapt_gemv_f32 *g, size_t r, size_t b, __mmask16 m) { gemv_block(g, r, b, 3, m); }
static AVX512 void gemv_block_2(const adapt_gemv_f32 *g, size_t r, size_t b, __mmask16 m) { gemv_block(g, r, b, 2, m); }
static AVX512 void gemv_block_1(const adapt_gemv_f32 *g, size_t r, size_t b, __mmask16 m) { gemv_block(g, r, b, 1, m); }

void adapt_gemv_f32_run_tiles(const adapt_gemv_f32 *gemv, size_t first_tile, size_t tile_count) {
    const size_t per_row = blocks(gemv);
    for (size_t tile = first_tile; tile < first_tile + tile_count; tile++) {
        size_t row = tile / per_row, block = tile % per_row;
        size_t width = gemv->outputs - block * BLOCK;
        if (width > BLOCK) width = BLOCK;
        __mmask16 last_mask = (width % 16) ? (__mmask16)((1u << (width % 16)) - 1) : (__mmask16)0xFFFF;
        switch ((width + 15) / 16) {
        case 4: gemv_block_4(gemv, row, block, last_mask); break;
        case 3: gemv_block_3(gemv, row, block, last_mask); break;
        case 2: gemv_block_2(gemv, row, block, last_mask); break;
        default: gemv_block_1(gemv, row, block, last_mask); break;
        }
    }
}

#else

void adapt_gemv_f32_run_tiles(const adapt_gemv_f32 *gemv, size_t first_tile, size_t tile_count) {
    (void)gemv; (void)first_tile; (void)tile_count;
}

#endif

void adapt_gemv_f32_run_tile(void *gemv, size_t tile) { adapt_gemv_f32_run_tiles((const adapt_gemv_f32 *)gemv, tile, 1); }
