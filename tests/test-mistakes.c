/* test-mistakes.c — selection (filter + sort), history and label-error suspicion of DlMistakes on a
 * synthetic set of predictions whose right answers are worked out by hand. */
#include <check.h>
#include <string.h>

#include "dl-mistakes.h"

#define N 8

/* True labels of the synthetic test set. */
static const guint8 labels[N] = { 0, 1, 2, 3, 4, 1, 7, 9 };

/* An evaluation built directly from predictions and confidences: the predicted class gets `conf`,
 * the true class gets `p_true` when wrong, and the rest is spread over the remaining classes. */
static DlEval *
make_eval (int n, const int *pred, const float *conf, const float *p_true)
{
  DlEval *ev = g_new0 (DlEval, 1);
  ev->n = n;
  ev->predicted = g_new0 (guint8, n);
  ev->confidence = g_new0 (float, n);
  ev->probs = g_new0 (float, n * DL_N_CLASSES);
  for (int i = 0; i < n; i++)
    {
      float *p = ev->probs + i * DL_N_CLASSES;
      int t = labels[i];
      float pt = pred[i] == t ? conf[i] : (p_true ? p_true[i] : 0.0f);
      float rest = (1.0f - conf[i] - (pred[i] == t ? 0.0f : pt)) / (pred[i] == t ? 9 : 8);

      for (int c = 0; c < DL_N_CLASSES; c++)
        p[c] = rest;
      p[pred[i]] = conf[i];
      p[t] = pred[i] == t ? conf[i] : pt;
      ev->predicted[i] = pred[i];
      ev->confidence[i] = conf[i];
      ev->correct += pred[i] == t;
      ev->confusion[t][pred[i]]++;
    }
  ev->accuracy = (double) ev->correct / n;
  return ev;
}

static void
free_eval (DlEval *ev)
{
  g_free (ev->predicted);
  g_free (ev->confidence);
  g_free (ev->probs);
  g_free (ev);
}

static void
add (DlMistakes *m, const int *pred, const float *conf, const float *p_true, gboolean eoe)
{
  DlEval *ev = make_eval (N, pred, conf, p_true);
  ck_assert (dl_mistakes_add_eval (m, ev, eoe));
  free_eval (ev);
}

/* Wrong: 1 (1→7, .90), 3 (3→5, .60), 4 (4→9, .90), 6 (7→1, .99), 7 (9→4, .30).  Right: 0, 2, 5. */
static const int pred_a[N]   = { 0, 7, 2, 5, 9, 1, 1, 4 };
static const float conf_a[N] = { .8f, .9f, .7f, .6f, .9f, .95f, .99f, .3f };

static void
assert_order (const int *got, int n_got, const int *want, int n_want)
{
  ck_assert_int_eq (n_got, n_want);
  for (int i = 0; i < n_want; i++)
    ck_assert_msg (got[i] == want[i], "position %d: got %d, want %d", i, got[i], want[i]);
}

START_TEST (test_sort_orders)
{
  g_autoptr (DlMistakes) m = dl_mistakes_new (labels, N);
  DlMistakesFilter f;
  int out[N];

  add (m, pred_a, conf_a, NULL, FALSE);
  ck_assert_int_eq (dl_mistakes_get_n_wrong (m), 5);
  ck_assert_int_eq (dl_mistakes_get_n_evaluated (m), N);
  dl_mistakes_filter_init (&f);

  /* Confidence descending; 1 and 4 tie at .90 and come in index order. */
  static const int by_conf[] = { 6, 1, 4, 3, 7 };
  int n = dl_mistakes_select (m, &f, DL_MISTAKES_SORT_CONFIDENCE, out);
  assert_order (out, n, by_conf, G_N_ELEMENTS (by_conf));

  /* True class ascending: 1(1) 3(3) 4(4) 6(7) 7(9). */
  static const int by_true[] = { 1, 3, 4, 6, 7 };
  n = dl_mistakes_select (m, &f, DL_MISTAKES_SORT_TRUE_CLASS, out);
  assert_order (out, n, by_true, G_N_ELEMENTS (by_true));

  static const int by_index[] = { 1, 3, 4, 6, 7 };
  n = dl_mistakes_select (m, &f, DL_MISTAKES_SORT_INDEX, out);
  assert_order (out, n, by_index, G_N_ELEMENTS (by_index));
}
END_TEST

