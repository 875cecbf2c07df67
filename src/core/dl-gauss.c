/* dl-gauss.c — class means and a shared covariance; the Mahalanobis distance to the nearest mean. */
#include "dl-gauss.h"

#include <cblas.h>
#include <math.h>

#define ROW_BLOCK 4096   /* rows centred at a time for the covariance */

struct _DlGauss {
  int    d;
  float *chol;     /* d × d, lower: Σ + ridge = L Lᵀ */
  float *wmeans;   /* DL_N_CLASSES × d: L⁻¹ μ_c */
};

/* The class means of n rows, in double (DL_N_CLASSES × d). */
static double *
class_means (const float *x, const guint8 *labels, int n, int d)
{
  double *mean = g_new0 (double, (gsize) DL_N_CLASSES * d);
  int count[DL_N_CLASSES] = { 0 };
  for (int i = 0; i < n; i++)
    {
      count[labels[i]]++;
      for (int j = 0; j < d; j++)
        mean[labels[i] * d + j] += x[(gsize) i * d + j];
    }
  for (int c = 0; c < DL_N_CLASSES; c++)
    for (int j = 0; j < d; j++)
      mean[c * d + j] /= MAX (count[c], 1);
  return mean;
}

/* The lower Cholesky factor of the within-class covariance plus the ridge, in place of its lower
 * triangle (a, d × d doubles). */
static void
shared_covariance_factor (const float *x, const guint8 *labels, int n, int d, const double *mean, double *a)
{
  g_autofree float *centred = g_new (float, (gsize) MIN (n, ROW_BLOCK) * d);
  g_autofree float *cov = g_new0 (float, (gsize) d * d);
  for (int i0 = 0; i0 < n; i0 += ROW_BLOCK)   /* in blocks: a copy of every row would double the memory */
    {
      const int b = MIN (ROW_BLOCK, n - i0);
      for (int i = 0; i < b; i++)
        for (int j = 0; j < d; j++)
          centred[(gsize) i * d + j] = (float) (x[(gsize) (i0 + i) * d + j] - mean[labels[i0 + i] * d + j]);
      cblas_ssyrk (CblasRowMajor, CblasLower, CblasTrans, d, b, 1.0f / MAX (n, 1), centred, d, 1.0f, cov, d);
    }
  double trace = 0;
  for (int j = 0; j < d; j++)
    trace += cov[j * d + j];
  const double ridge = DL_GAUSS_RIDGE * trace / d + 1e-12;
  for (int i = 0; i < d; i++)
    for (int j = 0; j <= i; j++)
      a[i * d + j] = cov[i * d + j] + (i == j ? ridge : 0);
  for (int j = 0; j < d; j++)
    {
      double s = a[j * d + j];
      for (int k = 0; k < j; k++)
        s -= a[j * d + k] * a[j * d + k];
      a[j * d + j] = sqrt (MAX (s, ridge));   /* the ridge keeps it positive; rounding may not */
      for (int i = j + 1; i < d; i++)
        {
          double t = a[i * d + j];
          for (int k = 0; k < j; k++)
            t -= a[i * d + k] * a[j * d + k];
          a[i * d + j] = t / a[j * d + j];
        }
    }
}

DlGauss *
dl_gauss_fit (const float *x, const guint8 *labels, int n, int d)
{
  g_return_val_if_fail (d > 0, NULL);
  DlGauss *g = g_new0 (DlGauss, 1);
  g_autofree double *mean = class_means (x, labels, n, d);
  g_autofree double *a = g_new (double, (gsize) d * d);
  g_autofree double *w = g_new (double, d);

  shared_covariance_factor (x, labels, n, d, mean, a);
  g->d = d;
  g->chol = g_new0 (float, (gsize) d * d);
  g->wmeans = g_new (float, (gsize) DL_N_CLASSES * d);
  for (int i = 0; i < d; i++)
    for (int j = 0; j <= i; j++)
      g->chol[i * d + j] = (float) a[i * d + j];
  for (int c = 0; c < DL_N_CLASSES; c++)   /* forward substitution: L w = μ_c */
    for (int i = 0; i < d; i++)
      {
        double t = mean[c * d + i];
        for (int k = 0; k < i; k++)
          t -= a[i * d + k] * w[k];
        w[i] = t / a[i * d + i];
        g->wmeans[c * d + i] = (float) w[i];
      }
  return g;
}

void
dl_gauss_free (DlGauss *g)
{
  if (g == NULL)
    return;
  g_free (g->chol);
  g_free (g->wmeans);
  g_free (g);
}

int
dl_gauss_dim (const DlGauss *g)
{
  return g->d;
}

void
dl_gauss_score (const DlGauss *g, float *x, int n, float *out)
{
  const int d = g->d;
  /* x Lᵀ⁻¹, row by row: each row becomes L⁻¹ x */
  cblas_strsm (CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, n, d, 1.0f, g->chol, d, x, d);
  for (int a = 0; a < n; a++)
    {
      float best = INFINITY;
      for (int c = 0; c < DL_N_CLASSES; c++)
        {
          float s = 0;
          for (int j = 0; j < d; j++)
            {
              float e = x[(gsize) a * d + j] - g->wmeans[c * d + j];
              s += e * e;
            }
          best = MIN (best, s);
        }
      out[a] = best;
    }
}
