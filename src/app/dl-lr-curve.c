/* dl-lr-curve.c — the learning-rate finder's curve (see dl-lr-curve.h), drawn with cairo.
 *
 * The x axis is log10 of the rate over the rates the sweep tried; the y axis spans the losses up to the
 * smoothed minimum, and a quarter more (the raw losses are noisier and the blow-up at the end is clipped: it would
 * squash the curve otherwise).
 * Each mark's label gets a row of its own at the top, so marks close together stay legible.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "dl-lr-curve.h"
#include "dl-ticks.h"

#define MARGIN_LEFT   52
#define MARGIN_RIGHT  14
#define MARGIN_TOP    10
#define MARGIN_BOTTOM 34
#define LABEL_ROW     16

struct _DlLrCurve
{
  GtkWidget parent_instance;

  DlEvent  *found;
};

G_DEFINE_FINAL_TYPE (DlLrCurve, dl_lr_curve, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_FOUND,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Where the curve is drawn, and the ranges it maps. */
typedef struct {
  double x0, y0, w, h;       /* the plot area */
  double lx_lo, lx_hi;       /* log10 of the rates */
  double y_lo, y_hi;         /* loss */
} Frame;

static double
frame_x (const Frame *f, double lr)
{
  return f->x0 + (log10 (lr) - f->lx_lo) / (f->lx_hi - f->lx_lo) * f->w;
}

static double
frame_y (const Frame *f, double loss)
{
  double t = (loss - f->y_lo) / (f->y_hi - f->y_lo);

  return f->y0 + f->h - CLAMP (t, 0.0, 1.0) * f->h;
}

/* The rates of the points with a finite smoothed loss, and the smoothed loss up to its minimum (the
 * blow-up after it leaves the plot at the top); FALSE when fewer than two points. */
static gboolean
frame_init (Frame *f, const DlLrFind *find, int width, int height)
{
  gboolean past_min = FALSE;
  guint n = 0;

  f->y_lo = INFINITY;
  f->y_hi = -INFINITY;
  for (guint i = 0; i < find->points->len; i++)
    {
      const DlLrPoint *p = &g_array_index (find->points, DlLrPoint, i);

      if (!isfinite (p->smoothed))
        break;
      past_min |= isfinite (find->min_loss_lr) && p->lr > find->min_loss_lr;
      if (!past_min)
        {
          f->y_lo = MIN (f->y_lo, MIN (p->smoothed, p->loss));
          f->y_hi = MAX (f->y_hi, p->smoothed);
        }
      if (n++ == 0)
        f->lx_lo = log10 (p->lr);
      f->lx_hi = log10 (p->lr);
    }
  if (n < 2)
    return FALSE;
  /* Room above for the way out of the valley. */
  f->y_hi += 0.25 * (f->y_hi - f->y_lo);
  dl_ticks_pad_range (&f->y_lo, &f->y_hi, 0.05, FALSE);
  f->x0 = MARGIN_LEFT;
  f->y0 = MARGIN_TOP + 3 * LABEL_ROW;
  f->w = MAX (width - MARGIN_LEFT - MARGIN_RIGHT, 10);
  f->h = MAX (height - f->y0 - MARGIN_BOTTOM, 10);
  return TRUE;
}

static void
set_source (cairo_t *cr, const GdkRGBA *c, double alpha)
{
  cairo_set_source_rgba (cr, c->red, c->green, c->blue, c->alpha * alpha);
}

static void
show_text (cairo_t *cr, PangoLayout *layout, const char *text, double x, double y, double xalign, double yalign)
{
  int w, h;

  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, x - xalign * w, y - yalign * h);
  pango_cairo_show_layout (cr, layout);
}

