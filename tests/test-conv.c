/* test-conv.c — the convolution and max-pool kernels against a float64 loop reference and central
 * finite differences, over several shapes (k 3 and 5, pad 0–2, several channels; batches in one
 * im2col group, in groups of one image, and in several groups with a shorter last one), for every
 * algorithm (im2col, direct: each test runs once per algorithm); and the BLAS kernel dl_blas_init
 * chooses, against a float64 sgemm. */
#include <check.h>
#include <stdio.h>
#include <float.h>
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "dl-blas.h"
#include "dl-conv.h"
#include "dl-conv-private.h"

typedef struct { int B, C, H, W, K, k, pad; } Shape;

static const Shape shapes[] = {
  { 2, 3, 7, 6, 4, 3, 0 },
  { 3, 2, 8, 8, 3, 3, 1 },
  { 2, 3, 9, 7, 2, 5, 2 },
  { 2, 2, 6, 6, 3, 5, 1 },
  { 2, 4, 5, 5, 5, 3, 2 },   /* pad 2 with k 3: output larger than the input */
  { 1, 1, 4, 4, 1, 3, 1 },
  { 12, 1, 28, 28, 3, 5, 2 }, /* the LeNet first layer: 784 columns a image, one image per group */
  { 12, 6, 14, 14, 4, 5, 0 }, /* the LeNet second layer: 100 columns, groups of 10 and a last of 2 */
  { 3, 6, 14, 14, 16, 5, 0 }, /* …with its 16 channels: rows of 10 in blocks of 5, a vector of channels */
  { 2, 4, 7, 7, 32, 3, 1 },  /* rows of 7 as in cnn-large's third layer, a block of 7; 32 channels */
  { 2, 2, 11, 11, 3, 8, 1 },  /* a kernel wider than the channel kernels take: they run the row ones */
};

/* Deterministic values in [-1, 1). */
static guint32 rng_state;
static float
rnd (void)
{
  rng_state = rng_state * 1664525u + 1013904223u;
  return (float) ((rng_state >> 8) / (double) (1u << 24) * 2.0 - 1.0);
}

static void
fill (float *v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    v[i] = rnd ();
}

static int ho (const Shape *s) { return s->H + 2 * s->pad - s->k + 1; }
static int wo (const Shape *s) { return s->W + 2 * s->pad - s->k + 1; }
static size_t nx (const Shape *s) { return (size_t) s->B * s->C * s->H * s->W; }
static size_t nw (const Shape *s) { return (size_t) s->K * s->C * s->k * s->k; }
static size_t ny (const Shape *s) { return (size_t) s->B * s->K * ho (s) * wo (s); }

/* The definition, in float64: y and, per output, the sum of the absolute values of its terms. */
static void
ref_conv (const Shape *s, const float *x, const float *w, const float *b, double *y, double *mag)
{
  int Ho = ho (s), Wo = wo (s);

  for (int n = 0; n < s->B; n++)
    for (int o = 0; o < s->K; o++)
      for (int oy = 0; oy < Ho; oy++)
        for (int ox = 0; ox < Wo; ox++)
          {
            double acc = b[o], m = fabs (b[o]);

            for (int c = 0; c < s->C; c++)
              for (int ky = 0; ky < s->k; ky++)
                for (int kx = 0; kx < s->k; kx++)
                  {
                    int iy = oy + ky - s->pad, ix = ox + kx - s->pad;
                    double t;

                    if (iy < 0 || iy >= s->H || ix < 0 || ix >= s->W)
                      continue;
                    t = (double) w[((o * s->C + c) * s->k + ky) * s->k + kx]
                        * x[((n * s->C + c) * s->H + iy) * s->W + ix];
                    acc += t;
                    m += fabs (t);
                  }
            size_t i = ((size_t) (n * s->K + o) * Ho + oy) * Wo + ox;
            y[i] = acc;
            mag[i] = m;
          }
}

typedef struct {
  Shape s;
  DlConvPlan plan;
  float *x, *w, *b, *y, *r, *dy, *dx, *dw, *db, *scratch;
} Case;

