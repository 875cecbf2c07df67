/* dl-conv.c — convolution as im2col + one sgemm per group of images, col2im for the input gradient (or,
 * as the plan says, direct: dl-conv-direct.c); 2×2 max-pooling with recorded winners.
 *
 * The im2col matrix of a group of G images is (C·k·k) × (G·Ho·Wo): one row per (channel, ky, kx), one
 * column per output pixel of every image of the group. Putting several images side by side turns many
 * small sgemm calls (K × C·k·k × Ho·Wo, tiny for MNIST-sized layers) into a few wide ones, which is
 * where BLAS reaches its speed; the price is copying the K × (G·Ho·Wo) result into NCHW order (not
 * needed when a group is a single image).
 *
 * The bias rides along in the same sgemm: col gets a last row of ones and the weights a last column
 * holding the bias, so the forward pass needs no separate bias pass, and in the backward pass the
 * weight-gradient sgemm yields the bias gradient (Σ dy) as its last column. Every copy left is then a
 * plain row copy.
 */
#include "dl-conv.h"
#include "dl-conv-private.h"

#include <string.h>

/* The default widest im2col matrix, in columns (output pixels of the whole group): wide enough for
 * sgemm to run well, small enough that col and the output stay in L2 (on the cnn preset, EPYC Zen 3 with
 * 1 MiB L2: 1024 — the first layer image by image, the second 10 images at a time — ran its conv layers
 * 6–13 % faster than 8192, 64 images at once). Also bounds scratch for big batches. Other CPUs, other
 * caches: DlConvPlan.group_cols is a candidate dl-tune measures. */

static const DlConvPlan default_plan = { DL_CONV_IM2COL, DL_CONV_GROUP_COLS, NULL };

const char *
dl_conv_algo_name (DlConvAlgo algo)
{
  switch (algo)
    {
    case DL_CONV_DIRECT:          return "direct";
    case DL_CONV_IM2COL_KEPT:     return "im2col-kept";
    case DL_CONV_DIRECT_CHANNELS: return "direct-channels";
    case DL_CONV_IM2COL:
    default:                      return "im2col";
    }
}

static int
conv_out (int n, int k, int pad)
{
  return n + 2 * pad - k + 1;
}

/* Images per group: as many as fit in the plan's columns, at least one, at most B. */
static int
conv_group (const DlConvPlan *plan, int B, int HoWo)
{
  int g = (plan->group_cols > 0 ? plan->group_cols : DL_CONV_GROUP_COLS) / HoWo;

  if (g < 1)
    g = 1;
  return g < B ? g : B;
}

size_t
dl_conv_kept_floats (int B, int C, int H, int W, int k, int pad)
{
  return ((size_t) C * k * k + 1) * B * conv_out (H, k, pad) * conv_out (W, k, pad);
}

/* Where group b0's columns are kept, or NULL. */
static float *
kept_cols (const DlConvPlan *plan, int b0, int ckk, int HoWo)
{
  if (plan->algo != DL_CONV_IM2COL_KEPT || plan->cols == NULL)
    return NULL;
  return plan->cols + (size_t) (ckk + 1) * b0 * HoWo;
}

size_t
dl_conv_scratch_floats (const DlConvPlan *plan, int B, int C, int H, int W, int K, int k, int pad)
{
  if (plan == NULL)
    plan = &default_plan;
  if (plan->algo == DL_CONV_DIRECT)
    return dl_conv_direct_scratch_floats (C, H, W, K, k, pad);
  if (plan->algo == DL_CONV_DIRECT_CHANNELS)
    return dl_conv_channels_scratch_floats (C, H, W, K, k, pad);

  int HoWo = conv_out (H, k, pad) * conv_out (W, k, pad);
  size_t ncols = (size_t) conv_group (plan, B, HoWo) * HoWo;
  size_t ckk1 = (size_t) C * k * k + 1;

  /* col with its row of ones, the output (or output gradient) in K × ncols order, and the
   * weights-with-bias (or their gradient) K × (C·k·k + 1). */
  return ckk1 * ncols + (size_t) K * ncols + (size_t) K * ckk1;
}

/* x: G×C×H×W → col: (C·k·k) × (G·Ho·Wo), zero where the kernel hangs over the padding. Rows are
 * only Wo (10–28) floats long: memset calls for the zero or two padding floats at each end cost more
 * than the stores (libc's memset/memmove were 20 % of a cnn step); for the inside, a loop (vectorised
 * at the core's -O3) measured the same as memcpy. */
