/* dl-augment.c — random affine augmentation with bilinear resampling.
 *
 * The output is computed backwards: each output pixel maps through the inverse transform to a point
 * in the source, which is sampled bilinearly. The inverse map is affine: its sine and cosine are
 * computed once per image, and each pixel costs a few multiply-adds and four reads, with no branch.
 */
#include "dl-augment.h"

#include <math.h>
#include <string.h>

void
dl_augment_draw (DlRng *rng, DlAugment *t)
{
  t->dx = (2 * dl_rng_uniform (rng) - 1) * DL_AUGMENT_MAX_SHIFT;
  t->dy = (2 * dl_rng_uniform (rng) - 1) * DL_AUGMENT_MAX_SHIFT;
  t->angle = (2 * dl_rng_uniform (rng) - 1) * DL_AUGMENT_MAX_ANGLE;
  t->scale = 1 + (2 * dl_rng_uniform (rng) - 1) * DL_AUGMENT_MAX_SCALE;
  t->stretch = t->shear = t->stroke = 0;
}

void
dl_augment_draw_kinds (DlRng *rng, guint kinds, DlAugment *t)
{
  if (kinds & DL_AUGMENT_AFFINE || kinds == 0)
    dl_augment_draw (rng, t);
  else
    *t = (DlAugment) { .scale = 1 };
  if (kinds & DL_AUGMENT_HURRIED)
    {
      t->angle = (2 * dl_rng_uniform (rng) - 1) * DL_AUGMENT_HURRIED_ANGLE;
      t->stretch = log (DL_AUGMENT_MIN_ASPECT)
                   + dl_rng_uniform (rng) * (log (DL_AUGMENT_MAX_ASPECT) - log (DL_AUGMENT_MIN_ASPECT));
      t->shear = (2 * dl_rng_uniform (rng) - 1) * DL_AUGMENT_MAX_SHEAR;
    }
  if (kinds & DL_AUGMENT_STROKE)
    t->stroke = 2 * dl_rng_uniform (rng) - 1;
}

char *
dl_augment_kinds_to_string (guint kinds)
{
  GString *s = g_string_new (NULL);
  if (kinds & DL_AUGMENT_AFFINE || kinds == 0)
    g_string_append (s, "affine");
  if (kinds & DL_AUGMENT_HURRIED)
    g_string_append (s, s->len > 0 ? ",hurried" : "hurried");
  if (kinds & DL_AUGMENT_STROKE)
    g_string_append (s, s->len > 0 ? ",stroke" : "stroke");
  return g_string_free (s, FALSE);
}

gboolean
dl_augment_kinds_parse (const char *text, guint *kinds)
{
  g_auto (GStrv) names = g_strsplit (text, ",", -1);
  *kinds = 0;
  for (int i = 0; names[i] != NULL; i++)
    {
      const char *name = g_strstrip (names[i]);
      if (g_strcmp0 (name, "affine") == 0)
        *kinds |= DL_AUGMENT_AFFINE;
      else if (g_strcmp0 (name, "hurried") == 0)
        *kinds |= DL_AUGMENT_HURRIED;
      else if (g_strcmp0 (name, "stroke") == 0)
        *kinds |= DL_AUGMENT_STROKE;
      else
        return FALSE;
    }
  return *kinds != 0;
}

/* The source is copied into a buffer with a 2-pixel black border, and source coordinates are clamped
 * into [−2, size]: every sample then reads inside the buffer, and any point off the image reads
 * only border zeros. That keeps the inner loop free of branches. */
#define PAD 2
#define MAX_STACK_SIDE 64

typedef struct { int x0, x1, y0, y1; } Box;   /* inclusive */

/* The bounding box of the nonzero pixels; FALSE when the image is all black. */
static gboolean
ink_box (const guint8 *src, int rows, int cols, Box *b)
{
  *b = (Box) { cols, -1, rows, -1 };
  for (int y = 0; y < rows; y++)
    for (int x = 0; x < cols; x++)
      if (src[y * cols + x] != 0)
        {
          b->x0 = MIN (b->x0, x);
          b->x1 = MAX (b->x1, x);
          b->y0 = MIN (b->y0, y);
          b->y1 = MAX (b->y1, y);
        }
  return b->x1 >= 0;
}

/* Narrows [*lo, *hi) to the x where q = r + x·e lies within (k0 − 1, k1 + 1) — the only places whose
 * 2 × 2 sample touches ink between columns (or rows) k0 and k1. One pixel of slack on each side
 * absorbs rounding, so nothing nonzero is ever cut off. */
static void
span (double r, double e, int k0, int k1, int *lo, int *hi)
{
  if (fabs (e) < 1e-9)
    {
      if (r <= k0 - 1 || r >= k1 + 1)
        *hi = *lo;
      return;
    }
  double a = (k0 - 1 - r) / e, b = (k1 + 1 - r) / e;
  if (a > b)
    {
      double tmp = a;
      a = b;
      b = tmp;
    }
  *lo = MAX (*lo, (int) CLAMP (floor (a) - 1, -1, *hi));
  *hi = MIN (*hi, (int) CLAMP (ceil (b) + 2, *lo, *hi));
}

/* The stroke thickened (amount > 0: each pixel towards the brightest of itself and its four neighbours)
 * or thinned (< 0: towards the darkest), by |amount| of the way: up to about a pixel of pen width. */
