/* test-augment.c — the affine augmentation: exact identity and whole-pixel shifts, where a rotation
 * and a scale move the ink, squash and slant against the definition, thinner and thicker strokes,
 * determinism under a seed, and the ranges of the random draws of each kind; the composable kinds: none is
 * a plain gather, each kind switches on alone, elastic distortion with no strength is the affine map, a
 * batch is its images one by one (so any thread may take any image), real digits keep their ink. */
#include <check.h>
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dl-augment.h"
#include "dl-test-mnist.h"

#define N 28
#define D (N * N)

/* A 28×28 test image: a filled 3×3 block of 255 centred at (bx, by), plus a fainter pixel pattern
 * elsewhere when `texture` (so exactness tests see many different values). */
static void
make_image (guint8 *img, int bx, int by, gboolean texture)
{
  for (int y = 0; y < N; y++)
    for (int x = 0; x < N; x++)
      img[y * N + x] = texture ? (x * 7 + y * 13) % 200 : 0;
  for (int y = by - 1; y <= by + 1; y++)
    for (int x = bx - 1; x <= bx + 1; x++)
      img[y * N + x] = 255;
}

static double
mass (const float *img)
{
  double m = 0;
  for (int i = 0; i < D; i++)
    m += img[i];
  return m;
}

static void
centre_of_mass (const float *img, double *cx, double *cy)
{
  double m = 0, sx = 0, sy = 0;

  for (int y = 0; y < N; y++)
    for (int x = 0; x < N; x++)
      {
        m += img[y * N + x];
        sx += img[y * N + x] * x;
        sy += img[y * N + x] * y;
      }
  *cx = sx / m;
  *cy = sy / m;
}

START_TEST (test_identity_exact)
{
  guint8 img[D];
  float out[D];
  const DlAugment id = { 0, 0, 0, 1 };

  make_image (img, 10, 12, TRUE);
  dl_augment_image (img, N, N, &id, out);
  for (int i = 0; i < D; i++)
    ck_assert_msg (out[i] == img[i] * (1.0f / 255.0f), "pixel %d: %g vs %d/255", i, out[i], img[i]);
}
END_TEST

START_TEST (test_whole_pixel_shift)
{
  guint8 img[D];
  float out[D];

  make_image (img, 10, 12, TRUE);
  /* +1 px right: out(x, y) = in(x − 1, y); the first column comes from outside and is black. */
  const DlAugment right = { 1, 0, 0, 1 };
  dl_augment_image (img, N, N, &right, out);
  for (int y = 0; y < N; y++)
    {
      ck_assert_float_eq (out[y * N], 0.0f);
      for (int x = 1; x < N; x++)
        ck_assert_float_eq (out[y * N + x], img[y * N + x - 1] * (1.0f / 255.0f));
    }
  ck_assert_float_eq (out[12 * N + 12], 1.0f);   /* the block's right edge, from (11, 12) */
  ck_assert_float_eq (out[12 * N + 8], img[12 * N + 7] * (1.0f / 255.0f));

  /* −2 px up: out(x, y) = in(x, y + 2). */
  const DlAugment up = { 0, -2, 0, 1 };
  dl_augment_image (img, N, N, &up, out);
  for (int y = 0; y < N; y++)
    for (int x = 0; x < N; x++)
      ck_assert_float_eq (out[y * N + x], y + 2 < N ? img[(y + 2) * N + x] * (1.0f / 255.0f) : 0.0f);
}
END_TEST

START_TEST (test_half_pixel_shift_interpolates)
{
  guint8 img[D] = { 0 };
  float out[D];
  const DlAugment half = { 0.5, 0, 0, 1 };

  img[5 * N + 5] = 200;
  dl_augment_image (img, N, N, &half, out);
  ck_assert_float_eq_tol (out[5 * N + 5], 100 / 255.0f, 1e-6);
  ck_assert_float_eq_tol (out[5 * N + 6], 100 / 255.0f, 1e-6);
  ck_assert_float_eq_tol (mass (out), 200 / 255.0, 1e-5);
}
END_TEST