/* Loop tests run over every shape for every algorithm: test _i is shape _i / DL_CONV_N_ALGOS. */
#define N_CASES (G_N_ELEMENTS (shapes) * DL_CONV_N_ALGOS)
#define CASE_SHAPE(i) (&shapes[(i) / DL_CONV_N_ALGOS])
#define CASE_ALGO(i) ((DlConvAlgo) ((i) % DL_CONV_N_ALGOS))

static void
case_init (Case *t, const Shape *s, DlConvAlgo algo, guint32 seed)
{
  t->s = *s;
  t->plan = (DlConvPlan) { .algo = algo };
  /* The kept columns, garbage until the forward pass fills them. */
  if (algo == DL_CONV_IM2COL_KEPT)
    {
      size_t n = dl_conv_kept_floats (s->B, s->C, s->H, s->W, s->k, s->pad);
      t->plan.cols = malloc (sizeof (float) * n);
      memset (t->plan.cols, 0x7f, sizeof (float) * n);
    }
  rng_state = seed;
  t->x = malloc (sizeof (float) * nx (s));
  t->w = malloc (sizeof (float) * nw (s));
  t->b = malloc (sizeof (float) * s->K);
  t->y = malloc (sizeof (float) * ny (s));
  t->r = malloc (sizeof (float) * ny (s));
  t->dy = malloc (sizeof (float) * ny (s));
  t->dx = malloc (sizeof (float) * nx (s));
  t->dw = malloc (sizeof (float) * nw (s));
  t->db = malloc (sizeof (float) * s->K);
  t->scratch = malloc (sizeof (float) * dl_conv_scratch_floats (&t->plan, s->B, s->C, s->H, s->W, s->K, s->k, s->pad));
  fill (t->x, nx (s));
  fill (t->w, nw (s));
  fill (t->b, s->K);
  fill (t->r, ny (s));
}

static void
case_clear (Case *t)
{
  free (t->x); free (t->w); free (t->b); free (t->y); free (t->r);
  free (t->dy); free (t->dx); free (t->dw); free (t->db); free (t->scratch); free (t->plan.cols);
}

static void
forward (Case *t)
{
  const Shape *s = &t->s;
  dl_conv_forward (&t->plan, t->x, t->w, t->b, t->y, s->B, s->C, s->H, s->W, s->K, s->k, s->pad, t->scratch);
}

/* L = Σ r·y + ½ Σ y²: quadratic in every parameter, so a central difference is exact up to rounding,
 * and dL/dy = r + y differs at every output. */
static double
loss (Case *t)
{
  double l = 0.0;

  forward (t);
  for (size_t i = 0; i < ny (&t->s); i++)
    l += (double) t->r[i] * t->y[i] + 0.5 * (double) t->y[i] * t->y[i];
  return l;
}

static void
backward (Case *t, gboolean with_dx)
{
  const Shape *s = &t->s;

  forward (t);
  for (size_t i = 0; i < ny (s); i++)
    t->dy[i] = t->r[i] + t->y[i];
  dl_conv_backward (&t->plan, t->x, t->w, t->dy, with_dx ? t->dx : NULL, t->dw, t->db,
                    s->B, s->C, s->H, s->W, s->K, s->k, s->pad, t->scratch);
}

/* Central difference of the loss in v[i] against the analytic `grad`. */
static void
check_fd (Case *t, float *v, size_t i, float grad, const char *what)
{
  const float h = 0.0625f;   /* a power of two: v ± h and the difference are exact in float */
  float saved = v[i];
  double lp, lm, fd;

  v[i] = saved + h;
  lp = loss (t);
  v[i] = saved - h;
  lm = loss (t);
  v[i] = saved;
  fd = (lp - lm) / (2.0 * h);
  ck_assert_msg (fabs (fd - grad) <= 5e-4 * (1.0 + fabs (fd)),
                 "%s[%zu] shape B%d C%d H%d W%d K%d k%d p%d, %s: analytic %.6g, finite difference %.6g",
                 what, i, t->s.B, t->s.C, t->s.H, t->s.W, t->s.K, t->s.k, t->s.pad, dl_conv_algo_name (t->plan.algo),
                 grad, fd);
}

