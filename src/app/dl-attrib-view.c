/* dl-attrib-view.c — a signed 28 × 28 map drawn over its image, with a legend. */
#include "dl-attrib-view.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#define SIDE 28
#define PIXELS (SIDE * SIDE)
#define LEGEND_H 26     /* the legend's height under the map */
#define NATURAL_PX 5    /* screen pixels per image pixel: the size it asks for */

struct _DlAttribView
{
  GtkWidget parent_instance;
  gboolean  have_image, have_map;
  float     image[PIXELS];
  float     map[PIXELS];
  float     scale;
};

G_DEFINE_FINAL_TYPE (DlAttribView, dl_attrib_view, GTK_TYPE_WIDGET)

/* The two ends of the scale: warm for, blue against (GNOME palette orange 4 and blue 3). */
static const GdkRGBA FOR = { 0.902, 0.380, 0.000, 1 };
static const GdkRGBA AGAINST = { 0.208, 0.518, 0.894, 1 };

static int
compare_floats (gconstpointer a, gconstpointer b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return x < y ? -1 : x > y;
}

/* The 99th percentile of the nonzero |values|: one extreme pixel does not wash out the rest. */
static float
robust_scale (const float *map)
{
  float v[PIXELS];
  int n = 0;
  for (int i = 0; i < PIXELS; i++)
    if (map[i] != 0)
      v[n++] = fabsf (map[i]);
  if (n == 0)
    return 0;
  qsort (v, n, sizeof (float), compare_floats);
  return v[MIN (n - 1, (int) floor (0.99 * n))];
}

static void
dl_attrib_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum, int *natural,
                        int *minimum_baseline, int *natural_baseline)
{
  /* A fixed size, as the 28 × 28 input beside it: a box would give it only its minimum. */
  int side = SIDE * NATURAL_PX;
  *minimum = *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? side : side + LEGEND_H;
}

static void
draw_map (DlAttribView *self, cairo_t *cr, double s, const GdkRGBA *fg)
{
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.06 * fg->alpha);
  cairo_rectangle (cr, 0, 0, s * SIDE, s * SIDE);
  cairo_fill (cr);
  if (!self->have_image)
    return;
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      {
        float ink = self->image[y * SIDE + x], v = self->have_map && self->scale > 0 ? self->map[y * SIDE + x] / self->scale : 0;
        if (ink > 0)
          {
            cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, (self->have_map ? 0.35 : 1.0) * ink * fg->alpha);
            cairo_rectangle (cr, x * s, y * s, s, s);
            cairo_fill (cr);
          }
        if (v != 0)
          {
            const GdkRGBA *c = v > 0 ? &FOR : &AGAINST;
            cairo_set_source_rgba (cr, c->red, c->green, c->blue, 0.92 * powf (MIN (fabsf (v), 1.0f), 0.6f));
            cairo_rectangle (cr, x * s, y * s, s, s);
            cairo_fill (cr);
          }
      }
}

/* A bar from blue through clear to warm, "against" and "for" at its ends. */
static void
draw_legend (GtkWidget *widget, cairo_t *cr, double w, const GdkRGBA *fg)
{
  cairo_pattern_t *g = cairo_pattern_create_linear (0, 0, w, 0);
  cairo_pattern_add_color_stop_rgba (g, 0, AGAINST.red, AGAINST.green, AGAINST.blue, 0.92);
  cairo_pattern_add_color_stop_rgba (g, 0.5, fg->red, fg->green, fg->blue, 0.06);
  cairo_pattern_add_color_stop_rgba (g, 1, FOR.red, FOR.green, FOR.blue, 0.92);
  cairo_rectangle (cr, 0, 4, w, 6);
  cairo_set_source (cr, g);
  cairo_fill (cr);
  cairo_pattern_destroy (g);

  PangoLayout *layout = gtk_widget_create_pango_layout (widget, _("against"));
  PangoAttrList *attrs = pango_attr_list_new ();
  pango_attr_list_insert (attrs, pango_attr_scale_new (0.8));
  pango_layout_set_attributes (layout, attrs);
  int tw, th;
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.7 * fg->alpha);
  cairo_move_to (cr, 0, 11);
  pango_cairo_show_layout (cr, layout);
  pango_layout_set_text (layout, _("for"), -1);
  pango_layout_get_pixel_size (layout, &tw, &th);
  cairo_move_to (cr, w - tw, 11);
  pango_cairo_show_layout (cr, layout);
  pango_attr_list_unref (attrs);
  g_object_unref (layout);
}

static void
dl_attrib_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DlAttribView *self = DL_ATTRIB_VIEW (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget) - LEGEND_H;
  double s = MIN (width, height) / (double) SIDE;
  GdkRGBA fg;

  if (s <= 0)
    return;
  if (s >= 1)
    s = floor (s);
  double side = s * SIDE, x0 = floor ((width - side) / 2);
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height + LEGEND_H));
  cairo_translate (cr, x0, 0);
  draw_map (self, cr, s, &fg);
  cairo_translate (cr, 0, side);
  draw_legend (widget, cr, side, &fg);
  cairo_destroy (cr);
}

GtkWidget *
dl_attrib_view_new (void)
{
  return g_object_new (DL_TYPE_ATTRIB_VIEW, NULL);
}

void
dl_attrib_view_set (DlAttribView *self, const float *image, const float *map)
{
  g_return_if_fail (DL_IS_ATTRIB_VIEW (self));
  self->have_image = image != NULL;
  self->have_map = image != NULL && map != NULL;
  if (image != NULL)
    memcpy (self->image, image, sizeof self->image);
  if (self->have_map)
    memcpy (self->map, map, sizeof self->map);
  self->scale = self->have_map ? robust_scale (self->map) : 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

float
dl_attrib_view_get_scale (DlAttribView *self)
{
  g_return_val_if_fail (DL_IS_ATTRIB_VIEW (self), 0);
  return self->scale;
}

static void
dl_attrib_view_class_init (DlAttribViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  widget_class->measure = dl_attrib_view_measure;
  widget_class->snapshot = dl_attrib_view_snapshot;
  gtk_widget_class_set_css_name (widget_class, "attrib-view");
  gtk_widget_class_set_accessible_role (GTK_WIDGET_CLASS (klass), GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dl_attrib_view_init (DlAttribView *self)
{
  /* What a screen reader calls it. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Attribution map: the pixels that pulled the answer"), -1);
}