START_TEST (test_rotation_moves_ink_around_centre)
{
  guint8 img[D];
  float out[D];
  double cx, cy;

  /* A block right of the centre (13.5, 13.5) turned 10° counter-clockwise (screen y points down)
   * lands at (13.5 + 7.5 cos 10°, 13.5 − 7.5 sin 10°). */
  make_image (img, 21, 13, FALSE);
  const DlAugment rot = { 0, 0, 10, 1 };
  dl_augment_image (img, N, N, &rot, out);
  centre_of_mass (out, &cx, &cy);
  const double r = 21 - 13.5, dy0 = 13 - 13.5, a = 10 * G_PI / 180;
  ck_assert_float_eq_tol (cx, 13.5 + r * cos (a) + dy0 * sin (a), 0.15);
  ck_assert_float_eq_tol (cy, 13.5 - r * sin (a) + dy0 * cos (a), 0.15);
  /* Rotation keeps area: the mass stays within a few per cent. */
  ck_assert_float_eq_tol (mass (out), 9.0, 0.3);

  /* A centred block stays centred under any small rotation. */
  make_image (img, 14, 14, FALSE);
  for (double angle = -10; angle <= 10; angle += 5)
    {
      const DlAugment t = { 0, 0, angle, 1 };
      dl_augment_image (img, N, N, &t, out);
      centre_of_mass (out, &cx, &cy);
      const double ar = angle * G_PI / 180;
      ck_assert_float_eq_tol (cx, 13.5 + 0.5 * cos (ar) + 0.5 * sin (ar), 0.1);
      ck_assert_float_eq_tol (cy, 13.5 - 0.5 * sin (ar) + 0.5 * cos (ar), 0.1);
    }
}
END_TEST

START_TEST (test_scale_mass)
{
  guint8 img[D] = { 0 };
  float out[D];
  double cx, cy;

  /* A 5×5 block centred at (14, 13). Scaling by s about the centre (13.5, 13.5) multiplies its area,
   * hence the ink, by about s², and its offset from the centre by s. */
  for (int y = 11; y <= 15; y++)
    for (int x = 12; x <= 16; x++)
      img[y * N + x] = 255;
  for (double s = 0.9; s <= 1.1001; s += 0.05)
    {
      const DlAugment t = { 0, 0, 0, s };
      dl_augment_image (img, N, N, &t, out);
      ck_assert_msg (fabs (mass (out) / (25 * s * s) - 1) < 0.05, "scale %g: mass %g, expected about %g",
                     s, mass (out), 25 * s * s);
      centre_of_mass (out, &cx, &cy);
      ck_assert_float_eq_tol (cx, 13.5 + 0.5 * s, 0.05);
      ck_assert_float_eq_tol (cy, 13.5 - 0.5 * s, 0.05);
    }
}
END_TEST

/* The definition, computed the plain way in double precision: inverse-map each output pixel and
 * sample bilinearly, with zero outside the image. */
static void
reference (const guint8 *img, const DlAugment *t, float *out)
{
  const double c = (N - 1) / 2.0, a = t->angle * G_PI / 180;

  for (int y = 0; y < N; y++)
    for (int x = 0; x < N; x++)
      {
        double u = x - c - t->dx, v = y - c - t->dy;
        double ry = (sin (a) * u + cos (a) * v) / t->scale, rx = (cos (a) * u - sin (a) * v) / t->scale;
        /* undo x' = e^stretch · x − shear · y */
        double py = c + ry;
        double px = c + (rx + t->shear * ry) * exp (-t->stretch);
        int x0 = (int) floor (px), y0 = (int) floor (py);
        double fx = px - x0, fy = py - y0, sum = 0;
        for (int dy = 0; dy < 2; dy++)
          for (int dx = 0; dx < 2; dx++)
            {
              int sx = x0 + dx, sy = y0 + dy;
              double w = (dx ? fx : 1 - fx) * (dy ? fy : 1 - fy);
              if (sx >= 0 && sx < N && sy >= 0 && sy < N)
                sum += w * img[sy * N + sx];
            }
        out[y * N + x] = sum / 255;
      }
}

