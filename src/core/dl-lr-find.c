/* dl-lr-find.c — the learning-rate sweep and its suggestions (see dl-lr-find.h). */
#include "dl-lr-find.h"

#include <math.h>

#define MIN_FALL         0.02    /* the smoothed loss must fall by 2 % for a suggestion */
#define STEEPEST_DECADES 100.0   /* the steepest fall is looked for within this factor below the minimum */

void
dl_lr_find_options_init (DlLrFindOptions *o)
{
  o->lr_min = 1e-6;
  o->lr_max = 10.0;
  o->steps = 200;
  o->smoothing = 0.98;
  o->stop_factor = 4.0;
}

void
dl_lr_find_free (DlLrFind *f)
{
  if (f == NULL)
    return;
  g_array_unref (f->points);
  g_free (f);
}

static const DlLrPoint *
point (const DlLrFind *f, int i)
{
  return &g_array_index (f->points, DlLrPoint, i);
}

DlLrFind *
dl_lr_find_run (DlNet *net, const DlHyper *hyper, const DlLrFindOptions *o, DlLrNextBatch next, gpointer data)
{
  DlLrFind *f = g_new0 (DlLrFind, 1);
  DlHyper h = *hyper;
  double avg = 0.0, best = INFINITY, decay = 1.0;

  g_return_val_if_fail (o->steps >= 2 && o->lr_min > 0.0 && o->lr_max > o->lr_min, f);
  f->options = *o;
  f->points = g_array_sized_new (FALSE, FALSE, sizeof (DlLrPoint), o->steps);
  for (int i = 0; i < o->steps; i++)
    {
      DlLrPoint p;
      const float *x;
      const guint8 *y;
      int b;

      if (!next (data, &b, &x, &y))
        {
          f->cancelled = TRUE;
          break;
        }
      p.lr = o->lr_min * pow (o->lr_max / o->lr_min, (double) i / (o->steps - 1));
      h.lr = (float) p.lr;
      p.loss = dl_net_train_step (net, x, y, b, &h, NULL);
      /* The moving average, bias-corrected so that its first values are not pulled towards 0. */
      avg = o->smoothing * avg + (1.0 - o->smoothing) * p.loss;
      decay *= o->smoothing;
      p.smoothed = avg / (1.0 - decay);
      g_array_append_val (f->points, p);
      if (!isfinite (p.smoothed) || p.smoothed > o->stop_factor * best)
        {
          f->stopped_early = i < o->steps - 1;
          break;
        }
      best = MIN (best, p.smoothed);
    }
  dl_lr_find_analyse (f);
  dl_lr_find_judge (f, hyper->lr);
  return f;
}

/* ---- reading the curve ---- */

/* Points with a finite smoothed loss: every one up to the first that is not. */
static int
finite_points (const DlLrFind *f)
{
  int n = 0;

  while (n < (int) f->points->len && isfinite (point (f, n)->smoothed))
    n++;
  return n;
}

/* The steepest fall of the smoothed loss against log lr, over [lo, hi]: slopes over ±w points, so that
 * the batch-to-batch noise left in the smoothed curve does not pick the point. NAN when it never falls. */
static double
steepest (const DlLrFind *f, int lo, int hi, int w)
{
  double best = 0.0, lr = NAN;

  for (int i = lo + w; i + w <= hi; i++)
    {
      const DlLrPoint *a = point (f, i - w), *b = point (f, i + w);
      double slope = (b->smoothed - a->smoothed) / (log (b->lr) - log (a->lr));

      if (slope < best)
        {
          best = slope;
          lr = point (f, i)->lr;
        }
    }
  return lr;
}

/* fastai's valley: the longest decreasing subsequence of the smoothed loss over [lo, hi), and the point
 * half-way along it (a third, then half a third in). */
static double
valley (const DlLrFind *f, int lo, int hi)
{
  int n = hi - lo, max_start = 0, max_end = 0, idx;
  g_autofree int *lds = g_new (int, MAX (n, 1));

  for (int i = 0; i < n; i++)
    {
      lds[i] = 1;
      for (int j = 0; j < i; j++)
        {
          if (point (f, lo + i)->smoothed < point (f, lo + j)->smoothed && lds[i] < lds[j] + 1)
            lds[i] = lds[j] + 1;
          if (lds[max_end] < lds[i])
            {
              max_end = i;
              max_start = max_end - lds[max_end];
            }
        }
    }
  idx = max_start + (max_end - max_start) / 3 + (max_end - max_start) / 6;
  return max_end > max_start ? point (f, lo + CLAMP (idx, 0, n - 1))->lr : NAN;
}

/* The first point at or above `lr`. */
static int
index_at (const DlLrFind *f, int n, double lr)
{
  int i = 0;

  while (i < n - 1 && point (f, i)->lr < lr)
    i++;
  return i;
}

/* The minimum of the losses themselves, each averaged with its ±k neighbours (no lag), over [lo, n). */
static int
centred_minimum (const DlLrFind *f, int lo, int n, int k)
{
  double best = INFINITY;
  int at = lo;

  for (int i = lo; i < n; i++)
    {
      double sum = 0.0;
      int a = MAX (0, i - k), b = MIN (n, i + k + 1);

      for (int j = a; j < b; j++)
        sum += point (f, j)->loss;
      if (sum / (b - a) < best)
        {
          best = sum / (b - a);
          at = i;
        }
    }
  return at;
}

void
dl_lr_find_analyse (DlLrFind *f)
{
  int n = finite_points (f), steps = MAX (f->options.steps, n), imin = 0, up, from;
  /* the smoothing's warm-up, the last points (the blow-up), and the slope's half-width */
  int lo = steps / 10, hi = n - 5, w = MAX (1, steps / 50);

  f->steepest = f->valley = f->min_loss_lr = NAN;
  f->min_loss = NAN;
  if (n == 0)
    return;
  for (int i = 1; i < n; i++)
    if (point (f, i)->smoothed < point (f, imin)->smoothed)
      imin = i;
  f->min_loss_lr = point (f, imin)->lr;
  f->min_loss = (float) point (f, imin)->smoothed;
  /* Nothing to read without a real fall past the warm-up. */
  if (hi - lo < 10 || imin <= lo || f->min_loss > (1.0 - MIN_FALL) * point (f, lo)->smoothed)
    return;
  /* The steepest fall on the way into the minimum: a steep fall further down is the network's first, easy
   * gains at any rate (the output biases), seen where the sweep happens to be when they come. And not past
   * the minimum of the losses themselves: the moving average lags them, so it may still fall where the
   * network already blows up. */
  up = MIN (MIN (imin, centred_minimum (f, lo, n, MAX (1, steps / 40))), hi - 1);
  from = MAX (lo, index_at (f, n, f->min_loss_lr / STEEPEST_DECADES));
  if (from > up - 2 * w)   /* the losses' minimum came far earlier: the decade below it */
    from = MAX (lo, index_at (f, n, point (f, up)->lr / 10.0));
  f->steepest = steepest (f, from, up, w);
  /* The valley up to the minimum only: past it a loss that has stopped falling can drift lower still. */
  f->valley = valley (f, lo, MIN (imin + 1, hi));
}

void
dl_lr_find_judge (DlLrFind *f, double current_lr)
{
  int n = f->points->len;

  f->current_lr = current_lr;
  f->too_high = isfinite (f->min_loss_lr) && current_lr > f->min_loss_lr;
  if (f->stopped_early && n > 0 && current_lr >= point (f, n - 1)->lr)
    f->too_high = TRUE;
}