static double
max_abs (const float *v, size_t n)
{
  double m = 0.0;

  for (size_t i = 0; i < n; i++)
    m = fmax (m, fabs (v[i]));
  return m;
}

START_TEST (test_forward_matches_reference)
{
  Case t;
  const Shape *s = CASE_SHAPE (_i);
  double *ref, *mag;

  case_init (&t, s, CASE_ALGO (_i), 100 + _i / DL_CONV_N_ALGOS);
  ref = malloc (sizeof (double) * ny (s));
  mag = malloc (sizeof (double) * ny (s));
  /* Scratch full of garbage must not leak into the result. */
  memset (t.scratch, 0x7f, sizeof (float) * dl_conv_scratch_floats (&t.plan, s->B, s->C, s->H, s->W, s->K, s->k, s->pad));
  forward (&t);
  ref_conv (s, t.x, t.w, t.b, ref, mag);
  for (size_t i = 0; i < ny (s); i++)
    {
      /* float32 accumulation of C·k·k + 1 terms: a few ulps of the terms' magnitude each. */
      double tol = 2.0 * (s->C * s->k * s->k + 1) * FLT_EPSILON * mag[i];
      ck_assert_msg (fabs (t.y[i] - ref[i]) <= tol, "%s: y[%zu] = %.9g, reference %.9g (tolerance %.3g)",
                     dl_conv_algo_name (t.plan.algo), i, t.y[i], ref[i], tol);
    }
  free (ref);
  free (mag);
  case_clear (&t);
}
END_TEST

START_TEST (test_backward_finite_differences)
{
  Case t;
  const Shape *s = CASE_SHAPE (_i);
  /* Every bias; the weight and input gradients everywhere on small shapes, a prime stride through big ones
   * (about a hundred points each, edges among them): a wrong index or a missed term shows at many of them,
   * and each check is two forward passes of the whole batch — the LeNet shapes' thousand checks were most
   * of this suite's time under the sanitizers (82 s). The direct algorithms' every element is compared
   * with im2col's in test_direct_isa_variants. */
  size_t dw_step = nw (s) > 300 ? 7 : 1, dx_step = nx (s) > 600 ? 97 : 1;

  case_init (&t, s, CASE_ALGO (_i), 200 + _i / DL_CONV_N_ALGOS);
  backward (&t, TRUE);
  ck_assert (max_abs (t.dw, nw (s)) > 0.1);
  ck_assert (max_abs (t.db, s->K) > 0.1);
  ck_assert (max_abs (t.dx, nx (s)) > 0.1);
  {
    float *dw = g_memdup2 (t.dw, sizeof (float) * nw (s));
    float *db = g_memdup2 (t.db, sizeof (float) * s->K);
    float *dx = g_memdup2 (t.dx, sizeof (float) * nx (s));

    for (size_t i = 0; i < nw (s); i += dw_step)
      check_fd (&t, t.w, i, dw[i], "dw");
    for (int i = 0; i < s->K; i++)
      check_fd (&t, t.b, i, db[i], "db");
    for (size_t i = 0; i < nx (s); i += dx_step)
      check_fd (&t, t.x, i, dx[i], "dx");
    g_free (dw);
    g_free (db);
    g_free (dx);
  }
  case_clear (&t);
}
END_TEST

/* dx == NULL (a first layer) gives the same weight gradients, and the outputs are overwritten, not
 * accumulated, on a second call. */
START_TEST (test_backward_without_dx)
{
  Case t;
  const Shape *s = CASE_SHAPE (_i);
  float *dw, *db;

  case_init (&t, s, CASE_ALGO (_i), 300 + _i / DL_CONV_N_ALGOS);
  backward (&t, TRUE);
  dw = g_memdup2 (t.dw, sizeof (float) * nw (s));
  db = g_memdup2 (t.db, sizeof (float) * s->K);
  backward (&t, FALSE);
  ck_assert_mem_eq (t.dw, dw, sizeof (float) * nw (s));
  ck_assert_mem_eq (t.db, db, sizeof (float) * s->K);
  g_free (dw);
  g_free (db);
  case_clear (&t);
}
END_TEST

/* A batch-normalised layer's convolution: no bias (NULL) is a zero bias, and no bias gradient (db NULL)
 * leaves the weight and input gradients as they were. */
