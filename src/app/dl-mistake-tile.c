/* dl-mistake-tile.c — a digit with its caption, drawn as one widget. */
#include "dl-mistake-tile.h"

#include <glib/gi18n.h>

#include "dl-digit-view.h"

#define SPACING 4

struct _DlMistakeTile
{
  GtkWidget    parent_instance;

  GtkWidget   *digit;
  PangoLayout *caption;     /* "7 → 1" (or "1" for an unlabeled image), markup */
  PangoLayout *confidence;  /* "99 %" (or "60 % · 25 %" with the margin) */
  int          index, true_class, predicted;   /* true_class -1: unlabeled */
  char        *true_name, *pred_name;
  double       value, margin;
  gboolean     suspected;
};

G_DEFINE_FINAL_TYPE (DlMistakeTile, dl_mistake_tile, GTK_TYPE_WIDGET)

static void
named_colour (GtkWidget *widget, const char *name, const GdkRGBA *fallback, GdkRGBA *out)
{
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), name, out))
    *out = *fallback;
}

/* Markup needs colours as text; they come from the theme so that light and dark both read well. */
static void
update_caption (DlMistakeTile *self)
{
  GdkRGBA colour;
  char buf[32];
  gboolean right = self->true_class == self->predicted;
  g_autofree char *t = g_markup_escape_text (self->true_name != NULL ? self->true_name : "", -1);
  g_autofree char *p = g_markup_escape_text (self->pred_name != NULL ? self->pred_name : "", -1);

  GdkRGBA fg;

  named_colour (GTK_WIDGET (self), right ? "success_color" : "error_color",
                right ? &(GdkRGBA) { 0.15, 0.55, 0.3, 1 } : &(GdkRGBA) { 0.8, 0.1, 0.15, 1 }, &colour);
  /* The dark style's error red is too deep to read as small text on a dark tile: lighten it. */
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &fg);
  if (0.299 * fg.red + 0.587 * fg.green + 0.114 * fg.blue > 0.5)
    {
      colour.red += 0.4 * (1 - colour.red);
      colour.green += 0.4 * (1 - colour.green);
      colour.blue += 0.4 * (1 - colour.blue);
    }
  g_autofree char *hex = g_strdup_printf ("#%02x%02x%02x", (int) (colour.red * 255), (int) (colour.green * 255),
                                          (int) (colour.blue * 255));
  g_autofree char *markup = self->true_class < 0 ? g_strdup_printf ("<b>%s</b>", p)
                                                  : g_strdup_printf ("<b>%s</b> → <b><span foreground=\"%s\">%s</span></b>",
                                                                     t, hex, p);
  pango_layout_set_markup (self->caption, markup, -1);

  if (self->true_class < 0)
    g_snprintf (buf, sizeof buf, "%.0f %% (+%.0f)", 100.0 * self->value, 100.0 * self->margin);
  else
    g_snprintf (buf, sizeof buf, "%.0f %%", 100.0 * self->value);
  pango_layout_set_text (self->confidence, buf, -1);
}

static void
dl_mistake_tile_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                         int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  DlMistakeTile *self = DL_MISTAKE_TILE (widget);
  int digit_min, digit_nat, cw, ch, vw, vh;

  gtk_widget_measure (self->digit, orientation, -1, &digit_min, &digit_nat, NULL, NULL);
  pango_layout_get_pixel_size (self->caption, &cw, &ch);
  pango_layout_get_pixel_size (self->confidence, &vw, &vh);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = MAX (digit_min, MAX (cw, vw));
      *natural = MAX (digit_nat, MAX (cw, vw));
    }
  else
    {
      *minimum = digit_min + SPACING + ch + vh;
      *natural = digit_nat + SPACING + ch + vh;
    }
}

