/* dl-orthonormal.c — Gram–Schmidt twice, in double. */
#include "dl-orthonormal.h"

#include <cblas.h>
#include <math.h>

void
dl_orthonormalise_rows (float *v, int m, int d, double rel_tol, DlRng *rng)
{
  g_return_if_fail (rng == NULL || m <= d);
  g_autofree double *row = g_new (double, d);

  for (int i = 0; i < m; i++)
    {
      float *a = v + (gsize) i * d;
      const double before = sqrt (cblas_dsdot (d, a, 1, a, 1));
      for (int j = 0; j < d; j++)
        row[j] = a[j];
      for (int pass = 0; pass < 2; pass++)
        for (int k = 0; k < i; k++)
          {
            const float *b = v + (gsize) k * d;
            double p = 0;
            for (int j = 0; j < d; j++)
              p += row[j] * b[j];
            for (int j = 0; j < d; j++)
              row[j] -= p * b[j];
          }
      const double norm = sqrt (cblas_ddot (d, row, 1, row, 1));
      const gboolean dependent = !(norm > rel_tol * before);   /* also a zero (or NaN) row */
      if (dependent && rng)
        {
          for (int j = 0; j < d; j++)
            a[j] = (float) dl_rng_normal (rng);
          i--;   /* orthonormalise the new row */
          continue;
        }
      for (int j = 0; j < d; j++)
        a[j] = dependent ? 0.0f : (float) (row[j] / norm);
    }
}
