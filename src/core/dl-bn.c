/* dl-bn.c — batch normalisation's passes (dl-bn.h). Sums in double: a batch of 1024 rows of values near
 * 100 keeps its variance's digits. */
#include "dl-bn.h"

#include <math.h>

void
dl_bn_sums (const float *z, int rows, int ld, int j0, int j1, double *s)
{
  for (int j = j0; j < j1; j++)
    s[2 * j] = s[2 * j + 1] = 0.0;
  for (int r = 0; r < rows; r++)
    {
      const float *zr = z + (gsize) r * ld;
      for (int j = j0; j < j1; j++)
        {
          double v = zr[j];
          s[2 * j] += v;
          s[2 * j + 1] += v * v;
        }
    }
}

/* Unit j's two sums over the parts, added in part order: the same result for a given team size. */
static void
total (const double *sums, int n_parts, gsize stride, int j, double *s1, double *s2)
{
  *s1 = *s2 = 0.0;
  for (int p = 0; p < n_parts; p++)
    *s1 += sums[p * stride + 2 * j], *s2 += sums[p * stride + 2 * j + 1];
}

void
dl_bn_stats (const double *sums, int n_parts, gsize stride, int B, int j0, int j1, float *mean, float *istd,
             float *run_mean, float *run_var)
{
  for (int j = j0; j < j1; j++)
    {
      double s1, s2;
      total (sums, n_parts, stride, j, &s1, &s2);
      double mu = s1 / B, var = MAX (s2 / B - mu * mu, 0.0);
      mean[j] = (float) mu;
      istd[j] = (float) (1.0 / sqrt (var + DL_BN_EPS));
      run_mean[j] = (1.0f - DL_BN_MOMENTUM) * run_mean[j] + DL_BN_MOMENTUM * (float) mu;
      run_var[j] = (1.0f - DL_BN_MOMENTUM) * run_var[j] + DL_BN_MOMENTUM * (float) (B > 1 ? var * B / (B - 1) : var);
    }
}

void
dl_bn_forward (float *z, int rows, int ld, int j0, int j1, const float *mean, const float *istd,
               const float *gamma, float *xhat)
{
  for (int r = 0; r < rows; r++)
    {
      float *zr = z + (gsize) r * ld, *xr = xhat + (gsize) r * ld;
      for (int j = j0; j < j1; j++)
        {
          xr[j] = (zr[j] - mean[j]) * istd[j];
          zr[j] = gamma[j] * xr[j];
        }
    }
}

void
dl_bn_infer (float *z, int rows, int ld, int j0, int j1, const float *run_mean, const float *run_var,
             const float *gamma)
{
  for (int r = 0; r < rows; r++)
    {
      float *zr = z + (gsize) r * ld;
      for (int j = j0; j < j1; j++)
        zr[j] = gamma[j] * (zr[j] - run_mean[j]) / sqrtf (MAX (run_var[j], 0.0f) + DL_BN_EPS);
    }
}

void
dl_bn_grad_sums (const float *dy, const float *xhat, int rows, int units, double *s)
{
  for (int j = 0; j < units; j++)
    s[2 * j] = s[2 * j + 1] = 0.0;
  for (int r = 0; r < rows; r++)
    {
      const float *d = dy + (gsize) r * units, *h = xhat + (gsize) r * units;
      for (int j = 0; j < units; j++)
        {
          s[2 * j] += d[j];
          s[2 * j + 1] += (double) d[j] * h[j];
        }
    }
}

void
dl_bn_grad_stats (const double *sums, int n_parts, gsize stride, int j0, int j1, float *dbeta, float *dgamma)
{
  for (int j = j0; j < j1; j++)
    {
      double s1, s2;
      total (sums, n_parts, stride, j, &s1, &s2);
      dbeta[j] = (float) s1;
      dgamma[j] = (float) s2;
    }
}

void
dl_bn_backward (float *dy, const float *xhat, int rows, int units, const float *gamma, const float *istd,
                const float *dbeta, const float *dgamma, int B)
{
  for (int r = 0; r < rows; r++)
    {
      float *d = dy + (gsize) r * units;
      const float *h = xhat + (gsize) r * units;
      for (int j = 0; j < units; j++)
        d[j] = gamma[j] * istd[j] * (d[j] - dbeta[j] / B - h[j] * dgamma[j] / B);
    }
}

void
dl_bn_infer_backward (float *dy, int rows, int units, const float *gamma, const float *run_var)
{
  for (int r = 0; r < rows; r++)
    for (int j = 0; j < units; j++)
      dy[(gsize) r * units + j] *= gamma[j] / sqrtf (MAX (run_var[j], 0.0f) + DL_BN_EPS);
}
