/* test-lr-finder.c — the learning-rate finder in the app, under Xvfb, on a small real-MNIST subset: the
 * Train page in a window, a small network paused mid-epoch, session.find-lr activated. The popover opens on
 * the sweep's progress and then shows the curve and the suggestion in the worker's words, with an Apply
 * button naming the rate; the run — its parameters, its step, every series point, its markers — is as it
 * was; Apply sets the draft's and the rate field's rate, and the live run takes it as one marked change;
 * a cancelled sweep shows nothing and closes the popover. DL_TEST_CASE=NAME runs one case.
 */
#include <check.h>
#include <gtk/gtk.h>
#include <math.h>

#include "config.h"
#include "dl-lr-curve.h"
#include "dl-lr-finder.h"
#include "dl-ticks.h"
#include "dl-train-page.h"
#include "dl-test-mnist.h"
#include "dl-test-session.h"

#define N_TRAIN 3000
#define N_TEST  500
#define SMALL_ARCH "fc32-relu,fc10,softmax"
#define PAUSE_AT 30

static char *home, *data_dir;

typedef struct {
  DlSession   *session;
  GtkWindow   *window;
  DlTrainPage *page;
  DlLrFinder  *finder;
  gint         pause_at;        /* atomic: the worker pauses after this step */
  double       max_fraction;    /* the largest lr-find-fraction seen */
  gboolean     popover_seen;    /* the popover was open while the sweep ran */
} Fixture;

static Fixture F;

static void
observe (const DlStepInfo *info, gpointer data)
{
  gint at = g_atomic_int_get (&F.pause_at);

  if (at > 0 && info->step == at)
    {
      g_atomic_int_set (&F.pause_at, 0);
      dl_worker_pause (dl_session_get_worker (F.session));
    }
}

static void
fraction_cb (DlSession *s)
{
  F.max_fraction = MAX (F.max_fraction, dl_session_get_lr_find_fraction (s));
  F.popover_seen |= gtk_widget_get_visible (GTK_WIDGET (dl_lr_finder_get_popover (F.finder)));
}

static gboolean
session_ready (gpointer data)
{
  DlSession *s = data;

  return dl_session_get_ready (s) && dl_session_get_data (s) != NULL && dl_session_get_live_run (s) != NULL
         && test_session_enabled (s, "start");
}

static gboolean
live_in (gpointer data)
{
  DlRun *live = dl_session_get_live_run (F.session);

  return live != NULL && (int) dl_run_get_state (live) == GPOINTER_TO_INT (data);
}

static gboolean
sweep_done (gpointer data)
{
  return !dl_session_get_finding_lr (F.session);
}

/* The session with the subset loaded, the Train page in a window, the small network trained to PAUSE_AT. */
static void
setup (void)
{
  g_autofree char *store = g_strdup_printf ("%s/runs-%u.sqlite", home, g_random_int ());
  g_auto (DlTrainConfig) cfg = { 0 };

  memset (&F, 0, sizeof F);
  F.session = dl_session_new (NULL, store);
  dl_worker_set_step_observer (dl_session_get_worker (F.session), observe, NULL);
  g_signal_connect (F.session, "notify::lr-find-fraction", G_CALLBACK (fraction_cb), NULL);
  g_action_group_activate_action (dl_session_get_actions (F.session), "load-data",
                                  g_variant_new ("(ss)", data_dir, data_dir));
  test_session_wait (session_ready, F.session, 60, "the data set and the first run");

  F.page = g_object_new (DL_TYPE_TRAIN_PAGE, "session", F.session, NULL);
  F.finder = dl_train_page_get_lr_finder (F.page);
  F.window = GTK_WINDOW (gtk_window_new ());
  gtk_widget_insert_action_group (GTK_WIDGET (F.window), "session", dl_session_get_actions (F.session));
  gtk_window_set_default_size (F.window, 1200, 800);
  gtk_window_set_child (F.window, GTK_WIDGET (F.page));
  gtk_window_present (F.window);

  test_session_recipe (&cfg, "mlp", 1);
  g_free (cfg.arch);
  cfg.arch = g_strdup (SMALL_ARCH);
  cfg.schedule = DL_SCHEDULE_NONE;
  dl_session_set_config (F.session, &cfg, NULL);
  g_atomic_int_set (&F.pause_at, PAUSE_AT);
  test_session_activate (F.session, "start", NULL);
  test_session_wait (live_in, GINT_TO_POINTER (DL_TRAIN_PAUSED), 60, "the pause");
}