START_TEST (test_matches_reference)
{
  GRand *rand = g_rand_new_with_seed (11);
  guint8 img[D];
  float out[D], ref[D];

  /* Random blobs anywhere (also touching the border), under random transforms well past the
   * augmentation ranges. */
  for (int k = 0; k < 300; k++)
    {
      memset (img, 0, D);
      int x0 = g_rand_int_range (rand, 0, N), y0 = g_rand_int_range (rand, 0, N);
      int w = g_rand_int_range (rand, 1, 12), h = g_rand_int_range (rand, 1, 12);
      for (int y = y0; y < MIN (N, y0 + h); y++)
        for (int x = x0; x < MIN (N, x0 + w); x++)
          img[y * N + x] = g_rand_int_range (rand, 1, 256);
      const DlAugment t = { g_rand_double_range (rand, -5, 5), g_rand_double_range (rand, -5, 5),
                            g_rand_double_range (rand, -45, 45), g_rand_double_range (rand, 0.6, 1.5) };
      dl_augment_image (img, N, N, &t, out);
      reference (img, &t, ref);
      for (int i = 0; i < D; i++)
        ck_assert_msg (fabsf (out[i] - ref[i]) < 2e-4, "case %d pixel %d: %g vs %g", k, i, out[i], ref[i]);
    }
  g_rand_free (rand);
}
END_TEST

/* The AVX2 rows and the scalar ones give the same images to the bit: random ink on random sizes (the
 * 28 × 28 of MNIST, odd ones, and sides over 64, whose padded copy is on the heap), under random affine,
 * squash and slant transforms, ink up to every border. */
START_TEST (test_isas_agree)
{
  static const int sizes[][2] = { { 28, 28 }, { 13, 17 }, { 9, 40 }, { 70, 81 } };
  GRand *rand = g_rand_new_with_seed (13);

  if (!dl_augment_force_isa ("avx2"))
    {
      printf ("isas_agree: this CPU has no AVX2; only the scalar rows run here\n");
      ck_assert (dl_augment_force_isa (NULL));
      g_rand_free (rand);
      return;
    }
  for (gsize z = 0; z < G_N_ELEMENTS (sizes); z++)
    {
      const int rows = sizes[z][0], cols = sizes[z][1];
      g_autofree guint8 *img = g_malloc ((gsize) rows * cols);
      g_autofree float *vec = g_new (float, (gsize) rows * cols), *one = g_new (float, (gsize) rows * cols);

      for (int k = 0; k < 200; k++)
        {
          for (int i = 0; i < rows * cols; i++)
            img[i] = g_rand_int_range (rand, 0, 4) == 0 ? g_rand_int_range (rand, 0, 256) : 0;
          const DlAugment t = { g_rand_double_range (rand, -6, 6), g_rand_double_range (rand, -6, 6),
                                g_rand_double_range (rand, -60, 60), g_rand_double_range (rand, 0.5, 1.6),
                                .stretch = g_rand_double_range (rand, -0.5, 0.3),
                                .shear = g_rand_double_range (rand, -0.3, 0.3) };
          ck_assert (dl_augment_force_isa ("avx2"));
          dl_augment_image (img, rows, cols, &t, vec);
          ck_assert (dl_augment_force_isa ("scalar"));
          dl_augment_image (img, rows, cols, &t, one);
          for (int i = 0; i < rows * cols; i++)
            ck_assert_msg (memcmp (&vec[i], &one[i], sizeof (float)) == 0, "%d × %d, case %d, pixel %d: %.9g vs %.9g",
                           rows, cols, k, i, vec[i], one[i]);
        }
    }
  ck_assert (dl_augment_force_isa (NULL));
  ck_assert (!dl_augment_force_isa ("avx9000"));
  g_rand_free (rand);
}
END_TEST

