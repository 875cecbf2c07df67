/* dl-conv.h — batched 2-D convolution and 2×2 max-pooling kernels, NCHW float32, through CBLAS sgemm.
 * No GTK, no allocation: the caller passes a scratch buffer of dl_conv_scratch_floats () floats.
 *
 * Convolution is stride 1 with zero padding `pad` on every side, square kernels of side k:
 *   Ho = H + 2·pad − k + 1,  Wo = W + 2·pad − k + 1.
 */
#pragma once

#include <stddef.h>

#include "dl-blas.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How a convolution is computed; every algorithm gives the same results up to rounding, and which is
 * fastest depends on the layer's shape and the CPU (dl-tune measures them).
 *   DL_CONV_IM2COL  im2col + one sgemm per group of images side by side (the group's columns at most
 *                   group_cols), col2im for the input gradient: for many input channels
 *   DL_CONV_DIRECT  direct loops over padded rows, vectorised along the output row, 8 output channels
 *                   per input load: for few input channels, where im2col copies the image k² times for a
 *                   product too thin for sgemm's speed
 *   DL_CONV_IM2COL_KEPT  im2col whose columns the forward pass keeps (in plan->cols) for the backward
 *                   pass's weight gradient, instead of building them twice: memory traffic against work
 *   DL_CONV_DIRECT_CHANNELS  direct loops vectorised along the output channels, a block of 4–8 output
 *                   pixels per weight load: for rows too short to fill a vector (10 wide in LeNet-5's
 *                   second layer: 10 of a vector's 16 lanes) and channel counts that do */
typedef enum {
  DL_CONV_IM2COL, DL_CONV_DIRECT, DL_CONV_IM2COL_KEPT, DL_CONV_DIRECT_CHANNELS, DL_CONV_N_ALGOS
} DlConvAlgo;

typedef struct {
  DlConvAlgo          algo;
  int                 group_cols;  /* im2col: 0 for DL_CONV_GROUP_COLS */
  const DlBlasKernel *blas;        /* im2col's sgemm: NULL for dl_blas_kernel () */
  float              *cols;        /* DL_CONV_IM2COL_KEPT: dl_conv_kept_floats of the batch, written by the
                                    * forward pass and read by the backward; NULL works as DL_CONV_IM2COL */
} DlConvPlan;

#define DL_CONV_GROUP_COLS 1024

/* "im2col", "direct", "im2col-kept", "direct-channels". */
const char *dl_conv_algo_name (DlConvAlgo algo);

/* Floats DL_CONV_IM2COL_KEPT keeps for a batch of B images. */
size_t dl_conv_kept_floats (int B, int C, int H, int W, int k, int pad);

/* Floats of scratch dl_conv_forward and dl_conv_backward need for these shapes (the same for both).
 * A NULL plan everywhere: im2col, groups of DL_CONV_GROUP_COLS, the linked BLAS. */
size_t dl_conv_scratch_floats (const DlConvPlan *plan, int B, int C, int H, int W, int K, int k, int pad);

/* x: B×C×H×W, w: K×C×k×k, b: K (NULL: no bias) → y: B×K×Ho×Wo (overwritten). */
void dl_conv_forward (const DlConvPlan *plan, const float *x, const float *w, const float *b, float *y,
                      int B, int C, int H, int W, int K, int k, int pad, float *scratch);

/* x: B×C×H×W, w: K×C×k×k, dy: B×K×Ho×Wo →
 *   dw: K×C×k×k (overwritten, summed over the batch), db: K (overwritten, summed over the batch) — both
 *   skipped when dw is NULL (an input gradient only: attributions), db alone when it is NULL (a
 *   batch-normalised layer, whose β has its gradient from dl-bn);
 *   dx: B×C×H×W (overwritten; may be NULL when no gradient flows further, e.g. the first layer). */
void dl_conv_backward (const DlConvPlan *plan, const float *x, const float *w, const float *dy,
                       float *dx, float *dw, float *db,
                       int B, int C, int H, int W, int K, int k, int pad, float *scratch);

/* 2×2 max-pooling, stride 2: x B×C×H×W → y B×C×(H/2)×(W/2) (an odd last row/column is dropped).
 * argmax (same size as y) receives, for each output, the flat index into x of the winning input. */
void dl_maxpool_forward (const float *x, float *y, int *argmax, int B, int C, int H, int W);

/* dy B×C×(H/2)×(W/2) → dx B×C×H×W (overwritten): each dy goes to the input that won, the rest is 0.
 * H, W are the forward input's sizes. */
void dl_maxpool_backward (const float *dy, const int *argmax, float *dx, int B, int C, int H, int W);

/* The same, with the ReLU of the layer before folded in: y = max(0, window maximum) — a ReLU then a pool,
 * on a quarter of the values. argmax here holds each window's winner as its place in the window: 0
 * top-left, 1 top-right, 2 bottom-left, 3 bottom-right. The backward takes the pooled y and passes no
 * gradient through a window the ReLU zeroed. */
void dl_maxpool_relu_forward (const float *x, float *y, int *argmax, int B, int C, int H, int W);
void dl_maxpool_relu_backward (const float *dy, const float *y, const int *argmax, float *dx, int B, int C, int H,
                               int W);

#ifdef __cplusplus
}
#endif
