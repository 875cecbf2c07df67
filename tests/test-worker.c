/* test-worker.c — the training worker's runs: their states and the commands that move them (start,
 * pause/resume, stop, continue, new runs), loading data and models (and failing to, which changes
 * nothing), evaluations labelled subset or whole set, shutdown and dispose, errors.
 *
 *   test-worker          everything on generated data
 *   test-worker mnist    one epoch on real MNIST ($DIGITLAB_DATA): exit 77 (skipped) when the files are
 *                        absent, a failure when they are there but do not load
 *
 * The training loop itself (live changes, batches, the schedule, snapshots, divergence) is tested in
 * test-worker-training.c; what both share is in dl-test-worker.h.
 */
#include <sys/resource.h>
#include <unistd.h>

#include "dl-arch.h"
#include "dl-test-worker.h"

/* ------------------------------------------------------------------------------------------------ */
/* States and commands */

START_TEST (test_pause_resume_stop)
{
  DlEvent *ev;
  gint64 paused_step, stopped_step, last_step = 0;
  g_autoptr(DlSnapshot) at_pause = NULL;

  load_blocks (4000, 16, 1000);
  ck_assert_int_eq (dl_worker_get_state (F.worker), DL_TRAIN_READY);
  ck_assert_uint_eq (dl_worker_get_run_serial (F.worker), 1);
  dl_worker_set_step_observer (F.worker, observe_step, &L);

  dl_worker_start (F.worker);
  wait_state (&F, DL_TRAIN_RUNNING);
  ck_assert_int_eq (dl_worker_get_state (F.worker), DL_TRAIN_RUNNING);
  wait_progress (&F, 20);

  dl_worker_pause (F.worker);
  ev = wait_state (&F, DL_TRAIN_PAUSED);
  paused_step = ev->step;
  ck_assert_int_eq (dl_worker_get_state (F.worker), DL_TRAIN_PAUSED);
  at_pause = dl_worker_dup_snapshot (F.worker);
  ck_assert_int_eq (at_pause->step, paused_step);

  /* Paused means no step: the evaluation the worker answers after the pause is still at that step. */
  ev = sync_worker (&F);
  ck_assert_int_eq (ev->step, paused_step);
  ck_assert_int_eq (ev->state, DL_TRAIN_PAUSED);
  ck_assert_int_eq (g_atomic_int_get (&L.n_steps), paused_step);

  dl_worker_resume (F.worker);
  wait_state (&F, DL_TRAIN_RUNNING);
  wait_progress (&F, paused_step + 1);

  dl_worker_stop (F.worker);
  ev = wait_state (&F, DL_TRAIN_STOPPED);
  stopped_step = ev->step;
  ck_assert_int_eq (dl_worker_get_state (F.worker), DL_TRAIN_STOPPED);
  ev = sync_worker (&F);
  ck_assert_int_eq (ev->step, stopped_step);
  ck_assert_int_eq (g_atomic_int_get (&L.n_steps), stopped_step);

  /* Delivered in order: the step never goes back. */
  for (guint i = 0; i < F.events->len; i++)
    {
      DlEvent *e = g_ptr_array_index (F.events, i);

      ck_assert_int_ge (e->step, last_step);
      last_step = e->type == DL_EVENT_HYPER_APPLIED ? last_step : e->step;
    }
}
END_TEST

/* Issue 11: "Stop" behaved like Pause — Start continued the same run. Stopped, the run has ended: start,
 * resume and pause do nothing; continue goes on from exactly where it stopped. */
START_TEST (test_stop_is_not_pause)
{
  const int n = 4000, batch = 16;
  DlEvent *ev;
  guint mark;

  load_blocks (n, batch, 3);
  log_track (n);
  L.stop_at = 100;
  dl_worker_set_step_observer (F.worker, observe_step, &L);
  dl_worker_start (F.worker);
  ev = wait_state (&F, DL_TRAIN_STOPPED);
  ck_assert_int_eq (ev->step, 100);
  ck_assert_int_eq (ev->samples_seen, 100 * batch);

  mark = F.events->len;
  dl_worker_start (F.worker);
  dl_worker_resume (F.worker);
  dl_worker_pause (F.worker);
  ev = sync_worker (&F);
  ck_assert_int_eq (ev->state, DL_TRAIN_STOPPED);
  ck_assert_int_eq (ev->step, 100);
  ck_assert_int_eq (g_atomic_int_get (&L.n_steps), 100);
  ck_assert_uint_eq (count_events (&F, DL_EVENT_STATE, mark, F.events->len), 0);
  ck_assert_int_eq (dl_worker_get_state (F.worker), DL_TRAIN_STOPPED);

  /* One more epoch, counted from the start of the one in progress: epoch 0 is finished, not begun again. */
  dl_worker_continue (F.worker, 1);
  ev = wait_state (&F, DL_TRAIN_RUNNING);
  ck_assert_int_eq (ev->epochs, 1);
  ck_assert_int_eq (ev->samples_seen, 100 * batch);
  wait_event (&F, DL_EVENT_DONE, -1);
  ev = wait_state (&F, DL_TRAIN_FINISHED);
  ck_assert_int_eq (ev->step, n / batch);
  ck_assert_uint_eq (L.steps->len, n / batch);
  for (guint i = 0; i < L.steps->len; i++)
    ck_assert_int_eq (log_step (i)->step, (gint64) i + 1);
  for (int i = 0; i < n; i++)
    ck_assert_msg (L.seen[i] == 1, "example %d was seen %d times in the epoch", i, L.seen[i]);
}
END_TEST

/* Issue 11: Start on a finished run trained the old network for another epoch. It does nothing now;
 * continue adds epochs to the same run. */
