/* dl-histogram.c — histograms on a lattice of power-of-two ranges (see dl-histogram.h). */
#include "dl-histogram.h"

#include <math.h>
#include <string.h>

/* The largest finite magnitude: NaN fails every comparison and is passed over; an infinity, rare, sends
 * the values through a second, careful pass. Branch-free, so the compiler vectorises it. */
static float
max_magnitude (const float *v, gsize n)
{
  float m = 0.0f;

  for (gsize i = 0; i < n; i++)
    {
      float a = fabsf (v[i]);
      m = a > m ? a : m;
    }
  if (isinf (m))
    {
      m = 0.0f;
      for (gsize i = 0; i < n; i++)
        if (isfinite (v[i]) && fabsf (v[i]) > m)
          m = fabsf (v[i]);
    }
  return m;
}

static int
exponent_of (float m)
{
  int e;

  if (m == 0.0f)
    return DL_HIST_MIN_EXP;
  /* frexpf: m = f · 2^e with f in [0.5, 1), so 2^(e−1) ≤ m < 2^e: e is the smallest that holds m. */
  frexpf (m, &e);
  return CLAMP (e, DL_HIST_MIN_EXP, DL_HIST_MAX_EXP);
}

int
dl_histogram_exponent_for (const float *v, gsize n)
{
  return exponent_of (max_magnitude (v, n));
}

void
dl_histogram_init (DlHistogram *h, int exponent)
{
  memset (h, 0, sizeof *h);
  h->exponent = CLAMP (exponent, DL_HIST_MIN_EXP, DL_HIST_MAX_EXP);
}

/* Bins a finite value falls in, exactly: v · 2^(5−e) in double is exact (a power-of-two scaling of a
 * float, never underflowing a double), and its floor, taken as truncation corrected for negatives, is the
 * bin's offset from the middle. So a wider range's bin is exactly half of this one's, shifted. Four
 * interleaved count arrays keep runs of one bin from waiting on their own increments. */
static void
add_values (DlHistogram *h, const float *v, gsize n)
{
  double scale = ldexp (1.0, DL_HIST_BINS_LOG2 - 1 - h->exponent);
  guint32 c[4][DL_HIST_BINS] = { { 0 } };
  gboolean any = dl_histogram_total (h) > h->n_nonfinite;
  float lo = any ? h->min : INFINITY, hi = any ? h->max : -INFINITY;
  gsize i = 0;

  for (; i < n; i++)
    {
      float x = v[i];
      if (!isfinite (x))
        {
          h->n_nonfinite++;
          continue;
        }
      double t = x * scale;
      int b = (int) t;
      b -= t < b;
      c[i & 3][CLAMP (b + DL_HIST_BINS / 2, 0, DL_HIST_BINS - 1)]++;
      lo = x < lo ? x : lo;
      hi = x > hi ? x : hi;
    }
  for (int b = 0; b < DL_HIST_BINS; b++)
    h->counts[b] += c[0][b] + c[1][b] + c[2][b] + c[3][b];
  if (isfinite (lo))
    h->min = lo, h->max = hi;
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