static void
draw_axes (cairo_t *cr, const Frame *f, PangoLayout *layout, const GdkRGBA *fg)
{
  DlTicks major, minor, yt;
  char text[32];

  dl_ticks_log (pow (10.0, f->lx_lo), pow (10.0, f->lx_hi), 8, &major, &minor);
  dl_ticks_linear (f->y_lo, f->y_hi, 5, &yt);
  cairo_set_line_width (cr, 1.0);
  set_source (cr, fg, 0.12);
  for (int i = 0; i < minor.n; i++)
    {
      double x = round (frame_x (f, minor.values[i])) + 0.5;

      cairo_move_to (cr, x, f->y0 + f->h);
      cairo_line_to (cr, x, f->y0 + f->h + 3);
    }
  for (int i = 0; i < major.n; i++)
    {
      double x = round (frame_x (f, major.values[i])) + 0.5;

      cairo_move_to (cr, x, f->y0);
      cairo_line_to (cr, x, f->y0 + f->h + 5);
    }
  for (int i = 0; i < yt.n; i++)
    {
      double y = round (frame_y (f, yt.values[i])) + 0.5;

      cairo_move_to (cr, f->x0 - 4, y);
      cairo_line_to (cr, f->x0 + f->w, y);
    }
  cairo_stroke (cr);
  set_source (cr, fg, 0.5);
  cairo_rectangle (cr, f->x0 + 0.5, f->y0 + 0.5, f->w, f->h);
  cairo_stroke (cr);

  set_source (cr, fg, 0.75);
  for (int i = 0; i < major.n; i++)
    {
      dl_ticks_format (&major, major.values[i], text, sizeof text);
      show_text (cr, layout, text, frame_x (f, major.values[i]), f->y0 + f->h + 6, 0.5, 0.0);
    }
  for (int i = 0; i < yt.n; i++)
    {
      dl_ticks_format (&yt, yt.values[i], text, sizeof text);
      show_text (cr, layout, text, f->x0 - 6, frame_y (f, yt.values[i]), 1.0, 0.5);
    }
  show_text (cr, layout, _("learning rate (log scale)"), f->x0 + f->w, f->y0 + f->h + 20, 1.0, 0.0);
}

