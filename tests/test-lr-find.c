/* test-lr-find.c — the learning-rate finder's core (dl-lr-find.c): the sweep's rates, its early stop, and
 * the suggestions read off curves whose answer is known. */
#include <check.h>
#include <math.h>

#include "dl-lr-find.h"
#include "dl-test-net.h"

/* A curve from a loss function of the rate, with a little deterministic noise, smoothed as the sweep
 * smooths it. */
static DlLrFind *
curve (double (*loss) (double lr), int steps, double noise)
{
  DlLrFind *f = g_new0 (DlLrFind, 1);
  double avg = 0.0, decay = 1.0;
  DlRng rng;

  dl_lr_find_options_init (&f->options);
  f->options.steps = steps;
  f->points = g_array_new (FALSE, FALSE, sizeof (DlLrPoint));
  dl_rng_seed (&rng, 3);
  for (int i = 0; i < steps; i++)
    {
      DlLrPoint p;

      p.lr = 1e-6 * pow (1e7, (double) i / (steps - 1));
      p.loss = (float) (loss (p.lr) * (1.0 + noise * (dl_rng_uniform (&rng) - 0.5)));
      avg = 0.98 * avg + 0.02 * p.loss;
      decay *= 0.98;
      p.smoothed = avg / (1.0 - decay);
      g_array_append_val (f->points, p);
    }
  return f;
}

/* Flat at 2.3 up to 1e-3, falling (log-linearly in the rate) to 0.3 at 0.1, then rising steeply. */
static double
textbook (double lr)
{
  double t = log10 (lr);

  if (t < -3)
    return 2.3;
  if (t < -1)
    return 2.3 - 2.0 * (t + 3) / 2.0 * ((t + 3) / 2.0);   /* accelerating fall: steepest just before 0.1 */
  return 0.3 + 20.0 * (t + 1) * (t + 1);
}

START_TEST (suggestions_of_a_textbook_curve)
{
  g_autoptr (DlLrFind) f = curve (textbook, 200, 0.02);

  dl_lr_find_analyse (f);
  /* The smoothed curve lags the losses, so its features sit right of the function's (minimum at 0.1,
   * steepest just before it). */
  ck_assert_msg (f->min_loss_lr > 0.1 && f->min_loss_lr < 0.3, "minimum at %g", f->min_loss_lr);
  ck_assert_msg (f->steepest > 0.03 && f->steepest < f->min_loss_lr, "steepest %g", f->steepest);
  ck_assert_msg (f->valley > 1e-3 && f->valley < f->steepest, "valley %g", f->valley);
  dl_lr_find_judge (f, 0.01);
  ck_assert (!f->too_high);
  dl_lr_find_judge (f, 2.0);
  ck_assert (f->too_high);
}
END_TEST

/* The textbook curve after a steep early fall at tiny rates (the network's first, easy gains): the
 * suggestion stays on the way into the minimum. */
static double
early_fall (double lr)
{
  return textbook (lr) + (lr < 1e-5 ? 8.0 * (1.0 - (log10 (lr) + 6.0)) : 0.0);
}

START_TEST (early_fall_is_not_the_suggestion)
{
  g_autoptr (DlLrFind) f = curve (early_fall, 200, 0.02);

  dl_lr_find_analyse (f);
  ck_assert_msg (f->steepest >= f->min_loss_lr / 100.0 && f->steepest < f->min_loss_lr, "steepest %g, minimum %g",
                 f->steepest, f->min_loss_lr);
}
END_TEST

/* A fall to its lowest at 0.03, a slowly rising bottom, and a cliff at 0.1 (dead, 2.3): the moving
 * average's minimum lags to the cliff, the suggestion stays at the losses' own minimum or below. */
static double
cliff (double lr)
{
  double t = log10 (lr), t0 = log10 (3e-4), t1 = log10 (0.03);

  if (t < t0)
    return 2.3;
  if (t < t1)
    return 2.3 - 1.8 * (t - t0) / (t1 - t0);
  return lr < 0.1 ? 0.5 + 0.3 * (t - t1) : 2.3;
}

START_TEST (suggestion_before_the_cliff)
{
  g_autoptr (DlLrFind) f = curve (cliff, 200, 0.02);

  dl_lr_find_analyse (f);
  ck_assert_msg (f->min_loss_lr > 0.04, "the moving average's minimum at %g", f->min_loss_lr);
  ck_assert_msg (f->steepest <= 0.035, "steepest %g, past the losses' minimum at 0.03", f->steepest);
}
END_TEST

static double
flat (double lr)
{
  return 2.3;
}

START_TEST (no_fall_no_suggestion)
{
  g_autoptr (DlLrFind) f = curve (flat, 150, 0.0);

  dl_lr_find_analyse (f);
  ck_assert (isnan (f->steepest));
  ck_assert (isnan (f->valley));
  ck_assert (isfinite (f->min_loss_lr));
}
END_TEST

