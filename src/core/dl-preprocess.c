/* dl-preprocess.c — MNIST-style preparation of a drawn digit: render, crop, fit, centre. */
#include "dl-preprocess.h"

#include <math.h>
#include <string.h>

/* A pixel belongs to the ink's bounding box from this level on: keeps the faint noise of a scanned or
 * resampled image from widening the box, while the grey levels themselves are kept as they are. */
#define INK_LEVEL 0.02f

DlDigitInput *
dl_digit_input_new (void)
{
  DlDigitInput *in = g_new0 (DlDigitInput, 1);
  in->empty = TRUE;
  return in;
}

void
dl_digit_input_free (DlDigitInput *in)
{
  if (in == NULL)
    return;
  g_free (in->crop);
  g_free (in);
}

static void
set_empty (DlDigitInput *out)
{
  out->empty = TRUE;
  out->crop_w = out->crop_h = 0;
  out->fit_w = out->fit_h = 0;
  out->offset_x = out->offset_y = 0;
  out->com_x = out->com_y = DL_DIGIT_CENTRE;
  memset (out->fit, 0, sizeof out->fit);
  memset (out->input, 0, sizeof out->input);
}

static float *
crop_buffer (DlDigitInput *out, int w, int h)
{
  out->crop_w = w;
  out->crop_h = h;
  out->crop = g_renew (float, out->crop, (gsize) w * h);
  return out->crop;
}

/* ---- drawing strokes ---- */

static gboolean
constant_pressure (const DlStroke *s)
{
  for (int i = 1; i < s->n_points; i++)
    if (s->points[i].pressure != s->points[0].pressure)
      return FALSE;
  return TRUE;
}

/* Quadratic from a to c with control b, as cairo's cubic. */
static void
quad_to (cairo_t *cr, double ax, double ay, double bx, double by, double cx, double cy)
{
  cairo_curve_to (cr, ax + 2.0 / 3.0 * (bx - ax), ay + 2.0 / 3.0 * (by - ay),
                  cx + 2.0 / 3.0 * (bx - cx), cy + 2.0 / 3.0 * (by - cy), cx, cy);
}

/* Piece i of a stroke runs from the midpoint before sample i to the midpoint after it, bending towards
 * the sample: the curve passes smoothly through the midpoints, so sparse events still draw round arcs. */
static void
piece_path (cairo_t *cr, const DlStroke *s, int i)
{
  const DlPoint *p = s->points;
  int n = s->n_points;
  double ax = i == 0 ? p[0].x : (p[i - 1].x + p[i].x) / 2, ay = i == 0 ? p[0].y : (p[i - 1].y + p[i].y) / 2;
  double cx = i == n - 1 ? p[i].x : (p[i].x + p[i + 1].x) / 2;
  double cy = i == n - 1 ? p[i].y : (p[i].y + p[i + 1].y) / 2;

  if (!cairo_has_current_point (cr))
    cairo_move_to (cr, ax, ay);
  quad_to (cr, ax, ay, p[i].x, p[i].y, cx, cy);
}

void
dl_strokes_draw (cairo_t *cr, const DlStroke *strokes, int n_strokes, double width)
{
  cairo_save (cr);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (int k = 0; k < n_strokes; k++)
    {
      const DlStroke *s = &strokes[k];
      if (s->n_points == 0)
        continue;
      if (constant_pressure (s))
        {
          /* One path: the joins are seamless. A single sample becomes a round dot. */
          cairo_new_path (cr);
          cairo_move_to (cr, s->points[0].x, s->points[0].y);
          if (s->n_points == 1)
            cairo_line_to (cr, s->points[0].x, s->points[0].y);
          for (int i = 0; i < s->n_points && s->n_points > 1; i++)
            piece_path (cr, s, i);
          cairo_set_line_width (cr, width * s->points[0].pressure);
          cairo_stroke (cr);
          continue;
        }
      /* Pressure varies: each piece gets the width of its sample; round caps join the pieces. */
      for (int i = 0; i < s->n_points; i++)
        {
          cairo_new_path (cr);
          piece_path (cr, s, i);
          cairo_set_line_width (cr, width * s->points[i].pressure);
          cairo_stroke (cr);
        }
    }
  cairo_restore (cr);
}

