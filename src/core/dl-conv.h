/* dl-conv.h — batched 2-D convolution and 2×2 max-pooling kernels, NCHW float32, through CBLAS sgemm.
 * No GTK, no allocation: the caller passes a scratch buffer of dl_conv_scratch_floats () floats.
 *
 * Convolution is stride 1 with zero padding `pad` on every side, square kernels of side k:
 *   Ho = H + 2·pad − k + 1,  Wo = W + 2·pad − k + 1.
 */
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Floats of scratch dl_conv_forward and dl_conv_backward need for these shapes (the same for both). */
size_t dl_conv_scratch_floats (int B, int C, int H, int W, int K, int k, int pad);

/* x: B×C×H×W, w: K×C×k×k, b: K → y: B×K×Ho×Wo (overwritten). */
void dl_conv_forward (const float *x, const float *w, const float *b, float *y,
                      int B, int C, int H, int W, int K, int k, int pad, float *scratch);

/* x: B×C×H×W, w: K×C×k×k, dy: B×K×Ho×Wo →
 *   dw: K×C×k×k (overwritten, summed over the batch), db: K (overwritten, summed over the batch) — both
 *   skipped when dw is NULL (an input gradient only: attributions);
 *   dx: B×C×H×W (overwritten; may be NULL when no gradient flows further, e.g. the first layer). */
void dl_conv_backward (const float *x, const float *w, const float *dy,
                       float *dx, float *dw, float *db,
                       int B, int C, int H, int W, int K, int k, int pad, float *scratch);

/* 2×2 max-pooling, stride 2: x B×C×H×W → y B×C×(H/2)×(W/2) (an odd last row/column is dropped).
 * argmax (same size as y) receives, for each output, the flat index into x of the winning input. */
void dl_maxpool_forward (const float *x, float *y, int *argmax, int B, int C, int H, int W);

/* dy B×C×(H/2)×(W/2) → dx B×C×H×W (overwritten): each dy goes to the input that won, the rest is 0.
 * H, W are the forward input's sizes. */
void dl_maxpool_backward (const float *dy, const int *argmax, float *dx, int B, int C, int H, int W);

#ifdef __cplusplus
}
#endif