/* Squash and slant (the hurried kind) against the definition. */
START_TEST (test_hurried_matches_reference)
{
  GRand *rand = g_rand_new_with_seed (12);
  guint8 img[D];
  float out[D], ref[D];

  for (int k = 0; k < 200; k++)
    {
      make_image (img, g_rand_int_range (rand, 4, 24), g_rand_int_range (rand, 4, 24), k % 2 == 0);
      const DlAugment t = { g_rand_double_range (rand, -3, 3), g_rand_double_range (rand, -3, 3),
                            g_rand_double_range (rand, -30, 30), g_rand_double_range (rand, 0.7, 1.3),
                            g_rand_double_range (rand, log (0.5), log (1.4)), g_rand_double_range (rand, -0.5, 0.5) };
      dl_augment_image (img, N, N, &t, out);
      reference (img, &t, ref);
      for (int i = 0; i < D; i++)
        ck_assert_msg (fabsf (out[i] - ref[i]) < 2e-4, "case %d pixel %d: %g vs %g", k, i, out[i], ref[i]);
    }
  g_rand_free (rand);
}
END_TEST

/* A thicker stroke has more ink, a thinner one less; both stay in [0, 1]; the full amount of a
 * thickening turns a 3 × 3 block into a 5 × 5 plus. */
START_TEST (test_stroke_width)
{
  guint8 img[D];
  float plain[D], thick[D], thin[D], full[D];
  const DlAugment id = { 0, 0, 0, 1 }, t_thick = { 0, 0, 0, 1, 0, 0, 0.5 }, t_thin = { 0, 0, 0, 1, 0, 0, -0.5 };
  const DlAugment t_full = { 0, 0, 0, 1, 0, 0, 1 };

  make_image (img, 14, 14, FALSE);
  dl_augment_image (img, N, N, &id, plain);
  dl_augment_image (img, N, N, &t_thick, thick);
  dl_augment_image (img, N, N, &t_thin, thin);
  dl_augment_image (img, N, N, &t_full, full);
  ck_assert (mass (thick) > mass (plain) && mass (thin) < mass (plain));
  ck_assert_float_eq_tol (mass (full), 9 + 12, 1e-4);   /* 3 × 3, and 3 more on each side */
  ck_assert_float_eq_tol (mass (thin), 0.5 * 9 + 0.5 * 1, 1e-4);   /* only the centre survives erosion */
  for (int i = 0; i < D; i++)
    ck_assert (thick[i] >= 0 && thick[i] <= 1 && thin[i] >= 0 && thin[i] <= 1);
}
END_TEST

