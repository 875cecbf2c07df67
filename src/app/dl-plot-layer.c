/* dl-plot-layer.c — the settled runs' curves kept as an image between frames (see DlPlotLayer). */
#include "dl-plot-private.h"

#include <string.h>

/* Frames an entry must stay unchanged before it goes into the image: a few for one that never changed
 * since it was first drawn (a finished run just overlaid), many for one that did, so that an entry
 * changing every few frames (the current run's test accuracy, evaluated every 100 batches) does not
 * rebuild the image every few frames. */
#define SETTLED_FRAMES_NEW     2
#define SETTLED_FRAMES_CHANGED 30

void
_dl_plot_layer_clear (DlPlotLayer *layer)
{
  g_clear_pointer (&layer->surface, cairo_surface_destroy);
  g_clear_pointer (&layer->versions, g_array_unref);
}

static DlPlotVersion
entry_version (DlPlotEntry *e)
{
  DlPlotVersion v = { 0 };
  DlPlotArray a;

  /* First, as it may recompute a mean (and bump the serial). */
  if (_dl_plot_entry_array (e, DL_PLOT_LINE_MAIN, &a))
    v.begin = a.begin, v.end = a.end;
  v.serial = e->serial;
  return v;
}

static gboolean
same_version (const DlPlotVersion *a, const DlPlotVersion *b)
{
  return a->serial == b->serial && a->begin == b->begin && a->end == b->end;
}

/* The leading entries that have been drawn as they are now for long enough; records this frame's
 * versions. */
static guint
settled_prefix (DlPlot *self, DlPlotVersion *now)
{
  guint k = 0;
  gboolean prefix = TRUE;

  for (guint i = 0; i < self->entries->len; i++)
    {
      DlPlotEntry *e = g_ptr_array_index (self->entries, i);

      now[i] = entry_version (e);
      if (e->unchanged_frames > 0 && same_version (&e->previous, &now[i]))
        e->unchanged_frames = MIN (e->unchanged_frames + 1, SETTLED_FRAMES_CHANGED);
      else
        {
          e->changed |= e->unchanged_frames > 0;
          e->unchanged_frames = 1;
        }
      e->previous = now[i];
      prefix = prefix && e->unchanged_frames >= (e->changed ? SETTLED_FRAMES_CHANGED : SETTLED_FRAMES_NEW);
      k += prefix;
    }
  return k;
}

static gboolean
same_geometry (const DlPlotLayer *l, DlPlot *self, const DlPlotFrame *f, int scale)
{
  return l->surface != NULL && l->width == f->width && l->height == f->height && l->scale == scale
         && graphene_rect_equal (&l->area, &f->area) && l->x0 == f->x0 && l->x1 == f->x1 && l->y0 == f->y0
         && l->y1 == f->y1 && l->log == f->log && l->dark == self->dark && gdk_rgba_equal (&l->fg, &self->fg)
         && l->style_serial == self->style_serial;
}

/* Whether the image still shows its entries as they are now. */
static gboolean
layer_valid (const DlPlotLayer *l, DlPlot *self, const DlPlotFrame *f, int scale, const DlPlotVersion *now)
{
  if (!same_geometry (l, self, f, scale) || l->versions->len > self->entries->len)
    return FALSE;
  for (guint i = 0; i < l->versions->len; i++)
    if (!same_version (&g_array_index (l->versions, DlPlotVersion, i), &now[i]))
      return FALSE;
  return TRUE;
}

static void
layer_build (DlPlotLayer *l, DlPlot *self, const DlPlotFrame *f, int scale, const DlPlotVersion *now, guint n)
{
  cairo_t *cr;

  _dl_plot_layer_clear (l);
  l->surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, f->width * scale, f->height * scale);
  cairo_surface_set_device_scale (l->surface, scale, scale);
  l->width = f->width;
  l->height = f->height;
  l->scale = scale;
  l->area = f->area;
  l->x0 = f->x0;
  l->x1 = f->x1;
  l->y0 = f->y0;
  l->y1 = f->y1;
  l->log = f->log;
  l->dark = self->dark;
  l->fg = self->fg;
  l->style_serial = self->style_serial;
  l->versions = g_array_sized_new (FALSE, FALSE, sizeof (DlPlotVersion), n);
  g_array_append_vals (l->versions, now, n);

  cr = cairo_create (l->surface);
  _dl_plot_draw_entries (self, cr, f, 0, n);
  cairo_destroy (cr);
}

guint
_dl_plot_layer_paint (DlPlot *self, cairo_t *cr, const DlPlotFrame *f, int scale)
{
  DlPlotLayer *l = &self->layer;
  g_autofree DlPlotVersion *now = g_new (DlPlotVersion, self->entries->len + 1);
  guint settled = settled_prefix (self, now);

  /* Rebuilt when it no longer matches, or when more entries have settled than it holds. */
  if (!layer_valid (l, self, f, scale, now) || settled > l->versions->len)
    {
      if (settled == 0)
        {
          _dl_plot_layer_clear (l);
          return 0;
        }
      layer_build (l, self, f, scale, now, settled);
    }
  cairo_set_source_surface (cr, l->surface, 0, 0);
  cairo_paint (cr);
  return l->versions->len;
}