START_TEST (test_without_bias)
{
  Case t;
  const Shape *s = CASE_SHAPE (_i);

  case_init (&t, s, CASE_ALGO (_i), 400 + _i / DL_CONV_N_ALGOS);
  memset (t.b, 0, sizeof (float) * s->K);
  backward (&t, TRUE);
  float *y = g_memdup2 (t.y, sizeof (float) * ny (s)), *dw = g_memdup2 (t.dw, sizeof (float) * nw (s));
  float *dx = g_memdup2 (t.dx, sizeof (float) * nx (s));
  dl_conv_forward (&t.plan, t.x, t.w, NULL, t.y, s->B, s->C, s->H, s->W, s->K, s->k, s->pad, t.scratch);
  ck_assert_mem_eq (t.y, y, sizeof (float) * ny (s));
  memset (t.dw, 0, sizeof (float) * nw (s));
  dl_conv_backward (&t.plan, t.x, t.w, t.dy, t.dx, t.dw, NULL, s->B, s->C, s->H, s->W, s->K, s->k, s->pad,
                    t.scratch);
  ck_assert_mem_eq (t.dw, dw, sizeof (float) * nw (s));
  ck_assert_mem_eq (t.dx, dx, sizeof (float) * nx (s));
  g_free (y);
  g_free (dw);
  g_free (dx);
  case_clear (&t);
}
END_TEST

START_TEST (test_maxpool_forward_exact)
{
  /* Odd sizes (the last row and column are dropped), ties, negative values. */
  const int B = 2, C = 3, H = 7, W = 5, Hp = H / 2, Wp = W / 2;
  float x[2 * 3 * 7 * 5], y[2 * 3 * 3 * 2];
  int argmax[2 * 3 * 3 * 2];

  rng_state = 7;
  for (size_t i = 0; i < G_N_ELEMENTS (x); i++)
    x[i] = (i % 5 == 0) ? 0.5f : rnd ();
  /* A window entirely tied at 0.5: the first in reading order wins. */
  x[0] = x[1] = x[W] = x[W + 1] = 0.5f;
  dl_maxpool_forward (x, y, argmax, B, C, H, W);
  for (int p = 0; p < B * C; p++)
    for (int py = 0; py < Hp; py++)
      for (int px = 0; px < Wp; px++)
        {
          int o = (p * Hp + py) * Wp + px;
          int best = -1;

          for (int dy = 0; dy < 2; dy++)
            for (int dx = 0; dx < 2; dx++)
              {
                int i = (p * H + 2 * py + dy) * W + 2 * px + dx;
                if (best < 0 || x[i] > x[best])
                  best = i;
              }
          ck_assert_int_eq (argmax[o], best);
          ck_assert (y[o] == x[best]);
        }
  ck_assert_int_eq (argmax[0], 0);
}
END_TEST

START_TEST (test_maxpool_backward_routes)
{
  const int B = 3, C = 2, H = 6, W = 8, Hp = H / 2, Wp = W / 2;
  enum { NX = 3 * 2 * 6 * 8, NY = 3 * 2 * 3 * 4 };
  float x[NX], y[NY], dy[NY], dx[NX];
  int argmax[NY];
  int hits[NX] = { 0 };

  rng_state = 11;
  for (int i = 0; i < NX; i++)
    x[i] = rnd ();
  for (int i = 0; i < NY; i++)
    dy[i] = 1.0f + i;   /* distinct and non-zero, so every route is visible */
  memset (dx, 0x7f, sizeof dx);   /* overwritten, not accumulated */
  dl_maxpool_forward (x, y, argmax, B, C, H, W);
  dl_maxpool_backward (dy, argmax, dx, B, C, H, W);
  for (int o = 0; o < NY; o++)
    {
      ck_assert (dx[argmax[o]] == dy[o]);
      hits[argmax[o]]++;
    }
  for (int i = 0; i < NX; i++)
    {
      ck_assert_int_le (hits[i], 1);
      if (!hits[i])
        ck_assert (dx[i] == 0.0f);
    }
  (void) Hp; (void) Wp;
}
END_TEST

