/* dl-neighbours-view.c — a grid of the nearest training images with labels and distances. */
#include "dl-neighbours-view.h"

#include <glib/gi18n.h>

#include <math.h>
#include <string.h>

#define COLS 4
#define IMG_PX 2        /* screen pixels per image pixel */
#define CELL_W 64
#define CAPTION_H 18
#define GAP 6

struct _DlNeighboursView
{
  GtkWidget    parent_instance;
  DlDataset   *ds;
  DlNeighbour  nb[DL_NEIGHBOURS_K];
  int          n, answer, true_label;
  DlClasses   *classes;      /* NULL: the digits */
};

G_DEFINE_FINAL_TYPE (DlNeighboursView, dl_neighbours_view, GTK_TYPE_WIDGET)

static int
rows_for (int n)
{
  return n > 0 ? (n + COLS - 1) / COLS : 0;
}

static void
dl_neighbours_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum, int *natural,
                            int *minimum_baseline, int *natural_baseline)
{
  DlNeighboursView *self = DL_NEIGHBOURS_VIEW (widget);
  int rows = MAX (rows_for (self->n), 2);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = *natural = COLS * CELL_W + (COLS - 1) * GAP;
  else
    *minimum = *natural = rows * (28 * IMG_PX + CAPTION_H) + (rows - 1) * GAP;
}

static void
draw_cell (DlNeighboursView *self, GtkWidget *widget, cairo_t *cr, int k, const GdkRGBA *fg, const GdkRGBA *accent)
{
  const DlNeighbour *nb = &self->nb[k];
  const int side = self->ds->rows * IMG_PX;
  cairo_surface_t *mask = cairo_image_surface_create (CAIRO_FORMAT_A8, self->ds->cols, self->ds->rows);
  guint8 *data = cairo_image_surface_get_data (mask);
  const guint8 *px = self->ds->pixels + (gsize) nb->index * self->ds->rows * self->ds->cols;
  const int stride = cairo_image_surface_get_stride (mask);

  cairo_surface_flush (mask);
  for (int r = 0; r < self->ds->rows; r++)
    memcpy (data + r * stride, px + r * self->ds->cols, self->ds->cols);
  cairo_surface_mark_dirty (mask);

  double x = (CELL_W - side) / 2.0;
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.06 * fg->alpha);
  cairo_rectangle (cr, x, 0, side, side);
  cairo_fill (cr);
  cairo_save (cr);
  cairo_translate (cr, x, 0);
  cairo_scale (cr, IMG_PX, IMG_PX);
  cairo_pattern_t *pattern = cairo_pattern_create_for_surface (mask);
  cairo_pattern_set_filter (pattern, CAIRO_FILTER_NEAREST);
  gdk_cairo_set_source_rgba (cr, fg);
  cairo_mask (cr, pattern);
  cairo_pattern_destroy (pattern);
  cairo_restore (cr);
  cairo_surface_destroy (mask);

  /* A name cut to what the cell holds beside the distance. */
  g_autofree char *name = dl_classes_abbrev (self->classes, nb->label, 5);
  g_autofree char *escaped = g_markup_escape_text (name, -1);
  g_autofree char *markup = g_strdup_printf ("<b>%s</b> <small>%.1f</small>", escaped, nb->distance);
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, NULL);
  int tw, th;
  pango_layout_set_markup (layout, markup, -1);
  pango_layout_get_pixel_size (layout, &tw, &th);
  if (nb->label == self->true_label)
    cairo_set_source_rgb (cr, 0.18, 0.63, 0.34);
  else if (nb->label == self->answer)
    gdk_cairo_set_source_rgba (cr, accent);
  else
    cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.75 * fg->alpha);
  cairo_move_to (cr, (CELL_W - tw) / 2.0, side + 1);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}

static void
dl_neighbours_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DlNeighboursView *self = DL_NEIGHBOURS_VIEW (widget);
  GtkStyleContext *ctx = gtk_widget_get_style_context (widget);
  GdkRGBA fg, accent;

  if (self->ds == NULL || self->n == 0)
    return;
  gtk_style_context_get_color (ctx, &fg);
  if (!gtk_style_context_lookup_color (ctx, "accent_color", &accent))
    gdk_rgba_parse (&accent, "#1c71d8");
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (widget),
                                                                            gtk_widget_get_height (widget)));
  const int cell_h = self->ds->rows * IMG_PX + CAPTION_H;
  for (int k = 0; k < self->n; k++)
    {
      cairo_save (cr);
      cairo_translate (cr, (k % COLS) * (CELL_W + GAP), (k / COLS) * (cell_h + GAP));
      draw_cell (self, widget, cr, k, &fg, &accent);
      cairo_restore (cr);
    }
  cairo_destroy (cr);
}

GtkWidget *
dl_neighbours_view_new (void)
{
  return g_object_new (DL_TYPE_NEIGHBOURS_VIEW, NULL);
}

void
dl_neighbours_view_set (DlNeighboursView *self, DlDataset *ds, const DlNeighbour *nb, int n, int answer, int true_label)
{
  g_return_if_fail (DL_IS_NEIGHBOURS_VIEW (self));
  g_return_if_fail (n >= 0 && n <= DL_NEIGHBOURS_K);

  if (ds == NULL)
    n = 0;
  int old_rows = rows_for (self->n), valid = 0;
  for (int k = 0; k < n; k++)
    if (nb[k].index >= 0 && nb[k].index < ds->n)
      self->nb[valid++] = nb[k];
  if (ds != self->ds)
    {
      g_clear_pointer (&self->ds, dl_dataset_unref);
      self->ds = ds != NULL ? dl_dataset_ref (ds) : NULL;
    }
  self->n = valid;
  self->answer = answer;
  self->true_label = true_label;
  if (rows_for (self->n) != old_rows)
    gtk_widget_queue_resize (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int
dl_neighbours_view_get_n (DlNeighboursView *self)
{
  g_return_val_if_fail (DL_IS_NEIGHBOURS_VIEW (self), 0);
  return self->n;
}

void
dl_neighbours_view_set_classes (DlNeighboursView *self, const DlClasses *classes)
{
  g_return_if_fail (DL_IS_NEIGHBOURS_VIEW (self));
  g_clear_pointer (&self->classes, dl_classes_free);
  self->classes = classes != NULL ? dl_classes_copy (classes) : NULL;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
dl_neighbours_view_finalize (GObject *object)
{
  DlNeighboursView *self = DL_NEIGHBOURS_VIEW (object);
  g_clear_pointer (&self->ds, dl_dataset_unref);
  g_clear_pointer (&self->classes, dl_classes_free);
  G_OBJECT_CLASS (dl_neighbours_view_parent_class)->finalize (object);
}

static void
dl_neighbours_view_class_init (DlNeighboursViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->finalize = dl_neighbours_view_finalize;
  widget_class->measure = dl_neighbours_view_measure;
  widget_class->snapshot = dl_neighbours_view_snapshot;
  gtk_widget_class_set_css_name (widget_class, "neighbours-view");
  gtk_widget_class_set_accessible_role (GTK_WIDGET_CLASS (klass), GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dl_neighbours_view_init (DlNeighboursView *self)
{
  self->answer = self->true_label = -1;
  /* What a screen reader calls it. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("The nearest training images"), -1);
}