START_TEST (test_true_class_ties_by_index)
{
  /* Two mistakes of class 1 (indices 1 and 5) with different confidences: index order still wins. */
  static const int pred[N]   = { 0, 7, 2, 3, 4, 8, 7, 9 };
  static const float conf[N] = { .9f, .2f, .9f, .9f, .9f, .8f, .9f, .9f };
  g_autoptr (DlMistakes) m = dl_mistakes_new (labels, N);
  DlMistakesFilter f;
  int out[N];

  add (m, pred, conf, NULL, FALSE);
  dl_mistakes_filter_init (&f);
  static const int want[] = { 1, 5 };
  int n = dl_mistakes_select (m, &f, DL_MISTAKES_SORT_TRUE_CLASS, out);
  assert_order (out, n, want, G_N_ELEMENTS (want));
  static const int want_conf[] = { 5, 1 };
  n = dl_mistakes_select (m, &f, DL_MISTAKES_SORT_CONFIDENCE, out);
  assert_order (out, n, want_conf, G_N_ELEMENTS (want_conf));
}
END_TEST

START_TEST (test_filters)
{
  g_autoptr (DlMistakes) m = dl_mistakes_new (labels, N);
  DlMistakesFilter f;
  int out[N], n;

  add (m, pred_a, conf_a, NULL, FALSE);

  /* By true class: the 1s that were missed → only index 1 (index 5 is a 1 but right). */
  dl_mistakes_filter_init (&f);
  f.true_class = 1;
  static const int t1[] = { 1 };
  n = dl_mistakes_select (m, &f, DL_MISTAKES_SORT_INDEX, out);
  assert_order (out, n, t1, 1);

  /* By predicted class: mistakes answered 1 → index 6 only (index 5 answered 1 rightly). */
  dl_mistakes_filter_init (&f);
  f.predicted = 1;
  static const int p1[] = { 6 };
  n = dl_mistakes_select (m, &f, DL_MISTAKES_SORT_INDEX, out);
  assert_order (out, n, p1, 1);

  /* A confusion pair (4, 9) → index 4; an empty pair (9, 7) → nothing. */
  dl_mistakes_filter_for_cell (&f, 4, 9);
  ck_assert_int_eq (f.show, DL_MISTAKES_SHOW_WRONG);
  static const int pair[] = { 4 };
  n = dl_mistakes_select (m, &f, DL_MISTAKES_SORT_CONFIDENCE, out);
  assert_order (out, n, pair, 1);
  dl_mistakes_filter_for_cell (&f, 9, 7);
  ck_assert_int_eq (dl_mistakes_select (m, &f, DL_MISTAKES_SORT_CONFIDENCE, out), 0);

  /* A diagonal cell: the correct ones of class 1 → index 5 only. */
  dl_mistakes_filter_for_cell (&f, 1, 1);
  ck_assert_int_eq (f.show, DL_MISTAKES_SHOW_RIGHT);
  static const int right1[] = { 5 };
  n = dl_mistakes_select (m, &f, DL_MISTAKES_SORT_CONFIDENCE, out);
  assert_order (out, n, right1, 1);

  /* All correct ones, by confidence: 5 (.95), 0 (.8), 2 (.7). */
  dl_mistakes_filter_init (&f);
  f.show = DL_MISTAKES_SHOW_RIGHT;
  static const int right[] = { 5, 0, 2 };
  n = dl_mistakes_select (m, &f, DL_MISTAKES_SORT_CONFIDENCE, out);
  assert_order (out, n, right, 3);

  /* Every cell filter partitions the evaluated set exactly as the confusion matrix counts it. */
  const int (*cm)[DL_N_CLASSES] = dl_mistakes_get_confusion (m);
  int total = 0;
  for (int t = 0; t < DL_N_CLASSES; t++)
    for (int p = 0; p < DL_N_CLASSES; p++)
      {
        dl_mistakes_filter_for_cell (&f, t, p);
        n = dl_mistakes_select (m, &f, DL_MISTAKES_SORT_INDEX, out);
        ck_assert_int_eq (n, cm[t][p]);
        total += n;
      }
  ck_assert_int_eq (total, N);
}
END_TEST