/* Max-pool backward matches a finite difference of Σ c·maxpool(x) (x with distinct values, so the
 * winners do not change under a small step). */
START_TEST (test_maxpool_finite_differences)
{
  const int B = 2, C = 2, H = 4, W = 6;
  enum { NX = 2 * 2 * 4 * 6, NY = 2 * 2 * 2 * 3 };
  float x[NX], y[NY], c[NY], dx[NX];
  int argmax[NY];

  for (int i = 0; i < NX; i++)
    x[i] = (float) ((i * 7919) % NX) / NX;   /* a permutation: distinct, 1/NX apart */
  rng_state = 13;
  for (int i = 0; i < NY; i++)
    c[i] = rnd ();
  dl_maxpool_forward (x, y, argmax, B, C, H, W);
  dl_maxpool_backward (c, argmax, dx, B, C, H, W);
  for (int i = 0; i < NX; i++)
    {
      const float h = 1.0f / 1024;
      float saved = x[i];
      double lp = 0, lm = 0;

      x[i] = saved + h;
      dl_maxpool_forward (x, y, argmax, B, C, H, W);
      for (int o = 0; o < NY; o++)
        lp += (double) c[o] * y[o];
      x[i] = saved - h;
      dl_maxpool_forward (x, y, argmax, B, C, H, W);
      for (int o = 0; o < NY; o++)
        lm += (double) c[o] * y[o];
      x[i] = saved;
      ck_assert_msg (fabs ((lp - lm) / (2 * h) - dx[i]) < 1e-5, "dx[%d]", i);
    }
}
END_TEST


/* The sgemm shapes of the presets (batch × layer sizes, im2col shapes), in the three transpose
 * combinations dl-net-layers.c and dl-conv.c use, against a float64 product. */
START_TEST (test_sgemm_matches_double)
{
  static const struct { CBLAS_TRANSPOSE ta, tb; int M, N, K; } cases[] = {
    { CblasNoTrans, CblasTrans, 64, 256, 784 },    /* mlp fc1 forward */
    { CblasTrans, CblasNoTrans, 256, 784, 64 },    /* mlp fc1 weight gradient */
    { CblasNoTrans, CblasNoTrans, 64, 256, 128 },  /* mlp fc2 input gradient */
    { CblasNoTrans, CblasTrans, 100, 10, 30 },     /* seed fc2 forward */
    { CblasNoTrans, CblasNoTrans, 6, 784, 26 },    /* cnn conv1 forward, bias row included */
    { CblasNoTrans, CblasTrans, 16, 151, 1000 },   /* cnn conv2 weight gradient */
    { CblasTrans, CblasNoTrans, 150, 1000, 16 },   /* cnn conv2 input gradient */
  };

  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      int M = cases[c].M, N = cases[c].N, K = cases[c].K;
      int lda = cases[c].ta == CblasNoTrans ? K : M, ldb = cases[c].tb == CblasNoTrans ? N : K;
      float *a = malloc (sizeof (float) * M * K), *b = malloc (sizeof (float) * K * N);
      float *y = malloc (sizeof (float) * M * N);
      double worst = 0.0;

      rng_state = 400 + c;
      fill (a, (size_t) M * K);
      fill (b, (size_t) K * N);
      cblas_sgemm (CblasRowMajor, cases[c].ta, cases[c].tb, M, N, K, 1.0f, a, lda, b, ldb, 0.0f, y, N);
      /* Every kernel path runs on the full product; checking a lattice of entries (every row and
       * column residue is visited) keeps the float64 side fast. */
      for (int i = 0; i < M; i += M > 16 ? 3 : 1)
        for (int j = i % 7; j < N; j += 7)
          {
            double acc = 0.0, mag = 0.0;

            for (int l = 0; l < K; l++)
              {
                double t = (double) (cases[c].ta == CblasNoTrans ? a[i * K + l] : a[l * M + i])
                           * (cases[c].tb == CblasNoTrans ? b[l * N + j] : b[j * K + l]);
                acc += t;
                mag += fabs (t);
              }
            ck_assert_msg (fabs (y[i * N + j] - acc) <= 2.0 * K * FLT_EPSILON * mag,
                           "%d×%d×%d [%d,%d]: %.9g, float64 %.9g (%s)", M, N, K, i, j,
                           y[i * N + j], acc, dl_blas_describe ());
            worst = fmax (worst, fabs (y[i * N + j] - acc));
          }
      /* The products are far from trivially zero or exact: the comparison above meant something. */
      ck_assert (worst > 0.0);
      free (a);
      free (b);
      free (y);
    }
}
END_TEST

