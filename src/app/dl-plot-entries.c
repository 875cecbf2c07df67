/* dl-plot-entries.c — DlPlot's entries: one per curve drawn, following its series and keeping the caches
 * of its lines (see dl-plot-private.h). */
#include "dl-plot-private.h"

#include <math.h>

#define MUTED_MIX 0.6   /* of a run's colour over the background, for runs other than the current */

/* GNOME's palette (and a pink, so that ten overlaid runs get ten colours): a darker shade for light
 * backgrounds, a lighter one for dark backgrounds, so every line keeps about the same contrast in both
 * styles. */
typedef struct {
  const char *name;
  guint32     light;
  guint32     dark;
} PaletteEntry;

static const PaletteEntry palette[] = {
  { "blue",   0x1c71d8, 0x62a0ea },
  { "orange", 0xe66100, 0xffa348 },
  { "green",  0x26a269, 0x57e389 },
  { "purple", 0x813d9c, 0xc061cb },
  { "red",    0xc01c28, 0xf66151 },
  { "teal",   0x218787, 0x5bc8af },
  { "yellow", 0xc88800, 0xf6d32d },
  { "gray",   0x77767b, 0xc0bfbc },
  { "brown",  0x865e3c, 0xcdab8f },
  { "pink",   0xb5296e, 0xf28bbc },
};

static void
palette_color (DlPlot *self, const char *name, guint index, GdkRGBA *c)
{
  const PaletteEntry *e = &palette[index % G_N_ELEMENTS (palette)];
  guint32 hex;

  for (guint i = 0; name && i < G_N_ELEMENTS (palette); i++)
    if (g_str_equal (name, palette[i].name))
      e = &palette[i];
  hex = self->dark ? e->dark : e->light;
  c->red = ((hex >> 16) & 0xff) / 255.0;
  c->green = ((hex >> 8) & 0xff) / 255.0;
  c->blue = (hex & 0xff) / 255.0;
  c->alpha = 1.0;
}

/* ------------------------------------------------------------------------------------------------------
 * Following the series
 */

/* Appends leave every cached column and extreme valid but the last; anything else (a clear, a new
 * smoothing factor, a new name or colour) bumps the serial, which rebuilds them. */
static void
on_series_changed (DlSeries *series, DlPlotEntry *e)
{
  if (e->members)
    e->mean_dirty = TRUE;
  else
    {
      guint n = dl_series_get_n_points (series);
      double smoothing = dl_series_get_smoothing (series);

      if (n <= e->seen_n || smoothing != e->seen_smoothing)
        e->serial++;
      e->seen_n = n;
      e->seen_smoothing = smoothing;
    }
  /* The frame clock coalesces these: at most one redraw per frame however fast points arrive. */
  gtk_widget_queue_draw (GTK_WIDGET (e->plot));
  _dl_plot_describe_queue (e->plot);
}

static void
follow (DlPlotEntry *e, DlSeries *series)
{
  g_signal_connect (series, "changed", G_CALLBACK (on_series_changed), e);
  if (dl_series_get_smooth (series))
    dl_series_set_smoothing (series, e->plot->smoothing);
}

DlPlotEntry *
_dl_plot_entry_new (DlPlot *plot, DlPlotRun *run, guint curve, DlSeries *series)
{
  DlPlotEntry *e = g_new0 (DlPlotEntry, 1);

  e->plot = plot;
  e->run = run;
  e->curve = curve;
  if (run)
    {
      guint n_members;
      DlSeries *const *members = dl_plot_run_get_curve_members (run, curve, &n_members, &e->band);

      series = dl_plot_run_get_curve_series (run, curve);
      if (members)
        {
          e->members = g_ptr_array_new_with_free_func (g_object_unref);
          for (guint i = 0; i < n_members; i++)
            g_ptr_array_add (e->members, g_object_ref (members[i]));
          e->mean_x = g_array_new (FALSE, FALSE, sizeof (double));
          e->mean_y = g_array_new (FALSE, FALSE, sizeof (double));
          e->band_lo = g_array_new (FALSE, FALSE, sizeof (double));
          e->band_hi = g_array_new (FALSE, FALSE, sizeof (double));
          e->mean_dirty = TRUE;
          for (guint i = 0; i < n_members; i++)
            follow (e, members[i]);
        }
    }
  if (series)
    {
      e->series = g_object_ref (series);
      follow (e, series);
      e->seen_n = dl_series_get_n_points (series);
      e->seen_smoothing = dl_series_get_smoothing (series);
    }
  return e;
}

