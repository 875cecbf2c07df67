/* dl-digit-view.c — a greyscale image enlarged with nearest-neighbour sampling. */
#include "dl-digit-view.h"

#include <math.h>
#include <string.h>

struct _DlDigitView
{
  GtkWidget        parent_instance;

  cairo_surface_t *mask;        /* A8, the image's pixels as ink coverage */
  int              rows, cols;
  int              pixel_size;
};

enum { PROP_0, PROP_PIXEL_SIZE, N_PROPS };
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (DlDigitView, dl_digit_view, GTK_TYPE_WIDGET)

#define DEFAULT_ROWS 28

static void
dl_digit_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                       int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  DlDigitView *self = DL_DIGIT_VIEW (widget);
  int side = orientation == GTK_ORIENTATION_HORIZONTAL ? self->cols : self->rows;

  if (side == 0)
    side = DEFAULT_ROWS;
  /* A fixed size: grids give tiles their minimum, and a digit should not shrink below its scale. */
  *minimum = *natural = side * self->pixel_size;
}

/* The largest square that fits, at a whole number of screen pixels per image pixel when it can be,
 * so that every image pixel is drawn the same size. */
static double
fit_scale (int width, int height, int rows, int cols)
{
  double s = MIN ((double) width / cols, (double) height / rows);
  return s >= 1.0 ? floor (s) : s;
}

static void
dl_digit_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DlDigitView *self = DL_DIGIT_VIEW (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  GdkRGBA fg;

  if (self->mask == NULL || width <= 0 || height <= 0)
    return;

  double s = fit_scale (width, height, self->rows, self->cols);
  double w = s * self->cols, h = s * self->rows;
  double x = floor ((width - w) / 2), y = floor ((height - h) / 2);
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (x, y, w, h));

  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);

  /* A faint paper square, so blank areas of the image read as part of it. */
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.06 * fg.alpha);
  cairo_rectangle (cr, x, y, w, h);
  cairo_fill (cr);

  cairo_translate (cr, x, y);
  cairo_scale (cr, s, s);
  cairo_pattern_t *pattern = cairo_pattern_create_for_surface (self->mask);
  cairo_pattern_set_filter (pattern, CAIRO_FILTER_NEAREST);
  gdk_cairo_set_source_rgba (cr, &fg);
  cairo_mask (cr, pattern);
  cairo_pattern_destroy (pattern);
  cairo_destroy (cr);
}

void
dl_digit_view_set_image (DlDigitView *self, const guint8 *pixels, int rows, int cols)
{
  g_return_if_fail (DL_IS_DIGIT_VIEW (self));

  gboolean resized = pixels == NULL || rows != self->rows || cols != self->cols;
  if (resized)
    g_clear_pointer (&self->mask, cairo_surface_destroy);

  if (pixels != NULL)
    {
      if (self->mask == NULL)
        self->mask = cairo_image_surface_create (CAIRO_FORMAT_A8, cols, rows);
      cairo_surface_flush (self->mask);
      guint8 *data = cairo_image_surface_get_data (self->mask);
      int stride = cairo_image_surface_get_stride (self->mask);
      for (int r = 0; r < rows; r++)
        memcpy (data + r * stride, pixels + r * cols, cols);
      cairo_surface_mark_dirty (self->mask);
    }
  self->rows = pixels != NULL ? rows : 0;
  self->cols = pixels != NULL ? cols : 0;

  if (resized)
    gtk_widget_queue_resize (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dl_digit_view_set_pixel_size (DlDigitView *self, int pixel_size)
{
  g_return_if_fail (DL_IS_DIGIT_VIEW (self));
  pixel_size = MAX (1, pixel_size);
  if (pixel_size == self->pixel_size)
    return;
  self->pixel_size = pixel_size;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PIXEL_SIZE]);
}

int
dl_digit_view_get_pixel_size (DlDigitView *self)
{
  g_return_val_if_fail (DL_IS_DIGIT_VIEW (self), 0);
  return self->pixel_size;
}

static void
dl_digit_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlDigitView *self = DL_DIGIT_VIEW (object);

  switch (prop_id)
    {
    case PROP_PIXEL_SIZE:
      g_value_set_int (value, self->pixel_size);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_digit_view_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlDigitView *self = DL_DIGIT_VIEW (object);

  switch (prop_id)
    {
    case PROP_PIXEL_SIZE:
      dl_digit_view_set_pixel_size (self, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_digit_view_finalize (GObject *object)
{
  DlDigitView *self = DL_DIGIT_VIEW (object);

  g_clear_pointer (&self->mask, cairo_surface_destroy);
  G_OBJECT_CLASS (dl_digit_view_parent_class)->finalize (object);
}

static void
dl_digit_view_class_init (DlDigitViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = dl_digit_view_finalize;
  object_class->get_property = dl_digit_view_get_property;
  object_class->set_property = dl_digit_view_set_property;
  widget_class->measure = dl_digit_view_measure;
  widget_class->snapshot = dl_digit_view_snapshot;

  properties[PROP_PIXEL_SIZE] =
    g_param_spec_int ("pixel-size", NULL, NULL, 1, 64, 3,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "digitview");
  /* An image; whoever shows one gives it a label (which image, which label it has). */
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dl_digit_view_init (DlDigitView *self)
{
  self->pixel_size = 3;
}

GtkWidget *
dl_digit_view_new (void)
{
  return g_object_new (DL_TYPE_DIGIT_VIEW, NULL);
}
