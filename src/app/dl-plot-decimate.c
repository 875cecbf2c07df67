/* dl-plot-decimate.c — M4 decimation of an array by pixel column, and its range and extremes, both kept
 * across draws and extended as points are appended. */
#include "dl-plot-private.h"

#include <math.h>
#include <string.h>

/* The first index with xs[i] >= x (n when none). */
guint
_dl_plot_lower_bound (const double *xs, guint n, double x)
{
  guint lo = 0, hi = n;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (xs[mid] < x)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* The first index with xs[i] > x (n when none). */
guint
_dl_plot_upper_bound (const double *xs, guint n, double x)
{
  guint lo = 0, hi = n;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (xs[mid] <= x)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* ------------------------------------------------------------------------------------------------------
 * Range and extremes
 */

static void
stats_reset (DlPlotStats *s, guint64 serial, guint begin)
{
  s->valid = TRUE;
  s->serial = serial;
  s->begin = s->next = begin;
  s->n = 0;
  s->xmin = s->lo = s->pos = INFINITY;
  s->xmax = s->hi = -INFINITY;
  s->imin = s->imax = 0;
}

void
_dl_plot_stats_update (DlPlotStats *s, guint64 serial, const DlPlotArray *a)
{
  if (!s->valid || s->serial != serial || s->begin != a->begin || a->end < s->next)
    stats_reset (s, serial, a->begin);
  for (guint i = s->next; i < a->end; i++)
    {
      double x = a->x[i], y = a->y[i];

      if (!isfinite (x) || !isfinite (y))
        continue;
      s->n++;
      s->xmin = MIN (s->xmin, x);
      s->xmax = MAX (s->xmax, x);
      if (y < s->lo)
        s->lo = y, s->imin = i;
      if (y > s->hi)
        s->hi = y, s->imax = i;
      if (y > 0)
        s->pos = MIN (s->pos, y);
    }
  s->next = MAX (s->next, a->end);
}

/* ------------------------------------------------------------------------------------------------------
 * Decimation
 */

void
_dl_plot_decimation_clear (DlPlotDecimation *d)
{
  g_clear_pointer (&d->cols, g_free);
  memset (d, 0, sizeof *d);
}

static gboolean
same_mapping (const DlPlotDecimation *d, guint64 serial, const DlPlotFrame *f, guint begin)
{
  return d->cols != NULL && d->serial == serial && d->x0 == f->x0 && d->x1 == f->x1
         && d->area_x == f->area.origin.x && d->area_w == f->area.size.width && d->log == f->log
         && d->begin == begin;
}

static void
decimation_reset (DlPlotDecimation *d, guint64 serial, const DlPlotFrame *f, guint begin)
{
  _dl_plot_decimation_clear (d);
  d->serial = serial;
  d->x0 = f->x0;
  d->x1 = f->x1;
  d->area_x = f->area.origin.x;
  d->area_w = f->area.size.width;
  d->log = f->log;
  d->begin = begin;
  /* A column either side of the area, so lines run into its edges. */
  d->c0 = (int) floor (f->area.origin.x) - 1;
  d->nc = (int) ceil (f->area.size.width) + 3;
  d->cols = g_new0 (DlPlotColumn, d->nc);
  d->next = begin;
}

static gboolean
y_shown (gboolean log, double y)
{
  return isfinite (y) && (!log || y > 0);
}

/* The points are sorted by x, so each pixel column is a run of them: scan a run for its extremes in data
 * units, with a comparison or two per point, which keeps a million-point series to a few milliseconds
 * even on a log axis. */
static void
scan (DlPlotDecimation *d, const DlPlotFrame *f, const double *xs, const double *ys, guint end)
{
  guint i = d->next;

  while (i < end)
    {
      double px = _dl_plot_x_to_px (f, xs[i]), x_next;
      int col = (int) floor (px), ci;
      DlPlotColumn *c;
      guint j = i;

      if (!isfinite (px))
        {
          i++;
          continue;
        }
      ci = CLAMP (col - d->c0, 0, d->nc - 1);
      c = &d->cols[ci];
      x_next = _dl_plot_px_to_x (f, col + 1);
      do
        {
          double y = ys[j];

          if (!y_shown (f->log, y))
            {
              /* A NaN loss, or y <= 0 on a log axis: the line breaks here (before the whole column
               * when the gap falls inside it, to keep things simple). */
              d->gap = TRUE;
              continue;
            }
          if (c->count == 0)
            {
              /* A column is continued by later runs (clamped at the edges, or appended points): the
               * first point decides where it starts. */
              c->joined = !d->gap;
              c->first = c->lo = c->hi = y;
              c->px = _dl_plot_x_to_px (f, xs[j]);
            }
          else
            {
              c->lo = MIN (c->lo, y);
              c->hi = MAX (c->hi, y);
              c->px = col + 0.5;
            }
          if (d->gap && c->count > 0)
            c->joined = FALSE;
          d->gap = FALSE;
          c->last = y;
          c->count++;
        }
      while (++j < end && xs[j] < x_next);
      i = j;
    }
  d->next = MAX (d->next, end);
}

const DlPlotColumn *
_dl_plot_decimate (DlPlotDecimation *d, guint64 serial, const DlPlotFrame *f, const DlPlotArray *a, int *c0,
                   int *nc)
{
  /* Appended points continue the columns where the scan stopped, as if scanned in one pass. */
  if (!same_mapping (d, serial, f, a->begin) || a->end < d->next)
    decimation_reset (d, serial, f, a->begin);
  scan (d, f, a->x, a->y, a->end);
  *c0 = d->c0;
  *nc = d->nc;
  return d->cols;
}