void
_dl_plot_entry_free (gpointer data)
{
  DlPlotEntry *e = data;

  if (e->series)
    g_signal_handlers_disconnect_by_func (e->series, on_series_changed, e);
  for (guint i = 0; e->members && i < e->members->len; i++)
    g_signal_handlers_disconnect_by_func (g_ptr_array_index (e->members, i), on_series_changed, e);
  g_clear_object (&e->series);
  g_clear_pointer (&e->members, g_ptr_array_unref);
  g_clear_pointer (&e->mean_x, g_array_unref);
  g_clear_pointer (&e->mean_y, g_array_unref);
  g_clear_pointer (&e->band_lo, g_array_unref);
  g_clear_pointer (&e->band_hi, g_array_unref);
  for (int k = 0; k < DL_PLOT_N_LINES; k++)
    _dl_plot_decimation_clear (&e->lines[k].dec);
  g_free (e);
}

static void
add_run_entries (DlPlot *self, GPtrArray *old, DlPlotRun *run)
{
  for (guint c = 0; c < dl_plot_run_get_n_curves (run); c++)
    {
      DlPlotEntry *e = NULL;

      for (guint i = 0; i < old->len && !e; i++)
        {
          DlPlotEntry *o = g_ptr_array_index (old, i);
          if (o->run == run && o->curve == c)
            e = g_ptr_array_steal_index (old, i);
        }
      g_ptr_array_add (self->entries, e ? e : _dl_plot_entry_new (self, run, c, NULL));
    }
}

/* The entries in drawing order: the runs but the current one, the series on their own, the current run
 * on top. Entries that stay keep their caches. */
void
_dl_plot_entries_rebuild (DlPlot *self)
{
  GPtrArray *old = self->entries;

  self->entries = g_ptr_array_new_with_free_func (_dl_plot_entry_free);
  for (guint r = 0; r < self->runs->len; r++)
    if (g_ptr_array_index (self->runs, r) != self->current_run)
      add_run_entries (self, old, g_ptr_array_index (self->runs, r));
  for (guint s = 0; s < self->series->len; s++)
    {
      DlSeries *series = g_ptr_array_index (self->series, s);
      DlPlotEntry *e = NULL;

      for (guint i = 0; i < old->len && !e; i++)
        {
          DlPlotEntry *o = g_ptr_array_index (old, i);
          if (o->run == NULL && o->series == series)
            e = g_ptr_array_steal_index (old, i);
        }
      g_ptr_array_add (self->entries, e ? e : _dl_plot_entry_new (self, NULL, 0, series));
    }
  if (self->current_run)
    add_run_entries (self, old, self->current_run);
  g_ptr_array_unref (old);
  /* Colours and emphasis follow the runs and their order. */
  self->style_serial++;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  _dl_plot_describe_queue (self);
}

void
_dl_plot_entries_set_smoothing (DlPlot *self, double smoothing)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      DlPlotEntry *e = g_ptr_array_index (self->entries, i);

      if (e->series && dl_series_get_smooth (e->series))
        dl_series_set_smoothing (e->series, smoothing);
      for (guint m = 0; e->members && m < e->members->len; m++)
        if (dl_series_get_smooth (g_ptr_array_index (e->members, m)))
          dl_series_set_smoothing (g_ptr_array_index (e->members, m), smoothing);
    }
}

/* ------------------------------------------------------------------------------------------------------
 * Style
 */

const char *
_dl_plot_entry_name (const DlPlotEntry *e)
{
  if (e->run)
    return dl_plot_run_get_curve_name (e->run, e->curve);
  return dl_series_get_name (e->series);
}

DlPlotCurveFlags
_dl_plot_entry_flags (const DlPlotEntry *e)
{
  DlPlotCurveFlags flags = e->run ? dl_plot_run_get_curve_flags (e->run, e->curve) : DL_PLOT_CURVE_DEFAULT;

  if (e->series && dl_series_get_markers (e->series))
    flags |= DL_PLOT_CURVE_POINTS;
  return flags;
}

gboolean
_dl_plot_entry_is_smoothed (const DlPlotEntry *e)
{
  DlSeries *s = e->series ? e->series : g_ptr_array_index (e->members, 0);

  return dl_series_get_smooth (s) && dl_series_get_smoothing (s) > 0;
}

gboolean
_dl_plot_several_runs (DlPlot *self)
{
  return self->runs->len >= 2;
}

DlPlotEmphasis
_dl_plot_entry_emphasis (DlPlot *self, const DlPlotEntry *e)
{
  if (!_dl_plot_several_runs (self))
    return DL_PLOT_EMPHASIS_CURRENT;
  if (e->run == NULL || self->current_run == NULL)
    return DL_PLOT_EMPHASIS_NORMAL;
  return e->run == self->current_run ? DL_PLOT_EMPHASIS_CURRENT : DL_PLOT_EMPHASIS_MUTED;
}

