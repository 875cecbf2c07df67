/* dl-histogram.c — histograms on a lattice of power-of-two ranges (see dl-histogram.h). */
#include "dl-histogram.h"

#include <math.h>
#include <string.h>

int
dl_histogram_exponent_for (const float *v, gsize n)
{
  float m = 0.0f;
  int e;

  for (gsize i = 0; i < n; i++)
    {
      float a = fabsf (v[i]);
      m = isfinite (a) && a > m ? a : m;
    }
  if (m == 0.0f)
    return DL_HIST_MIN_EXP;
  /* frexpf: m = f · 2^e with f in [0.5, 1), so 2^(e−1) ≤ m < 2^e: e is the smallest that holds m. */
  frexpf (m, &e);
  return CLAMP (e, DL_HIST_MIN_EXP, DL_HIST_MAX_EXP);
}

void
dl_histogram_init (DlHistogram *h, int exponent)
{
  memset (h, 0, sizeof *h);
  h->exponent = CLAMP (exponent, DL_HIST_MIN_EXP, DL_HIST_MAX_EXP);
}

/* Bin of a finite value inside the range: exact in double (v + 2^e and the scalings by powers of two
 * round nothing for a float v), so that a wider range's bin is exactly half of this one's, shifted. */
static inline int
bin_of (float v, double range, double scale)
{
  int b = (int) floor (((double) v + range) * scale);
  return CLAMP (b, 0, DL_HIST_BINS - 1);
}

static void
add_values (DlHistogram *h, const float *v, gsize n)
{
  double range = ldexp (1.0, h->exponent), scale = DL_HIST_BINS / (2.0 * range);
  guint64 before = dl_histogram_total (h);
  gboolean any = before > h->n_nonfinite;

  for (gsize i = 0; i < n; i++)
    {
      float x = v[i];
      if (!isfinite (x))
        {
          h->n_nonfinite++;
          continue;
        }
      h->counts[bin_of (x, range, scale)]++;
      if (!any || x < h->min)
        h->min = x;
      if (!any || x > h->max)
        h->max = x;
      any = TRUE;
    }
}

void
dl_histogram_compute (DlHistogram *h, const float *v, gsize n)
{
  dl_histogram_init (h, dl_histogram_exponent_for (v, n));
  add_values (h, v, n);
}

gboolean
dl_histogram_add (DlHistogram *h, const float *v, gsize n)
{
  if (dl_histogram_exponent_for (v, n) > h->exponent)
    return FALSE;
  add_values (h, v, n);
  return TRUE;
}

void
dl_histogram_widen (const DlHistogram *h, int exponent, DlHistogram *out)
{
  DlHistogram w = *h;

  g_return_if_fail (exponent >= h->exponent);
  /* One doubling: bin b of [−R, R) lies in bin (b + BINS/2) / 2 of [−2R, 2R). */
  for (int e = h->exponent; e < exponent && e < DL_HIST_MAX_EXP; e++)
    {
      guint32 c[DL_HIST_BINS] = { 0 };
      for (int b = 0; b < DL_HIST_BINS; b++)
        c[(b + DL_HIST_BINS / 2) / 2] += w.counts[b];
      memcpy (w.counts, c, sizeof c);
      w.exponent = e + 1;
    }
  *out = w;
}

guint64
dl_histogram_total (const DlHistogram *h)
{
  guint64 t = h->n_nonfinite;

  for (int b = 0; b < DL_HIST_BINS; b++)
    t += h->counts[b];
  return t;
}

double
dl_histogram_edge (const DlHistogram *h, int i)
{
  double range = ldexp (1.0, h->exponent);

  return -range + 2.0 * range * i / DL_HIST_BINS;
}