/* ---- resampling ---- */

/* Area average along one axis: each output sample is the mean of the input over its footprint, partial
 * input pixels weighted by their overlap. `n` lines of `src_len` samples, `stride` apart within a line. */
static void
area_1d (const float *src, int src_len, int src_step, int src_line,
         float *dst, int dst_len, int dst_step, int dst_line, int n)
{
  double r = (double) src_len / dst_len;
  for (int line = 0; line < n; line++)
    for (int i = 0; i < dst_len; i++)
      {
        double a = i * r, b = (i + 1) * r, sum = 0;
        for (int k = (int) a; k < src_len && k < b; k++)
          {
            double overlap = MIN (b, k + 1.0) - MAX (a, (double) k);
            sum += overlap * src[line * src_line + k * src_step];
          }
        dst[line * dst_line + i * dst_step] = (float) (sum / r);
      }
}

/* Bilinear sample at (x, y) in pixel-centre coordinates, zero outside. */
static float
bilinear (const float *src, int w, int h, double x, double y)
{
  int x0 = (int) floor (x), y0 = (int) floor (y);
  double fx = x - x0, fy = y - y0, v = 0;
  for (int dy = 0; dy < 2; dy++)
    for (int dx = 0; dx < 2; dx++)
      {
        int xx = x0 + dx, yy = y0 + dy;
        if (xx < 0 || yy < 0 || xx >= w || yy >= h)
          continue;
        v += (dx ? fx : 1 - fx) * (dy ? fy : 1 - fy) * src[yy * w + xx];
      }
  return (float) v;
}

/* Resizes src (sw × sh) to dst (dw × dh): area averaging where it shrinks (the anti-aliasing MNIST
 * applied), bilinear where a small image has to grow. */
static void
resample (const float *src, int sw, int sh, float *dst, int dw, int dh)
{
  if (dw <= sw && dh <= sh)
    {
      g_autofree float *tmp = g_new (float, (gsize) dw * sh);
      area_1d (src, sw, 1, sw, tmp, dw, 1, dw, sh);   /* rows: sw → dw */
      area_1d (tmp, sh, dw, 1, dst, dh, dw, 1, dw);   /* columns: sh → dh */
      return;
    }
  for (int y = 0; y < dh; y++)
    for (int x = 0; x < dw; x++)
      dst[y * dw + x] = bilinear (src, sw, sh, (x + 0.5) * sw / dw - 0.5, (y + 0.5) * sh / dh - 0.5);
}

/* ---- centring ---- */

static void
centre_of_mass (const float *img, int w, int h, float *cx, float *cy)
{
  double m = 0, sx = 0, sy = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        double v = img[y * w + x];
        m += v;
        sx += v * x;
        sy += v * y;
      }
  *cx = m > 0 ? (float) (sx / m) : (w - 1) / 2.0f;
  *cy = m > 0 ? (float) (sy / m) : (h - 1) / 2.0f;
}

/* Pastes fit into the 28×28 field with the integer offset that brings its centre of mass within half a
 * pixel of (14, 14), as MNIST did. The offset is clamped so no ink leaves the field; with a 20-pixel box
 * in 28 that only happens for digits whose mass sits more than 4 pixels off their box's middle. */