/* The affine kind draws exactly as dl_augment_draw; the hurried and stroke kinds cover their ranges. */
START_TEST (test_draw_kinds)
{
  DlRng r1, r2;
  double lo[3] = { 1e9, 1e9, 1e9 }, hi[3] = { -1e9, -1e9, -1e9 };

  dl_rng_seed (&r1, 5);
  dl_rng_seed (&r2, 5);
  for (int i = 0; i < 100; i++)
    {
      DlAugment a, b;
      dl_augment_draw (&r1, &a);
      dl_augment_draw_kinds (&r2, DL_AUGMENT_AFFINE, &b);
      ck_assert_mem_eq (&a, &b, sizeof a);
    }
  for (int i = 0; i < 20000; i++)
    {
      DlAugment t;
      dl_augment_draw_kinds (&r1, DL_AUGMENT_AFFINE | DL_AUGMENT_HURRIED | DL_AUGMENT_STROKE, &t);
      const double v[3] = { t.angle, exp (t.stretch), t.shear };
      for (int k = 0; k < 3; k++)
        {
          lo[k] = MIN (lo[k], v[k]);
          hi[k] = MAX (hi[k], v[k]);
        }
      ck_assert (t.stroke >= -1 && t.stroke <= 1);
      ck_assert (fabs (t.scale - 1) <= DL_AUGMENT_MAX_SCALE);
    }
  ck_assert (lo[0] >= -DL_AUGMENT_HURRIED_ANGLE && lo[0] < -0.99 * DL_AUGMENT_HURRIED_ANGLE);
  ck_assert (hi[0] <= DL_AUGMENT_HURRIED_ANGLE && hi[0] > 0.99 * DL_AUGMENT_HURRIED_ANGLE);
  ck_assert (lo[1] >= DL_AUGMENT_MIN_ASPECT - 1e-9 && lo[1] < DL_AUGMENT_MIN_ASPECT * 1.01);
  ck_assert (hi[1] <= DL_AUGMENT_MAX_ASPECT + 1e-9 && hi[1] > DL_AUGMENT_MAX_ASPECT * 0.99);
  ck_assert (lo[2] >= -DL_AUGMENT_MAX_SHEAR && hi[2] <= DL_AUGMENT_MAX_SHEAR && hi[2] - lo[2] > 1.98 * DL_AUGMENT_MAX_SHEAR);

  guint kinds;
  ck_assert (dl_augment_kinds_parse ("affine, stroke", &kinds) && kinds == (DL_AUGMENT_AFFINE | DL_AUGMENT_STROKE));
  ck_assert (!dl_augment_kinds_parse ("affine,elastik", &kinds));
  ck_assert (!dl_augment_kinds_parse ("", &kinds));
}
END_TEST

START_TEST (test_seed_determinism)
{
  g_autoptr (DlDataset) ds = dl_dataset_new (4, N, N);
  const int idx[6] = { 3, 1, 0, 2, 3, 3 };
  g_autofree float *a = g_new (float, 6 * D);
  g_autofree float *b = g_new (float, 6 * D);
  g_autofree float *c = g_new (float, 6 * D);
  DlRng r1, r2, r3;

  for (int i = 0; i < 4; i++)
    make_image (ds->pixels + i * D, 10 + i * 2, 14, TRUE);
  dl_rng_seed (&r1, 42);
  dl_rng_seed (&r2, 42);
  dl_rng_seed (&r3, 43);
  dl_augment_gather (ds, idx, 6, a, &r1);
  dl_augment_gather (ds, idx, 6, b, &r2);
  dl_augment_gather (ds, idx, 6, c, &r3);
  ck_assert_mem_eq (a, b, 6 * D * sizeof (float));
  ck_assert (memcmp (a, c, 6 * D * sizeof (float)) != 0);
  /* Each image gets its own transform: the three copies of image 3 differ. */
  ck_assert (memcmp (a, a + 4 * D, D * sizeof (float)) != 0);
  ck_assert (memcmp (a + 4 * D, a + 5 * D, D * sizeof (float)) != 0);
  for (int i = 0; i < 6 * D; i++)
    ck_assert (a[i] >= 0 && a[i] <= 1);
}
END_TEST

START_TEST (test_draw_ranges)
{
  DlRng rng;
  double lo[4] = { 1e9, 1e9, 1e9, 1e9 }, hi[4] = { -1e9, -1e9, -1e9, -1e9 }, sum[4] = { 0 };
  const int n = 20000;

  dl_rng_seed (&rng, 7);
  for (int i = 0; i < n; i++)
    {
      DlAugment t;
      dl_augment_draw (&rng, &t);
      const double v[4] = { t.dx, t.dy, t.angle, t.scale };
      for (int k = 0; k < 4; k++)
        {
          lo[k] = MIN (lo[k], v[k]);
          hi[k] = MAX (hi[k], v[k]);
          sum[k] += v[k];
        }
    }
  const double centre[4] = { 0, 0, 0, 1 };
  const double half[4] = { DL_AUGMENT_MAX_SHIFT, DL_AUGMENT_MAX_SHIFT, DL_AUGMENT_MAX_ANGLE, DL_AUGMENT_MAX_SCALE };
  for (int k = 0; k < 4; k++)
    {
      /* Within the range, reaching close to both ends, centred. */
      ck_assert (lo[k] >= centre[k] - half[k] && hi[k] <= centre[k] + half[k]);
      ck_assert (lo[k] < centre[k] - 0.99 * half[k] && hi[k] > centre[k] + 0.99 * half[k]);
      ck_assert_float_eq_tol (sum[k] / n, centre[k], 0.02 * half[k]);
    }
}
END_TEST