static void
teardown (void)
{
  dl_worker_set_step_observer (dl_session_get_worker (F.session), NULL, NULL);
  gtk_window_destroy (F.window);
  g_clear_object (&F.session);
  iterate_until (never, NULL, 20);
}

/* Everything the run shows: its series, point by point. */
static GArray *
series_copy (DlRun *run)
{
  GArray *all = g_array_new (FALSE, FALSE, sizeof (double));

  for (int k = 0; k < DL_RUN_N_SERIES; k++)
    {
      DlSeries *s = dl_run_get_series (run, (DlRunSeriesKind) k);
      double n = dl_series_get_n_points (s);

      g_array_append_val (all, n);
      g_array_append_vals (all, dl_series_peek_x (s), dl_series_get_n_points (s));
      g_array_append_vals (all, dl_series_peek_y (s), dl_series_get_n_points (s));
    }
  return all;
}

static float *
params_copy (DlSession *s, guint *n)
{
  g_autoptr (DlSnapshot) snap = dl_session_dup_snapshot (s);

  *n = dl_net_n_params (snap->net);
  return g_memdup2 (dl_net_params (snap->net), sizeof (float) * *n);
}

static gboolean
marker_count_is (gpointer data)
{
  return dl_run_get_n_markers (dl_session_get_live_run (F.session)) == GPOINTER_TO_UINT (data);
}

/* From the action: progress, the suggestion shown, the run untouched, and Apply. */
START_TEST (test_find_and_apply)
{
  g_autoptr (GArray) series_before = NULL, series_after = NULL;
  g_autofree float *before = NULL, *after = NULL;
  g_auto (DlTrainConfig) draft = { 0 };
  guint n_before, n_after;
  char shown[32];
  const char *apply_label;
  DlEvent *found;
  DlRun *run;
  gint64 steps;
  double lr;

  DL_TEST_WATCHDOG ();
  run = dl_session_get_live_run (F.session);
  series_before = series_copy (run);
  steps = dl_run_get_steps (run);
  ck_assert_int_eq (steps, PAUSE_AT);
  before = params_copy (F.session, &n_before);
  test_session_activate (F.session, "find-lr", NULL);
  ck_assert (dl_session_get_finding_lr (F.session));
  ck_assert (!test_session_enabled (F.session, "find-lr"));
  ck_assert (test_session_enabled (F.session, "cancel-find-lr"));
  test_session_wait (sweep_done, NULL, 60, "the sweep");

  /* It showed its progress in the open popover, then its result. */
  ck_assert (F.popover_seen);
  ck_assert_double_gt (F.max_fraction, 0.4);
  found = dl_session_get_lr_found (F.session);
  ck_assert_ptr_nonnull (found);
  ck_assert (!found->lr_find->cancelled);
  ck_assert (isfinite (found->lr_find->steepest));
  ck_assert (gtk_widget_get_visible (GTK_WIDGET (dl_lr_finder_get_popover (F.finder))));
  ck_assert_ptr_eq (dl_lr_curve_get_found (DL_LR_CURVE (gtk_widget_get_template_child (
                      GTK_WIDGET (F.finder), DL_TYPE_LR_FINDER, "curve"))), found);

  /* The suggestion, in words and on the button, as two significant digits. */
  dl_ticks_format_value (found->lr_find->steepest, 2, shown, sizeof shown);
  ck_assert_double_eq (dl_lr_finder_get_suggestion (F.finder), g_ascii_strtod (shown, NULL));
  ck_assert_msg (strstr (dl_lr_finder_get_text (F.finder), "Suggested learning rate") != NULL
                 && strstr (dl_lr_finder_get_text (F.finder), shown) != NULL, "%s / %s",
                 dl_lr_finder_get_text (F.finder), shown);
  apply_label = gtk_button_get_label (GTK_BUTTON (gtk_widget_get_template_child (GTK_WIDGET (F.finder),
                                                                                 DL_TYPE_LR_FINDER, "apply_button")));
  ck_assert_msg (strstr (apply_label, shown) != NULL, "%s", apply_label);

  /* The run as it was: parameters byte for byte, its step, every point of every series, no marker. */
  iterate_until (never, NULL, 100);
  after = params_copy (F.session, &n_after);
  ck_assert_uint_eq (n_after, n_before);
  ck_assert_int_eq (memcmp (before, after, sizeof (float) * n_before), 0);
  ck_assert_int_eq (dl_run_get_steps (run), steps);
  ck_assert_int_eq (dl_run_get_state (run), DL_TRAIN_PAUSED);
  series_after = series_copy (run);
  ck_assert_uint_eq (series_after->len, series_before->len);
  ck_assert_int_eq (memcmp (series_after->data, series_before->data, sizeof (double) * series_before->len), 0);
  ck_assert_uint_eq (dl_run_get_n_markers (run), 0);

  /* Apply: the rate field and the draft take it, the popover closes, and the live run takes it at its next
   * step as one marked change. */
  lr = dl_lr_finder_get_suggestion (F.finder);
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (F.finder), "lr-finder.apply", NULL));
  ck_assert (!gtk_widget_get_visible (GTK_WIDGET (dl_lr_finder_get_popover (F.finder))));
  ck_assert_str_eq (gtk_editable_get_text (GTK_EDITABLE (gtk_widget_get_template_child (
                      GTK_WIDGET (F.page), DL_TYPE_TRAIN_PAGE, "lr_entry"))), shown);
  dl_session_get_config (F.session, &draft);
  ck_assert_float_eq_tol (draft.hyper.lr, lr, 1e-9);
  test_session_wait (marker_count_is, GUINT_TO_POINTER (1), 30, "the change acknowledged");
  test_session_activate (F.session, "resume", NULL);
  test_session_wait (live_in, GINT_TO_POINTER (DL_TRAIN_FINISHED), 60, "the run's end");
  ck_assert_uint_eq (dl_run_get_n_markers (run), 1);
  ck_assert_int_eq (dl_run_get_marker (run, 0)->step, PAUSE_AT + 1);
  ck_assert_msg (strstr (dl_run_get_marker (run, 0)->text, shown) != NULL, "%s", dl_run_get_marker (run, 0)->text);
  ck_assert_float_eq_tol (dl_series_get_y (dl_run_get_series (run, DL_RUN_SERIES_LR), PAUSE_AT), lr, 1e-6);
}
END_TEST