START_TEST (test_start_does_not_restart_finished)
{
  const int steps_per_epoch = (2000 + 31) / 32;
  DlEvent *ev;
  guint mark;

  load_blocks (2000, 32, 1);
  dl_worker_set_step_observer (F.worker, observe_step, &L);
  dl_worker_start (F.worker);
  wait_event (&F, DL_EVENT_DONE, -1);
  ev = wait_state (&F, DL_TRAIN_FINISHED);
  ck_assert_int_eq (ev->step, steps_per_epoch);
  ck_assert_int_eq (ev->epoch, 1);

  mark = F.events->len;
  dl_worker_start (F.worker);
  dl_worker_resume (F.worker);
  ev = sync_worker (&F);
  ck_assert_int_eq (ev->state, DL_TRAIN_FINISHED);
  ck_assert_int_eq (ev->step, steps_per_epoch);
  ck_assert_int_eq (g_atomic_int_get (&L.n_steps), steps_per_epoch);
  ck_assert_uint_eq (count_events (&F, DL_EVENT_STATE, mark, F.events->len), 0);

  dl_worker_continue (F.worker, 0);
  ev = wait_event (&F, DL_EVENT_ERROR, -1);
  ck_assert (g_error_matches (ev->error, DL_WORKER_ERROR, DL_WORKER_ERROR_INVALID));
  dl_worker_continue (F.worker, 2);
  ev = wait_state (&F, DL_TRAIN_RUNNING);
  ck_assert_int_eq (ev->run_serial, 1);
  ck_assert_int_eq (ev->epochs, 3);
  wait_event (&F, DL_EVENT_DONE, -1);
  ev = wait_state (&F, DL_TRAIN_FINISHED);
  ck_assert_int_eq (ev->step, 3 * steps_per_epoch);
  ck_assert_int_eq (ev->epoch, 3);
  ck_assert_uint_eq (L.steps->len, 3 * steps_per_epoch);
  ck_assert_int_eq (log_step (L.steps->len - 1)->epoch, 2);
}
END_TEST

/* Issue 11: after Reset the worker still marked the fresh network as trained. A new run is untrained,
 * at step 0, with a new serial; the run under way is stopped first. */
START_TEST (test_new_run_is_untrained)
{
  g_auto(DlTrainConfig) cfg = { 0 };
  g_autoptr(DlSnapshot) trained = NULL;
  g_autoptr(DlSnapshot) fresh = NULL;
  g_autoptr(DlNet) expected = NULL;
  DlEvent *ev;
  DlArch arch;
  guint mark;

  ev = load_blocks (4000, 16, 1000);
  ck_assert_uint_eq (ev->run_serial, 1);
  ck_assert_str_eq (ev->config->arch, SMALL_ARCH);
  L.pause_at = 40;
  dl_worker_set_step_observer (F.worker, observe_step, &L);
  dl_worker_start (F.worker);
  wait_state (&F, DL_TRAIN_PAUSED);
  trained = dl_worker_dup_snapshot (F.worker);
  ck_assert (trained->trained);
  ck_assert_int_eq (trained->step, 40);
  ck_assert_uint_eq (trained->run_serial, 1);

  config_init (&cfg, 16, 5);
  g_free (cfg.arch);
  cfg.arch = g_strdup ("fc16-tanh,fc10,softmax");
  cfg.seed = 11;
  mark = F.events->len;
  dl_worker_new_run (F.worker, &cfg);
  ev = wait_state (&F, DL_TRAIN_STOPPED);
  ck_assert_uint_eq (ev->run_serial, 1);
  ck_assert_int_eq (ev->step, 40);
  ev = wait_state (&F, DL_TRAIN_READY);
  ck_assert_uint_eq (ev->run_serial, 2);
  ck_assert_int_eq (ev->step, 0);
  ck_assert_int_eq (ev->epochs, 5);
  ck_assert_str_eq (ev->config->arch, "fc16-tanh,fc10,softmax");
  ck_assert_uint_eq (dl_worker_get_run_serial (F.worker), 2);
  ck_assert_int_eq (dl_worker_get_state (F.worker), DL_TRAIN_READY);

  fresh = dl_worker_dup_snapshot (F.worker);
  ck_assert (!fresh->trained);
  ck_assert_int_eq (fresh->step, 0);
  ck_assert_uint_eq (fresh->run_serial, 2);
  ck_assert (dl_arch_parse (cfg.arch, &arch, NULL));
  expected = dl_net_new (&arch, cfg.seed);
  ck_assert_uint_eq (dl_net_n_params (fresh->net), dl_net_n_params (expected));
  ck_assert_mem_eq (dl_net_params (fresh->net), dl_net_params (expected), dl_net_n_params (expected) * sizeof (float));

  /* Every event says which run it belongs to: none before the first READY, then each run's own from
   * its READY on; the old run's last event is its STOPPED. */
  {
    guint run = 0;

    for (guint i = 0; i < F.events->len; i++)
      {
        DlEvent *e = g_ptr_array_index (F.events, i);

        if (e->type == DL_EVENT_STATE && e->state == DL_TRAIN_READY)
          run++;
        ck_assert_msg (e->run_serial == run, "event %u (type %d) of run %u, expected %u", i, e->type,
                       e->run_serial, run);
        if (i >= mark && e->type == DL_EVENT_STATE && e->state == DL_TRAIN_STOPPED)
          ck_assert_uint_eq (run, 1);
      }
    ck_assert_uint_eq (run, 2);
  }

  dl_worker_start (F.worker);
  ev = wait_progress (&F, 1);
  ck_assert_uint_eq (ev->run_serial, 2);
}
END_TEST

/* Issue 11: a change while READY is part of the recipe the run starts with, not a live change; once the
 * run has trained, every change is one of it (DESIGN.md): RUNNING, PAUSED, DIVERGED, and also FINISHED and
 * STOPPED, where it takes effect at the first step continue trains, the step its marker goes to. */
