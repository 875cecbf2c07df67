/* dl-draw-page-render.c — the Draw page's pictures of the result: the probability bars and what the
 * network was given, step by step (the drawing as read, the ink's crop, the 28 × 28 fit). */
#include <math.h>

#include "dl-cairo.h"
#include "dl-draw-page-private.h"

static void
theme_colors (GtkWidget *widget, GdkRGBA *fg, GdkRGBA *accent)
{
  GtkStyleContext *ctx = gtk_widget_get_style_context (widget);
  gtk_style_context_get_color (ctx, fg);
  if (!gtk_style_context_lookup_color (ctx, "accent_bg_color", accent))
    gdk_rgba_parse (accent, "#3584e4");
}

/* One row per class: its name, a bar for its probability, the percentage. Drawn rather than a
 * DlProbabilityList: a compact chart read at a glance while drawing (the answer's bar in the accent colour,
 * whole percentages); the exact figures are the Mistakes and Unlabeled pages'. */
static void
draw_bars (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  DlDrawPage *self = DL_DRAW_PAGE (data);
  GdkRGBA fg, accent;
  theme_colors (GTK_WIDGET (area), &fg, &accent);
  double row = height / (double) DL_N_CLASSES, bar_h = MIN (14.0, row * 0.6);
  const DlClasses *classes = dl_draw_page_classes (self);
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (area), NULL);
  int names_w = 0;

  /* The bars start after the widest name (a digit's 26 px at the least). */
  for (int c = 0; c < DL_N_CLASSES; c++)
    {
      int tw;

      pango_layout_set_text (layout, dl_classes_name (classes, c), -1);
      pango_layout_get_pixel_size (layout, &tw, NULL);
      names_w = MAX (names_w, tw);
    }
  double x0 = MAX (26, names_w + 10), x1 = width - 50;

  for (int c = 0; c < DL_N_CLASSES; c++)
    {
      double y = c * row + row / 2;
      gboolean top = c == self->answer;
      char text[16];
      int tw, th;

      pango_layout_set_text (layout, dl_classes_name (classes, c), -1);
      pango_layout_get_pixel_size (layout, &tw, &th);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, top ? 1.0 : 0.7);
      cairo_move_to (cr, 4, y - th / 2.0);
      pango_cairo_show_layout (cr, layout);

      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.08);
      dl_cairo_rounded_rect (cr, x0, y - bar_h / 2, x1 - x0, bar_h, bar_h / 2);
      cairo_fill (cr);
      if (self->answer < 0)
        continue;

      double p = CLAMP (self->probs[c], 0.0f, 1.0f);
      if (p * (x1 - x0) >= 1)
        {
          if (top)
            gdk_cairo_set_source_rgba (cr, &accent);
          else
            cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.45);
          dl_cairo_rounded_rect (cr, x0, y - bar_h / 2, p * (x1 - x0), bar_h, bar_h / 2);
          cairo_fill (cr);
        }
      g_snprintf (text, sizeof text, "%.0f %%", 100 * p);
      pango_layout_set_text (layout, text, -1);
      pango_layout_get_pixel_size (layout, &tw, &th);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, top ? 1.0 : 0.6);
      cairo_move_to (cr, width - tw - 2, y - th / 2.0);
      pango_cairo_show_layout (cr, layout);
    }
  g_object_unref (layout);
}

/* A greyscale image (ink bright, [0, 1]) as MNIST shows it, white on black, scaled by `scale` with the
 * given filter (nearest: each input pixel a crisp square). */
static void
paint_grey (cairo_t *cr, const float *img, int w, int h, double scale, cairo_filter_t filter)
{
  cairo_surface_t *mask = cairo_image_surface_create (CAIRO_FORMAT_A8, w, h);
  guint8 *data = cairo_image_surface_get_data (mask);
  int stride = cairo_image_surface_get_stride (mask);
  cairo_surface_flush (mask);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      data[y * stride + x] = (guint8) lroundf (CLAMP (img[y * w + x], 0.0f, 1.0f) * 255);
  cairo_surface_mark_dirty (mask);

  cairo_save (cr);
  cairo_scale (cr, scale, scale);
  cairo_pattern_t *pattern = cairo_pattern_create_for_surface (mask);
  cairo_pattern_set_filter (pattern, filter);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_mask (cr, pattern);
  cairo_pattern_destroy (pattern);
  cairo_restore (cr);
  cairo_surface_destroy (mask);
}

/* A black tile of side `side` centred in the area; returns its origin. */
static double
tile (cairo_t *cr, int width, int height, double side)
{
  double x = floor ((width - side) / 2), y = floor ((height - side) / 2);
  dl_cairo_rounded_rect (cr, x, y, side, side, 4);
  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_fill (cr);
  cairo_translate (cr, x, y);
  return x;
}

/* The 28 × 28 input, a whole number of screen pixels per input pixel, with the centre of mass marked. */
static void
draw_input (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  DlDrawPage *self = DL_DRAW_PAGE (data);
  GdkRGBA fg, accent;
  theme_colors (GTK_WIDGET (area), &fg, &accent);
  double s = floor (MIN (width, height) / (double) DL_DIGIT_SIDE);
  if (s < 1)
    return;
  tile (cr, width, height, s * DL_DIGIT_SIDE);
  if (self->input->empty)
    return;
  paint_grey (cr, self->input->input, DL_DIGIT_SIDE, DL_DIGIT_SIDE, s, CAIRO_FILTER_NEAREST);

  /* the centre of mass (pixel centres at integer indices, hence + 0.5) */
  double cx = (self->input->com_x + 0.5) * s, cy = (self->input->com_y + 0.5) * s;
  gdk_cairo_set_source_rgba (cr, &accent);
  cairo_set_line_width (cr, 1.5);
  cairo_move_to (cr, cx - 5, cy);
  cairo_line_to (cr, cx + 5, cy);
  cairo_move_to (cr, cx, cy - 5);
  cairo_line_to (cr, cx, cy + 5);
  cairo_stroke (cr);
}

static void
draw_stage (cairo_t *cr, int width, int height, const float *img, int w, int h, cairo_filter_t filter)
{
  double side = MIN (width, height);
  tile (cr, width, height, side);
  if (w == 0 || h == 0)
    return;
  double s = (side - 8) / MAX (w, h);
  if (filter == CAIRO_FILTER_NEAREST && s >= 1)
    s = floor (s);
  cairo_translate (cr, floor ((side - s * w) / 2), floor ((side - s * h) / 2));
  paint_grey (cr, img, w, h, s, filter);
}

static void
draw_crop (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  DlDigitInput *in = DL_DRAW_PAGE (data)->input;
  draw_stage (cr, width, height, in->crop, in->empty ? 0 : in->crop_w, in->empty ? 0 : in->crop_h,
              CAIRO_FILTER_GOOD);
}

static void
draw_fit (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  DlDigitInput *in = DL_DRAW_PAGE (data)->input;
  draw_stage (cr, width, height, in->fit, in->empty ? 0 : in->fit_w, in->empty ? 0 : in->fit_h,
              CAIRO_FILTER_NEAREST);
}

void
dl_draw_page_render_init (DlDrawPage *self)
{
  gtk_drawing_area_set_draw_func (self->bars_area, draw_bars, self, NULL);
  gtk_drawing_area_set_draw_func (self->input_area, draw_input, self, NULL);
  gtk_drawing_area_set_draw_func (self->crop_area, draw_crop, self, NULL);
  gtk_drawing_area_set_draw_func (self->fit_area, draw_fit, self, NULL);
}
