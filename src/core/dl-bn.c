/* dl-bn.c — batch normalisation's passes (dl-bn.h). Sums in double: a batch of 1024 rows of values near
 * 100 keeps its variance's digits. A dense layer's units are a row's consecutive values, and its loops
 * run along the row (vectorised across units); a conv layer's unit is a plane of hw values, and its loops
 * run along the plane, the sums in eight lanes the compiler vectorises: with one double chain per sum,
 * cnn-large with its three conv layers normalised trained 29 % slower than without; with the lanes, and β
 * added by the normalising pass, 3–24 % slower, median 15 % (4 pairs of `digitlab-cli bench --preset
 * cnn-large --batches 400`, with and without `--arch` …-bn-…, Intel Xeon family 6 model 167). */
#include "dl-bn.h"

#include <math.h>

#define LANES 8

/* Σ v and Σ v·w over n values (w = v: the sum of squares). */
static void
plane_sums (const float *restrict v, const float *restrict w, int n, double *s1, double *s2)
{
  double a[LANES] = { 0 }, b[LANES] = { 0 };
  int p = 0;
  for (; p + LANES <= n; p += LANES)
    for (int l = 0; l < LANES; l++)
      {
        a[l] += v[p + l];
        b[l] += (double) v[p + l] * w[p + l];
      }
  double t1 = 0.0, t2 = 0.0;
  for (; p < n; p++)
    t1 += v[p], t2 += (double) v[p] * w[p];
  for (int l = 0; l < LANES; l++)
    t1 += a[l], t2 += b[l];
  *s1 += t1;
  *s2 += t2;
}

void
dl_bn_sums (const float *z, int rows, int ld, int hw, int j0, int j1, double *s)
{
  for (int j = j0; j < j1; j++)
    s[2 * j] = s[2 * j + 1] = 0.0;
  for (int r = 0; r < rows; r++)
    {
      const float *zr = z + (gsize) r * ld;
      if (hw == 1)
        for (int j = j0; j < j1; j++)
          {
            double v = zr[j];
            s[2 * j] += v;
            s[2 * j + 1] += v * v;
          }
      else
        for (int j = j0; j < j1; j++)
          plane_sums (zr + (gsize) j * hw, zr + (gsize) j * hw, hw, &s[2 * j], &s[2 * j + 1]);
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
dl_bn_stats (const double *sums, int n_parts, gsize stride, int count, int j0, int j1, float *mean, float *istd,
             float *run_mean, float *run_var)
{
  for (int j = j0; j < j1; j++)
    {
      double s1, s2;
      total (sums, n_parts, stride, j, &s1, &s2);
      double mu = s1 / count, var = MAX (s2 / count - mu * mu, 0.0);
      mean[j] = (float) mu;
      istd[j] = (float) (1.0 / sqrt (var + DL_BN_EPS));
      run_mean[j] = (1.0f - DL_BN_MOMENTUM) * run_mean[j] + DL_BN_MOMENTUM * (float) mu;
      run_var[j] = (1.0f - DL_BN_MOMENTUM) * run_var[j]
                   + DL_BN_MOMENTUM * (float) (count > 1 ? var * count / (count - 1) : var);
    }
}

/* Training: x̂ = (z − m) · is into xhat, z ← g · x̂ + b over n values; inference (xhat NULL, g the
 * whole scale): z ← g · (z − m) + b. */
static void
plane_normalise (float *restrict z, float *restrict xhat, int n, float m, float is, float g, float b)
{
  if (xhat)
    for (int p = 0; p < n; p++)
      {
        xhat[p] = (z[p] - m) * is;
        z[p] = g * xhat[p] + b;
      }
  else
    for (int p = 0; p < n; p++)
      z[p] = g * (z[p] - m) + b;
}

void
dl_bn_forward (float *z, int rows, int ld, int hw, int j0, int j1, const float *mean, const float *istd,
               const float *gamma, const float *beta, float *xhat)
{
  for (int r = 0; r < rows; r++)
    {
      float *zr = z + (gsize) r * ld, *xr = xhat + (gsize) r * ld;
      if (hw == 1)
        for (int j = j0; j < j1; j++)
          {
            xr[j] = (zr[j] - mean[j]) * istd[j];
            zr[j] = gamma[j] * xr[j] + (beta ? beta[j] : 0.0f);
          }
      else
        for (int j = j0; j < j1; j++)
          plane_normalise (zr + (gsize) j * hw, xr + (gsize) j * hw, hw, mean[j], istd[j], gamma[j],
                           beta ? beta[j] : 0.0f);
    }
}

void
dl_bn_infer (float *z, int rows, int ld, int hw, int j0, int j1, const float *run_mean, const float *run_var,
             const float *gamma, const float *beta)
{
  for (int r = 0; r < rows; r++)
    {
      float *zr = z + (gsize) r * ld;
      for (int j = j0; j < j1; j++)
        plane_normalise (zr + (gsize) j * hw, NULL, hw, run_mean[j], 1.0f,
                         gamma[j] / sqrtf (MAX (run_var[j], 0.0f) + DL_BN_EPS), beta ? beta[j] : 0.0f);
    }
}

void
dl_bn_grad_sums (const float *dy, const float *xhat, int rows, int units, int hw, double *s)
{
  for (int j = 0; j < units; j++)
    s[2 * j] = s[2 * j + 1] = 0.0;
  for (int r = 0; r < rows; r++)
    {
      const float *d = dy + (gsize) r * units * hw, *h = xhat + (gsize) r * units * hw;
      if (hw == 1)
        for (int j = 0; j < units; j++)
          {
            s[2 * j] += d[j];
            s[2 * j + 1] += (double) d[j] * h[j];
          }
      else
        for (int j = 0; j < units; j++)
          plane_sums (d + (gsize) j * hw, h + (gsize) j * hw, hw, &s[2 * j], &s[2 * j + 1]);
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
dl_bn_backward (float *dy, const float *xhat, int rows, int units, int hw, const float *gamma, const float *istd,
                const float *dbeta, const float *dgamma, int count)
{
  for (int r = 0; r < rows; r++)
    {
      float *d = dy + (gsize) r * units * hw;
      const float *h = xhat + (gsize) r * units * hw;
      if (hw == 1)
        for (int j = 0; j < units; j++)
          d[j] = gamma[j] * istd[j] * (d[j] - dbeta[j] / count - h[j] * dgamma[j] / count);
      else
        for (int j = 0; j < units; j++)
          {
            float *dp = d + (gsize) j * hw;
            const float *hp = h + (gsize) j * hw;
            const float g = gamma[j] * istd[j], mb = dbeta[j] / count, mg = dgamma[j] / count;
            for (int p = 0; p < hw; p++)
              dp[p] = g * (dp[p] - mb - hp[p] * mg);
          }
    }
}

void
dl_bn_infer_backward (float *dy, int rows, int units, int hw, const float *gamma, const float *run_var)
{
  for (int r = 0; r < rows; r++)
    for (int j = 0; j < units; j++)
      {
        float *d = dy + ((gsize) r * units + j) * hw;
        const float g = gamma[j] / sqrtf (MAX (run_var[j], 0.0f) + DL_BN_EPS);
        for (int p = 0; p < hw; p++)
          d[p] *= g;
      }
}