static void
draw_curves (cairo_t *cr, const Frame *f, const DlLrFind *find, const GdkRGBA *fg, const GdkRGBA *accent)
{
  guint n = find->points->len;

  cairo_save (cr);
  cairo_rectangle (cr, f->x0, f->y0, f->w, f->h);
  cairo_clip (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  set_source (cr, fg, 0.3);
  cairo_set_line_width (cr, 1.0);
  for (guint i = 0; i < n; i++)
    {
      const DlLrPoint *p = &g_array_index (find->points, DlLrPoint, i);

      if (!isfinite (p->loss))
        break;
      cairo_line_to (cr, frame_x (f, p->lr), frame_y (f, p->loss));
    }
  cairo_stroke (cr);
  set_source (cr, accent, 1.0);
  cairo_set_line_width (cr, 2.5);
  for (guint i = 0; i < n; i++)
    {
      const DlLrPoint *p = &g_array_index (find->points, DlLrPoint, i);

      if (!isfinite (p->smoothed))
        break;
      cairo_line_to (cr, frame_x (f, p->lr), frame_y (f, p->smoothed));
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}

/* A vertical mark at `lr` with its label in label row `row` (0 at the top); nothing off the axis. */
static void
draw_mark (cairo_t *cr, const Frame *f, PangoLayout *layout, double lr, const char *label, int row,
           const GdkRGBA *color, const double *dash)
{
  double x = frame_x (f, lr), ty = MARGIN_TOP + row * LABEL_ROW;
  g_autofree char *text = NULL;
  char value[32];

  if (!isfinite (lr) || x < f->x0 || x > f->x0 + f->w)
    return;
  dl_ticks_format_value (lr, 2, value, sizeof value);
  /* TRANSLATORS: a mark on the learning-rate finder's curve, e.g. "steepest 0.027" */
  text = g_strdup_printf (C_("lr mark", "%s %s"), label, value);
  cairo_save (cr);
  set_source (cr, color, 1.0);
  cairo_set_line_width (cr, 1.5);
  if (dash != NULL)
    cairo_set_dash (cr, dash, 2, 0.0);
  cairo_move_to (cr, round (x) + 0.5, ty + LABEL_ROW - 2);
  cairo_line_to (cr, round (x) + 0.5, f->y0 + f->h);
  cairo_stroke (cr);
  cairo_restore (cr);
  set_source (cr, color, 1.0);
  /* Right of the mark, or left of it near the right edge. */
  show_text (cr, layout, text, x < f->x0 + f->w * 0.7 ? x + 4 : x - 4, ty, x < f->x0 + f->w * 0.7 ? 0.0 : 1.0, 0.0);
}

static void
dl_lr_curve_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DlLrCurve *self = DL_LR_CURVE (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  static const double dashed[2] = { 5.0, 3.0 }, dotted[2] = { 2.0, 3.0 };
  const GdkRGBA accent = { 0.21, 0.52, 0.89, 1.0 }, green = { 0.15, 0.64, 0.41, 1.0 },
                orange = { 0.90, 0.38, 0.0, 1.0 }, red = { 0.88, 0.11, 0.14, 1.0 };
  g_autoptr (PangoLayout) layout = NULL;
  const DlLrFind *find;
  GdkRGBA fg;
  Frame f;
  cairo_t *cr;

  if (self->found == NULL || !frame_init (&f, self->found->lr_find, width, height))
    return;
  find = self->found->lr_find;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  layout = gtk_widget_create_pango_layout (widget, NULL);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  draw_axes (cr, &f, layout, &fg);
  draw_curves (cr, &f, find, &fg, &accent);
  draw_mark (cr, &f, layout, find->steepest, _("steepest"), 0, &green, NULL);
  draw_mark (cr, &f, layout, find->valley, _("valley"), 1, &orange, dashed);
  draw_mark (cr, &f, layout, find->current_lr, _("current"), 2, find->too_high ? &red : &fg, dotted);
  cairo_destroy (cr);
}

static void
dl_lr_curve_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum, int *natural,
                     int *minimum_baseline, int *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 320 : 220;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 460 : 280;
}

static void
dl_lr_curve_dispose (GObject *object)
{
  DlLrCurve *self = DL_LR_CURVE (object);

  g_clear_pointer (&self->found, dl_event_unref);
  G_OBJECT_CLASS (dl_lr_curve_parent_class)->dispose (object);
}

static void
dl_lr_curve_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlLrCurve *self = DL_LR_CURVE (object);

  switch (prop_id)
    {
    case PROP_FOUND: g_value_set_boxed (value, self->found); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_lr_curve_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlLrCurve *self = DL_LR_CURVE (object);

  switch (prop_id)
    {
    case PROP_FOUND: dl_lr_curve_set_found (self, g_value_get_boxed (value)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_lr_curve_class_init (DlLrCurveClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dl_lr_curve_dispose;
  object_class->get_property = dl_lr_curve_get_property;
  object_class->set_property = dl_lr_curve_set_property;
  widget_class->snapshot = dl_lr_curve_snapshot;
  widget_class->measure = dl_lr_curve_measure;

  properties[PROP_FOUND] = g_param_spec_boxed ("found", NULL, NULL, DL_TYPE_EVENT,
                                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_set_css_name (widget_class, "dl-lr-curve");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dl_lr_curve_init (DlLrCurve *self)
{
}

GtkWidget *
dl_lr_curve_new (void)
{
  return g_object_new (DL_TYPE_LR_CURVE, NULL);
}

void
dl_lr_curve_set_found (DlLrCurve *self, DlEvent *found)
{
  g_return_if_fail (DL_IS_LR_CURVE (self));
  g_return_if_fail (found == NULL || found->type == DL_EVENT_LR_FOUND);
  if (self->found == found)
    return;
  g_clear_pointer (&self->found, dl_event_unref);
  self->found = found != NULL ? dl_event_ref (found) : NULL;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOUND]);
}

DlEvent *
dl_lr_curve_get_found (DlLrCurve *self)
{
  g_return_val_if_fail (DL_IS_LR_CURVE (self), NULL);
  return self->found;
}
