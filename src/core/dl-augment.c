/* dl-augment.c — random affine (and hurried), elastic and stroke augmentation with bilinear resampling.
 *
 * The output is computed backwards: each output pixel maps through the inverse transform to a point
 * in the source, which is sampled bilinearly. The inverse affine map's sine and cosine are computed
 * once per image, and each pixel costs a few multiply-adds and four reads, with no branch. An elastic
 * displacement, when on, moves the point first, in the output's frame.
 */
#include "dl-augment.h"

#include <immintrin.h>
#include <math.h>
#include <string.h>

static void
draw_affine (DlRng *rng, double shift, double angle, double scale, DlAugment *t)
{
  t->dx = (2 * dl_rng_uniform (rng) - 1) * shift;
  t->dy = (2 * dl_rng_uniform (rng) - 1) * shift;
  t->angle = (2 * dl_rng_uniform (rng) - 1) * angle;
  t->scale = 1 + (2 * dl_rng_uniform (rng) - 1) * scale;
}

void
dl_augment_draw (DlRng *rng, DlAugment *t)
{
  *t = (DlAugment) { .scale = 1 };
  draw_affine (rng, DL_AUGMENT_MAX_SHIFT, DL_AUGMENT_MAX_ANGLE, DL_AUGMENT_MAX_SCALE, t);
}

/* The kinds' draws in a fixed order: the affine's four, then three for HURRIED (which turns further than
 * the affine kind, so its angle replaces that one), then one for STROKE. */
static void
draw_kinds (DlRng *rng, const DlAugmentOptions *o, DlAugment *t)
{
  *t = (DlAugment) { .scale = 1 };
  if (o->kinds & DL_AUGMENT_AFFINE)
    draw_affine (rng, o->max_shift, o->max_angle, o->max_scale, t);
  if (o->kinds & DL_AUGMENT_HURRIED)
    {
      t->angle = (2 * dl_rng_uniform (rng) - 1) * DL_AUGMENT_HURRIED_ANGLE;
      t->stretch = log (DL_AUGMENT_MIN_ASPECT)
                   + dl_rng_uniform (rng) * (log (DL_AUGMENT_MAX_ASPECT) - log (DL_AUGMENT_MIN_ASPECT));
      t->shear = (2 * dl_rng_uniform (rng) - 1) * DL_AUGMENT_MAX_SHEAR;
    }
  if (o->kinds & DL_AUGMENT_STROKE)
    t->stroke = 2 * dl_rng_uniform (rng) - 1;
}

void
dl_augment_draw_kinds (DlRng *rng, guint kinds, DlAugment *t)
{
  DlAugmentOptions o;

  dl_augment_options_init (&o, kinds ? kinds : DL_AUGMENT_AFFINE);
  draw_kinds (rng, &o, t);
}

/* The source is copied into a buffer with a 2-pixel black border, and source coordinates are clamped
 * into [−2, size]: every sample then reads inside the buffer, and any point off the image reads
 * only border zeros. That keeps the inner loop free of branches. */
#define PAD 2
#define MAX_STACK_SIDE 64
/* Bytes past the padded image that the AVX2 rows may read: a gather loads 4 bytes where 2 are used. */
#define SLACK 4

typedef struct { int x0, x1, y0, y1; } Box;   /* inclusive */

/* The bounding box of the nonzero pixels; FALSE when the image is all black. Each row is read from its
 * ends inwards to its first ink, not pixel by pixel (a digit's rows are mostly black margin). */