static void
im2col (const float *x, float *col, int G, int C, int H, int W, int k, int pad)
{
  int Ho = conv_out (H, k, pad), Wo = conv_out (W, k, pad);
  size_t ncols = (size_t) G * Ho * Wo;

  for (int c = 0; c < C; c++)
    for (int ky = 0; ky < k; ky++)
      for (int kx = 0; kx < k; kx++)
        {
          float *row = col + ((size_t) (c * k + ky) * k + kx) * ncols;
          /* Output columns ox in [lo, hi) read inside the image: ix = ox + kx − pad ∈ [0, W). */
          int lo = MIN (MAX (pad - kx, 0), Wo);
          int hi = MAX (MIN (W + pad - kx, Wo), lo);

          for (int g = 0; g < G; g++)
            {
              const float *plane = x + ((size_t) g * C + c) * H * W;

              for (int oy = 0; oy < Ho; oy++, row += Wo)
                {
                  int iy = oy + ky - pad;
                  const float *src;
                  int ox = 0;

                  if (iy < 0 || iy >= H)
                    {
                      for (; ox < Wo; ox++)
                        row[ox] = 0.0f;
                      continue;
                    }
                  src = plane + (size_t) iy * W + kx - pad;
                  for (; ox < lo; ox++)
                    row[ox] = 0.0f;
                  for (; ox < hi; ox++)
                    row[ox] = src[ox];
                  for (; ox < Wo; ox++)
                    row[ox] = 0.0f;
                }
            }
        }
}

/* col: (C·k·k) × (G·Ho·Wo) → dx: G×C×H×W, accumulated (dx must be zeroed by the caller). */
static void
col2im (const float *col, float *dx, int G, int C, int H, int W, int k, int pad)
{
  int Ho = conv_out (H, k, pad), Wo = conv_out (W, k, pad);
  size_t ncols = (size_t) G * Ho * Wo;

  for (int c = 0; c < C; c++)
    for (int ky = 0; ky < k; ky++)
      for (int kx = 0; kx < k; kx++)
        {
          const float *row = col + ((size_t) (c * k + ky) * k + kx) * ncols;
          int lo = MIN (MAX (pad - kx, 0), Wo);
          int hi = MAX (MIN (W + pad - kx, Wo), lo);

          for (int g = 0; g < G; g++)
            {
              float *plane = dx + ((size_t) g * C + c) * H * W;

              for (int oy = 0; oy < Ho; oy++, row += Wo)
                {
                  int iy = oy + ky - pad;
                  float *dst;

                  if (iy < 0 || iy >= H)
                    continue;
                  dst = plane + (size_t) iy * W;
                  for (int ox = lo; ox < hi; ox++)
                    dst[ox + kx - pad] += row[ox];
                }
            }
        }
}

/* row: n floats of 1, the im2col row that multiplies the bias. */
static void
fill_ones (float *row, size_t n)
{
  for (size_t i = 0; i < n; i++)
    row[i] = 1.0f;
}

void
dl_conv_forward (const DlConvPlan *plan, const float *x, const float *w, const float *b, float *y,
                 int B, int C, int H, int W, int K, int k, int pad, float *scratch)
{
  if (plan == NULL)
    plan = &default_plan;
  if (plan->algo == DL_CONV_DIRECT)
    {
      dl_conv_direct_forward (x, w, b, y, B, C, H, W, K, k, pad, scratch);
      return;
    }
  if (plan->algo == DL_CONV_DIRECT_CHANNELS)
    {
      dl_conv_channels_forward (x, w, b, y, B, C, H, W, K, k, pad, scratch);
      return;
    }

  const DlBlasKernel *blas = plan->blas ? plan->blas : dl_blas_kernel ();
  int Ho = conv_out (H, k, pad), Wo = conv_out (W, k, pad), HoWo = Ho * Wo;
  int ckk = C * k * k;
  int G = conv_group (plan, B, HoWo);
  float *col = scratch;                               /* (ckk + 1) × G·HoWo */
  float *out = col + (size_t) (ckk + 1) * G * HoWo;   /* K × G·HoWo */
  float *wb = out + (size_t) K * G * HoWo;            /* K × (ckk + 1): [w | b] */

  for (int kk = 0; kk < K; kk++)
    {
      memcpy (wb + (size_t) kk * (ckk + 1), w + (size_t) kk * ckk, sizeof (float) * ckk);
      wb[(size_t) kk * (ckk + 1) + ckk] = b ? b[kk] : 0.0f;
    }

  for (int b0 = 0; b0 < B; b0 += G)
    {
      int g = MIN (B - b0, G);
      int ncols = g * HoWo;
      float *kept = kept_cols (plan, b0, ckk, HoWo);

      if (kept)
        col = kept;
      im2col (x + (size_t) b0 * C * H * W, col, g, C, H, W, k, pad);
      fill_ones (col + (size_t) ckk * ncols, ncols);
      /* out (K × ncols) = [w | b] (K × (ckk + 1)) · [col; 1] ((ckk + 1) × ncols); a group of one
       * image is already in NCHW order and goes straight to y. */
      blas->sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, K, ncols, ckk + 1, 1.0f, wb, ckk + 1, col, ncols,
                   0.0f, g == 1 ? y + (size_t) b0 * K * HoWo : out, ncols);
      /* K × (g·HoWo) → g×K×HoWo */
      for (int i = 0; i < g && g > 1; i++)
        for (int kk = 0; kk < K; kk++)
          memcpy (y + (((size_t) (b0 + i) * K) + kk) * HoWo,
                  out + (size_t) kk * ncols + (size_t) i * HoWo, sizeof (float) * HoWo);
    }
}