/* Cancel: the sweep gives up, nothing is suggested, the popover closes and a new sweep can start. */
START_TEST (test_cancel)
{
  DL_TEST_WATCHDOG ();
  test_session_activate (F.session, "find-lr", NULL);
  test_session_activate (F.session, "cancel-find-lr", NULL);
  test_session_wait (sweep_done, NULL, 60, "the cancelled sweep");
  ck_assert_ptr_null (dl_session_get_lr_found (F.session));
  ck_assert (!gtk_widget_get_visible (GTK_WIDGET (dl_lr_finder_get_popover (F.finder))));
  ck_assert (!test_session_enabled (F.session, "cancel-find-lr"));
  ck_assert (test_session_enabled (F.session, "find-lr"));
  ck_assert (isnan (dl_lr_finder_get_suggestion (F.finder)));
}
END_TEST

int
main (int argc, char **argv)
{
  Suite *s = suite_create ("lr-finder");
  struct { const char *name; const TTest *test; } cases[] = {
    { "find-and-apply", test_find_and_apply },
    { "cancel", test_cancel },
  };
  const char *only = g_getenv ("DL_TEST_CASE");
  SRunner *sr;
  int failed;

  home = test_session_private_home ();
  gtk_init ();
  if (!test_session_have_mnist ())
    {
      g_printerr ("SKIP: no MNIST (run build-aux/fetch-mnist.sh)\n");
      return 77;
    }
  data_dir = test_session_subset (home, N_TRAIN, N_TEST);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TCase *tc;

      if (only != NULL && !g_str_equal (only, cases[i].name))
        continue;
      tc = tcase_create (cases[i].name);
      tcase_set_timeout (tc, 300);
      tcase_add_checked_fixture (tc, setup, teardown);
      tcase_add_test (tc, cases[i].test);
      suite_add_tcase (s, tc);
    }
  sr = srunner_create (s);
  /* GTK must run in the process that owns the display connection. */
  srunner_set_fork_status (sr, CK_NOFORK);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