START_TEST (test_ready_changes_are_not_live)
{
  g_auto(DlTrainConfig) cfg = { 0 };
  DlHyper hyper;
  DlEvent *ack, *stopped;
  gint64 live_step, ended_step, finished_step;
  guint first_of_continue;

  load_blocks (4000, 16, 1000);
  dl_worker_set_step_observer (F.worker, observe_step, &L);

  sgd_hyper (&hyper, 0.02f);
  dl_worker_set_hyper (F.worker, &hyper, 16, FALSE);
  ack = wait_event (&F, DL_EVENT_HYPER_APPLIED, -1);
  ck_assert (!ack->during_run);
  ck_assert_str_eq (ack->change, "lr 0.05 → 0.02");
  ck_assert_int_eq (ack->state, DL_TRAIN_READY);

  dl_worker_start (F.worker);
  wait_progress (&F, 10);
  sgd_hyper (&hyper, 0.01f);
  dl_worker_set_hyper (F.worker, &hyper, 16, FALSE);
  ack = wait_event (&F, DL_EVENT_HYPER_APPLIED, -1);
  ck_assert (ack->during_run);
  live_step = ack->step;

  dl_worker_pause (F.worker);
  wait_state (&F, DL_TRAIN_PAUSED);
  sgd_hyper (&hyper, 0.01f);
  dl_worker_set_hyper (F.worker, &hyper, 16, FALSE);
  ck_assert (wait_event (&F, DL_EVENT_HYPER_APPLIED, -1)->during_run);

  /* Stopped: a live change at the step after the last one trained. */
  dl_worker_stop (F.worker);
  stopped = wait_state (&F, DL_TRAIN_STOPPED);
  sgd_hyper (&hyper, 0.03f);
  dl_worker_set_hyper (F.worker, &hyper, 16, FALSE);
  ack = wait_event (&F, DL_EVENT_HYPER_APPLIED, -1);
  ck_assert (ack->during_run);
  ck_assert_str_eq (ack->change, "lr 0.01 → 0.03");
  ck_assert_int_eq (ack->step, stopped->step + 1);
  ended_step = ack->step;

  /* … which is the first step continue trains, with the new rate. */
  first_of_continue = L.steps->len;
  dl_worker_continue (F.worker, 1);
  wait_state (&F, DL_TRAIN_RUNNING);
  wait_progress (&F, ended_step + 5);
  dl_worker_stop (F.worker);
  /* Stopped — or finished first, when the epoch's 250 steps are done before the stop arrives, as on a
   * loaded machine: the first step is what this is about. */
  DlEvent *end;
  do
    end = wait_event (&F, DL_EVENT_STATE, -1);
  while (end->state != DL_TRAIN_STOPPED && end->state != DL_TRAIN_FINISHED);
  ck_assert_uint_gt (L.steps->len, first_of_continue);
  ck_assert_int_eq (log_step (first_of_continue)->step, ended_step);

  /* Finished: the same. */
  config_init (&cfg, 16, 1);
  dl_worker_new_run (F.worker, &cfg);
  wait_state (&F, DL_TRAIN_READY);
  dl_worker_start (F.worker);
  finished_step = wait_state (&F, DL_TRAIN_FINISHED)->step;
  dl_worker_set_hyper (F.worker, &hyper, 32, FALSE);
  ack = wait_event (&F, DL_EVENT_HYPER_APPLIED, -1);
  ck_assert (ack->during_run);
  ck_assert_int_eq (ack->step, finished_step + 1);

  /* A new run is READY again: its changes are its recipe. */
  dl_worker_new_run (F.worker, &cfg);
  wait_state (&F, DL_TRAIN_READY);
  dl_worker_set_hyper (F.worker, &hyper, 16, TRUE);
  ck_assert (!wait_event (&F, DL_EVENT_HYPER_APPLIED, -1)->during_run);

  /* The first run started with the rate set while READY, took the live change at its step, and continued
   * with the one made after it stopped. */
  sync_worker (&F);
  for (guint i = 0; i < first_of_continue; i++)
    ck_assert_float_eq (log_step (i)->lr, log_step (i)->step < live_step ? 0.02f : 0.01f);
  for (guint i = first_of_continue; i < L.steps->len && log_step (i)->step >= ended_step; i++)
    ck_assert_float_eq (log_step (i)->lr, 0.03f);
}
END_TEST

/* Issue 11: loading a truncated model file must leave everything as it was: the run, its state and step,
 * the parameters Draw reads; the only event is the error. A good file with a bad recipe neither. */