void
dl_conv_backward (const DlConvPlan *plan, const float *x, const float *w, const float *dy,
                  float *dx, float *dw, float *db,
                  int B, int C, int H, int W, int K, int k, int pad, float *scratch)
{
  if (plan == NULL)
    plan = &default_plan;
  if (plan->algo == DL_CONV_DIRECT)
    {
      dl_conv_direct_backward (x, w, dy, dx, dw, db, B, C, H, W, K, k, pad, scratch);
      return;
    }
  if (plan->algo == DL_CONV_DIRECT_CHANNELS)
    {
      dl_conv_channels_backward (x, w, dy, dx, dw, db, B, C, H, W, K, k, pad, scratch);
      return;
    }

  const DlBlasKernel *blas = plan->blas ? plan->blas : dl_blas_kernel ();
  int Ho = conv_out (H, k, pad), Wo = conv_out (W, k, pad), HoWo = Ho * Wo;
  int ckk = C * k * k;
  int G = conv_group (plan, B, HoWo);
  float *col = scratch;                               /* (ckk + 1) × G·HoWo */
  float *dyk = col + (size_t) (ckk + 1) * G * HoWo;   /* K × G·HoWo */
  float *dwb = dyk + (size_t) K * G * HoWo;           /* K × (ckk + 1): [dw | db] */

  if (dx)
    memset (dx, 0, sizeof (float) * B * C * H * W);

  for (int b0 = 0; b0 < B; b0 += G)
    {
      int g = MIN (B - b0, G);
      int ncols = g * HoWo;
      /* dy of the group as K × (g·HoWo): one image's dy already is. */
      const float *dk = g == 1 ? dy + (size_t) b0 * K * HoWo : dyk;

      /* g×K×HoWo → K × (g·HoWo) */
      for (int i = 0; i < g && g > 1; i++)
        for (int kk = 0; kk < K; kk++)
          memcpy (dyk + (size_t) kk * ncols + (size_t) i * HoWo,
                  dy + (((size_t) (b0 + i) * K) + kk) * HoWo, sizeof (float) * HoWo);

      if (dw)
        {
          /* The forward pass's columns, when it kept them. */
          const float *cols = kept_cols (plan, b0, ckk, HoWo);
          if (cols == NULL)
            {
              im2col (x + (size_t) b0 * C * H * W, col, g, C, H, W, k, pad);
              fill_ones (col + (size_t) ckk * ncols, ncols);
              cols = col;
            }
          /* [dw | db] (K × (ckk + 1)) (+)= dyk (K × ncols) · [col; 1]ᵀ; the first group overwrites. */
          blas->sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, K, ckk + 1, ncols,
                       1.0f, dk, ncols, cols, ncols, b0 == 0 ? 0.0f : 1.0f, dwb, ckk + 1);
        }
      if (!dx)
        continue;
      /* dcol (ckk × ncols) = wᵀ (ckk × K) · dyk (K × ncols), written over col, which is done with. */
      blas->sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, ckk, ncols, K,
                   1.0f, w, ckk, dk, ncols, 0.0f, col, ncols);
      col2im (col, dx + (size_t) b0 * C * H * W, g, C, H, W, k, pad);
    }

  for (int kk = 0; kk < K && dw; kk++)
    {
      memcpy (dw + (size_t) kk * ckk, dwb + (size_t) kk * (ckk + 1), sizeof (float) * ckk);
      if (db)
        db[kk] = dwb[(size_t) kk * (ckk + 1) + ckk];
    }
}

void
dl_maxpool_forward (const float *x, float *y, int *argmax, int B, int C, int H, int W)
{
  int Hp = H / 2, Wp = W / 2;

  for (size_t plane = 0; plane < (size_t) B * C; plane++)
    for (int py = 0; py < Hp; py++)
      {
        size_t i0 = (plane * H + 2 * py) * W;   /* top-left input of the row of windows */
        const float *r0 = x + i0, *r1 = r0 + W;
        float *yo = y + (plane * Hp + py) * Wp;
        int *ao = argmax + (plane * Hp + py) * Wp;

        for (int px = 0; px < Wp; px++)
          {
            int j = 2 * px;
            float a = r0[j], b = r0[j + 1], c = r1[j], d = r1[j + 1];
            /* Strictly greater: ties go to the first in reading order. Selects, not branches: which
             * input wins is data, and a mispredicted branch costs more than the whole window. */
            float ab = b > a ? b : a, cd = d > c ? d : c;
            int iab = b > a, icd = d > c ? W + 1 : W;

            yo[px] = cd > ab ? cd : ab;
            ao[px] = (int) i0 + j + (cd > ab ? icd : iab);
          }
      }
}