START_TEST (short_curve_no_suggestion)
{
  g_autoptr (DlLrFind) f = curve (textbook, 200, 0.0);

  g_array_set_size (f->points, 20);
  dl_lr_find_analyse (f);
  ck_assert (isnan (f->steepest));
  ck_assert (isnan (f->valley));
  g_array_set_size (f->points, 0);
  dl_lr_find_analyse (f);
  ck_assert (isnan (f->min_loss_lr));
  dl_lr_find_judge (f, 0.1);
  ck_assert (!f->too_high);
}
END_TEST

/* A non-finite loss ends what the suggestions read: the points before it still give them. */
START_TEST (nan_tail_ignored)
{
  g_autoptr (DlLrFind) f = curve (textbook, 200, 0.02);
  DlLrPoint *last = &g_array_index (f->points, DlLrPoint, 190);

  last->loss = NAN;
  last->smoothed = NAN;
  g_array_set_size (f->points, 191);
  dl_lr_find_analyse (f);
  ck_assert (isfinite (f->steepest) && isfinite (f->valley) && isfinite (f->min_loss_lr));
}
END_TEST

/* ---- the sweep on a real network ---- */

typedef struct {
  float  x[32 * DL_TEST_IN];
  guint8 y[32];
  int    calls, limit;
} Batches;

static gboolean
next (gpointer data, int *b, const float **x, const guint8 **y)
{
  Batches *s = data;

  if (s->limit > 0 && s->calls >= s->limit)
    return FALSE;
  dl_test_make_batch (32, 1000 + s->calls++, s->x, s->y);
  *b = 32;
  *x = s->x;
  *y = s->y;
  return TRUE;
}

/* Rates from lr_min up by a constant factor; a linear MSE net blows up well before 10 under plain SGD, and
 * the sweep stops once the smoothed loss passes 4 × its minimum (or overflows). */
START_TEST (sweep_rates_and_early_stop)
{
  g_autoptr (DlNet) net = dl_test_make_net ("fc10,mse", 1);
  g_autoptr (DlLrFind) f = NULL;
  Batches s = { .limit = 0 };
  DlLrFindOptions o;
  DlHyper h;
  double best = INFINITY;

  dl_lr_find_options_init (&o);
  o.steps = 150;
  dl_hyper_init_default (&h);
  h.optimizer = DL_OPT_SGD;
  h.lr = 0.05f;
  f = dl_lr_find_run (net, &h, &o, next, &s);
  ck_assert_int_eq (s.calls, (int) f->points->len);
  ck_assert (f->stopped_early);
  ck_assert (!f->cancelled);
  ck_assert_uint_lt (f->points->len, 150);
  for (guint i = 0; i < f->points->len; i++)
    {
      const DlLrPoint *p = &g_array_index (f->points, DlLrPoint, i);

      ck_assert_double_eq_tol (p->lr, 1e-6 * pow (1e7, i / 149.0), 1e-12 * p->lr);
      if (i + 1 < f->points->len)
        best = MIN (best, p->smoothed);
    }
  const DlLrPoint *last = &g_array_index (f->points, DlLrPoint, f->points->len - 1);
  ck_assert (!isfinite (last->smoothed) || last->smoothed > 4.0 * best);
  ck_assert_double_eq (f->current_lr, (double) h.lr);
}
END_TEST

/* Batches that run out (the worker shutting down) end the sweep as cancelled. */
START_TEST (sweep_cancelled)
{
  g_autoptr (DlNet) net = dl_test_make_net ("fc16-relu,fc10,softmax", 1);
  g_autoptr (DlLrFind) f = NULL;
  Batches s = { .limit = 30 };
  DlLrFindOptions o;
  DlHyper h;

  dl_lr_find_options_init (&o);
  dl_hyper_init_default (&h);
  f = dl_lr_find_run (net, &h, &o, next, &s);
  ck_assert (f->cancelled);
  ck_assert_uint_eq (f->points->len, 30);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("lr-find");
  TCase *tc = tcase_create ("analysis");
  tcase_add_test (tc, suggestions_of_a_textbook_curve);
  tcase_add_test (tc, early_fall_is_not_the_suggestion);
  tcase_add_test (tc, suggestion_before_the_cliff);
  tcase_add_test (tc, no_fall_no_suggestion);
  tcase_add_test (tc, short_curve_no_suggestion);
  tcase_add_test (tc, nan_tail_ignored);
  suite_add_tcase (s, tc);
  TCase *sw = tcase_create ("sweep");
  tcase_add_test (sw, sweep_rates_and_early_stop);
  tcase_add_test (sw, sweep_cancelled);
  suite_add_tcase (s, sw);
  SRunner *sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
