/* dl-conv.c — convolution as im2col + one sgemm per group of images, col2im for the input gradient;
 * 2×2 max-pooling with recorded winners.
 *
 * The im2col matrix of a group of G images is (C·k·k) × (G·Ho·Wo): one row per (channel, ky, kx), one
 * column per output pixel of every image of the group. Putting several images side by side turns many
 * small sgemm calls (K × C·k·k × Ho·Wo, tiny for MNIST-sized layers) into a few wide ones, which is
 * where BLAS reaches its speed; the price is copying the K × (G·Ho·Wo) result into NCHW order.
 */
#include "dl-conv.h"

#include <cblas.h>
#include <string.h>

/* Widest im2col matrix, in columns (output pixels of the whole group). Bounds scratch for big batches
 * while keeping every sgemm wide enough to run at full speed. */
#define DL_CONV_MAX_COLS 8192

static int
conv_out (int n, int k, int pad)
{
  return n + 2 * pad - k + 1;
}

/* Images per group: as many as fit in DL_CONV_MAX_COLS columns, at least one, at most B. */
static int
conv_group (int B, int HoWo)
{
  int g = DL_CONV_MAX_COLS / HoWo;

  if (g < 1)
    g = 1;
  return g < B ? g : B;
}

size_t
dl_conv_scratch_floats (int B, int C, int H, int W, int K, int k, int pad)
{
  size_t ncols = (size_t) conv_group (B, conv_out (H, k, pad) * conv_out (W, k, pad))
                 * conv_out (H, k, pad) * conv_out (W, k, pad);

  /* col (C·k·k × ncols) and the output or output-gradient in K × ncols order. */
  return ((size_t) C * k * k + K) * ncols;
}

/* x: G×C×H×W → col: (C·k·k) × (G·Ho·Wo), zero where the kernel hangs over the padding. */
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
          int lo = pad - kx > 0 ? pad - kx : 0;
          int hi = W + pad - kx < Wo ? W + pad - kx : Wo;

          for (int g = 0; g < G; g++)
            {
              const float *plane = x + ((size_t) g * C + c) * H * W;

              for (int oy = 0; oy < Ho; oy++, row += Wo)
                {
                  int iy = oy + ky - pad;

                  if (iy < 0 || iy >= H || hi <= lo)
                    {
                      memset (row, 0, sizeof (float) * Wo);
                      continue;
                    }
                  memset (row, 0, sizeof (float) * lo);
                  memcpy (row + lo, plane + (size_t) iy * W + lo + kx - pad, sizeof (float) * (hi - lo));
                  memset (row + hi, 0, sizeof (float) * (Wo - hi));
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
          int lo = pad - kx > 0 ? pad - kx : 0;
          int hi = W + pad - kx < Wo ? W + pad - kx : Wo;

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

void
dl_conv_forward (const float *x, const float *w, const float *b, float *y,
                 int B, int C, int H, int W, int K, int k, int pad, float *scratch)
{
  int Ho = conv_out (H, k, pad), Wo = conv_out (W, k, pad), HoWo = Ho * Wo;
  int ckk = C * k * k;
  int G = conv_group (B, HoWo);
  float *col = scratch;
  float *out = scratch + (size_t) ckk * G * HoWo;

  for (int b0 = 0; b0 < B; b0 += G)
    {
      int g = B - b0 < G ? B - b0 : G;
      int ncols = g * HoWo;

      im2col (x + (size_t) b0 * C * H * W, col, g, C, H, W, k, pad);
      /* out (K × ncols) = w (K × ckk) · col (ckk × ncols) */
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, K, ncols, ckk,
                   1.0f, w, ckk, col, ncols, 0.0f, out, ncols);
      /* K × (g·HoWo) → g×K×HoWo, adding the bias on the way. */
      for (int i = 0; i < g; i++)
        for (int kk = 0; kk < K; kk++)
          {
            const float *src = out + (size_t) kk * ncols + (size_t) i * HoWo;
            float *dst = y + (((size_t) (b0 + i) * K) + kk) * HoWo;
            float bias = b[kk];

            for (int p = 0; p < HoWo; p++)
              dst[p] = src[p] + bias;
          }
    }
}

void
dl_conv_backward (const float *x, const float *w, const float *dy,
                  float *dx, float *dw, float *db,
                  int B, int C, int H, int W, int K, int k, int pad, float *scratch)
{
  int Ho = conv_out (H, k, pad), Wo = conv_out (W, k, pad), HoWo = Ho * Wo;
  int ckk = C * k * k;
  int G = conv_group (B, HoWo);
  float *col = scratch;
  float *dyk = scratch + (size_t) ckk * G * HoWo;

  memset (db, 0, sizeof (float) * K);
  if (dx)
    memset (dx, 0, sizeof (float) * B * C * H * W);

  for (int b0 = 0; b0 < B; b0 += G)
    {
      int g = B - b0 < G ? B - b0 : G;
      int ncols = g * HoWo;

      /* g×K×HoWo → K × (g·HoWo), summing the bias gradient on the way. */
      for (int i = 0; i < g; i++)
        for (int kk = 0; kk < K; kk++)
          {
            const float *src = dy + (((size_t) (b0 + i) * K) + kk) * HoWo;
            float *dst = dyk + (size_t) kk * ncols + (size_t) i * HoWo;
            float sum = 0.0f;

            for (int p = 0; p < HoWo; p++)
              {
                dst[p] = src[p];
                sum += src[p];
              }
            db[kk] += sum;
          }

      im2col (x + (size_t) b0 * C * H * W, col, g, C, H, W, k, pad);
      /* dw (K × ckk) (+)= dyk (K × ncols) · colᵀ (ncols × ckk); the first group overwrites. */
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, K, ckk, ncols,
                   1.0f, dyk, ncols, col, ncols, b0 == 0 ? 0.0f : 1.0f, dw, ckk);
      if (!dx)
        continue;
      /* dcol (ckk × ncols) = wᵀ (ckk × K) · dyk (K × ncols), written over col, which is done with. */
      cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, ckk, ncols, K,
                   1.0f, w, ckk, dyk, ncols, 0.0f, col, ncols);
      col2im (col, dx + (size_t) b0 * C * H * W, g, C, H, W, k, pad);
    }
}

void
dl_maxpool_forward (const float *x, float *y, int *argmax, int B, int C, int H, int W)
{
  int Hp = H / 2, Wp = W / 2;

  for (size_t plane = 0; plane < (size_t) B * C; plane++)
    {
      size_t base = plane * H * W;

      for (int py = 0; py < Hp; py++)
        for (int px = 0; px < Wp; px++)
          {
            size_t i0 = base + (size_t) (2 * py) * W + 2 * px;
            size_t cand[4] = { i0, i0 + 1, i0 + W, i0 + W + 1 };
            size_t best = cand[0];
            size_t o = (plane * Hp + py) * Wp + px;

            /* Strictly greater: ties go to the first in reading order. */
            for (int j = 1; j < 4; j++)
              if (x[cand[j]] > x[best])
                best = cand[j];
            y[o] = x[best];
            argmax[o] = (int) best;
          }
    }
}

void
dl_maxpool_backward (const float *dy, const int *argmax, float *dx, int B, int C, int H, int W)
{
  size_t n_out = (size_t) B * C * (H / 2) * (W / 2);

  memset (dx, 0, sizeof (float) * B * C * H * W);
  for (size_t o = 0; o < n_out; o++)
    dx[argmax[o]] += dy[o];
}