void
dl_maxpool_backward (const float *dy, const int *argmax, float *dx, int B, int C, int H, int W)
{
  int Hp = H / 2, Wp = W / 2;

  /* The windows do not overlap: each is written whole (zeros, then its winner), so dx needs no
   * clearing pass; only an odd last row or column, which no window covers, is zeroed apart. */
  for (size_t plane = 0; plane < (size_t) B * C; plane++)
    {
      float *dp = dx + plane * H * W;

      for (int py = 0; py < Hp; py++)
        {
          float *r0 = dp + (size_t) (2 * py) * W, *r1 = r0 + W;
          size_t o = (plane * Hp + py) * Wp;

          for (int px = 0; px < Wp; px++)
            {
              r0[2 * px] = r0[2 * px + 1] = r1[2 * px] = r1[2 * px + 1] = 0.0f;
              dx[argmax[o + px]] = dy[o + px];
            }
          if (W & 1)
            r0[W - 1] = r1[W - 1] = 0.0f;
        }
      if (H & 1)
        memset (dp + (size_t) (H - 1) * W, 0, sizeof (float) * W);
    }
}

/* The fused pair records the winner as its place in the window (0 top-left, 1 top-right, 2 bottom-left,
 * 3 bottom-right) rather than a flat index: the backward pass then writes each window's four values in
 * one sweep of selects, with no zeroing pass and no scatter, and both loops vectorise. */
void
dl_maxpool_relu_forward (const float *restrict x, float *restrict y, int *restrict argmax, int B, int C, int H, int W)
{
  int Hp = H / 2, Wp = W / 2;

  for (size_t plane = 0; plane < (size_t) B * C; plane++)
    for (int py = 0; py < Hp; py++)
      {
        const float *r0 = x + (plane * H + 2 * py) * W, *r1 = r0 + W;
        float *restrict yo = y + (plane * Hp + py) * Wp;
        int *restrict ao = argmax + (plane * Hp + py) * Wp;

        /* Written so that GCC if-converts and vectorises it: simple selects, the code in arithmetic. */
        for (int px = 0; px < Wp; px++)
          {
            float a = r0[2 * px], b = r0[2 * px + 1], c = r1[2 * px], d = r1[2 * px + 1];
            int hb = b > a, hd = d > c;
            float ab = hb ? b : a, cd = hd ? d : c;
            int low = cd > ab;
            float m = low ? cd : ab;
            yo[px] = m < 0.0f ? 0.0f : m;   /* not fmaxf: NaN must stay NaN */
            ao[px] = 2 * low + hb + low * (hd - hb);
          }
      }
}

void
dl_maxpool_relu_backward (const float *restrict dy, const float *restrict y, const int *restrict argmax,
                          float *restrict dx, int B, int C, int H, int W)
{
  int Hp = H / 2, Wp = W / 2;

  for (size_t plane = 0; plane < (size_t) B * C; plane++)
    {
      float *dp = dx + plane * H * W;

      for (int py = 0; py < Hp; py++)
        {
          float *restrict r0 = dp + (size_t) (2 * py) * W, *restrict r1 = r0 + W;
          size_t o = (plane * Hp + py) * Wp;

          /* A window whose maximum the ReLU zeroed (code 4 and up) passes nothing. One row at a time:
           * GCC if-converts (and vectorises) two selects a loop, not four. */
          for (int px = 0; px < Wp; px++)
            {
              int k = argmax[o + px] | (y[o + px] > 0.0f ? 0 : 4);
              float g = dy[o + px];
              r0[2 * px] = k == 0 ? g : 0.0f;
              r0[2 * px + 1] = k == 1 ? g : 0.0f;
            }
          for (int px = 0; px < Wp; px++)
            {
              int k = argmax[o + px] | (y[o + px] > 0.0f ? 0 : 4);
              float g = dy[o + px];
              r1[2 * px] = k == 2 ? g : 0.0f;
              r1[2 * px + 1] = k == 3 ? g : 0.0f;
            }
          if (W & 1)
            r0[W - 1] = r1[W - 1] = 0.0f;
        }
      if (H & 1)
        memset (dp + (size_t) (H - 1) * W, 0, sizeof (float) * W);
    }
}
