/* dl-conv-private.h — the direct convolution kernels dl-conv.c dispatches to (DL_CONV_DIRECT and
 * DL_CONV_DIRECT_CHANNELS). Same shapes and results as dl_conv_forward / dl_conv_backward; scratch of
 * dl_conv_direct_scratch_floats (dl_conv_channels_scratch_floats), best 64-byte aligned. */
#pragma once

#include <glib.h>
#include <stddef.h>

G_BEGIN_DECLS

size_t dl_conv_direct_scratch_floats (int C, int H, int W, int K, int k, int pad);
/* b may be NULL (no bias). */
void   dl_conv_direct_forward (const float *x, const float *w, const float *b, float *y, int B, int C, int H, int W,
                               int K, int k, int pad, float *scratch);
void   dl_conv_direct_backward (const float *x, const float *w, const float *dy, float *dx, float *dw, float *db,
                                int B, int C, int H, int W, int K, int k, int pad, float *scratch);

/* DL_CONV_DIRECT_CHANNELS: the same, vectorised along the output channels; kernels wider than 7 run as
 * DL_CONV_DIRECT. */
size_t dl_conv_channels_scratch_floats (int C, int H, int W, int K, int k, int pad);
void   dl_conv_channels_forward (const float *x, const float *w, const float *b, float *y, int B, int C, int H,
                                 int W, int K, int k, int pad, float *scratch);
void   dl_conv_channels_backward (const float *x, const float *w, const float *dy, float *dx, float *dw, float *db,
                                  int B, int C, int H, int W, int K, int k, int pad, float *scratch);

/* For tests: run the kernels compiled for "avx512", "avx2" or "sse2" instead of the widest the CPU runs
 * (NULL: back to that). FALSE, and no change, when the CPU cannot run them. */
gboolean dl_conv_direct_force_isa (const char *isa);

G_END_DECLS