START_TEST (test_real_mnist_mass)
{
  g_autoptr (DlDataset) test = dl_test_mnist_load (FALSE);

  /* MNIST digits sit in the middle 20×20, so ±2 px, ±10°, ±10 % loses no ink off the edge: the
   * augmented ink stays within the area change (0.81–1.21×) plus interpolation blur. */
  enum { M = 500 };
  int idx[M];
  g_autofree float *plain = g_new (float, M * D);
  g_autofree float *aug = g_new (float, M * D);
  DlRng rng;

  for (int i = 0; i < M; i++)
    idx[i] = i * 17;
  dl_rng_seed (&rng, 1);
  dl_dataset_gather (test, idx, M, plain);
  dl_augment_gather (test, idx, M, aug, &rng);
  for (int i = 0; i < M; i++)
    {
      double ratio = mass (aug + i * D) / mass (plain + i * D);
      ck_assert_msg (ratio > 0.75 && ratio < 1.3, "image %d: ink ratio %g", idx[i], ratio);
    }
}
END_TEST

/* ---- composable kinds ---- */

static DlDataset *
small_set (void)
{
  DlDataset *ds = dl_dataset_new (3, N, N);
  for (int i = 0; i < 3; i++)
    make_image (ds->pixels + i * D, 9 + i * 4, 13, TRUE);
  for (int y = 6; y < 22; y++)  /* a stroke, so that a distortion has an edge to bend */
    ds->pixels[2 * D + y * N + 14] = 255;
  return ds;
}

START_TEST (test_kinds_switch)
{
  g_autoptr (DlDataset) ds = small_set ();
  const int idx[3] = { 2, 0, 1 };
  float plain[3 * D], none[3 * D], affine[3 * D], elastic[3 * D], both[3 * D];
  DlAugmentOptions o;
  DlRng rng;

  dl_dataset_gather (ds, idx, 3, plain);
  static const guint combos[] = { 0, DL_AUGMENT_AFFINE, DL_AUGMENT_ELASTIC, DL_AUGMENT_AFFINE | DL_AUGMENT_ELASTIC };
  for (guint c = 0; c < G_N_ELEMENTS (combos); c++)
    {
      guint kinds = combos[c];
      float *out = kinds == 0 ? none : kinds == DL_AUGMENT_AFFINE ? affine : kinds == DL_AUGMENT_ELASTIC ? elastic : both;
      dl_augment_options_init (&o, kinds);
      dl_rng_seed (&rng, 11);
      dl_augment_batch (&o, ds, idx, 3, &rng, out);
      for (int i = 0; i < 3 * D; i++)
        ck_assert (out[i] >= 0.0f && out[i] <= 1.0f);
    }
  /* Nothing on: the images as they are. */
  ck_assert_mem_eq (none, plain, sizeof plain);
  /* Each kind changes them, and differently from the others. */
  ck_assert (memcmp (affine, plain, sizeof plain) != 0);
  ck_assert (memcmp (elastic, plain, sizeof plain) != 0);
  ck_assert (memcmp (both, affine, sizeof plain) != 0);
  ck_assert (memcmp (both, elastic, sizeof plain) != 0);
}
END_TEST

