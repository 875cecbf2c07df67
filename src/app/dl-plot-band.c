/* dl-plot-band.c — the mean of several series (runs of one configuration with different seeds) and the
 * band around it. */
#include "dl-plot-private.h"

#include <math.h>

/* The member's value at x: its own point there, else linear between its neighbours; NaN outside its
 * points or next to a non-finite value. *pos walks forward as x grows, so a whole pass is linear. */
static double
value_at (const double *xs, const double *ys, guint n, double x, guint *pos)
{
  guint i = *pos;
  double t;

  while (i < n && xs[i] < x)
    i++;
  *pos = i;
  if (i < n && xs[i] == x)
    return ys[i];
  if (i == 0 || i >= n)
    return NAN;
  t = (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
  return ys[i - 1] + t * (ys[i] - ys[i - 1]);
}

static void
mean_and_band (const double *v, guint k, DlPlotBand band, double *mean, double *lo, double *hi)
{
  double sum = 0, ss = 0, sd;

  if (k == 0)
    {
      *mean = *lo = *hi = NAN;
      return;
    }
  *lo = INFINITY;
  *hi = -INFINITY;
  for (guint i = 0; i < k; i++)
    {
      sum += v[i];
      *lo = MIN (*lo, v[i]);
      *hi = MAX (*hi, v[i]);
    }
  *mean = sum / k;
  if (band == DL_PLOT_BAND_MIN_MAX)
    return;
  /* Two passes, and the sample standard deviation (n − 1): a handful of seeds. */
  for (guint i = 0; i < k; i++)
    ss += (v[i] - *mean) * (v[i] - *mean);
  sd = k > 1 ? sqrt (ss / (k - 1)) : 0.0;
  *lo = *mean - sd;
  *hi = *mean + sd;
}

void
_dl_plot_band_compute (DlSeries *const *members, guint n_members, gboolean smoothed, DlPlotBand band,
                       GArray *x, GArray *mean, GArray *lo, GArray *hi)
{
  g_autofree guint *pos = g_new0 (guint, n_members);
  g_autofree double *values = g_new (double, n_members);
  const double *gx;
  guint grid = 0, n;

  for (guint m = 1; m < n_members; m++)
    if (dl_series_get_n_points (members[m]) > dl_series_get_n_points (members[grid]))
      grid = m;
  n = dl_series_get_n_points (members[grid]);
  gx = dl_series_peek_x (members[grid]);
  g_array_set_size (x, n);
  g_array_set_size (mean, n);
  g_array_set_size (lo, n);
  g_array_set_size (hi, n);

  for (guint j = 0; j < n; j++)
    {
      guint k = 0;

      for (guint m = 0; m < n_members; m++)
        {
          DlSeries *s = members[m];
          const double *ys = smoothed ? dl_series_peek_smoothed (s) : dl_series_peek_y (s);
          double v = value_at (dl_series_peek_x (s), ys, dl_series_get_n_points (s), gx[j], &pos[m]);

          if (isfinite (v))
            values[k++] = v;
        }
      g_array_index (x, double, j) = gx[j];
      mean_and_band (values, k, band, &g_array_index (mean, double, j), &g_array_index (lo, double, j),
                     &g_array_index (hi, double, j));
    }
}
