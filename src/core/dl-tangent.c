/* dl-tangent.c — one-sided tangent distance to the k-th nearest reference of a class. */
#include "dl-tangent.h"

#include "dl-orthonormal.h"

#include <cblas.h>
#include <math.h>

#define ROW_BLOCK 2048   /* reference rows per pair of sgemm products */
#define MAX_K     64

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
  dl_orthonormalise_rows (u, DL_TANGENTS, d, 1e-6, NULL);
}

/* Candidates for the k nearest: the norm expansion ‖q‖² + ‖r‖² − 2q·r in float leaves an error of about
 * ‖q‖² × 10⁻⁶ (an image's distance to itself came out 0.003, not 0, with OpenBLAS's AVX-512 kernel on
 * AMD Zen 5), so the products only choose k + REFINE_EXTRA candidates, measured again directly in double. */
#define REFINE_EXTRA 8

typedef struct {
  float d2;
  int   row;
} Cand;

/* Keeps the m smallest candidates seen in b (ascending). */
static inline void
keep_smallest (Cand *b, int m, float d2, int row)
{
  if (d2 >= b[m - 1].d2)
    return;
  int i = m - 1;
  while (i > 0 && b[i - 1].d2 > d2)
    {
      b[i] = b[i - 1];
      i--;
    }
  b[i] = (Cand) { d2, row };
}

/* The squared tangent distance of q (tangents u) to r, in double: ‖r − q‖² less its part in the
 * tangents' span. diff: d doubles of scratch. */
static double
tangent_d2 (const float *q, const float *u, const float *r, int d, double *diff)
{
  double d2 = 0;
  for (int p = 0; p < d; p++)
    {
      diff[p] = (double) r[p] - q[p];
      d2 += diff[p] * diff[p];
    }
  for (int t = 0; t < DL_TANGENTS; t++)
    {
      double e = 0;
      for (int p = 0; p < d; p++)
        e += u[(gsize) t * d + p] * diff[p];
      d2 -= e * e;
    }
  return MAX (d2, 0.0);
}

/* The k-th smallest of the candidates' distances measured again; INFINITY when fewer than k exist. */
static float
refine (const Cand *c, int m, int k, const float *ref, const float *q, const float *u, int d, double *diff)
{
  Cand again[MAX_K + REFINE_EXTRA];
  for (int i = 0; i < m; i++)
    again[i] = (Cand) { INFINITY, -1 };
  for (int i = 0; i < m && c[i].row >= 0; i++)
    keep_smallest (again, m, tangent_d2 (q, u, ref + (gsize) c[i].row * d, d, diff), c[i].row);
  return again[k - 1].row < 0 ? INFINITY : sqrtf (again[k - 1].d2);
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
  const int m = k + REFINE_EXTRA;
  g_autofree Cand *best = g_new (Cand, (gsize) nq * m);
  g_autofree double *diff = g_new (double, d);

  for (int a = 0; a < nq; a++)
    {
      dl_tangents (q + (gsize) a * d, side, u + (gsize) a * nt * d);
      for (int t = 0; t < nt; t++)
        uq[a * nt + t] = cblas_dsdot (d, u + ((gsize) a * nt + t) * d, 1, q + (gsize) a * d, 1);
      qn[a] = cblas_dsdot (d, q + (gsize) a * d, 1, q + (gsize) a * d, 1);
      for (int j = 0; j < m; j++)
        best[a * m + j] = (Cand) { INFINITY, -1 };
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
            keep_smallest (best + (gsize) a * m, m, d2, r0 + j);
          }
    }
  for (int a = 0; a < nq; a++)
    out[a] = refine (best + (gsize) a * m, m, k, ref, q + (gsize) a * d, u + (gsize) a * nt * d, d, diff);
}