void
_dl_plot_run_color (DlPlot *self, DlPlotRun *run, GdkRGBA *c)
{
  guint index = 0;

  g_ptr_array_find (self->runs, run, &index);
  palette_color (self, dl_plot_run_get_color (run), index, c);
}

/* With several runs, a run's colour; otherwise the series' own, else the run's, else by position. */
void
_dl_plot_entry_color (DlPlot *self, const DlPlotEntry *e, GdkRGBA *c)
{
  const char *series_color = e->series ? dl_series_get_color (e->series) : NULL;
  guint index = 0;

  if (e->run && (_dl_plot_several_runs (self) || (!series_color && dl_plot_run_get_color (e->run))))
    {
      _dl_plot_run_color (self, e->run, c);
      return;
    }
  if (e->run)
    index = e->curve;
  else
    g_ptr_array_find (self->series, e->series, &index);
  palette_color (self, series_color, index, c);
}

/* The colour an entry is drawn in: runs other than the current one are mixed towards the background
 * (opaque, so no group is needed to draw them). */
void
_dl_plot_entry_drawn_color (DlPlot *self, const DlPlotEntry *e, DlPlotEmphasis emphasis, GdkRGBA *c)
{
  GdkRGBA bg;

  _dl_plot_entry_color (self, e, c);
  if (emphasis != DL_PLOT_EMPHASIS_MUTED)
    return;
  _dl_plot_background_color (self, &bg);
  c->red = bg.red + (c->red - bg.red) * MUTED_MIX;
  c->green = bg.green + (c->green - bg.green) * MUTED_MIX;
  c->blue = bg.blue + (c->blue - bg.blue) * MUTED_MIX;
}

/* ------------------------------------------------------------------------------------------------------
 * Values
 */

static void
ensure_mean (DlPlotEntry *e)
{
  if (!e->mean_dirty)
    return;
  _dl_plot_band_compute ((DlSeries *const *) e->members->pdata, e->members->len, _dl_plot_entry_is_smoothed (e),
                         e->band, e->mean_x, e->mean_y, e->band_lo, e->band_hi);
  e->mean_dirty = FALSE;
  e->serial++;
}

gboolean
_dl_plot_entry_array (DlPlotEntry *e, DlPlotLineKind kind, DlPlotArray *a)
{
  if (e->members)
    {
      ensure_mean (e);
      if (kind == DL_PLOT_LINE_RAW)
        return FALSE;
      a->x = (const double *) e->mean_x->data;
      a->y = (const double *) (kind == DL_PLOT_LINE_MAIN ? e->mean_y : kind == DL_PLOT_LINE_LOW ? e->band_lo
                                                                                                  : e->band_hi)->data;
      a->n = e->mean_x->len;
    }
  else
    {
      gboolean smoothed = _dl_plot_entry_is_smoothed (e);

      if (kind == DL_PLOT_LINE_LOW || kind == DL_PLOT_LINE_HIGH || (kind == DL_PLOT_LINE_RAW && !smoothed))
        return FALSE;
      a->x = dl_series_peek_x (e->series);
      a->y = kind == DL_PLOT_LINE_MAIN && smoothed ? dl_series_peek_smoothed (e->series)
                                                   : dl_series_peek_y (e->series);
      a->n = dl_series_get_n_points (e->series);
    }
  a->begin = 0;
  a->end = a->n;
  if (e->run)
    {
      a->begin = _dl_plot_lower_bound (a->x, a->n, dl_plot_run_get_x_from (e->run));
      a->end = _dl_plot_upper_bound (a->x, a->n, dl_plot_run_get_x_to (e->run));
      a->end = MAX (a->begin, a->end);
    }
  return TRUE;
}

const DlPlotStats *
_dl_plot_entry_stats (DlPlotEntry *e, DlPlotLineKind kind)
{
  DlPlotArray a;

  if (!_dl_plot_entry_array (e, kind, &a))
    return NULL;
  _dl_plot_stats_update (&e->lines[kind].stats, e->serial, &a);
  return &e->lines[kind].stats;
}

int
_dl_plot_entry_nearest (DlPlotEntry *e, double x)
{
  DlPlotArray a;
  guint i;

  if (!_dl_plot_entry_array (e, DL_PLOT_LINE_MAIN, &a) || a.begin >= a.end)
    return -1;
  i = _dl_plot_lower_bound (a.x + a.begin, a.end - a.begin, x) + a.begin;
  if (i >= a.end)
    return a.end - 1;
  /* Ties go to the earlier point. */
  if (i > a.begin && x - a.x[i - 1] <= a.x[i] - x)
    return i - 1;
  return i;
}