static void
restroke (float *img, int rows, int cols, double amount)
{
  float stack_buf[MAX_STACK_SIDE * MAX_STACK_SIDE];
  g_autofree float *heap_buf = NULL;
  float *copy = stack_buf;
  const gboolean thicker = amount > 0;
  const float w = (float) fabs (amount);

  if (rows > MAX_STACK_SIDE || cols > MAX_STACK_SIDE)
    copy = heap_buf = g_new (float, (gsize) rows * cols);
  memcpy (copy, img, sizeof (float) * rows * cols);
  for (int y = 0; y < rows; y++)
    for (int x = 0; x < cols; x++)
      {
        const float v = copy[y * cols + x];
        const float l = x > 0 ? copy[y * cols + x - 1] : 0, r = x + 1 < cols ? copy[y * cols + x + 1] : 0;
        const float u = y > 0 ? copy[(y - 1) * cols + x] : 0, d = y + 1 < rows ? copy[(y + 1) * cols + x] : 0;
        const float e = thicker ? MAX (MAX (v, l), MAX (MAX (r, u), d)) : MIN (MIN (v, l), MIN (MIN (r, u), d));
        img[y * cols + x] = v + (e - v) * w;
      }
}

void
dl_augment_image (const guint8 *src, int rows, int cols, const DlAugment *t, float *out)
{
  g_return_if_fail (t->scale > 0 && isfinite (t->scale) && isfinite (t->angle)
                    && isfinite (t->dx) && isfinite (t->dy) && isfinite (t->stretch) && isfinite (t->shear));

  /* Forward: out = c + d + s·R(θ)·H·(p − c), R turning counter-clockwise on screen (y points down), H
   * the squash and slant (x' = e^stretch·x − shear·y). Inverse: p = c + H⁻¹·R(−θ)·(out − c − d) / s,
   * i.e. p = origin + x·ex + y·ey. */
  const double cx = (cols - 1) / 2.0, cy = (rows - 1) / 2.0;
  const double rad = t->angle * G_PI / 180.0;
  const double c = cos (rad) / t->scale, s = sin (rad) / t->scale, a = exp (-t->stretch);
  const double m00 = (c + t->shear * s) * a, m01 = (-s + t->shear * c) * a, m10 = s, m11 = c;
  const float exx = m00, exy = m10;      /* d p / d x */
  const double eyx = m01, eyy = m11;     /* d p / d y */
  const double u0 = -cx - t->dx, v0 = -cy - t->dy;
  const double ox = cx + m00 * u0 + m01 * v0, oy = cy + m10 * u0 + m11 * v0;
  const float inv255 = 1.0f / 255.0f;
  /* Added before truncating to int, so that truncation is a floor for the clamped range. */
  const float OFF = 8;
  const int W = cols + 2 * PAD, H = rows + 2 * PAD;
  guint8 stack_buf[(MAX_STACK_SIDE + 2 * PAD) * (MAX_STACK_SIDE + 2 * PAD)];
  g_autofree guint8 *heap_buf = NULL;
  guint8 *padded = stack_buf;

  Box ink;

  if (!ink_box (src, rows, cols, &ink))
    {
      memset (out, 0, sizeof (float) * rows * cols);
      return;
    }
  if (rows > MAX_STACK_SIDE || cols > MAX_STACK_SIDE)
    padded = heap_buf = g_malloc ((gsize) W * H);
  memset (padded, 0, (gsize) W * H);
  for (int y = 0; y < rows; y++)
    memcpy (padded + (gsize) (y + PAD) * W + PAD, src + (gsize) y * cols, cols);

  for (int y = 0; y < rows; y++)
    {
      const float rx = ox + y * eyx, ry = oy + y * eyy;
      float *row = out + (gsize) y * cols;
      int x_lo = 0, x_hi = cols;

      /* Only where the source point falls near the ink can the output be nonzero. */
      span (rx, exx, ink.x0, ink.x1, &x_lo, &x_hi);
      span (ry, exy, ink.y0, ink.y1, &x_lo, &x_hi);
      x_lo = MIN (x_lo, x_hi);
      memset (row, 0, sizeof (float) * x_lo);
      memset (row + x_hi, 0, sizeof (float) * (cols - x_hi));
      for (int x = x_lo; x < x_hi; x++)
        {
          /* Computed afresh, not stepped, so whole-pixel maps land exactly on source pixels. */
          const float qx = CLAMP (rx + x * exx, -PAD, cols) + OFF;
          const float qy = CLAMP (ry + x * exy, -PAD, rows) + OFF;
          const int ix = (int) qx, iy = (int) qy;
          const float fx = qx - ix, fy = qy - iy;
          const guint8 *p = padded + (gsize) (iy - (int) OFF + PAD) * W + (ix - (int) OFF + PAD);
          const float a = p[0], b = p[1], c0 = p[W], d = p[W + 1];
          /* a + (b − a)·f never leaves [min, max] under rounding, so the result stays within [0, 1]. */
          const float top = a + (b - a) * fx, bot = c0 + (d - c0) * fx;

          row[x] = (top + (bot - top) * fy) * inv255;
        }
    }
  if (t->stroke != 0)
    restroke (out, rows, cols, t->stroke);
}

void
dl_augment_gather (const DlDataset *ds, const int *idx, int n, float *out, DlRng *rng)
{
  dl_augment_gather_kinds (ds, idx, n, out, rng, DL_AUGMENT_AFFINE);
}

void
dl_augment_gather_kinds (const DlDataset *ds, const int *idx, int n, float *out, DlRng *rng, guint kinds)
{
  const gsize d = (gsize) ds->rows * ds->cols;

  for (int i = 0; i < n; i++)
    {
      DlAugment t;

      dl_augment_draw_kinds (rng, kinds, &t);
      dl_augment_image (ds->pixels + (gsize) idx[i] * d, ds->rows, ds->cols, &t, out + (gsize) i * d);
    }
}