static void
place (DlDigitInput *out)
{
  float cx, cy;
  centre_of_mass (out->fit, out->fit_w, out->fit_h, &cx, &cy);
  out->offset_x = CLAMP ((int) lroundf (DL_DIGIT_CENTRE - cx), 0, DL_DIGIT_SIDE - out->fit_w);
  out->offset_y = CLAMP ((int) lroundf (DL_DIGIT_CENTRE - cy), 0, DL_DIGIT_SIDE - out->fit_h);
  memset (out->input, 0, sizeof out->input);
  for (int y = 0; y < out->fit_h; y++)
    for (int x = 0; x < out->fit_w; x++)
      out->input[(y + out->offset_y) * DL_DIGIT_SIDE + x + out->offset_x] =
        CLAMP (out->fit[y * out->fit_w + x], 0.0f, 1.0f);
  centre_of_mass (out->input, DL_DIGIT_SIDE, DL_DIGIT_SIDE, &out->com_x, &out->com_y);
  out->empty = FALSE;
}

/* The longer side becomes DL_DIGIT_BOX, the other keeps the aspect ratio (at least one pixel). */
static void
fit_size (int w, int h, int *fw, int *fh)
{
  int longer = MAX (w, h);
  *fw = MAX (1, (int) lround ((double) w * DL_DIGIT_BOX / longer));
  *fh = MAX (1, (int) lround ((double) h * DL_DIGIT_BOX / longer));
}

/* ---- strokes ---- */

/* Where a sample may lie, in canvas units: no canvas is a million pixels wide, and beyond this the
 * extent of a digit would lose the precision its rendering needs. */
#define MAX_COORD 1e6f
/* The widest pen a pressure factor may ask for (the canvas maps stylus pressure to 0.4–1.6): the pen's
 * reach must stay well inside the 20-pixel box the ink is fitted to. */
#define MAX_PRESSURE 4.0f

/* The strokes as the pipeline can trust them: samples with a coordinate that is not a finite number
 * within ±MAX_COORD are dropped, and pressure is clamped to [0, MAX_PRESSURE] (1, a mouse's, when it is
 * not a number). Points and strokes are g_free'd by the caller (points in one block, *points). */
static DlStroke *
sanitize_strokes (const DlStroke *strokes, int n_strokes, DlPoint **points)
{
  gsize total = 0;
  for (int k = 0; k < n_strokes; k++)
    total += MAX (strokes[k].n_points, 0);
  DlStroke *clean = g_new0 (DlStroke, MAX (n_strokes, 1));
  DlPoint *p = *points = g_new (DlPoint, MAX (total, 1));

  for (int k = 0; k < n_strokes; k++)
    {
      clean[k].points = p;
      for (int i = 0; i < strokes[k].n_points; i++)
        {
          DlPoint q = strokes[k].points[i];
          if (!(fabsf (q.x) <= MAX_COORD && fabsf (q.y) <= MAX_COORD))
            continue;
          q.pressure = isnan (q.pressure) ? 1.0f : CLAMP (q.pressure, 0.0f, MAX_PRESSURE);
          *p++ = q;
        }
      clean[k].n_points = p - clean[k].points;
    }
  return clean;
}

static gboolean
preprocess_clean_strokes (const DlStroke *strokes, int n_strokes, float pen_width, DlDigitInput *out);

gboolean
dl_preprocess_strokes (const DlStroke *strokes, int n_strokes, float pen_width, DlDigitInput *out)
{
  g_autofree DlPoint *points = NULL;
  g_autofree DlStroke *clean = sanitize_strokes (strokes, MAX (n_strokes, 0), &points);

  if (!(pen_width >= 0 && pen_width <= MAX_COORD))
    pen_width = 0;
  return preprocess_clean_strokes (clean, MAX (n_strokes, 0), pen_width, out);
}