/* The ReLU folded into the pool is a ReLU then a pool: the same outputs and winners forward; backward, the
 * pool's routes times the ReLU's derivative at the winner (values of both signs, odd sizes). */
START_TEST (test_maxpool_relu_fused)
{
  const int B = 2, C = 3, H = 7, W = 9;
  enum { NX = 2 * 3 * 7 * 9, NY = 2 * 3 * 3 * 4 };
  float x[NX], rx[NX], y[NY], yr[NY], dy[NY], dx[NX], dxr[NX];
  int am[NY], amr[NY];

  rng_state = 21;
  for (int i = 0; i < NX; i++)
    rx[i] = (x[i] = rnd ()) > 0.0f ? x[i] : 0.0f;
  for (int i = 0; i < NY; i++)
    dy[i] = 1.0f + i;
  dl_maxpool_relu_forward (x, y, am, B, C, H, W);
  dl_maxpool_forward (rx, yr, amr, B, C, H, W);
  ck_assert_mem_eq (y, yr, sizeof y);
  int zeroed = 0;
  for (int o = 0; o < NY; o++)
    {
      /* Where the window had positives the winner is the same (as its place in the window); else the
       * ReLU made it 0 either way. */
      int plane = o / (3 * 4), py = o / 4 % 3, px = o % 4;
      int flat = (plane * H + 2 * py) * W + 2 * px + (am[o] & 1) + (am[o] >> 1) * W;
      ck_assert_int_ge (am[o], 0);
      ck_assert_int_le (am[o], 3);
      if (y[o] > 0.0f)
        ck_assert_int_eq (flat, amr[o]);
      zeroed += y[o] == 0.0f;
    }
  ck_assert_int_gt (zeroed, 0);
  memset (dx, 0x7f, sizeof dx);
  dl_maxpool_relu_backward (dy, y, am, dx, B, C, H, W);
  dl_maxpool_backward (dy, amr, dxr, B, C, H, W);
  for (int i = 0; i < NX; i++)
    ck_assert_float_eq (dx[i], x[i] > 0.0f ? dxr[i] : 0.0f);
}
END_TEST

/* The direct kernels (both kinds) compiled for each instruction set this CPU runs agree with im2col up to
 * rounding (the dispatch picks one; the others would otherwise go untested here). */
START_TEST (test_direct_isa_variants)
{
  static const char *const isas[] = { "avx512", "avx2", "sse2" };
  static const DlConvAlgo direct[] = { DL_CONV_DIRECT, DL_CONV_DIRECT_CHANNELS };

  for (unsigned v = 0; v < G_N_ELEMENTS (isas); v++)
    {
      if (!dl_conv_direct_force_isa (isas[v]))
        continue;
      for (unsigned sh = 6 * G_N_ELEMENTS (direct); sh < G_N_ELEMENTS (shapes) * G_N_ELEMENTS (direct); sh++)
        {
          const Shape *s = &shapes[sh / G_N_ELEMENTS (direct)];
          Case a, d;
          case_init (&a, s, DL_CONV_IM2COL, 500 + sh);
          case_init (&d, s, direct[sh % G_N_ELEMENTS (direct)], 500 + sh);
          g_autofree char *what = g_strdup_printf ("%s, %s", isas[v], dl_conv_algo_name (d.plan.algo));
          backward (&a, TRUE);
          backward (&d, TRUE);
          double scale = max_abs (a.dw, nw (s)) + max_abs (a.dx, nx (s)) + max_abs (a.y, ny (s));
          for (size_t i = 0; i < ny (s); i++)
            ck_assert_msg (fabs (a.y[i] - d.y[i]) <= 1e-5 * scale, "%s: y[%zu] %.9g, im2col %.9g", what, i, d.y[i],
                           a.y[i]);
          for (size_t i = 0; i < nw (s); i++)
            ck_assert_msg (fabs (a.dw[i] - d.dw[i]) <= 1e-5 * scale, "%s: dw[%zu] %.9g, im2col %.9g", what, i,
                           d.dw[i], a.dw[i]);
          for (int i = 0; i < s->K; i++)
            ck_assert_msg (fabs (a.db[i] - d.db[i]) <= 1e-5 * scale, "%s: db[%d]", what, i);
          for (size_t i = 0; i < nx (s); i++)
            ck_assert_msg (fabs (a.dx[i] - d.dx[i]) <= 1e-5 * scale, "%s: dx[%zu] %.9g, im2col %.9g", what, i,
                           d.dx[i], a.dx[i]);
          case_clear (&a);
          case_clear (&d);
        }
    }
  ck_assert (dl_conv_direct_force_isa (NULL));
  /* Every CPU runs the baseline. */
  ck_assert (dl_conv_direct_force_isa ("sse2"));
  ck_assert (dl_conv_direct_force_isa (NULL));
  ck_assert (!dl_conv_direct_force_isa ("avx9000"));
}
END_TEST