static void
dl_mistake_tile_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  DlMistakeTile *self = DL_MISTAKE_TILE (widget);
  int w, h;

  gtk_widget_measure (self->digit, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &w, NULL, NULL);
  gtk_widget_measure (self->digit, GTK_ORIENTATION_VERTICAL, -1, NULL, &h, NULL, NULL);
  w = MIN (w, width);
  gtk_widget_size_allocate (self->digit, &(GtkAllocation) { (width - w) / 2, 0, w, h }, -1);
}

static void
draw_layout (GtkSnapshot *snapshot, PangoLayout *layout, double x, double y, const GdkRGBA *colour)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, layout, colour);
  gtk_snapshot_restore (snapshot);
}

/* A small warning badge at the digit's top-right corner. */
static void
draw_mark (DlMistakeTile *self, GtkSnapshot *snapshot)
{
  int dx = (gtk_widget_get_width (GTK_WIDGET (self)) + gtk_widget_get_width (self->digit)) / 2;
  GdkRGBA warn;
  const double r = 7;

  named_colour (GTK_WIDGET (self), "warning_color", &(GdkRGBA) { 0.9, 0.6, 0.0, 1 }, &warn);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (dx - 2 * r - 2, 2, 2 * r, 2 * r));
  cairo_arc (cr, dx - r - 2, 2 + r, r, 0, 2 * G_PI);
  gdk_cairo_set_source_rgba (cr, &warn);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_set_line_width (cr, 2);
  cairo_move_to (cr, dx - r - 2, 2 + r - 4);
  cairo_line_to (cr, dx - r - 2, 2 + r + 1);
  cairo_stroke (cr);
  cairo_arc (cr, dx - r - 2, 2 + r + 3.5, 1.1, 0, 2 * G_PI);
  cairo_fill (cr);
  cairo_destroy (cr);
}

static void
dl_mistake_tile_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DlMistakeTile *self = DL_MISTAKE_TILE (widget);
  int width = gtk_widget_get_width (widget), y = gtk_widget_get_height (self->digit) + SPACING;
  int cw, ch, vw, vh;
  GdkRGBA fg, dim;

  gtk_widget_snapshot_child (widget, self->digit, snapshot);
  if (self->predicted < 0)
    return;

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  dim = fg;
  dim.alpha *= 0.6;
  pango_layout_get_pixel_size (self->caption, &cw, &ch);
  pango_layout_get_pixel_size (self->confidence, &vw, &vh);
  draw_layout (snapshot, self->caption, (width - cw) / 2.0, y, &fg);
  draw_layout (snapshot, self->confidence, (width - vw) / 2.0, y + ch, &dim);
  if (self->suspected)
    draw_mark (self, snapshot);
}

static void
dl_mistake_tile_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  DlMistakeTile *self = DL_MISTAKE_TILE (widget);

  GTK_WIDGET_CLASS (dl_mistake_tile_parent_class)->css_changed (widget, change);
  pango_layout_context_changed (self->caption);
  pango_layout_context_changed (self->confidence);
  update_caption (self);
}

/* The tooltip's words, also the tile's accessible label. */
static char *
describe (DlMistakeTile *self)
{
  if (self->true_class < 0)
    return g_strdup_printf (_("Image %d: the network answers %s (%.1f %%, %.1f points ahead of the next)"),
                            self->index + 1, self->pred_name, 100.0 * self->value, 100.0 * self->margin);
  return g_strdup_printf (self->suspected
                            ? _("Test image %d: labelled %s, the network answers %s (%.1f %%). Suspected label error.")
                            : _("Test image %d: labelled %s, the network answers %s (%.1f %%)"),
                          self->index, self->true_name, self->pred_name, 100.0 * self->value);
}

void
dl_mistake_tile_set_image (DlMistakeTile *self, const guint8 *pixels, int rows, int cols)
{
  g_return_if_fail (DL_IS_MISTAKE_TILE (self));
  dl_digit_view_set_image (DL_DIGIT_VIEW (self->digit), pixels, rows, cols);
}