START_TEST (test_kinds_names)
{
  guint k = 0;
  ck_assert (dl_augment_kinds_parse ("affine", &k) && k == DL_AUGMENT_AFFINE);
  ck_assert (dl_augment_kinds_parse (" elastic , affine", &k) && k == (DL_AUGMENT_AFFINE | DL_AUGMENT_ELASTIC));
  ck_assert (!dl_augment_kinds_parse ("affine,wobbly", &k));
  ck_assert (!dl_augment_kinds_parse ("", &k));
  g_autofree char *both = dl_augment_kinds_to_string (DL_AUGMENT_ELASTIC | DL_AUGMENT_AFFINE);
  g_autofree char *none = dl_augment_kinds_to_string (0);
  ck_assert_str_eq (both, "affine,elastic");
  ck_assert_str_eq (none, "affine");
  ck_assert_uint_eq (dl_augment_kinds_of (FALSE, DL_AUGMENT_ELASTIC), 0);
  ck_assert_uint_eq (dl_augment_kinds_of (TRUE, 0), DL_AUGMENT_AFFINE);
  ck_assert_uint_eq (dl_augment_kinds_of (TRUE, DL_AUGMENT_ELASTIC), DL_AUGMENT_ELASTIC);
}
END_TEST

/* Elastic distortion of no strength moves nothing: with it on, the affine draw is the same and so is the
 * image (up to rounding of the composed map). */
START_TEST (test_elastic_zero_is_affine)
{
  g_autoptr (DlDataset) ds = small_set ();
  g_autofree float *scratch = g_new (float, dl_augment_scratch_floats (N, N));
  float a[D], e[D];
  DlAugmentOptions oa, oe;

  dl_augment_options_init (&oa, DL_AUGMENT_AFFINE);
  dl_augment_options_init (&oe, DL_AUGMENT_AFFINE | DL_AUGMENT_ELASTIC);
  oe.elastic_alpha = 0.0;
  for (guint64 seed = 1; seed < 20; seed++)
    {
      dl_augment_one (&oa, seed, ds->pixels + 2 * D, N, N, a, scratch);
      dl_augment_one (&oe, seed, ds->pixels + 2 * D, N, N, e, scratch);
      for (int i = 0; i < D; i++)
        ck_assert_msg (fabsf (a[i] - e[i]) <= 1e-4f, "seed %d pixel %d: %g vs %g", (int) seed, i, e[i], a[i]);
    }
}
END_TEST

/* A batch is dl_augment_one of each image with the seeds drawn in order; a seed decides its image. */
START_TEST (test_batch_is_images_by_seed)
{
  g_autoptr (DlDataset) ds = small_set ();
  g_autofree float *scratch = g_new (float, dl_augment_scratch_floats (N, N));
  const int idx[5] = { 2, 2, 0, 1, 2 };
  float batch[5 * D], one[D];
  guint64 seeds[5];
  DlAugmentOptions o;
  DlRng r1, r2;

  dl_augment_options_init (&o, DL_AUGMENT_AFFINE | DL_AUGMENT_ELASTIC);
  dl_rng_seed (&r1, 5);
  dl_rng_seed (&r2, 5);
  dl_augment_batch (&o, ds, idx, 5, &r1, batch);
  dl_augment_seeds (&r2, 5, seeds);
  ck_assert_mem_eq (&r1, &r2, sizeof r1);
  for (int i = 4; i >= 0; i--)  /* in any order */
    {
      dl_augment_one (&o, seeds[i], ds->pixels + idx[i] * D, N, N, one, scratch);
      ck_assert_mem_eq (one, batch + i * D, sizeof one);
    }
  /* The three copies of image 2 were each distorted their own way. */
  ck_assert (memcmp (batch, batch + D, D * sizeof (float)) != 0);
  ck_assert (memcmp (batch, batch + 4 * D, D * sizeof (float)) != 0);
}
END_TEST