static gboolean
preprocess_clean_strokes (const DlStroke *strokes, int n_strokes, float pen_width, DlDigitInput *out)
{
  double x0 = G_MAXDOUBLE, y0 = G_MAXDOUBLE, x1 = -G_MAXDOUBLE, y1 = -G_MAXDOUBLE;
  float pmax = 0;

  for (int k = 0; k < n_strokes; k++)
    for (int i = 0; i < strokes[k].n_points; i++)
      {
        const DlPoint *p = &strokes[k].points[i];
        x0 = MIN (x0, p->x); x1 = MAX (x1, p->x);
        y0 = MIN (y0, p->y); y1 = MAX (y1, p->y);
        pmax = MAX (pmax, p->pressure);
      }
  double extent = MAX (x1 - x0, y1 - y0);
  if (x1 < x0 || pmax <= 0 || !(extent > 0) || extent < DL_DIGIT_MIN_EXTENT_PENS * pen_width)
    {
      set_empty (out);
      return FALSE;
    }

  /* The pen is DL_DIGIT_PEN_WIDTH fitted pixels wide (times pressure), and the ink — centre lines plus
   * the pen's reach — spans exactly DL_DIGIT_BOX fitted pixels on its longer side. Rendering at
   * DL_DIGIT_OVERSAMPLE× on a grid whose sides are multiples of it makes "fit" an exact box filter. */
  const int os = DL_DIGIT_OVERSAMPLE;
  double pen = DL_DIGIT_PEN_WIDTH * os;              /* nominal pen in high-resolution pixels */
  double reach = pen * pmax / 2;
  double scale = (DL_DIGIT_BOX * os - 2 * reach) / extent;
  double ink_w = (x1 - x0) * scale + 2 * reach, ink_h = (y1 - y0) * scale + 2 * reach;
  int fw, fh;
  fit_size ((int) lround (ink_w), (int) lround (ink_h), &fw, &fh);
  int cw = fw * os, ch = fh * os;

  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_A8, cw, ch);
  cairo_t *cr = cairo_create (surface);
  /* Centre the ink in the (rounded-up) grid, then map canvas units to high-resolution pixels. */
  cairo_translate (cr, (cw - ink_w) / 2 + reach, (ch - ink_h) / 2 + reach);
  cairo_scale (cr, scale, scale);
  cairo_translate (cr, -x0, -y0);
  cairo_set_source_rgba (cr, 0, 0, 0, 1);
  dl_strokes_draw (cr, strokes, n_strokes, pen / scale);
  cairo_destroy (cr);
  cairo_surface_flush (surface);

  float *crop = crop_buffer (out, cw, ch);
  const guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  for (int y = 0; y < ch; y++)
    for (int x = 0; x < cw; x++)
      crop[y * cw + x] = data[y * stride + x] / 255.0f;
  cairo_surface_destroy (surface);

  out->fit_w = fw;
  out->fit_h = fh;
  resample (crop, cw, ch, out->fit, fw, fh);
  place (out);
  return TRUE;
}

/* ---- greyscale images ---- */

gboolean
dl_preprocess_image (const float *image, int w, int h, float min_extent, DlDigitInput *out)
{
  int x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      if (image[y * w + x] > INK_LEVEL && isfinite (image[y * w + x]))
        {
          x0 = MIN (x0, x); x1 = MAX (x1, x);
          y0 = MIN (y0, y); y1 = MAX (y1, y);
        }
  if (x1 < 0 || MAX (x1 - x0 + 1, y1 - y0 + 1) < min_extent)
    {
      set_empty (out);
      return FALSE;
    }

  int cw = x1 - x0 + 1, ch = y1 - y0 + 1;
  float *crop = crop_buffer (out, cw, ch);
  /* Levels outside [0, 1] (or not numbers) from an outside image would reach the network as they are. */
  for (int y = 0; y < ch; y++)
    for (int x = 0; x < cw; x++)
      {
        float v = image[(gsize) (y + y0) * w + x0 + x];
        crop[(gsize) y * cw + x] = isfinite (v) ? CLAMP (v, 0.0f, 1.0f) : 0.0f;
      }

  fit_size (cw, ch, &out->fit_w, &out->fit_h);
  resample (crop, cw, ch, out->fit, out->fit_w, out->fit_h);
  place (out);
  return TRUE;
}

int
dl_digit_classify (DlNet *net, const DlDigitInput *in, float *probs)
{
  if (in->empty)
    {
      memset (probs, 0, DL_N_CLASSES * sizeof (float));
      return -1;
    }
  dl_net_predict (net, in->input, 1, probs);
  return dl_argmax_class (probs);
}
