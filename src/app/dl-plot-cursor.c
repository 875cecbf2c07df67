/* dl-plot-cursor.c — the hover read-out from the keyboard: a cursor on the x axis that Left/Right move to a
 * neighbouring point of the read-out's first curve (at least 1 % of its span away, so that a per-batch
 * curve of thousands of points is crossed in about a hundred steps), Page Up/Down by 10 %, Home/End to
 * the first and last point. It is drawn as the pointer's hover is, and the accessible description says
 * what the read-out shows ("epoch 3.96, loss 0.104, test loss 0.16 at 4.00") while it is on. */
#include "dl-plot-private.h"

#include <math.h>

#define CURSOR_STEP 0.01
#define CURSOR_PAGE 0.10

/* A frame for the plot at its allocated size, on a scratch context. */
static cairo_t *
cursor_frame_begin (DlPlot *self, DlPlotFrame *f)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cairo_t *cr = cairo_create (surface);

  cairo_surface_destroy (surface);
  _dl_plot_frame_init (self, cr, gtk_widget_get_width (GTK_WIDGET (self)),
                       gtk_widget_get_height (GTK_WIDGET (self)), f);
  return cr;
}

/* The read-out's first curve and its points inside its run's x range; FALSE when it has none. */
static gboolean
cursor_curve (DlPlot *self, DlPlotEntry **e, DlPlotArray *a)
{
  for (guint i = 0; i < self->entries->len; i++)
    {
      *e = _dl_plot_readout_entry (self, i);
      if (_dl_plot_entry_array (*e, DL_PLOT_LINE_MAIN, a) && a->begin < a->end)
        return TRUE;
    }
  return FALSE;
}

/* The index of the point `how` ("left", "right", "page-left", "page-right", "home", "end") moves to from
 * the point at index j. */
static guint
cursor_target (const DlPlotArray *a, guint j, const char *how)
{
  double span = a->x[a->end - 1] - a->x[a->begin];
  double step = (g_str_has_prefix (how, "page-") ? CURSOR_PAGE : CURSOR_STEP) * span;
  guint n = a->end - a->begin;
  guint k;

  if (g_str_equal (how, "home"))
    return a->begin;
  if (g_str_equal (how, "end"))
    return a->end - 1;
  if (g_str_has_suffix (how, "left"))
    {
      /* The last point at least a step left of this one, but always the previous one at least. */
      k = _dl_plot_upper_bound (a->x + a->begin, n, a->x[j] - step) + a->begin;
      return MIN (k, j) > a->begin ? MIN (k, j) - 1 : a->begin;
    }
  k = _dl_plot_lower_bound (a->x + a->begin, n, a->x[j] + step) + a->begin;
  return CLAMP (MAX (k, j + 1), a->begin, a->end - 1);
}

/* The cursor's read-out as one line: the read-out's lines joined by commas, without their colour dots. */
static char *
cursor_text (DlPlot *self)
{
  g_autofree char *markup = NULL, *plain = NULL;
  g_auto (GStrv) lines = NULL;
  DlPlotFrame f;
  cairo_t *cr = cursor_frame_begin (self, &f);
  double px, py;

  if (_dl_plot_cursor_point (self, &f, &px, &py))
    markup = _dl_plot_readout (self, &f, px, py, NULL);
  _dl_plot_frame_clear (&f);
  cairo_destroy (cr);
  if (markup == NULL || !pango_parse_markup (markup, -1, 0, NULL, &plain, NULL, NULL))
    return NULL;
  lines = g_strsplit (plain, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], "● "))
      memmove (lines[i], lines[i] + strlen ("● "), strlen (lines[i]) - strlen ("● ") + 1);
  return g_strjoinv (", ", lines);
}

/* The cursor's read-out, or the plot's summary while it is off or has no point to read (a new run's empty
 * curves). */
static void
cursor_update_description (DlPlot *self)
{
  g_autofree char *text = self->cursor_on ? cursor_text (self) : NULL;

  if (text == NULL)
    text = dl_plot_describe (self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

gboolean
_dl_plot_cursor_point (DlPlot *self, const DlPlotFrame *f, double *px, double *py)
{
  const graphene_rect_t *area = &f->area;
  DlPlotEntry *e;
  DlPlotArray a;
  int j;

  if (!self->cursor_on)
    {
      *px = self->hover_x;
      *py = self->hover_y;
      return self->hovering;
    }
  if (!cursor_curve (self, &e, &a) || (j = _dl_plot_entry_nearest (e, self->cursor_x)) < 0)
    return FALSE;
  /* Kept inside the area (edges included), where the read-out looks for points. */
  *px = CLAMP (_dl_plot_x_to_px (f, a.x[j]), area->origin.x, area->origin.x + area->size.width);
  *py = _dl_plot_y_to_px (f, a.y[j]);
  if (!isfinite (*py) || *py < area->origin.y || *py > area->origin.y + area->size.height)
    *py = area->origin.y + area->size.height / 2;
  return TRUE;
}

void
_dl_plot_cursor_move (DlPlot *self, const char *how)
{
  DlPlotEntry *e;
  DlPlotArray a;
  int j;

  if (g_str_equal (how, "off"))
    {
      if (!self->cursor_on)
        return;
      self->cursor_on = FALSE;
    }
  else if (cursor_curve (self, &e, &a))
    {
      /* Turned on at the latest point, then moved from there. */
      j = self->cursor_on ? _dl_plot_entry_nearest (e, self->cursor_x) : (int) a.end - 1;
      self->cursor_x = a.x[cursor_target (&a, j, how)];
      self->cursor_on = TRUE;
    }
  else
    return;
  cursor_update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
_dl_plot_cursor_refresh (DlPlot *self)
{
  if (!self->cursor_on)
    return FALSE;
  cursor_update_description (self);
  return TRUE;
}

char *
dl_plot_get_cursor_readout (DlPlot *self)
{
  g_return_val_if_fail (DL_IS_PLOT (self), NULL);

  return self->cursor_on ? cursor_text (self) : NULL;
}
