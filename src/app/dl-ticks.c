/* dl-ticks.c — nice ticks for linear and log axes, and their labels. */
#include "dl-ticks.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Largest exponent for which 10^k is exact as a double; exact powers keep i × m / 10^k correctly rounded,
 * so a tick meant to be 0.3 is the double nearest 0.3. */
#define EXACT_POW10_MAX 22

static double
pow10i (int k)
{
  return pow (10.0, k);   /* glibc's pow is correctly rounded, exact for |k| <= 22 */
}

/* i × m × 10^k with one rounding: divide by an exact power of ten rather than multiply by an inexact one. */
static double
scaled (gint64 im, int k)
{
  if (k >= 0)
    return (double) im * pow10i (k);
  if (-k <= EXACT_POW10_MAX)
    return (double) im / pow10i (-k);
  return (double) im * pow10i (k);
}

double
dl_ticks_nice_step (double span, int target, int *exponent)
{
  double raw, f;
  int k, m;

  g_return_val_if_fail (span > 0 && isfinite (span), 1.0);

  raw = span / MAX (target, 1);
  k = (int) floor (log10 (raw));
  f = raw / pow10i (k);
  /* Round to the nearest of 1, 2, 5, 10 on a log scale (the boundaries are their geometric means). */
  if (f < G_SQRT2)
    m = 1;
  else if (f < 3.16227766)
    m = 2;
  else if (f < 7.07106781)
    m = 5;
  else
    m = 1, k += 1;

  if (exponent)
    *exponent = k;
  return scaled (m, k);
}

static void
widen_degenerate (double *lo, double *hi)
{
  double v = *lo, d;

  if (*hi > *lo)
    return;
  /* A single value: show it in the middle of a range about a tenth of its size (or ±1 around zero). */
  d = v == 0 ? 1.0 : fabs (v) * 0.1;
  *lo = v - d;
  *hi = v + d;
}

static gboolean
axis_is_scientific (double lo, double hi)
{
  double m = MAX (fabs (lo), fabs (hi));

  return m >= 1e6 || m < 1e-3;
}

gboolean
dl_ticks_linear (double lo, double hi, int target, DlTicks *ticks)
{
  double step, mant;
  gint64 i0, i1, i, m;
  int k;

  memset (ticks, 0, sizeof *ticks);
  if (!isfinite (lo) || !isfinite (hi) || !isfinite (hi - lo))
    return FALSE;
  if (hi < lo)
    {
      double t = lo;
      lo = hi;
      hi = t;
    }
  widen_degenerate (&lo, &hi);

  step = dl_ticks_nice_step (hi - lo, target, &k);
  mant = step / pow10i (k);
  m = (gint64) llround (mant);   /* 1, 2 or 5 */

  /* Tick i sits at i × step; the tolerance keeps an end that is a tick up to rounding. */
  i0 = (gint64) ceil (lo / step - 1e-9);
  i1 = (gint64) floor (hi / step + 1e-9);
  if (i1 - i0 + 1 > DL_TICKS_MAX)
    i1 = i0 + DL_TICKS_MAX - 1;

  for (i = i0; i <= i1; i++)
    {
      double v = scaled (i * m, k);
      ticks->values[ticks->n++] = v == 0 ? 0.0 : v;   /* never -0 */
    }
  ticks->step = step;
  ticks->exponent = k;
  ticks->scientific = axis_is_scientific (lo, hi);
  return TRUE;
}

static void
push (DlTicks *t, double v)
{
  if (t && t->n < DL_TICKS_MAX)
    t->values[t->n++] = v;
}

static void
sort_ticks (DlTicks *t)
{
  for (int i = 1; i < t->n; i++)
    for (int j = i; j > 0 && t->values[j - 1] > t->values[j]; j--)
      {
        double x = t->values[j];
        t->values[j] = t->values[j - 1];
        t->values[j - 1] = x;
      }
}