/* Every kernel offered for measuring loads and multiplies like the linked one (up to rounding); the linked
 * kernel's name gives the linked kernel; a name OpenBLAS does not know is an error, not a crash. */
START_TEST (test_blas_kernels)
{
  g_auto (GStrv) names = dl_blas_kernel_candidates ();
  const DlBlasKernel *linked = dl_blas_kernel ();
  enum { M = 37, N = 53, K = 29 };
  float a[M * K], b[K * N], c0[M * N], c1[M * N];
  g_autoptr (GError) error = NULL;

  ck_assert (linked->linked);
  ck_assert_str_eq (names[0], linked->name);
  ck_assert_ptr_eq (dl_blas_kernel_load (linked->name, NULL), linked);
  rng_state = 77;
  fill (a, M * K);
  fill (b, K * N);
  linked->sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, a, K, b, K, 0.0f, c0, N);
  for (int i = 1; names[i]; i++)
    {
      g_autoptr (GError) err = NULL;
      const DlBlasKernel *k = dl_blas_kernel_load (names[i], &err);
      ck_assert_msg (k != NULL, "%s: %s", names[i], err ? err->message : "");
      ck_assert (!k->linked);
      ck_assert_int_eq (g_ascii_strcasecmp (k->name, names[i]), 0);
      /* Loaded once. */
      ck_assert_ptr_eq (dl_blas_kernel_load (names[i], NULL), k);
      k->sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, a, K, b, K, 0.0f, c1, N);
      for (int j = 0; j < M * N; j++)
        ck_assert_msg (fabsf (c0[j] - c1[j]) <= 1e-5f * K, "%s: c[%d] %.9g, %s %.9g", k->name, j, c1[j], linked->name,
                       c0[j]);
      float v[M];
      k->sgemv (CblasRowMajor, CblasNoTrans, M, K, 1.0f, a, K, b, 1, 0.0f, v, 1);
      linked->sgemv (CblasRowMajor, CblasNoTrans, M, K, 1.0f, a, K, b, 1, 0.0f, c1, 1);
      for (int j = 0; j < M; j++)
        ck_assert (fabsf (v[j] - c1[j]) <= 1e-5f * K);
    }
  ck_assert_ptr_null (dl_blas_kernel_load ("NoSuchCore", &error));
  ck_assert (g_error_matches (error, DL_BLAS_ERROR, DL_BLAS_ERROR_UNAVAILABLE));
}
END_TEST

START_TEST (test_blas_describe)
{
  const char *core = openblas_get_corename ();

  dl_blas_set_threads (2);
  ck_assert_ptr_nonnull (strstr (dl_blas_describe (), core));
  ck_assert_ptr_nonnull (strstr (dl_blas_describe (), "2 threads"));
  ck_assert_int_eq (openblas_get_num_threads (), 2);
  dl_blas_set_threads (1);
  ck_assert_ptr_nonnull (strstr (dl_blas_describe (), "1 thread"));
  ck_assert (g_str_has_prefix (dl_blas_describe (), "OpenBLAS 0."));
  dl_blas_set_threads (0);
  ck_assert_int_ge (openblas_get_num_threads (), 1);
}
END_TEST