START_TEST (test_partial_eval)
{
  g_autoptr (DlMistakes) m = dl_mistakes_new (labels, N);
  DlMistakesFilter f;
  int out[N];

  /* A periodic evaluation of the first 5 examples only: mistakes 1, 3, 4. */
  DlEval *ev = make_eval (5, pred_a, conf_a, NULL);
  ck_assert (dl_mistakes_add_eval (m, ev, FALSE));
  free_eval (ev);
  ck_assert_int_eq (dl_mistakes_get_n_evaluated (m), 5);
  ck_assert_int_eq (dl_mistakes_get_n_wrong (m), 3);
  ck_assert (!dl_mistakes_get_prediction (m, 6, NULL, NULL));
  ck_assert_ptr_null (dl_mistakes_get_probs (m, 6));
  dl_mistakes_filter_init (&f);
  static const int want[] = { 1, 3, 4 };
  int n = dl_mistakes_select (m, &f, DL_MISTAKES_SORT_INDEX, out);
  assert_order (out, n, want, 3);

  /* An evaluation larger than the test set is refused. */
  DlMistakes *small = dl_mistakes_new (labels, 4);
  ev = make_eval (5, pred_a, conf_a, NULL);
  ck_assert (!dl_mistakes_add_eval (small, ev, FALSE));
  ck_assert_int_eq (dl_mistakes_get_n_evals (small), 0);
  free_eval (ev);
  dl_mistakes_free (small);
}
END_TEST

START_TEST (test_history)
{
  g_autoptr (DlMistakes) m = dl_mistakes_new (labels, N);
  DlMistakeHistory h;
  /* Example 3 (true 3): wrong, right, wrong, right → first right at eval 1, 3 flips.
   * Example 0: right throughout → first right at eval 0, no flips.
   * Example 7 (true 9): always wrong → never right. */
  static const int p0[N] = { 0, 1, 2, 5, 4, 1, 7, 4 };
  static const int p1[N] = { 0, 1, 2, 3, 4, 1, 7, 4 };
  static const float conf[N] = { .9f, .9f, .9f, .9f, .9f, .9f, .9f, .9f };

  add (m, p0, conf, NULL, FALSE);   /* during epoch 0 */
  add (m, p1, conf, NULL, TRUE);    /* end of epoch 0 */
  add (m, p0, conf, NULL, FALSE);   /* during epoch 1 */
  add (m, p1, conf, NULL, TRUE);    /* end of epoch 1 */

  ck_assert_int_eq (dl_mistakes_get_n_evals (m), 4);
  ck_assert_int_eq (dl_mistakes_get_eval_info (m, 3)->epochs_done, 2);
  ck_assert_int_eq (dl_mistakes_get_eval_info (m, 2)->epochs_done, 1);
  ck_assert_int_eq (dl_mistakes_get_eval_info (m, 2)->correct, 6);

  dl_mistakes_get_history (m, 3, &h);
  ck_assert_int_eq (h.n_evals, 4);
  ck_assert_int_eq (h.n_right, 2);
  ck_assert_int_eq (h.first_right, 1);
  ck_assert_int_eq (h.first_right_epoch, 0);
  ck_assert_int_eq (h.n_flips, 3);

  dl_mistakes_get_history (m, 0, &h);
  ck_assert_int_eq (h.first_right, 0);
  ck_assert_int_eq (h.first_right_epoch, 0);
  ck_assert_int_eq (h.n_flips, 0);

  dl_mistakes_get_history (m, 7, &h);
  ck_assert_int_eq (h.first_right, -1);
  ck_assert_int_eq (h.first_right_epoch, -1);
  ck_assert_int_eq (h.n_right, 0);
  ck_assert_int_eq (h.n_flips, 0);

  /* First right during the second epoch: a periodic evaluation after one end-of-epoch one. */
  static const int wrong3[N] = { 0, 1, 2, 5, 4, 1, 7, 4 };
  g_autoptr (DlMistakes) m2 = dl_mistakes_new (labels, N);
  add (m2, wrong3, conf, NULL, TRUE);
  add (m2, p1, conf, NULL, FALSE);
  dl_mistakes_get_history (m2, 3, &h);
  ck_assert_int_eq (h.first_right, 1);
  ck_assert_int_eq (h.first_right_epoch, 1);

  /* What each past evaluation predicted, and the true-class probability it gave (quantised). */
  int pred;
  float pt;
  ck_assert (dl_mistakes_get_past (m, 0, 3, &pred, &pt));
  ck_assert_int_eq (pred, 5);
  ck_assert (dl_mistakes_get_past (m, 1, 3, &pred, &pt));
  ck_assert_int_eq (pred, 3);
  ck_assert_float_eq_tol (pt, 0.9f, 1.0f / 255);
  ck_assert (!dl_mistakes_get_past (m, 4, 3, &pred, &pt));

  /* Clearing forgets everything. */
  dl_mistakes_clear (m);
  ck_assert_int_eq (dl_mistakes_get_n_evals (m), 0);
  ck_assert_int_eq (dl_mistakes_get_n_wrong (m), 0);
  dl_mistakes_get_history (m, 3, &h);
  ck_assert_int_eq (h.n_evals, 0);
  ck_assert_int_eq (h.first_right, -1);
}
END_TEST