gboolean
dl_ticks_log (double lo, double hi, int target, DlTicks *major, DlTicks *minor)
{
  const double eps = 1e-9;
  int a0, a1, n_decades, stride;

  memset (major, 0, sizeof *major);
  if (minor)
    memset (minor, 0, sizeof *minor);
  if (!isfinite (lo) || !isfinite (hi) || lo <= 0 || hi <= 0)
    return FALSE;
  if (hi < lo)
    {
      double t = lo;
      lo = hi;
      hi = t;
    }
  if (hi == lo)
    lo /= 2, hi *= 2;

  major->log = TRUE;
  if (minor)
    minor->log = TRUE;

  a0 = (int) ceil (log10 (lo) - eps);
  a1 = (int) floor (log10 (hi) + eps);
  n_decades = a1 - a0 + 1;
  stride = n_decades > target ? (n_decades + target - 1) / MAX (target, 1) : 1;

  /* Decades, every `stride`-th labelled (aligned to multiples of the stride so they don't shift as the
   * range grows); the ones in between become minor ticks. */
  for (int a = a0; a <= a1; a++)
    {
      if (a % stride == 0)
        push (major, pow10i (a));
      else
        push (minor, pow10i (a));
    }

  /* 2..9 × 10^a between the decades: minor ticks, or labelled 2 and 5 when the decades alone are fewer
   * than half the ticks wanted. */
  if (stride == 1)
    for (int a = a0 - 1; a <= a1; a++)
      for (int m = 2; m <= 9; m++)
        {
          double v = scaled (m, a);
          if (v < lo * (1 - eps) || v > hi * (1 + eps))
            continue;
          if (n_decades * 2 <= target && (m == 2 || m == 5))
            push (major, v);
          else
            push (minor, v);
        }

  if (major->n < 2)
    {
      /* Narrower than 2..5 or 5..10: a log axis this short looks linear anyway. */
      gboolean ok = dl_ticks_linear (lo, hi, target, major);
      if (minor)
        minor->n = 0;
      return ok;
    }

  sort_ticks (major);
  if (minor)
    sort_ticks (minor);
  return TRUE;
}

void
dl_ticks_pad_range (double *lo, double *hi, double fraction, gboolean log)
{
  if (log)
    {
      double l = log10 (*lo), h = log10 (*hi), d;

      if (h <= l)
        l -= 0.5, h += 0.5;
      d = (h - l) * fraction;
      *lo = pow (10, l - d);
      *hi = pow (10, h + d);
    }
  else
    {
      double d;

      widen_degenerate (lo, hi);
      d = (*hi - *lo) * fraction;
      *lo -= d;
      *hi += d;
    }
}

/* printf's "1.5e-05" → "1.5e-5", "2e+09" → "2e9". */
static void
tidy_exponent (char *buf)
{
  char *e = strchr (buf, 'e'), *d, *s;

  if (!e)
    return;
  d = e + 1;
  s = d;
  if (*s == '+')
    s++;
  else if (*s == '-')
    *d++ = *s++;
  while (*s == '0' && s[1] != '\0')
    s++;
  memmove (d, s, strlen (s) + 1);
}

/* Drop the minus of a value that rounds to zero at this precision ("-0.00" → "0.00"). */
static void
tidy_negative_zero (char *buf)
{
  if (buf[0] != '-')
    return;
  for (const char *p = buf + 1; *p && *p != 'e'; p++)
    if (*p >= '1' && *p <= '9')
      return;
  memmove (buf, buf + 1, strlen (buf));
}

static void
format_scientific (double value, int step_exponent, char *buf, gsize size)
{
  int e, digits;

  if (value == 0)
    {
      g_strlcpy (buf, "0", size);
      return;
    }
  e = (int) floor (log10 (fabs (value)) + 1e-9);
  digits = CLAMP (e - step_exponent, 0, 16);
  snprintf (buf, size, "%.*e", digits, value);
  tidy_exponent (buf);
}

void
dl_ticks_format (const DlTicks *ticks, double value, char *buf, gsize size)
{
  if (ticks->log)
    {
      /* Each log tick carries its own magnitude: 0.002, 0.01, 1000, 1e-5. */
      int e = (int) floor (log10 (value) + 1e-9);

      if (value >= 1e6 || value < 1e-4)
        format_scientific (value, e, buf, size);
      else
        snprintf (buf, size, "%.*f", MAX (0, -e), value);
      return;
    }

  if (ticks->scientific)
    format_scientific (value, ticks->exponent, buf, size);
  else
    snprintf (buf, size, "%.*f", CLAMP (-ticks->exponent, 0, 17), value);
  tidy_negative_zero (buf);
}

void
dl_ticks_format_value (double value, int digits, char *buf, gsize size)
{
  if (!isfinite (value))
    {
      g_strlcpy (buf, isnan (value) ? "NaN" : value > 0 ? "∞" : "−∞", size);
      return;
    }
  /* %g already drops trailing zeros and switches to an exponent for very large or small values. */
  snprintf (buf, size, "%.*g", CLAMP (digits, 1, 17), value);
  tidy_exponent (buf);
  tidy_negative_zero (buf);
}