static void
set_prediction (DlMistakeTile *self, const DlClasses *classes, int index, int true_class, int predicted,
                double confidence, double margin, gboolean suspected)
{
  int w0, h0, w1, h1;

  pango_layout_get_pixel_size (self->caption, &w0, &h0);
  self->index = index;
  self->true_class = true_class;
  self->predicted = predicted;
  g_free (self->true_name);
  g_free (self->pred_name);
  self->true_name = true_class >= 0 ? g_strdup (dl_classes_name (classes, true_class)) : NULL;
  self->pred_name = g_strdup (dl_classes_name (classes, predicted));
  self->value = confidence;
  self->margin = margin;
  self->suspected = suspected;
  update_caption (self);
  {
    /* What a screen reader says for the tile: the tooltip's words. */
    g_autofree char *label = describe (self);

    gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  }
  /* Tiles are rebound by the hundred on every evaluation: resize only when the caption's size moved. */
  pango_layout_get_pixel_size (self->caption, &w1, &h1);
  if (w0 != w1 || h0 != h1)
    gtk_widget_queue_resize (GTK_WIDGET (self));
  else
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dl_mistake_tile_set_prediction (DlMistakeTile *self, const DlClasses *classes, int index, int true_class,
                                int predicted, double confidence, gboolean suspected)
{
  g_return_if_fail (DL_IS_MISTAKE_TILE (self));
  g_return_if_fail (true_class >= 0 && true_class < DL_N_CLASSES && predicted >= 0 && predicted < DL_N_CLASSES);
  set_prediction (self, classes, index, true_class, predicted, confidence, 0, suspected);
}

void
dl_mistake_tile_set_answer (DlMistakeTile *self, const DlClasses *classes, int index, int predicted,
                            double confidence, double margin)
{
  g_return_if_fail (DL_IS_MISTAKE_TILE (self));
  g_return_if_fail (predicted >= 0 && predicted < DL_N_CLASSES);
  set_prediction (self, classes, index, -1, predicted, confidence, margin, FALSE);
}

static gboolean
query_tooltip_cb (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip, gpointer data)
{
  DlMistakeTile *self = DL_MISTAKE_TILE (widget);

  if (self->predicted < 0)
    return FALSE;
  g_autofree char *text = describe (self);
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
dl_mistake_tile_dispose (GObject *object)
{
  DlMistakeTile *self = DL_MISTAKE_TILE (object);

  g_clear_pointer (&self->digit, gtk_widget_unparent);
  g_clear_object (&self->caption);
  g_clear_object (&self->confidence);
  g_clear_pointer (&self->true_name, g_free);
  g_clear_pointer (&self->pred_name, g_free);
  G_OBJECT_CLASS (dl_mistake_tile_parent_class)->dispose (object);
}

static void
dl_mistake_tile_class_init (DlMistakeTileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dl_mistake_tile_dispose;
  widget_class->measure = dl_mistake_tile_measure;
  widget_class->size_allocate = dl_mistake_tile_size_allocate;
  widget_class->snapshot = dl_mistake_tile_snapshot;
  widget_class->css_changed = dl_mistake_tile_css_changed;

  gtk_widget_class_set_css_name (widget_class, "mistaketile");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dl_mistake_tile_init (DlMistakeTile *self)
{
  PangoAttrList *small = pango_attr_list_new ();

  self->predicted = -1;
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (query_tooltip_cb), NULL);
  self->digit = dl_digit_view_new ();
  dl_digit_view_set_pixel_size (DL_DIGIT_VIEW (self->digit), 3);
  gtk_widget_set_parent (self->digit, GTK_WIDGET (self));
  /* The tile's label says what the image shows. */
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->digit), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);

  self->caption = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  self->confidence = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  pango_attr_list_insert (small, pango_attr_scale_new (0.85));
  pango_layout_set_attributes (self->confidence, small);
  pango_attr_list_unref (small);
}

GtkWidget *
dl_mistake_tile_new (void)
{
  return g_object_new (DL_TYPE_MISTAKE_TILE, NULL);
}