START_TEST (test_suspect)
{
  g_autoptr (DlMistakes) m = dl_mistakes_new (labels, N);
  DlMistakeHistory h;
  DlMistakesFilter f;
  int out[N];
  /* Example 6 (true 7) answered 1 at .99 with p(7) = .005 every epoch → suspected after 3.
   * Example 1 (true 1) answered 7 at .97 but p(1) = .02: confident too, but broken by a right epoch.
   * Example 4 (true 4) answered 9 at .90: wrong every time but never ≥ .95 → scored, not marked.
   * Example 3 (true 3) answered 5 at .60 with p(3) = .35: above the true-class threshold → score 0. */
  static const int pw[N]   = { 0, 7, 2, 5, 9, 1, 1, 9 };
  static const int pr[N]   = { 0, 1, 2, 5, 9, 1, 1, 9 };
  static const float cw[N] = { .9f, .97f, .9f, .6f, .9f, .9f, .99f, .9f };
  static const float tw[N] = { 0, .02f, 0, .35f, .05f, 0, .005f, 0 };

  add (m, pw, cw, tw, TRUE);
  add (m, pw, cw, tw, TRUE);
  /* Periodic evaluations do not count towards the run or the score. */
  add (m, pw, cw, tw, FALSE);
  dl_mistakes_get_history (m, 6, &h);
  ck_assert_int_eq (h.confident_run, 2);
  ck_assert (!h.suspected);
  ck_assert_int_eq (dl_mistakes_get_n_suspected (m), 0);

  add (m, pr, cw, tw, TRUE);        /* example 1 right this epoch */
  dl_mistakes_get_history (m, 6, &h);
  ck_assert_int_eq (h.confident_run, 3);
  ck_assert (h.suspected);
  ck_assert_float_eq_tol (h.suspect_score, 0.99f, 1e-6);
  dl_mistakes_get_history (m, 1, &h);
  ck_assert_int_eq (h.confident_run, 0);
  ck_assert (!h.suspected);
  /* Two of three end-of-epoch evaluations scored .97. */
  ck_assert_float_eq_tol (h.suspect_score, 2 * 0.97f / 3, 1e-6);
  dl_mistakes_get_history (m, 4, &h);
  ck_assert (!h.suspected);
  ck_assert_float_eq_tol (h.suspect_score, 0.90f, 1e-6);
  dl_mistakes_get_history (m, 3, &h);
  ck_assert_float_eq (h.suspect_score, 0.0f);
  ck_assert_int_eq (dl_mistakes_get_n_suspected (m), 1);

  /* Sorted by score: 6 (.99), 4 (.90), 3 (0). Index 1 is right now, and so is 7 throughout. */
  dl_mistakes_filter_init (&f);
  static const int want[] = { 6, 4, 3 };
  int n = dl_mistakes_select (m, &f, DL_MISTAKES_SORT_SUSPECT, out);
  assert_order (out, n, want, G_N_ELEMENTS (want));

  f.suspected_only = TRUE;
  static const int only[] = { 6 };
  n = dl_mistakes_select (m, &f, DL_MISTAKES_SORT_SUSPECT, out);
  assert_order (out, n, only, 1);

  /* The score is a window over the last DL_MISTAKES_SCORE_WINDOW epochs: after that many epochs of
   * example 6 being right, its score is back to 0 and it is no longer marked. */
  static const int all_right[N] = { 0, 1, 2, 3, 4, 1, 7, 9 };
  for (int k = 0; k < DL_MISTAKES_SCORE_WINDOW; k++)
    add (m, all_right, cw, tw, TRUE);
  dl_mistakes_get_history (m, 6, &h);
  ck_assert (!h.suspected);
  ck_assert_float_eq (h.suspect_score, 0.0f);
  ck_assert_int_eq (h.n_flips, 1);
  ck_assert_int_eq (dl_mistakes_get_n_suspected (m), 0);
}
END_TEST

static Suite *
mistakes_suite (void)
{
  Suite *s = suite_create ("mistakes");
  TCase *tc = tcase_create ("core");

  tcase_add_test (tc, test_sort_orders);
  tcase_add_test (tc, test_true_class_ties_by_index);
  tcase_add_test (tc, test_filters);
  tcase_add_test (tc, test_partial_eval);
  tcase_add_test (tc, test_history);
  tcase_add_test (tc, test_suspect);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (mistakes_suite ());
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