/* Runs this test program with `env` changes in "--describe" mode: dl_blas_init, then print what runs. */
static char *
describe_child (const char *const *set, const char *const *unset)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  char **envp = g_get_environ ();
  char *argv[] = { self, (char *) "--describe", NULL };
  char *out = NULL;
  int status = 0;
  g_autoptr(GError) error = NULL;

  for (; unset && *unset; unset++)
    envp = g_environ_unsetenv (envp, *unset);
  for (; set && set[0]; set += 2)
    envp = g_environ_setenv (envp, set[0], set[1], TRUE);
  ck_assert_msg (g_spawn_sync (NULL, argv, envp, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status, &error),
                 "%s", error ? error->message : "");
  ck_assert_msg (g_spawn_check_wait_status (status, NULL), "child failed: %s", out);
  g_strfreev (envp);
  return out;
}

/* On a clean environment the program ends up on the kernel dl_blas_init wants — after at most one
 * re-execution — and reports what it overrode; a kernel the user set is left alone. */
START_TEST (test_blas_kernel_choice)
{
  static const char *const clean[] = { "OPENBLAS_CORETYPE", "DIGITLAB_BLAS_KERNEL", NULL };
  static const char *const user[] = { "OPENBLAS_CORETYPE", "Sandybridge", NULL };
  g_autofree char *chosen = describe_child (NULL, clean);
  g_autofree char *kept = NULL;

  /* "<corename>\t<describe>\t<DIGITLAB_BLAS_KERNEL or ->" */
  g_auto(GStrv) f = g_strsplit (g_strstrip (chosen), "\t", 3);
  ck_assert_uint_eq (g_strv_length (f), 3);
  if (strcmp (f[2], "-") != 0)
    {
      /* Re-executed: the kernel asked for is the one running, and the description says so. */
      const char *gt = strchr (f[2], '>');
      ck_assert_ptr_nonnull (gt);
      ck_assert_str_eq (f[0], gt + 1);
      ck_assert_ptr_nonnull (strstr (f[1], "chosen over"));
    }
  ck_assert_ptr_nonnull (strstr (f[1], f[0]));

  kept = describe_child (user, clean + 1);
  ck_assert_msg (g_str_has_prefix (kept, "Sandybridge\t"), "%s", kept);
  ck_assert_ptr_null (strstr (kept, "chosen over"));
}
END_TEST

static Suite *
conv_suite (void)
{
  Suite *s = suite_create ("conv");
  TCase *tc = tcase_create ("kernels");

  tcase_add_loop_test (tc, test_forward_matches_reference, 0, N_CASES);
  tcase_add_loop_test (tc, test_backward_finite_differences, 0, N_CASES);
  tcase_add_loop_test (tc, test_backward_without_dx, 0, N_CASES);
  tcase_add_loop_test (tc, test_without_bias, 0, N_CASES);
  tcase_add_test (tc, test_maxpool_forward_exact);
  tcase_add_test (tc, test_maxpool_backward_routes);
  tcase_add_test (tc, test_maxpool_finite_differences);
  tcase_add_test (tc, test_maxpool_relu_fused);
  tcase_add_test (tc, test_direct_isa_variants);
  suite_add_tcase (s, tc);

  tc = tcase_create ("blas");
  tcase_add_test (tc, test_sgemm_matches_double);
  tcase_add_test (tc, test_blas_describe);
  tcase_add_test (tc, test_blas_kernels);
  tcase_add_test (tc, test_blas_kernel_choice);
  suite_add_tcase (s, tc);
  return s;
}

int
main (int argc, char **argv)
{
  SRunner *sr;
  int failed;

  dl_blas_init ();
  if (argc == 2 && strcmp (argv[1], "--describe") == 0)
    {
      const char *guard = g_getenv ("DIGITLAB_BLAS_KERNEL");
      printf ("%s\t%s\t%s\n", openblas_get_corename (), dl_blas_describe (), guard ? guard : "-");
      return EXIT_SUCCESS;
    }
  sr = srunner_create (conv_suite ());
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
