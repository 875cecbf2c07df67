/* dl-tangent.c — one-sided tangent distance to the k-th nearest reference of a class. */
#include "dl-tangent.h"

#include <cblas.h>
#include <math.h>

#define ROW_BLOCK 2048   /* reference rows per pair of sgemm products */
#define MAX_K     64

static double
dot (const float *a, const float *b, int n)
{
  double s = 0;
  for (int i = 0; i < n; i++)
    s += (double) a[i] * b[i];
  return s;
}

void
dl_tangents (const float *img, int side, float *u)
{
  const int d = side * side;
  const double m = (side - 1) / 2.0;
  for (int y = 0; y < side; y++)
    for (int x = 0; x < side; x++)
      {
        const double gx = ((x + 1 < side ? img[y * side + x + 1] : 0) - (x > 0 ? img[y * side + x - 1] : 0)) / 2;
        const double gy = ((y + 1 < side ? img[(y + 1) * side + x] : 0) - (y > 0 ? img[(y - 1) * side + x] : 0)) / 2;
        const double cx = x - m, cy = y - m;
        float *t = u + y * side + x;
        t[0 * d] = gx;                        /* shift right */
        t[1 * d] = gy;                        /* shift down */
        t[2 * d] = cy * gx - cx * gy;         /* turn */
        t[3 * d] = cx * gx + cy * gy;         /* scale */
        t[4 * d] = cx * gx - cy * gy;         /* stretch along the axes */
        t[5 * d] = cy * gx + cx * gy;         /* stretch along the diagonals */
        t[6 * d] = gx * gx + gy * gy;         /* a thicker stroke */
      }
  for (int i = 0; i < DL_TANGENTS; i++)   /* Gram–Schmidt */
    {
      float *a = u + (gsize) i * d;
      for (int j = 0; j < i; j++)
        {
          const float *b = u + (gsize) j * d;
          const double p = dot (a, b, d);
          for (int k = 0; k < d; k++)
            a[k] -= p * b[k];
        }
      const double n = sqrt (dot (a, a, d));
      for (int k = 0; k < d; k++)
        a[k] = n > 1e-6 ? a[k] / n : 0;
    }
}

/* Keeps the k smallest values seen in b (ascending). */
static inline void
keep_smallest (float *b, int k, float v)
{
  if (v >= b[k - 1])
    return;
  int m = k - 1;
  while (m > 0 && b[m - 1] > v)
    {
      b[m] = b[m - 1];
      m--;
    }
  b[m] = v;
}

void
dl_tangent_nearest (const float *ref, const float *ref_norm, const guint8 *labels, int n, int side, const float *q,
                    int nq, const int *want, int k, float *out)
{
  g_return_if_fail (k >= 1 && k <= MAX_K);
  const int d = side * side, nt = DL_TANGENTS;
  g_autofree float *u = g_new (float, (gsize) nq * nt * d);
  g_autofree float *uq = g_new (float, (gsize) nq * nt);
  g_autofree float *qn = g_new (float, nq);
  g_autofree float *g = g_new (float, (gsize) nq * ROW_BLOCK);
  g_autofree float *gu = g_new (float, (gsize) nq * nt * ROW_BLOCK);
  g_autofree float *best = g_new (float, (gsize) nq * k);

  for (int a = 0; a < nq; a++)
    {
      dl_tangents (q + (gsize) a * d, side, u + (gsize) a * nt * d);
      for (int t = 0; t < nt; t++)
        uq[a * nt + t] = dot (u + ((gsize) a * nt + t) * d, q + (gsize) a * d, d);
      qn[a] = dot (q + (gsize) a * d, q + (gsize) a * d, d);
      for (int j = 0; j < k; j++)
        best[a * k + j] = INFINITY;
    }
  for (int r0 = 0; r0 < n; r0 += ROW_BLOCK)
    {
      const int nr = MIN (ROW_BLOCK, n - r0);
      const float *rows = ref + (gsize) r0 * d;
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, nq, nr, d, 1.0f, q, d, rows, d, 0.0f, g, nr);
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, nq * nt, nr, d, 1.0f, u, d, rows, d, 0.0f, gu, nr);
      for (int a = 0; a < nq; a++)
        for (int j = 0; j < nr; j++)
          {
            if (labels[r0 + j] != want[a])
              continue;
            float d2 = qn[a] + ref_norm[r0 + j] - 2 * g[(gsize) a * nr + j];
            for (int t = 0; t < nt; t++)
              {
                const float e = gu[((gsize) a * nt + t) * nr + j] - uq[a * nt + t];
                d2 -= e * e;
              }
            keep_smallest (best + (gsize) a * k, k, d2);
          }
    }
  for (int a = 0; a < nq; a++)
    out[a] = sqrtf (MAX (best[(gsize) a * k + k - 1], 0.0f));
}