static gboolean
ink_box (const guint8 *src, int rows, int cols, Box *b)
{
  *b = (Box) { cols, -1, rows, -1 };
  for (int y = 0; y < rows; y++)
    {
      const guint8 *row = src + (gsize) y * cols;
      int x0 = 0, x1 = cols - 1;

      while (x0 < cols && row[x0] == 0)
        x0++;
      if (x0 == cols)
        continue;
      while (row[x1] == 0)
        x1--;
      b->x0 = MIN (b->x0, x0);
      b->x1 = MAX (b->x1, x1);
      b->y0 = MIN (b->y0, y);
      b->y1 = y;
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

/* The inverse of t as p = origin + x·ex + y·ey: forward, out = c + d + s·R(θ)·H·(p − c), R turning
 * counter-clockwise on screen (y points down), H the squash and slant (x' = e^stretch·x − shear·y);
 * inverse, p = c + H⁻¹·R(−θ)·(out − c − d) / s. With no squash or slant it is the rotation's, exactly. */
typedef struct {
  double ox, oy, exx, exy, eyx, eyy;
} Inverse;

static Inverse
inverse_map (const DlAugment *t, int rows, int cols)
{
  const double cx = (cols - 1) / 2.0, cy = (rows - 1) / 2.0;
  const double rad = t->angle * G_PI / 180.0;
  const double c = cos (rad) / t->scale, s = sin (rad) / t->scale, a = exp (-t->stretch);
  const double m00 = (c + t->shear * s) * a, m01 = (-s + t->shear * c) * a, m10 = s, m11 = c;
  const double u0 = -cx - t->dx, v0 = -cy - t->dy;
  return (Inverse) { cx + m00 * u0 + m01 * v0, cy + m10 * u0 + m11 * v0, m00, m10, m01, m11 };
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

/* Added before truncating to int, so that truncation is a floor for the clamped range. */
#define OFF 8.0f

/* The bilinear sample of the padded source (W = cols + 2·PAD wide) at (qx, qy), in [0, 1]. Points off the
 * image are clamped into the border, which is zero. */
static inline float
sample (const guint8 *padded, int W, int rows, int cols, float qx, float qy)
{
  qx = CLAMP (qx, -PAD, cols) + OFF;
  qy = CLAMP (qy, -PAD, rows) + OFF;
  const int ix = (int) qx, iy = (int) qy;
  const float fx = qx - ix, fy = qy - iy;
  const guint8 *p = padded + (gsize) (iy - (int) OFF + PAD) * W + (ix - (int) OFF + PAD);
  const float a = p[0], b = p[1], c0 = p[W], d = p[W + 1];
  /* a + (b − a)·f never leaves [min, max] under rounding, so the result stays within [0, 1]. */
  const float top = a + (b - a) * fx, bot = c0 + (d - c0) * fx;
  return (top + (bot - top) * fy) * (1.0f / 255.0f);
}

/* src with a PAD-pixel black border, into buf (stack_buf when it fits, else a new heap buffer in *heap). */
static guint8 *
pad_source (const guint8 *src, int rows, int cols, guint8 *stack_buf, guint8 **heap)
{
  const int W = cols + 2 * PAD, H = rows + 2 * PAD;
  guint8 *padded = stack_buf;

  if (rows > MAX_STACK_SIDE || cols > MAX_STACK_SIDE)
    padded = *heap = g_malloc ((gsize) W * H + SLACK);
  memset (padded, 0, (gsize) W * H + SLACK);
  for (int y = 0; y < rows; y++)
    memcpy (padded + (gsize) (y + PAD) * W + PAD, src + (gsize) y * cols, cols);
  return padded;
}

/* A row's samples at x = x_lo … x_hi − 1, as sample () computes each: one multiply and one add for the
 * point, the same clamp, truncation and lerps (no FMA, which would round differently), so the image is
 * the same to the bit. Eight at a time, each pair of source bytes read by one gather of 4. */
typedef void (*SampleRow) (const guint8 *padded, int W, int rows, int cols, float rx, float ry, float ex,
                           float ey, int x_lo, int x_hi, float *row);

static void
sample_row_scalar (const guint8 *padded, int W, int rows, int cols, float rx, float ry, float ex, float ey,
                   int x_lo, int x_hi, float *row)
{
  for (int x = x_lo; x < x_hi; x++)
    row[x] = sample (padded, W, rows, cols, rx + x * ex, ry + x * ey);
}

__attribute__ ((target ("avx2")))
static void
sample_row_avx2 (const guint8 *padded, int W, int rows, int cols, float rx, float ry, float ex, float ey,
                 int x_lo, int x_hi, float *row)
{
  const __m256 lane = _mm256_setr_ps (0, 1, 2, 3, 4, 5, 6, 7), off = _mm256_set1_ps (OFF);
  const __m256 lo = _mm256_set1_ps (-PAD), hi_x = _mm256_set1_ps (cols), hi_y = _mm256_set1_ps (rows);
  const __m256i base = _mm256_set1_epi32 (PAD - (int) OFF), wide = _mm256_set1_epi32 (W);
  const __m256i byte = _mm256_set1_epi32 (0xff);
  int x = x_lo;

  for (; x + 8 <= x_hi; x += 8)
    {
      const __m256 xf = _mm256_add_ps (_mm256_set1_ps ((float) x), lane);
      __m256 qx = _mm256_add_ps (_mm256_set1_ps (rx), _mm256_mul_ps (xf, _mm256_set1_ps (ex)));
      __m256 qy = _mm256_add_ps (_mm256_set1_ps (ry), _mm256_mul_ps (xf, _mm256_set1_ps (ey)));
      qx = _mm256_add_ps (_mm256_min_ps (_mm256_max_ps (qx, lo), hi_x), off);
      qy = _mm256_add_ps (_mm256_min_ps (_mm256_max_ps (qy, lo), hi_y), off);
      const __m256i ix = _mm256_cvttps_epi32 (qx), iy = _mm256_cvttps_epi32 (qy);
      const __m256 fx = _mm256_sub_ps (qx, _mm256_cvtepi32_ps (ix)), fy = _mm256_sub_ps (qy, _mm256_cvtepi32_ps (iy));
      const __m256i at = _mm256_add_epi32 (_mm256_mullo_epi32 (_mm256_add_epi32 (iy, base), wide),
                                           _mm256_add_epi32 (ix, base));
      const __m256i up = _mm256_i32gather_epi32 ((const int *) padded, at, 1);
      const __m256i down = _mm256_i32gather_epi32 ((const int *) padded, _mm256_add_epi32 (at, wide), 1);
      const __m256 a = _mm256_cvtepi32_ps (_mm256_and_si256 (up, byte));
      const __m256 b = _mm256_cvtepi32_ps (_mm256_and_si256 (_mm256_srli_epi32 (up, 8), byte));
      const __m256 c = _mm256_cvtepi32_ps (_mm256_and_si256 (down, byte));
      const __m256 d = _mm256_cvtepi32_ps (_mm256_and_si256 (_mm256_srli_epi32 (down, 8), byte));
      const __m256 top = _mm256_add_ps (a, _mm256_mul_ps (_mm256_sub_ps (b, a), fx));
      const __m256 bot = _mm256_add_ps (c, _mm256_mul_ps (_mm256_sub_ps (d, c), fx));
      const __m256 v = _mm256_add_ps (top, _mm256_mul_ps (_mm256_sub_ps (bot, top), fy));
      _mm256_storeu_ps (row + x, _mm256_mul_ps (v, _mm256_set1_ps (1.0f / 255.0f)));
    }
  sample_row_scalar (padded, W, rows, cols, rx, ry, ex, ey, x, x_hi, row);
}

static SampleRow forced_row;

static SampleRow
sample_row (void)
{
  if (forced_row != NULL)
    return forced_row;
  __builtin_cpu_init ();
  return __builtin_cpu_supports ("avx2") ? sample_row_avx2 : sample_row_scalar;
}

gboolean
dl_augment_force_isa (const char *isa)
{
  __builtin_cpu_init ();
  if (isa == NULL)
    forced_row = NULL;
  else if (g_str_equal (isa, "avx2") && __builtin_cpu_supports ("avx2"))
    forced_row = sample_row_avx2;
  else if (g_str_equal (isa, "scalar"))
    forced_row = sample_row_scalar;
  else
    return FALSE;
  return TRUE;
}

void
dl_augment_image (const guint8 *src, int rows, int cols, const DlAugment *t, float *out)
{
  g_return_if_fail (t->scale > 0 && isfinite (t->scale) && isfinite (t->angle)
                    && isfinite (t->dx) && isfinite (t->dy) && isfinite (t->stretch) && isfinite (t->shear));

  const Inverse m = inverse_map (t, rows, cols);
  const float exx = m.exx, exy = m.exy;  /* d p / d x */
  const int W = cols + 2 * PAD;
  guint8 stack_buf[(MAX_STACK_SIDE + 2 * PAD) * (MAX_STACK_SIDE + 2 * PAD) + SLACK];
  g_autofree guint8 *heap_buf = NULL;
  const SampleRow row_of = sample_row ();
  Box ink;

  if (!ink_box (src, rows, cols, &ink))
    {
      memset (out, 0, sizeof (float) * rows * cols);
      return;
    }
  const guint8 *padded = pad_source (src, rows, cols, stack_buf, &heap_buf);

  for (int y = 0; y < rows; y++)
    {
      const float rx = m.ox + y * m.eyx, ry = m.oy + y * m.eyy;
      float *row = out + (gsize) y * cols;
      int x_lo = 0, x_hi = cols;

      /* Only where the source point falls near the ink can the output be nonzero. */
      span (rx, exx, ink.x0, ink.x1, &x_lo, &x_hi);
      span (ry, exy, ink.y0, ink.y1, &x_lo, &x_hi);
      x_lo = MIN (x_lo, x_hi);
      memset (row, 0, sizeof (float) * x_lo);
      memset (row + x_hi, 0, sizeof (float) * (cols - x_hi));
      /* Computed afresh, not stepped, so whole-pixel maps land exactly on source pixels. */
      row_of (padded, W, rows, cols, rx, ry, exx, exy, x_lo, x_hi, row);
    }
  if (t->stroke != 0)
    restroke (out, rows, cols, t->stroke);
}

void
dl_augment_gather (const DlDataset *ds, const int *idx, int n, float *out, DlRng *rng)
{
  const gsize d = (gsize) ds->rows * ds->cols;

  for (int i = 0; i < n; i++)
    {
      DlAugment t;

      dl_augment_draw (rng, &t);
      dl_augment_image (ds->pixels + (gsize) idx[i] * d, ds->rows, ds->cols, &t, out + (gsize) i * d);
    }
}

/* ---- composable kinds ---- */

static const struct { const char *name; guint kind; } kind_names[] = {
  { "affine", DL_AUGMENT_AFFINE },
  { "hurried", DL_AUGMENT_HURRIED },
  { "stroke", DL_AUGMENT_STROKE },
  { "elastic", DL_AUGMENT_ELASTIC },
};

gboolean
dl_augment_kinds_parse (const char *text, guint *kinds)
{
  g_auto (GStrv) names = g_strsplit (text, ",", -1);
  guint k = 0;

  for (int i = 0; names[i]; i++)
    {
      gsize j = 0;
      g_strstrip (names[i]);
      while (j < G_N_ELEMENTS (kind_names) && strcmp (names[i], kind_names[j].name) != 0)
        j++;
      if (j == G_N_ELEMENTS (kind_names))
        return FALSE;
      k |= kind_names[j].kind;
    }
  if (k == 0)
    return FALSE;
  *kinds = k;
  return TRUE;
}

char *
dl_augment_kinds_to_string (guint kinds)
{
  GString *s = g_string_new (NULL);
  for (gsize j = 0; j < G_N_ELEMENTS (kind_names); j++)
    if ((kinds ? kinds : DL_AUGMENT_AFFINE) & kind_names[j].kind)
      g_string_append_printf (s, "%s%s", s->len ? "," : "", kind_names[j].name);
  return g_string_free (s, FALSE);
}

guint
dl_augment_kinds_of (gboolean augment, guint augment_kinds)
{
  return !augment ? 0 : augment_kinds ? augment_kinds : DL_AUGMENT_AFFINE;
}

void
dl_augment_options_init (DlAugmentOptions *o, guint kinds)
{
  *o = (DlAugmentOptions) {
    .kinds = kinds,
    .max_shift = DL_AUGMENT_MAX_SHIFT, .max_angle = DL_AUGMENT_MAX_ANGLE, .max_scale = DL_AUGMENT_MAX_SCALE,
    .elastic_alpha = DL_AUGMENT_ELASTIC_ALPHA, .elastic_sigma = DL_AUGMENT_ELASTIC_SIGMA,
  };
}

#define MAX_RADIUS 32  /* of the Gaussian: 3 σ, σ up to ~10 px */

gsize
dl_augment_scratch_floats (int rows, int cols)
{
  /* The two displacement fields and one padded line (and its result) for the blur. */
  return 2 * (gsize) rows * cols + 2 * MAX (rows, cols) + 2 * MAX_RADIUS;
}

/* v: n values `stride` apart, smoothed in place by the normalised kernel w[−r … r] (w[0] the centre),
 * zero beyond the ends. line: n + 2r floats, then n more. Tap by tap over the whole line, so that the
 * inner loop runs along it (and vectorises). */
static void
blur_line (float *v, int n, gsize stride, const float *w, int r, float *line)
{
  float *restrict in = line, *restrict out = line + n + 2 * r;

  for (int i = 0; i < r; i++)
    in[i] = in[n + r + i] = 0.0f;
  for (int i = 0; i < n; i++)
    in[r + i] = v[i * stride];
  for (int i = 0; i < n; i++)
    out[i] = w[0] * in[r + i];
  for (int k = 1; k <= r; k++)
    for (int i = 0; i < n; i++)
      out[i] += w[k] * (in[r + i + k] + in[r + i - k]);
  for (int i = 0; i < n; i++)
    v[i * stride] = out[i];
}

/* A displacement field: uniform in [−1, 1] at each pixel, smoothed by a Gaussian of sigma (separably,
 * zero outside the image), times alpha (Simard et al.). */
static void
elastic_field (DlRng *rng, int rows, int cols, double alpha, double sigma, float *f, float *line)
{
  int r = CLAMP ((int) ceil (3 * sigma), 0, MAX_RADIUS);
  float w[MAX_RADIUS + 1], wa[MAX_RADIUS + 1], sum = 0.0f;

  for (int k = 0; k <= r; k++)
    {
      w[k] = sigma > 0 ? (float) exp (-(double) k * k / (2 * sigma * sigma)) : (k == 0);
      sum += k == 0 ? w[k] : 2 * w[k];
    }
  for (int k = 0; k <= r; k++)
    w[k] /= sum, wa[k] = w[k] * (float) alpha;  /* the scale rides along in the second pass */
  for (int i = 0; i < rows * cols; i++)
    f[i] = (float) (2 * dl_rng_uniform (rng) - 1);
  for (int y = 0; y < rows; y++)
    blur_line (f + (gsize) y * cols, cols, 1, w, r, line);
  for (int x = 0; x < cols; x++)
    blur_line (f + x, rows, cols, wa, r, line);
}

/* Output pixel (x, y) samples the source at the inverse affine image of (x, y) + (fx, fy)(x, y). */
static void
displaced_image (const guint8 *src, int rows, int cols, const DlAugment *t, const float *fx, const float *fy,
                 float *out)
{
  const Inverse m = inverse_map (t, rows, cols);
  const int W = cols + 2 * PAD;
  guint8 stack_buf[(MAX_STACK_SIDE + 2 * PAD) * (MAX_STACK_SIDE + 2 * PAD) + SLACK];
  g_autofree guint8 *heap_buf = NULL;
  const guint8 *padded = pad_source (src, rows, cols, stack_buf, &heap_buf);

  for (int y = 0; y < rows; y++)
    for (int x = 0; x < cols; x++)
      {
        gsize i = (gsize) y * cols + x;
        float qx = x + fx[i], qy = y + fy[i];
        out[i] = sample (padded, W, rows, cols, m.ox + qx * m.exx + qy * m.eyx, m.oy + qx * m.exy + qy * m.eyy);
      }
  if (t->stroke != 0)
    restroke (out, rows, cols, t->stroke);
}

void
dl_augment_one (const DlAugmentOptions *o, guint64 seed, const guint8 *src, int rows, int cols, float *out,
                float *scratch)
{
  DlAugment t;
  DlRng rng;

  g_return_if_fail (isfinite (o->elastic_alpha) && isfinite (o->elastic_sigma) && o->elastic_sigma >= 0);
  dl_rng_seed (&rng, seed);
  draw_kinds (&rng, o, &t);
  if (!(o->kinds & DL_AUGMENT_ELASTIC))
    {
      dl_augment_image (src, rows, cols, &t, out);
      return;
    }
  float *fx = scratch, *fy = fx + (gsize) rows * cols, *line = fy + (gsize) rows * cols;
  elastic_field (&rng, rows, cols, o->elastic_alpha, o->elastic_sigma, fx, line);
  elastic_field (&rng, rows, cols, o->elastic_alpha, o->elastic_sigma, fy, line);
  displaced_image (src, rows, cols, &t, fx, fy, out);
}

void
dl_augment_seeds (DlRng *rng, int n, guint64 *seeds)
{
  for (int i = 0; i < n; i++)
    seeds[i] = dl_rng_next (rng);
}

void
dl_augment_batch (const DlAugmentOptions *o, const DlDataset *ds, const int *idx, int n, DlRng *rng, float *out)
{
  const gsize d = (gsize) ds->rows * ds->cols;
  g_autofree float *scratch = g_new (float, dl_augment_scratch_floats (ds->rows, ds->cols));

  for (int i = 0; i < n; i++)
    dl_augment_one (o, dl_rng_next (rng), ds->pixels + (gsize) idx[i] * d, ds->rows, ds->cols, out + (gsize) i * d,
                    scratch);
}