/* Real digits under elastic distortion (and with the affine map too) keep about their ink — a distortion
 * stretches and squeezes strokes, so more loosely than an affine map — and are moved. */
START_TEST (test_real_mnist_elastic)
{
  g_autofree char *dir = dl_data_default_dir ();
  g_autofree char *probe = g_build_filename (dir, "t10k-images-idx3-ubyte", NULL);
  if (!g_file_test (probe, G_FILE_TEST_EXISTS))
    {
      fprintf (stderr, "real MNIST not found in %s: skipped\n", dir);
      return;
    }
  g_autoptr (DlDataset) test = dl_dataset_load_dir (dir, FALSE, NULL);
  ck_assert_ptr_nonnull (test);
  enum { M = 300 };
  int idx[M];
  g_autofree float *plain = g_new (float, M * D);
  g_autofree float *aug = g_new (float, M * D);
  DlAugmentOptions o;
  DlRng rng;

  for (int i = 0; i < M; i++)
    idx[i] = i * 29;
  dl_dataset_gather (test, idx, M, plain);
  static const guint combos[] = { DL_AUGMENT_ELASTIC, DL_AUGMENT_ELASTIC | DL_AUGMENT_AFFINE };
  for (guint c = 0; c < G_N_ELEMENTS (combos); c++)
    {
      guint kinds = combos[c];
      dl_augment_options_init (&o, kinds);
      dl_rng_seed (&rng, 3);
      dl_augment_batch (&o, test, idx, M, &rng, aug);
      double moved = 0, ratios = 0;
      for (int i = 0; i < M; i++)
        {
          /* Simard's strength stretches a thin stroke's ink by up to ~1.8× (2,000 images measured),
           * squeezes others to ~0.6×; on average it stays. */
          double ratio = mass (aug + i * D) / mass (plain + i * D);
          ck_assert_msg (ratio > 0.4 && ratio < 2.2, "image %d: ink ratio %g", idx[i], ratio);
          ratios += ratio;
          for (int j = 0; j < D; j++)
            moved += fabsf (aug[i * D + j] - plain[i * D + j]);
        }
      ck_assert_msg (fabs (ratios / M - 1.0) < 0.05, "mean ink ratio %g", ratios / M);
      /* On average well over a few pixels' worth of ink changed place. */
      ck_assert (moved / M > 5.0);
    }
}
END_TEST

static Suite *
augment_suite (void)
{
  Suite *s = suite_create ("augment");
  TCase *tc = tcase_create ("augment");

  tcase_add_test (tc, test_identity_exact);
  tcase_add_test (tc, test_whole_pixel_shift);
  tcase_add_test (tc, test_half_pixel_shift_interpolates);
  tcase_add_test (tc, test_rotation_moves_ink_around_centre);
  tcase_add_test (tc, test_scale_mass);
  tcase_add_test (tc, test_matches_reference);
  tcase_add_test (tc, test_hurried_matches_reference);
  tcase_add_test (tc, test_isas_agree);
  tcase_add_test (tc, test_stroke_width);
  tcase_add_test (tc, test_draw_kinds);
  tcase_add_test (tc, test_seed_determinism);
  tcase_add_test (tc, test_draw_ranges);
  suite_add_tcase (s, tc);
  return s;
}

static Suite *
mnist_suite (void)
{
  Suite *s = suite_create ("augment-mnist");
  TCase *tc = tcase_create ("mnist");

  tcase_add_test (tc, test_real_mnist_mass);
  tcase_add_test (tc, test_kinds_switch);
  tcase_add_test (tc, test_kinds_names);
  tcase_add_test (tc, test_elastic_zero_is_affine);
  tcase_add_test (tc, test_batch_is_images_by_seed);
  tcase_add_test (tc, test_real_mnist_elastic);
  suite_add_tcase (s, tc);
  return s;
}

int
main (int argc, char **argv)
{
  return dl_test_main (argc, argv, augment_suite, mnist_suite, CK_FORK_GETENV);
}
