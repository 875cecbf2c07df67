/* test-worker-tune.c — a run with DlTrainConfig.tune: after READY the worker measures (or looks up) how
 * to run the network on this CPU, with TUNING progress and a last TUNING event saying what it chose; a
 * second run of the same network is not measured again; a fixed thread count is kept; the run then trains
 * as usual, its batches gathered and augmented (elastic distortion too) by the net's team. In suite
 * 'worker', so under ThreadSanitizer as well. */
#include "dl-test-worker.h"
#include "dl-tune.h"


/* The TUNING events from the cursor on up to the one with fraction 1 (returned); *measuring counts those
 * before it. */
static DlEvent *
wait_tuned (int *measuring)
{
  DlEvent *ev;
  double last = 0.0;

  *measuring = 0;
  for (;;)
    {
      ev = wait_event (&F, DL_EVENT_TUNING, -1);
      ck_assert (ev->tune_fraction >= last && ev->tune_fraction <= 1.0);
      ck_assert_ptr_nonnull (ev->message);
      last = ev->tune_fraction;
      if (ev->tune_fraction >= 1.0)
        return ev;
      (*measuring)++;
    }
}

START_TEST (test_tuned_run)
{
  g_autoptr (DlDataset) train = make_blocks (600, 1);
  g_autoptr (DlDataset) test = make_blocks (100, 2);
  g_auto (DlTrainConfig) cfg = { 0 };
  int measuring;

  config_init (&cfg, 32, 1);
  cfg.threads = 0;
  cfg.tune = TRUE;
  cfg.augment = TRUE;
  cfg.augment_kinds = DL_AUGMENT_AFFINE | DL_AUGMENT_ELASTIC;
  begin_run (train, test, &cfg);
  DlEvent *chosen = wait_tuned (&measuring);
  ck_assert_int_ge (measuring, 1);
  ck_assert_msg (g_str_has_prefix (chosen->message, "Tuned for this CPU: "), "%s", chosen->message);
  ck_assert_ptr_nonnull (strstr (chosen->message, "thread"));

  /* It trains, gathering and augmenting on the team it chose. */
  dl_worker_start (F.worker);
  DlEvent *done = wait_event (&F, DL_EVENT_EVAL, -1);
  ck_assert (done->end_of_epoch && isfinite (done->test_loss));
  wait_event (&F, DL_EVENT_DONE, -1);

  /* The same network again: taken from this session's measurement, nothing measured. */
  dl_worker_new_run (F.worker, &cfg);
  wait_state (&F, DL_TRAIN_READY);
  chosen = wait_tuned (&measuring);
  ck_assert_int_eq (measuring, 0);
  ck_assert_msg (strstr (chosen->message, "earlier in this session") || strstr (chosen->message, "from the cache"),
                 "%s", chosen->message);
}
END_TEST

/* A recipe's thread count stays: the tuning only chooses the rest. */
START_TEST (test_tuned_run_keeps_threads)
{
  g_autoptr (DlDataset) train = make_blocks (200, 1);
  g_autoptr (DlDataset) test = make_blocks (50, 2);
  g_auto (DlTrainConfig) cfg = { 0 };
  int measuring;

  config_init (&cfg, 16, 1);
  g_free (cfg.arch);
  cfg.arch = g_strdup ("conv4x3-relu,pool2,fc10,softmax");
  cfg.threads = 2;
  cfg.tune = TRUE;
  begin_run (train, test, &cfg);
  DlEvent *chosen = wait_tuned (&measuring);
  ck_assert_msg (strstr (chosen->message, ": 2 threads"), "%s", chosen->message);
}
END_TEST

int
main (void)
{
  /* Never the user's cache: a fresh one (before GLib first reads XDG_CACHE_HOME). */
  g_autofree char *dir = g_dir_make_tmp ("test-worker-tune-XXXXXX", NULL);
  g_setenv ("XDG_CACHE_HOME", dir, TRUE);
  const Case cases[] = {
    { "tuned_run", test_tuned_run },
    { "tuned_run_keeps_threads", test_tuned_run_keeps_threads },
  };
  SRunner *sr = srunner_create (make_suite ("worker-tune", cases, G_N_ELEMENTS (cases)));
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  g_autofree char *path = dl_tune_cache_path ();
  g_autofree char *sub = g_path_get_dirname (path);
  g_remove (path);
  g_rmdir (sub);
  g_rmdir (dir);
  return failed == 0 ? 0 : 1;
}