START_TEST (test_failed_model_load_changes_nothing)
{
  g_autofree char *dir = g_dir_make_tmp ("dl-worker-XXXXXX", NULL);
  g_autofree char *good = g_build_filename (dir, "good.dlmodel", NULL);
  g_autofree char *truncated = g_build_filename (dir, "truncated.dlmodel", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(DlSnapshot) before = NULL;
  g_autoptr(DlSnapshot) after = NULL;
  g_auto(DlTrainConfig) bad_cfg = { 0 };
  gsize length;
  DlEvent *ev;
  guint mark;

  load_blocks (4000, 16, 1000);
  L.pause_at = 40;
  dl_worker_set_step_observer (F.worker, observe_step, &L);
  dl_worker_start (F.worker);
  wait_state (&F, DL_TRAIN_PAUSED);
  dl_worker_save_model (F.worker, good);
  wait_event (&F, DL_EVENT_MODEL_SAVED, -1);
  ck_assert (g_file_get_contents (good, &contents, &length, NULL));
  ck_assert (g_file_set_contents (truncated, contents, length / 2, NULL));
  before = dl_worker_dup_snapshot (F.worker);

  mark = F.events->len;
  dl_worker_load_model (F.worker, truncated, NULL);
  ev = wait_event (&F, DL_EVENT_ERROR, -1);
  ck_assert (ev->error->domain == DL_MODEL_ERROR);
  ck_assert_msg (strstr (ev->message, "truncated.dlmodel") != NULL, "%s", ev->message);
  config_init (&bad_cfg, 0, 1);
  dl_worker_load_model (F.worker, good, &bad_cfg);
  ev = wait_event (&F, DL_EVENT_ERROR, -1);
  ck_assert (g_error_matches (ev->error, DL_WORKER_ERROR, DL_WORKER_ERROR_INVALID));

  ev = sync_worker (&F);
  ck_assert_int_eq (ev->state, DL_TRAIN_PAUSED);
  ck_assert_int_eq (ev->step, 40);
  ck_assert_uint_eq (ev->run_serial, 1);
  ck_assert_uint_eq (F.events->len - mark, 3);   /* the two errors and the evaluation */
  ck_assert_uint_eq (count_events (&F, DL_EVENT_ERROR, mark, F.events->len), 2);
  ck_assert_uint_eq (dl_worker_get_run_serial (F.worker), 1);
  after = dl_worker_dup_snapshot (F.worker);
  ck_assert_uint_eq (after->run_serial, 1);
  ck_assert_int_eq (after->step, 40);
  ck_assert (after->trained);
  ck_assert_mem_eq (dl_net_params (after->net), dl_net_params (before->net),
                    dl_net_n_params (before->net) * sizeof (float));

  /* And the run goes on from there. */
  dl_worker_resume (F.worker);
  ev = wait_progress (&F, 41);
  ck_assert_uint_eq (ev->run_serial, 1);
  g_unlink (good);
  g_unlink (truncated);
  g_rmdir (dir);
}
END_TEST

static char *
write_file (const char *dir, const char *name, const char *text)
{
  char *path = g_build_filename (dir, name, NULL);

  ck_assert (g_file_set_contents (path, text, -1, NULL));
  return path;
}

/* Issue 11: a bad data file after good data must leave the current data and run as they were. */
START_TEST (test_failed_data_load_changes_nothing)
{
  g_autofree char *dir = g_dir_make_tmp ("dl-worker-XXXXXX", NULL);
  g_autofree char *idx_dir = g_build_filename (dir, "idx", NULL);
  g_autofree char *good_csv = NULL;
  g_autofree char *scaled_csv = NULL;
  g_autoptr(GString) row = g_string_new ("7");
  g_autoptr(DlDataset) tiny = make_blocks (20, 9);
  DlEvent *ev;
  guint mark;

  load_blocks (4000, 16, 1000);
  L.train = make_blocks (4000, 1);   /* the examples the run trains on */
  L.pause_at = 40;
  dl_worker_set_step_observer (F.worker, observe_step, &L);
  dl_worker_start (F.worker);
  wait_state (&F, DL_TRAIN_PAUSED);

  /* A good CSV, one whose label was divided by 255 with its pixels, and an IDX pair cut short. */
  for (int i = 0; i < 28 * 28; i++)
    g_string_append (row, ",0");
  g_string_append_c (row, '\n');
  good_csv = write_file (dir, "good.csv", row->str);
  g_string_overwrite (row, 0, "0");
  g_string_prepend (row, "0.027");   /* 7 / 255, as the bug report's code made it */
  scaled_csv = write_file (dir, "scaled.csv", row->str);
  ck_assert_int_eq (g_mkdir (idx_dir, 0700), 0);
  {
    g_autofree char *images = g_build_filename (idx_dir, "train-images-idx3-ubyte", NULL);
    g_autofree char *labels = g_build_filename (idx_dir, "train-labels-idx1-ubyte", NULL);
    g_autofree char *contents = NULL;
    gsize length;

    ck_assert (dl_dataset_save_idx (tiny, images, labels, NULL));
    ck_assert (g_file_get_contents (images, &contents, &length, NULL));
    ck_assert (g_file_set_contents (images, contents, length - 100, NULL));
  }

  mark = F.events->len;
  dl_worker_load_data (F.worker, good_csv, scaled_csv);
  ev = wait_event (&F, DL_EVENT_ERROR, -1);
  ck_assert (g_error_matches (ev->error, DL_DATA_ERROR, DL_DATA_ERROR_LABEL));
  dl_worker_load_data (F.worker, idx_dir, NULL);
  ev = wait_event (&F, DL_EVENT_ERROR, -1);
  ck_assert (ev->error->domain == DL_DATA_ERROR);

  /* Still the 500 test images of before, the same run, paused at the same step. */
  ev = sync_worker (&F);
  ck_assert_int_eq (ev->eval->n, 500);
  ck_assert_int_eq (ev->state, DL_TRAIN_PAUSED);
  ck_assert_int_eq (ev->step, 40);
  ck_assert_uint_eq (ev->run_serial, 1);
  ck_assert_uint_eq (F.events->len - mark, 3);

  /* Training goes on from where it was, on the same examples. */
  dl_worker_resume (F.worker);
  wait_progress (&F, 60);
  dl_worker_stop (F.worker);
  wait_state (&F, DL_TRAIN_STOPPED);
  ck_assert_uint_ge (L.steps->len, 60);
  for (guint i = 0; i < L.plain->len; i++)
    ck_assert_msg (g_array_index (L.plain, gboolean, i), "step %u was not trained on the run's data", i + 1);
  ck_assert_uint_eq (count_events (&F, DL_EVENT_DATA_LOADED, mark, F.events->len), 0);

  g_unlink (good_csv);
  g_unlink (scaled_csv);
  {
    g_autofree char *images = g_build_filename (idx_dir, "train-images-idx3-ubyte", NULL);
    g_autofree char *labels = g_build_filename (idx_dir, "train-labels-idx1-ubyte", NULL);

    g_unlink (images);
    g_unlink (labels);
  }
  g_rmdir (idx_dir);
  g_rmdir (dir);
}
END_TEST

static void
save_idx_dir (const char *dir, DlDataset *train, DlDataset *test)
{
  const char *names[] = { "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                          "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" };
  g_autofree char *p0 = g_build_filename (dir, names[0], NULL);
  g_autofree char *p1 = g_build_filename (dir, names[1], NULL);
  g_autofree char *p2 = g_build_filename (dir, names[2], NULL);
  g_autofree char *p3 = g_build_filename (dir, names[3], NULL);
  g_autoptr(GError) error = NULL;

  ck_assert_msg (dl_dataset_save_idx (train, p0, p1, &error), "%s", error ? error->message : "");
  ck_assert_msg (dl_dataset_save_idx (test, p2, p3, &error), "%s", error ? error->message : "");
}

static void
remove_idx_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
assert_same_data (const DlDataset *a, const DlDataset *b)
{
  ck_assert_int_eq (a->n, b->n);
  ck_assert_int_eq (a->rows, b->rows);
  ck_assert_int_eq (a->cols, b->cols);
  ck_assert_mem_eq (a->labels, b->labels, (gsize) a->n);
  ck_assert_mem_eq (a->pixels, b->pixels, (gsize) a->n * a->rows * a->cols);
}

/* dl_worker_load_data from files, then the data a run trained on replaced: a finished run can no longer
 * be continued, one under way fails; a new run trains on the new data. */
START_TEST (test_load_data)
{
  g_autofree char *dir1 = g_dir_make_tmp ("dl-worker-XXXXXX", NULL);
  g_autofree char *dir2 = g_dir_make_tmp ("dl-worker-XXXXXX", NULL);
  g_autoptr(DlDataset) train1 = make_blocks (1200, 5);
  g_autoptr(DlDataset) test1 = make_blocks (300, 6);
  g_autoptr(DlDataset) train2 = make_blocks (640, 7);
  g_autoptr(DlDataset) test2 = make_blocks (200, 8);
  g_auto(DlTrainConfig) cfg = { 0 };
  DlEvent *ev;

  save_idx_dir (dir1, train1, test1);
  save_idx_dir (dir2, train2, test2);
  dl_worker_load_data (F.worker, dir1, NULL);
  ev = wait_event (&F, DL_EVENT_DATA_LOADED, -1);
  assert_same_data (ev->train, train1);
  assert_same_data (ev->test, test1);
  ck_assert_uint_eq (ev->run_serial, 0);

  config_init (&cfg, 32, 1);
  dl_worker_new_run (F.worker, &cfg);
  dl_worker_start (F.worker);
  ev = wait_eval (&F, DL_EVAL_EPOCH);
  ck_assert_int_eq (ev->eval->n, 300);
  ck_assert_int_eq (ev->samples_seen, 1200);
  wait_state (&F, DL_TRAIN_FINISHED);

  /* Replaced after the run finished: it stays finished, but cannot go on with other data. */
  dl_worker_load_data (F.worker, dir2, NULL);
  ev = wait_event (&F, DL_EVENT_DATA_LOADED, -1);
  assert_same_data (ev->train, train2);
  ck_assert_int_eq (ev->state, DL_TRAIN_FINISHED);
  dl_worker_continue (F.worker, 1);
  ev = wait_event (&F, DL_EVENT_ERROR, -1);
  ck_assert (g_error_matches (ev->error, DL_WORKER_ERROR, DL_WORKER_ERROR_NOT_READY));
  ev = sync_worker (&F);
  ck_assert_int_eq (ev->state, DL_TRAIN_FINISHED);
  ck_assert_int_eq (ev->eval->n, 200);

  /* A new run trains on them; replaced while it trains, it fails, for good. */
  dl_worker_new_run (F.worker, &cfg);
  ck_assert_uint_eq (wait_state (&F, DL_TRAIN_READY)->run_serial, 2);
  L.pause_at = 5;
  dl_worker_set_step_observer (F.worker, observe_step, &L);
  dl_worker_start (F.worker);
  wait_state (&F, DL_TRAIN_PAUSED);
  dl_worker_set_data (F.worker, train1, test1);
  ev = wait_state (&F, DL_TRAIN_FAILED);
  ck_assert_uint_eq (ev->run_serial, 2);
  ck_assert_int_eq (ev->step, 5);
  ck_assert_ptr_nonnull (ev->message);
  wait_event (&F, DL_EVENT_DATA_LOADED, -1);
  dl_worker_resume (F.worker);
  dl_worker_start (F.worker);
  dl_worker_continue (F.worker, 1);
  ev = sync_worker (&F);
  ck_assert_int_eq (ev->state, DL_TRAIN_FAILED);
  ck_assert_int_eq (ev->step, 5);
  ck_assert_int_eq (ev->eval->n, 300);

  remove_idx_dir (dir1);
  remove_idx_dir (dir2);
}
END_TEST

/* ------------------------------------------------------------------------------------------------ */
/* Evaluations, snapshots, models */

/* Issue 11: periodic evaluations ran on the first 2,000 test images, end-of-epoch ones on all of them,
 * with nothing to tell them apart. Each says which it is and on how many images. */
START_TEST (test_eval_kinds)
{
  g_autoptr(DlDataset) train = make_blocks (2000, 1);
  g_autoptr(DlDataset) test = make_blocks (3000, 2);
  g_auto(DlTrainConfig) cfg = { 0 };
  DlEvent *ev, *epoch_eval = NULL;
  guint n_subset = 0;

  config_init (&cfg, 32, 1);
  cfg.eval_every = 10;
  begin_run (train, test, &cfg);
  dl_worker_start (F.worker);
  for (;;)
    {
      ev = wait_event (&F, DL_EVENT_EVAL, -1);
      if (ev->eval_kind != DL_EVAL_SUBSET)
        break;
      n_subset++;
      ck_assert (!ev->end_of_epoch);
      ck_assert_int_eq (ev->eval->n, 2000);
      ck_assert_int_eq (ev->step, 10 * n_subset);
      ck_assert_double_eq (ev->test_accuracy, ev->eval->accuracy);
    }
  ck_assert_uint_eq (n_subset, 6);   /* 63 steps */
  epoch_eval = ev;
  ck_assert_int_eq (epoch_eval->eval_kind, DL_EVAL_EPOCH);
  ck_assert (epoch_eval->end_of_epoch);
  ck_assert_int_eq (epoch_eval->eval->n, 3000);
  wait_state (&F, DL_TRAIN_FINISHED);

  /* Asked for: the whole set too, the same figures for the same parameters. */
  ev = sync_worker (&F);
  ck_assert (!ev->end_of_epoch);
  ck_assert_int_eq (ev->eval->n, 3000);
  ck_assert_int_eq (ev->step, epoch_eval->step);
  ck_assert_double_eq (ev->test_accuracy, epoch_eval->test_accuracy);
  ck_assert_double_eq (ev->test_loss, epoch_eval->test_loss);
}
END_TEST

/* A saved model loaded back: a new run, READY and trained at step 0, with the same parameters and the
 * recipe it was given; training goes on from them. */
START_TEST (test_load_model)
{
  g_autofree char *dir = g_dir_make_tmp ("dl-worker-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "saved.dlmodel", NULL);
  g_autoptr(DlSnapshot) before = NULL;
  g_autoptr(DlSnapshot) loaded = NULL;
  g_auto(DlTrainConfig) cfg = { 0 };
  DlEvent *ev;

  load_blocks (4000, 16, 1000);
  L.pause_at = 40;
  dl_worker_set_step_observer (F.worker, observe_step, &L);
  dl_worker_start (F.worker);
  wait_state (&F, DL_TRAIN_PAUSED);
  before = dl_worker_dup_snapshot (F.worker);
  dl_worker_save_model (F.worker, path);
  wait_event (&F, DL_EVENT_MODEL_SAVED, -1);

  /* Another architecture in between, then the file with a recipe of its own. */
  config_init (&cfg, 16, 1000);
  g_free (cfg.arch);
  cfg.arch = g_strdup ("fc16-tanh,fc10,softmax");
  dl_worker_new_run (F.worker, &cfg);
  ck_assert_uint_eq (wait_state (&F, DL_TRAIN_READY)->run_serial, 2);
  cfg.batch = 8;
  cfg.hyper.lr = 0.02f;
  dl_worker_load_model (F.worker, path, &cfg);
  ev = wait_event (&F, DL_EVENT_MODEL_LOADED, -1);
  ck_assert_str_eq (ev->path, path);
  ck_assert_str_eq (ev->config->arch, SMALL_ARCH);
  ck_assert_int_eq (ev->config->batch, 8);
  ck_assert_uint_eq (ev->run_serial, 3);
  ev = wait_state (&F, DL_TRAIN_READY);
  ck_assert_uint_eq (ev->run_serial, 3);
  ck_assert_str_eq (ev->config->arch, SMALL_ARCH);
  ck_assert_float_eq (ev->hyper.lr, 0.02f);

  loaded = dl_worker_dup_snapshot (F.worker);
  ck_assert (loaded->trained);
  ck_assert_int_eq (loaded->step, 0);
  ck_assert_uint_eq (loaded->run_serial, 3);
  ck_assert_uint_eq (dl_net_n_params (loaded->net), dl_net_n_params (before->net));
  ck_assert_mem_eq (dl_net_params (loaded->net), dl_net_params (before->net),
                    dl_net_n_params (before->net) * sizeof (float));

  /* Training goes on from the loaded parameters: its first loss is the saved net's on that batch, and
   * the first step uses the recipe's batch and rate. */
  L.pause_at = 0;
  g_array_set_size (L.steps, 0);
  L.stop_at = 20;
  dl_worker_start (F.worker);
  wait_state (&F, DL_TRAIN_STOPPED);
  ck_assert_uint_eq (L.steps->len, 20);
  ck_assert_int_eq (log_step (0)->batch, 8);
  ck_assert_float_eq (log_step (0)->lr, 0.02f);
  {
    g_autoptr(DlDataset) train = make_blocks (4000, 1);
    g_autoptr(DlNet) saved = dl_model_load (path, NULL);
    float x[8 * 28 * 28];
    guint8 y[8];

    ck_assert_int_eq (L.first_batch_n, 8);
    dl_dataset_gather (train, L.first_batch, 8, x);
    for (int i = 0; i < 8; i++)
      y[i] = train->labels[L.first_batch[i]];
    ck_assert_float_eq_tol (log_step (0)->loss, dl_net_loss (saved, x, y, 8), 1e-5f);
  }

  /* A fresh worker, no run, no recipe: the model comes with default hyperparameters it can train with. */
  {
    g_autoptr(DlDataset) train = make_blocks (1000, 1);
    g_autoptr(DlDataset) test = make_blocks (100, 2);
    g_autoptr(DlSnapshot) snap = NULL;
    DlTrainConfig defaults;

    fixture_clear (&F);
    fixture_init (&F);
    dl_train_config_init_default (&defaults);
    dl_worker_load_model (F.worker, path, NULL);
    ev = wait_event (&F, DL_EVENT_MODEL_LOADED, -1);
    ck_assert_str_eq (ev->config->arch, SMALL_ARCH);
    ck_assert_float_eq (ev->config->hyper.lr, defaults.hyper.lr);
    ck_assert_int_eq (ev->config->batch, defaults.batch);
    ck_assert_int_eq (ev->config->epochs, defaults.epochs);
    dl_worker_set_data (F.worker, train, test);

    /* The worker evaluates exactly the saved parameters; then trains them for the default one epoch. */
    ev = sync_worker (&F);
    {
      g_autoptr(DlNet) saved = dl_model_load (path, NULL);
      g_autoptr(DlEval) expected = dl_eval_run (saved, test);

      ck_assert_int_eq (ev->eval->correct, expected->correct);
      ck_assert_double_eq_tol (ev->test_loss, expected->loss, 1e-6);
    }
    dl_worker_start (F.worker);
    ev = wait_eval (&F, DL_EVAL_EPOCH);
    ck_assert (isfinite (ev->train_loss) && ev->train_loss > 0.0);
    ck_assert_int_eq (ev->samples_seen, 1000);
    wait_state (&F, DL_TRAIN_FINISHED);
    snap = dl_worker_dup_snapshot (F.worker);
    ck_assert_int_eq (snap->step, (1000 + defaults.batch - 1) / defaults.batch);
  }
  g_unlink (path);
  g_rmdir (dir);
}
END_TEST

/* ------------------------------------------------------------------------------------------------ */
/* Shutdown and errors */

START_TEST (test_shutdown_mid_epoch)
{
  DlHyper hyper;
  g_autofree char *dir = g_dir_make_tmp ("dl-worker-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "never.dlmodel", NULL);

  load_blocks (20000, 8, 1000);
  L.block_at = 30;
  dl_worker_set_step_observer (F.worker, observe_step, &L);
  dl_worker_start (F.worker);
  wait_flag_unseen (&L.blocking);

  /* The worker is inside step 30; everything queued now is behind the shutdown and dropped. */
  dl_hyper_init_default (&hyper);
  for (int i = 0; i < 20; i++)
    {
      hyper.lr = 0.01f * (i + 1);
      dl_worker_set_hyper (F.worker, &hyper, 8 + i, FALSE);
    }
  dl_worker_evaluate (F.worker);
  dl_worker_save_model (F.worker, path);
  dl_worker_stop (F.worker);

  dl_worker_shutdown (F.worker);
  ck_assert (g_atomic_int_get (&L.unblocked));   /* shutdown waited for the step under way */
  ck_assert (!g_file_test (path, G_FILE_TEST_EXISTS));

  /* The step under way finished; no queued command ran. */
  ck_assert_int_eq (log_step (L.steps->len - 1)->step, 30);
  drain_main_context ();
  ck_assert_uint_eq (count_events (&F, DL_EVENT_HYPER_APPLIED, 0, F.events->len), 0);
  ck_assert_uint_eq (count_events (&F, DL_EVENT_EVAL, 0, F.events->len), 0);
  ck_assert_uint_eq (count_events (&F, DL_EVENT_MODEL_SAVED, 0, F.events->len), 0);

  /* Commands after shutdown are dropped too, and shutting down twice is harmless. */
  dl_worker_start (F.worker);
  dl_worker_shutdown (F.worker);
  g_rmdir (dir);
}
END_TEST

/* Issue 16: the last reference dropped while a step is under way: dispose joins the thread (the step's
 * observer has returned), nothing is delivered afterwards, the worker is finalized (nothing kept a
 * reference), and a snapshot taken before stays usable. */
START_TEST (test_dispose_while_running)
{
  DlWorker *worker = F.worker;
  g_autoptr(DlSnapshot) snap = NULL;
  float probs[DL_N_CLASSES], x[28 * 28] = { 0 };
  guint n_events;

  load_blocks (20000, 8, 1000);
  L.block_at = 30;
  dl_worker_set_step_observer (worker, observe_step, &L);
  dl_worker_start (worker);
  wait_flag_unseen (&L.blocking);
  snap = dl_worker_dup_snapshot (worker);
  for (int i = 0; i < 10; i++)
    dl_worker_evaluate (worker);
  n_events = F.events->len;

  g_object_add_weak_pointer (G_OBJECT (worker), (gpointer *) &worker);
  g_clear_object (&F.worker);
  ck_assert_ptr_null (worker);
  ck_assert (g_atomic_int_get (&L.unblocked));
  ck_assert_int_eq (g_atomic_int_get (&L.n_steps), 30);

  drain_main_context ();
  ck_assert_uint_eq (F.events->len, n_events);
  ck_assert_uint_eq (count_events (&F, DL_EVENT_EVAL, 0, F.events->len), 0);

  ck_assert_int_le (snap->step, 30);
  dl_net_predict (snap->net, x, 1, probs);
  ck_assert (all_finite (probs, DL_N_CLASSES));
}
END_TEST

START_TEST (test_errors_are_reported)
{
  g_auto(DlTrainConfig) cfg = { 0 };
  DlHyper hyper;
  DlEvent *ev;

  dl_worker_start (F.worker);
  ev = wait_event (&F, DL_EVENT_ERROR, -1);
  ck_assert (g_error_matches (ev->error, DL_WORKER_ERROR, DL_WORKER_ERROR_NOT_READY));
  ck_assert_uint_eq (ev->run_serial, 0);

  config_init (&cfg, 16, 1);
  g_free (cfg.arch);
  cfg.arch = g_strdup ("fc32-relu,bogus,softmax");
  dl_worker_new_run (F.worker, &cfg);
  ev = wait_event (&F, DL_EVENT_ERROR, -1);
  ck_assert_ptr_nonnull (ev->message);
  ck_assert_ptr_null (dl_worker_dup_snapshot (F.worker));
  dl_train_config_clear (&cfg);

  config_init (&cfg, 16, 0);
  dl_worker_new_run (F.worker, &cfg);
  ev = wait_event (&F, DL_EVENT_ERROR, -1);
  ck_assert (g_error_matches (ev->error, DL_WORKER_ERROR, DL_WORKER_ERROR_INVALID));
  ck_assert_ptr_null (dl_worker_dup_snapshot (F.worker));
  dl_train_config_clear (&cfg);

  dl_hyper_init_default (&hyper);
  dl_worker_set_hyper (F.worker, &hyper, 0, FALSE);
  ev = wait_event (&F, DL_EVENT_ERROR, -1);
  ck_assert (g_error_matches (ev->error, DL_WORKER_ERROR, DL_WORKER_ERROR_INVALID));

  dl_worker_load_data (F.worker, "/nonexistent/digitlab/train.csv", "/nonexistent/digitlab/test.csv");
  ev = wait_event (&F, DL_EVENT_ERROR, -1);
  ck_assert (ev->error->domain == DL_DATA_ERROR);
  ck_assert_msg (strstr (ev->message, "/nonexistent/digitlab/train.csv") != NULL, "%s", ev->message);

  /* Images of another size than the network's 28 × 28 input are refused before any step. */
  {
    g_autoptr(DlDataset) small = dl_dataset_new (100, 20, 20);

    config_init (&cfg, 16, 1);
    dl_worker_new_run (F.worker, &cfg);
    dl_worker_set_data (F.worker, small, small);
    dl_worker_start (F.worker);
    wait_state (&F, DL_TRAIN_READY);
    ev = wait_event (&F, DL_EVENT_ERROR, -1);
    ck_assert (g_error_matches (ev->error, DL_WORKER_ERROR, DL_WORKER_ERROR_INVALID));
    ck_assert_msg (strstr (ev->message, "20×20") != NULL, "%s", ev->message);
    /* The sets were refused, so there is nothing to start on. */
    ev = wait_event (&F, DL_EVENT_ERROR, -1);
    ck_assert (g_error_matches (ev->error, DL_WORKER_ERROR, DL_WORKER_ERROR_NOT_READY));
    ck_assert_int_eq (dl_worker_get_state (F.worker), DL_TRAIN_READY);
  }

  dl_worker_load_model (F.worker, "/nonexistent/digitlab/model.dlmodel", NULL);
  ev = wait_event (&F, DL_EVENT_ERROR, -1);
  ck_assert (ev->error->domain == DL_MODEL_ERROR);
  ck_assert_int_eq (dl_worker_get_state (F.worker), DL_TRAIN_READY);
  ck_assert_uint_eq (dl_worker_get_run_serial (F.worker), 1);
}
END_TEST

/* A network the parser allows (under its 2 GiB cap) but the machine cannot hold: the worker refuses it
 * with an error event and keeps what it had, instead of aborting in an allocation. The machine is made
 * small by limiting this test's address space to what it uses plus 256 MiB (not under ASan or TSan,
 * whose shadow memory needs terabytes of it and whose allocators abort instead of failing; check runs each
 * test in its own process). */
START_TEST (test_net_too_big_for_memory)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return;
#else
  g_auto(DlTrainConfig) cfg = { 0 };
  g_autofree char *statm = NULL;
  struct rlimit old, small;
  DlEvent *ev;

  config_init (&cfg, 16, 1);
  dl_worker_new_run (F.worker, &cfg);
  wait_state (&F, DL_TRAIN_READY);
  guint serial = dl_worker_get_run_serial (F.worker);
  dl_train_config_clear (&cfg);

  ck_assert (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL));
  guint64 used = g_ascii_strtoull (statm, NULL, 10) * (guint64) sysconf (_SC_PAGESIZE);
  ck_assert_int_eq (getrlimit (RLIMIT_AS, &old), 0);
  small = old;
  small.rlim_cur = used + 256 * 1024 * 1024;
  ck_assert_int_eq (setrlimit (RLIMIT_AS, &small), 0);

  /* 51 M parameters: about 1 GiB with gradients and optimiser state. */
  config_init (&cfg, 16, 1);
  g_free (cfg.arch);
  cfg.arch = g_strdup ("fc65536-relu,fc10,softmax");
  dl_worker_new_run (F.worker, &cfg);
  ev = wait_event (&F, DL_EVENT_ERROR, -1);
  ck_assert (g_error_matches (ev->error, DL_ARCH_ERROR, DL_ARCH_ERROR_MEMORY));
  ck_assert_msg (strstr (ev->message, "MiB") != NULL, "%s", ev->message);
  ck_assert_uint_eq (dl_worker_get_run_serial (F.worker), serial);
  ck_assert_int_eq (dl_worker_get_state (F.worker), DL_TRAIN_READY);
  ck_assert_int_eq (setrlimit (RLIMIT_AS, &old), 0);
#endif
}
END_TEST

START_TEST (test_state_nicks)
{
  static const char *const nicks[] = { "ready", "running", "paused", "diverged", "finished", "stopped", "failed" };
  DlTrainState state;

  for (int s = DL_TRAIN_READY; s <= DL_TRAIN_FAILED; s++)
    {
      ck_assert_str_eq (dl_train_state_to_nick (s), nicks[s]);
      ck_assert (dl_train_state_from_nick (nicks[s], &state));
      ck_assert_int_eq (state, s);
    }
  ck_assert (!dl_train_state_from_nick ("idle", &state));
  ck_assert_ptr_null (dl_train_state_to_nick (DL_TRAIN_FAILED + 1));
  ck_assert (G_TYPE_IS_ENUM (DL_TYPE_TRAIN_STATE));
  ck_assert (g_object_class_find_property (g_type_class_peek (DL_TYPE_WORKER), "state")->value_type
             == DL_TYPE_TRAIN_STATE);
}
END_TEST

/* ------------------------------------------------------------------------------------------------ */
/* Real MNIST */

/* One short epoch through the worker learns; periodic evaluations on the first 2,000 test images, the
 * end-of-epoch one on all 10,000. */
START_TEST (test_mnist_epoch)
{
  g_autofree char *dir = dl_data_default_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(DlDataset) train_all = NULL;
  g_autoptr(DlDataset) test = NULL;
  g_autoptr(DlDataset) train = NULL;
  g_auto(DlTrainConfig) cfg = { 0 };
  DlEvent *ev;
  guint periodic = 0;
  int total = 0;

  train_all = dl_dataset_load_dir (dir, TRUE, &error);
  ck_assert_msg (train_all != NULL, "MNIST is in %s but does not load: %s", dir, error ? error->message : "");
  test = dl_dataset_load_dir (dir, FALSE, &error);
  ck_assert_msg (test != NULL, "MNIST is in %s but does not load: %s", dir, error ? error->message : "");
  train = dl_dataset_subset (train_all, 6000);

  config_init (&cfg, 32, 1);
  g_free (cfg.arch);
  cfg.arch = g_strdup ("fc64-relu,fc10,softmax");
  cfg.hyper.lr = 0.1f;
  cfg.eval_every = 50;
  begin_run (train, test, &cfg);
  dl_worker_start (F.worker);
  for (;;)
    {
      ev = wait_event (&F, DL_EVENT_EVAL, -1);
      if (ev->eval_kind == DL_EVAL_EPOCH)
        break;
      periodic++;
      ck_assert_int_eq (ev->eval_kind, DL_EVAL_SUBSET);
      ck_assert_int_eq (ev->eval->n, 2000);
    }
  ck_assert_uint_eq (periodic, 3);
  ck_assert_int_eq (ev->eval->n, test->n);
  ck_assert_msg (ev->test_accuracy > 0.80, "test accuracy %.3f after one epoch", ev->test_accuracy);
  ck_assert_msg (ev->train_accuracy > 0.6, "train accuracy %.3f", ev->train_accuracy);
  ck_assert (ev->train_loss > 0.0 && isfinite (ev->train_loss));
  ck_assert_ptr_nonnull (ev->diagnosis);
  ck_assert (!ev->diagnosis->collapsed);
  for (int t = 0; t < DL_N_CLASSES; t++)
    for (int p = 0; p < DL_N_CLASSES; p++)
      total += ev->eval->confusion[t][p];
  ck_assert_int_eq (total, test->n);
  wait_event (&F, DL_EVENT_DONE, -1);
  wait_state (&F, DL_TRAIN_FINISHED);
}
END_TEST

static Suite *
worker_suite (void)
{
  const Case cases[] = {
    { "pause_resume_stop", test_pause_resume_stop },
    { "stop_is_not_pause", test_stop_is_not_pause },
    { "start_finished", test_start_does_not_restart_finished },
    { "new_run", test_new_run_is_untrained },
    { "ready_changes", test_ready_changes_are_not_live },
    { "failed_model_load", test_failed_model_load_changes_nothing },
    { "failed_data_load", test_failed_data_load_changes_nothing },
    { "load_data", test_load_data },
    { "eval_kinds", test_eval_kinds },
    { "load_model", test_load_model },
    { "shutdown", test_shutdown_mid_epoch },
    { "dispose", test_dispose_while_running },
    { "errors", test_errors_are_reported },
    { "net_too_big_for_memory", test_net_too_big_for_memory },
    { "state_nicks", test_state_nicks },
  };

  return make_suite ("worker", cases, G_N_ELEMENTS (cases));
}

static Suite *
mnist_suite (void)
{
  const Case cases[] = {
    { "mnist", test_mnist_epoch },
  };

  return make_suite ("worker-mnist", cases, G_N_ELEMENTS (cases));
}

/* All four files, raw or gzip-compressed: then they must load. */
static gboolean
mnist_present (const char *dir)
{
  static const char *const files[] = {
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *raw = g_build_filename (dir, files[i], NULL);
      g_autofree char *gz = g_strconcat (raw, ".gz", NULL);

      if (!g_file_test (raw, G_FILE_TEST_IS_REGULAR) && !g_file_test (gz, G_FILE_TEST_IS_REGULAR))
        return FALSE;
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  gboolean mnist = argc > 1 && g_str_equal (argv[1], "mnist");
  SRunner *sr;
  int failed;

  if (mnist)
    {
      g_autofree char *dir = dl_data_default_dir ();

      if (!mnist_present (dir))
        {
          g_print ("MNIST not found in %s; run build-aux/fetch-mnist.sh. Skipping.\n", dir);
          return 77;
        }
    }
  sr = srunner_create (mnist ? mnist_suite () : worker_suite ());
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
