/* test-worker-training.c — the worker's training loop: live hyperparameter changes acknowledged at their
 * step, exact epochs across a batch-size change, every batch's loss delivered through coalesced progress,
 * augmentation toggled mid-run, the learning-rate schedule at every step, snapshots equal to the worker's
 * net, divergence and the restore of the last good parameters. Shared helpers: dl-test-worker.h.
 */
#include "dl-test-worker.h"

/* ------------------------------------------------------------------------------------------------ */
/* Live changes, batches, the learning rate */

START_TEST (test_lr_change_acknowledged)
{
  DlEvent *ack;
  DlHyper hyper;
  gboolean seen_new = FALSE;

  load_blocks (4000, 16, 1000);
  dl_worker_set_step_observer (F.worker, observe_step, &L);
  dl_worker_start (F.worker);
  wait_state (&F, DL_TRAIN_RUNNING);
  wait_progress (&F, 20);

  /* Sent from the main context while training runs flat out, as a slider would. */
  sgd_hyper (&hyper, 0.01f);
  dl_worker_set_hyper (F.worker, &hyper, 16, FALSE);
  ack = wait_event (&F, DL_EVENT_HYPER_APPLIED, -1);
  ck_assert_int_gt (ack->step, 20);
  ck_assert_str_eq (ack->change, "lr 0.05 → 0.01");
  ck_assert (ack->during_run);
  ck_assert_float_eq (ack->hyper.lr, 0.01f);
  ck_assert_int_eq (ack->batch, 16);

  wait_progress (&F, ack->step + 20);
  dl_worker_set_step_observer (F.worker, NULL, NULL);
  dl_worker_stop (F.worker);
  wait_state (&F, DL_TRAIN_STOPPED);

  /* Every step before the acknowledged one used the old rate, and every step from it on the new one. */
  ck_assert_uint_ge (L.steps->len, ack->step + 20);
  for (guint i = 0; i < L.steps->len; i++)
    {
      const StepRecord *r = log_step (i);

      ck_assert_int_eq (r->step, (gint64) i + 1);
      if (r->step < ack->step)
        ck_assert_msg (r->lr == 0.05f, "step %" G_GINT64_FORMAT " used lr %g", r->step, r->lr);
      else
        {
          ck_assert_msg (r->lr == 0.01f, "step %" G_GINT64_FORMAT " used lr %g", r->step, r->lr);
          seen_new = TRUE;
        }
    }
  ck_assert (seen_new);
}
END_TEST

START_TEST (test_batch_change_keeps_epoch_exact)
{
  const int n = 3000;
  DlEvent *ack, *eval;
  gint64 total = 0;

  load_blocks (n, 32, 1);
  log_track (n);
  sgd_hyper (&L.hyper, 0.05f);
  L.change_batch_at = 10;
  L.change_batch = 100;
  dl_worker_set_step_observer (F.worker, observe_step, &L);
  dl_worker_start (F.worker);

  ack = wait_event (&F, DL_EVENT_HYPER_APPLIED, -1);
  ck_assert_int_eq (ack->step, 11);
  ck_assert_str_eq (ack->change, "batch 32 → 100");
  eval = wait_event (&F, DL_EVENT_EVAL, -1);
  ck_assert_int_eq (eval->eval_kind, DL_EVAL_EPOCH);
  ck_assert (eval->end_of_epoch);
  ck_assert_int_eq (eval->samples_seen, n);
  ck_assert (eval->epoch_fraction == 1.0);
  wait_event (&F, DL_EVENT_DONE, -1);
  wait_state (&F, DL_TRAIN_FINISHED);

  /* 10 batches of 32, then batches of 100 from the same place in the shuffled order, the last short. */
  for (guint i = 0; i < L.steps->len; i++)
    {
      const StepRecord *r = log_step (i);
      int expected = r->step <= 10 ? 32 : MIN (100, n - (int) total);

      ck_assert_int_eq (r->batch, expected);
      total += r->batch;
    }
  ck_assert_int_eq (total, n);
  ck_assert_uint_eq (L.steps->len, 10 + (n - 320 + 99) / 100);
  for (int i = 0; i < n; i++)
    ck_assert_msg (L.seen[i] == 1, "example %d was seen %d times in the epoch", i, L.seen[i]);
}
END_TEST

/* An epoch whose last batch holds one image: its evaluation reports the health of the last full batch, as
 * the evaluation just before it did, not the dead share of units that did not fire for that one image. */
START_TEST (test_short_last_batch_health)
{
  const int batch = 64, n = 8 * batch + 1;
  g_autoptr (DlDataset) train = make_blocks (n, 1);
  g_autoptr (DlDataset) test = make_blocks (200, 2);
  g_auto (DlTrainConfig) cfg = { 0 };
  DlEvent *ev, *last_subset = NULL;

  config_init (&cfg, batch, 1);
  cfg.eval_every = 1;
  begin_run (train, test, &cfg);
  dl_worker_start (F.worker);
  do
    {
      ev = wait_event (&F, DL_EVENT_EVAL, -1);
      if (ev->eval_kind == DL_EVAL_SUBSET)
        last_subset = ev;
    }
  while (ev->eval_kind != DL_EVAL_EPOCH);
  ck_assert_ptr_nonnull (last_subset);
  ck_assert_int_eq (last_subset->samples_seen, n - 1);
  ck_assert_int_eq (ev->samples_seen, n);
  ck_assert_float_eq (ev->health.dead[0], last_subset->health.dead[0]);
  ck_assert_float_eq (ev->health.saturated[0], last_subset->health.saturated[0]);
  wait_state (&F, DL_TRAIN_FINISHED);
}
END_TEST

/* Progress is coalesced, yet every batch arrives exactly once, in order, with its position, its step and
 * the learning rate its optimiser step used. */
START_TEST (test_every_batch_loss_delivered)
{
  const int n = 3000, epochs = 2;
  guint next = 0;
  double last_x = 0.0;

  load_blocks (n, 32, epochs);
  dl_worker_set_step_observer (F.worker, observe_step, &L);
  dl_worker_start (F.worker);
  wait_event (&F, DL_EVENT_DONE, -1);
  wait_state (&F, DL_TRAIN_FINISHED);

  ck_assert_uint_eq (L.steps->len, epochs * ((n + 31) / 32));
  for (guint i = 0; i < F.events->len; i++)
    {
      DlEvent *ev = g_ptr_array_index (F.events, i);

      for (guint k = 0; ev->batch_losses != NULL && k < ev->batch_losses->len; k++, next++)
        {
          DlBatchLoss *b = &g_array_index (ev->batch_losses, DlBatchLoss, k);

          ck_assert_uint_lt (next, L.steps->len);
          ck_assert_float_eq (b->loss, log_step (next)->loss);
          ck_assert_int_eq (b->step, log_step (next)->step);
          ck_assert_float_eq (b->lr, log_step (next)->lr);
          ck_assert_double_gt (b->x, last_x);
          last_x = b->x;
        }
    }
  ck_assert_uint_eq (next, L.steps->len);
  ck_assert_double_eq_tol (last_x, epochs, 1e-12);
}
END_TEST

/* While nobody takes the events, progress piles up in one event, not one per step: when the main context
 * runs again it gets a single progress event (then the pause) holding every batch since. The saved
 * model says, without the main loop, that the worker has paused. */
START_TEST (test_progress_coalesced)
{
  g_autofree char *dir = g_dir_make_tmp ("dl-worker-XXXXXX", NULL);
  DlEvent *ev = NULL;
  guint mark, n_progress = 0;
  gint64 first_step;

  load_blocks (8000, 16, 1000);   /* 500 steps an epoch: no end-of-epoch evaluation in between */
  L.pause_at = 300;
  L.save_path = g_build_filename (dir, "paused.dlmodel", NULL);
  dl_worker_set_step_observer (F.worker, observe_step, &L);
  dl_worker_start (F.worker);
  wait_state (&F, DL_TRAIN_RUNNING);
  mark = F.events->len;
  first_step = g_atomic_int_get (&L.n_steps);
  wait_file_unseen (L.save_path);
  ck_assert_uint_eq (F.events->len, mark);   /* nothing delivered while the loop did not run */
  wait_state (&F, DL_TRAIN_PAUSED);
  wait_event (&F, DL_EVENT_MODEL_SAVED, -1);
  g_unlink (L.save_path);
  g_rmdir (dir);

  for (guint i = mark; i < F.events->len; i++)
    {
      DlEvent *e = g_ptr_array_index (F.events, i);

      if (e->type == DL_EVENT_PROGRESS)
        {
          ev = e;
          n_progress++;
        }
    }
  ck_assert_uint_eq (n_progress, 1);
  ck_assert_int_eq (ev->step, 300);
  ck_assert_ptr_nonnull (ev->batch_losses);
  ck_assert_uint_ge (ev->batch_losses->len, 300 - first_step);
  for (guint k = 0; k < ev->batch_losses->len; k++)
    ck_assert_int_eq (g_array_index (ev->batch_losses, DlBatchLoss, k).step,
                      300 - (gint64) ev->batch_losses->len + 1 + k);
}
END_TEST

/* Augmentation switched on mid-run: from the acknowledged step on, the net gets transformed images. */
START_TEST (test_augment_toggle)
{
  DlEvent *ack;
  guint n_plain_after = 0;

  load_blocks (2000, 32, 1);
  log_track (2000);
  L.train = make_blocks (2000, 1);   /* the same examples the worker trains on */
  sgd_hyper (&L.hyper, 0.05f);
  L.change_batch_at = 10;
  L.change_batch = 32;
  L.change_augment = TRUE;
  dl_worker_set_step_observer (F.worker, observe_step, &L);
  dl_worker_start (F.worker);
  ack = wait_event (&F, DL_EVENT_HYPER_APPLIED, -1);
  ck_assert_int_eq (ack->step, 11);
  ck_assert_str_eq (ack->change, "augment off → on");
  ck_assert (ack->augment);
  wait_event (&F, DL_EVENT_DONE, -1);

  ck_assert_uint_eq (L.plain->len, L.steps->len);
  for (guint i = 0; i < L.plain->len; i++)
    {
      gboolean plain = g_array_index (L.plain, gboolean, i);

      if (i < 10)
        ck_assert_msg (plain, "step %u was augmented before augmentation was on", i + 1);
      else
        n_plain_after += plain;
    }
  ck_assert_uint_eq (n_plain_after, 0);
}
END_TEST

/* Issue 16: the schedules of the presets (mlp, cnn and cnn-large use cosine) and the step schedule, at
 * every step, against dl_schedule_lr at that step's place in the run; through a live change of the base
 * rate and a continued run, whose schedule spans its new length. */
static void
check_schedule (const DlPreset *preset)
{
  const int n = 1000, batch = 32;
  g_autoptr(DlDataset) train = make_blocks (n, 1);
  g_autoptr(DlDataset) test = make_blocks (200, 2);
  g_auto(DlTrainConfig) cfg = { 0 };
  DlEvent *ack;
  int pos = 0, epoch = 0;
  gboolean varied = FALSE;

  dl_train_config_from_preset (&cfg, preset);
  g_free (cfg.arch);
  cfg.arch = g_strdup (SMALL_ARCH);
  cfg.batch = batch;
  cfg.epochs = 2;
  cfg.augment = FALSE;
  cfg.eval_every = 0;
  cfg.threads = 2;
  begin_run (train, test, &cfg);
  L.hyper = cfg.hyper;
  L.hyper.lr = cfg.hyper.lr / 2;
  L.change_batch_at = 40;
  L.change_batch = batch;
  dl_worker_set_step_observer (F.worker, observe_step, &L);
  dl_worker_start (F.worker);
  ack = wait_event (&F, DL_EVENT_HYPER_APPLIED, -1);
  ck_assert (ack->during_run);
  wait_state (&F, DL_TRAIN_FINISHED);
  dl_worker_continue (F.worker, 1);
  wait_state (&F, DL_TRAIN_FINISHED);

  ck_assert_uint_eq (L.steps->len, 3 * ((n + batch - 1) / batch));
  for (guint i = 0; i < L.steps->len; i++)
    {
      const StepRecord *r = log_step (i);
      gint64 first_continued = 2 * ((n + batch - 1) / batch) + 1;
      DlPreset p = *preset;
      int epochs = r->step < first_continued ? 2 : 3;
      float base = r->step < ack->step ? cfg.hyper.lr : L.hyper.lr;
      float expected;

      if (r->epoch != epoch)
        {
          ck_assert_int_eq (pos, n);
          epoch = r->epoch;
          pos = 0;
        }
      p.epochs = epochs;
      expected = dl_schedule_lr (&p, base, epoch + (double) pos / n, epochs);
      ck_assert_msg (r->lr == expected, "%s, step %" G_GINT64_FORMAT ": lr %.9g, expected %.9g",
                     preset->name, r->step, r->lr, expected);
      varied |= i > 0 && r->lr != log_step (i - 1)->lr && r->step != ack->step;
      pos += r->batch;
    }
  ck_assert_msg (varied, "%s: the rate never moved with the schedule", preset->name);
}

START_TEST (test_schedule_every_step)
{
  static const char *const names[] = { "mlp", "cnn", "cnn-large" };
  const DlPreset *preset = dl_preset_find (names[_i]);

  ck_assert_ptr_nonnull (preset);
  /* mlp halves its rate every epoch; the others follow the cosine. */
  ck_assert_int_eq (preset->schedule, _i == 0 ? DL_SCHEDULE_STEP : DL_SCHEDULE_COSINE);
  check_schedule (preset);
}
END_TEST

START_TEST (test_schedule_step_decay)
{
  DlPreset preset = *dl_preset_find ("seed");

  preset.schedule = DL_SCHEDULE_STEP;
  preset.schedule_gamma = 0.5f;
  preset.schedule_step = 1;
  check_schedule (&preset);
}
END_TEST

/* ------------------------------------------------------------------------------------------------ */
/* Snapshots and divergence */

static guint
step_hash (gconstpointer key)
{
  return (guint) *(const gint64 *) key;
}

static gboolean
step_equal (gconstpointer a, gconstpointer b)
{
  return *(const gint64 *) a == *(const gint64 *) b;
}

/* The next snapshot of a later step than `after`, polled while the main context runs. */
static DlSnapshot *
wait_snapshot_after (gint64 after)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (WAIT * G_USEC_PER_SEC);

  for (;;)
    {
      DlSnapshot *snap = dl_worker_dup_snapshot (F.worker);

      if (snap != NULL && snap->step > after)
        return snap;
      g_clear_pointer (&snap, dl_snapshot_unref);
      ck_assert_msg (g_get_monotonic_time () < deadline, "no snapshot after step %" G_GINT64_FORMAT
                     " within %.0f s", after, WAIT);
      drain_main_context ();
      g_usleep (2000);
    }
}

START_TEST (test_snapshot_matches_worker)
{
  g_autoptr(DlDataset) probe = make_blocks (N_PROBE, 3);
  g_autofree char *dir = g_dir_make_tmp ("dl-worker-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "paused.dlmodel", NULL);
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func ((GDestroyNotify) dl_snapshot_unref);
  g_autoptr(GPtrArray) probs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) steps = g_array_new (FALSE, FALSE, sizeof (gint64));
  int idx[N_PROBE];
  gint64 prev = 0;
  DlEvent *paused;

  load_blocks (4000, 16, 1000);
  for (int i = 0; i < N_PROBE; i++)
    idx[i] = i;
  L.probe_x = g_new (float, N_PROBE * 28 * 28);
  dl_dataset_gather (probe, idx, N_PROBE, L.probe_x);
  L.probe_probs = g_hash_table_new_full (step_hash, step_equal, g_free, g_free);
  dl_worker_set_step_observer (F.worker, observe_step, &L);
  dl_worker_start (F.worker);
  wait_state (&F, DL_TRAIN_RUNNING);

  /* While it trains: inference on 8 successive snapshots on this thread, never waiting for the worker.
   * Every other snapshot is dropped at once, so the worker reuses its net; the rest are kept. */
  for (int k = 0; k < 8; k++)
    {
      DlSnapshot *snap = wait_snapshot_after (prev);
      float *p = g_new (float, N_PROBE * DL_N_CLASSES);

      prev = snap->step;
      dl_net_predict (snap->net, L.probe_x, N_PROBE, p);
      g_array_append_val (steps, snap->step);
      g_ptr_array_add (probs, p);
      ck_assert (snap->trained);
      ck_assert_uint_eq (snap->run_serial, 1);
      if (k % 2 == 0)
        g_ptr_array_add (kept, snap);
      else
        dl_snapshot_unref (snap);
    }
  dl_worker_pause (F.worker);
  paused = wait_state (&F, DL_TRAIN_PAUSED);
  dl_worker_set_step_observer (F.worker, NULL, NULL);

  /* Each snapshot gave what the worker's own network gave right after that step. */
  for (guint i = 0; i < steps->len; i++)
    {
      gint64 step = g_array_index (steps, gint64, i);
      const float *mine = g_ptr_array_index (probs, i);
      const float *theirs = g_hash_table_lookup (L.probe_probs, &step);

      ck_assert_msg (theirs != NULL, "no worker prediction for step %" G_GINT64_FORMAT, step);
      for (int j = 0; j < N_PROBE * DL_N_CLASSES; j++)
        ck_assert_msg (fabsf (mine[j] - theirs[j]) <= 1e-6f, "step %" G_GINT64_FORMAT ": %g vs %g",
                       step, mine[j], theirs[j]);
    }

  /* The kept snapshots did not change while training went on and other snapshots were recycled. */
  for (guint i = 0; i < kept->len; i++)
    {
      DlSnapshot *snap = g_ptr_array_index (kept, i);
      float again[N_PROBE * DL_N_CLASSES];

      ck_assert_int_eq (snap->step, g_array_index (steps, gint64, 2 * i));
      dl_net_predict (snap->net, L.probe_x, N_PROBE, again);
      ck_assert_mem_eq (again, g_ptr_array_index (probs, 2 * i), sizeof again);
    }

  /* Paused: the snapshot is the step the pause reported, and equals the model the worker saves. */
  {
    g_autoptr(DlSnapshot) snap = dl_worker_dup_snapshot (F.worker);
    g_autoptr(DlNet) saved = NULL;
    g_autoptr(GError) error = NULL;
    float a[N_PROBE * DL_N_CLASSES], b[N_PROBE * DL_N_CLASSES];
    DlEvent *ev;

    ck_assert_int_eq (snap->step, paused->step);
    dl_worker_save_model (F.worker, path);
    ev = wait_event (&F, DL_EVENT_MODEL_SAVED, -1);
    ck_assert_str_eq (ev->path, path);
    saved = dl_model_load (path, &error);
    ck_assert_msg (saved != NULL, "%s", error ? error->message : "");
    dl_net_predict (snap->net, L.probe_x, N_PROBE, a);
    dl_net_predict (saved, L.probe_x, N_PROBE, b);
    ck_assert_mem_eq (a, b, sizeof a);
    ck_assert_mem_eq (dl_net_params (snap->net), dl_net_params (saved), dl_net_n_params (saved) * sizeof (float));
  }
  g_unlink (path);
  g_rmdir (dir);
}
END_TEST

START_TEST (test_divergence_restores)
{
  DlEvent *paused, *div, *state;
  DlHyper hyper;
  g_autoptr(DlSnapshot) good = NULL;
  g_autoptr(DlSnapshot) after = NULL;
  g_autofree char *expect = NULL;
  gsize n_params;

  load_blocks (4000, 16, 1000);
  L.pause_at = 120;
  dl_worker_set_step_observer (F.worker, observe_step, &L);
  dl_worker_start (F.worker);
  paused = wait_state (&F, DL_TRAIN_PAUSED);
  ck_assert_int_eq (paused->step, 120);
  good = dl_worker_dup_snapshot (F.worker);
  n_params = dl_net_n_params (good->net);
  ck_assert (all_finite (dl_net_params (good->net), n_params));

  /* An absurd learning rate: the loss overflows, or explodes once every ReLU has died. */
  for (int round = 0; round < 2; round++)
    {
      sgd_hyper (&hyper, round == 0 ? 1e6f : 1e30f);
      dl_worker_set_hyper (F.worker, &hyper, 16, FALSE);
      wait_event (&F, DL_EVENT_HYPER_APPLIED, -1);
      dl_worker_resume (F.worker);
      div = wait_event (&F, DL_EVENT_DIVERGED, -1);
      state = wait_state (&F, DL_TRAIN_DIVERGED);
      ck_assert_int_eq (dl_worker_get_state (F.worker), DL_TRAIN_DIVERGED);
      ck_assert_int_eq (state->step, div->step);

      ck_assert_int_gt (div->step, 120);
      g_free (expect);
      expect = g_strdup_printf (" at step %" G_GINT64_FORMAT " with learning rate %s: lower the learning rate "
                                "(try 0.05). Parameters restored from step 120; training paused.",
                                div->step, round == 0 ? "1e+06" : "1e+30");
      ck_assert_msg (g_str_has_suffix (div->message, expect), "%s", div->message);
      ck_assert_msg (g_str_has_prefix (div->message, "The loss became NaN") ||
                     g_str_has_prefix (div->message, "The loss became infinite") ||
                     g_str_has_prefix (div->message, "The loss exploded to") ||
                     g_str_has_prefix (div->message, "The parameters became NaN"), "%s", div->message);

      /* Restored: finite and exactly the parameters of step 120. */
      after = dl_worker_dup_snapshot (F.worker);
      ck_assert_uint_eq (dl_net_n_params (after->net), n_params);
      ck_assert (all_finite (dl_net_params (after->net), n_params));
      ck_assert_mem_eq (dl_net_params (after->net), dl_net_params (good->net), n_params * sizeof (float));
      g_clear_pointer (&after, dl_snapshot_unref);

      /* Pausing a diverged run changes nothing; it is resumed (or stopped) like a paused one. */
      dl_worker_pause (F.worker);
      ck_assert_int_eq (sync_worker (&F)->state, DL_TRAIN_DIVERGED);
    }

  /* Nothing is lost: with a sane rate, training goes on from there. */
  sgd_hyper (&hyper, 0.05f);
  dl_worker_set_hyper (F.worker, &hyper, 16, FALSE);
  ck_assert (wait_event (&F, DL_EVENT_HYPER_APPLIED, -1)->during_run);
  dl_worker_resume (F.worker);
  wait_state (&F, DL_TRAIN_RUNNING);
  ck_assert (isfinite (wait_progress (&F, div->step + 50)->loss));
  dl_worker_set_step_observer (F.worker, NULL, NULL);
}
END_TEST

static Suite *
training_suite (void)
{
  const Case cases[] = {
    { "lr_change", test_lr_change_acknowledged },
    { "batch_change", test_batch_change_keeps_epoch_exact },
    { "short_last_batch", test_short_last_batch_health },
    { "batch_losses", test_every_batch_loss_delivered },
    { "progress_coalesced", test_progress_coalesced },
    { "augment", test_augment_toggle },
    { "schedule", test_schedule_every_step, 3 },
    { "schedule_step", test_schedule_step_decay },
    { "snapshot", test_snapshot_matches_worker },
    { "divergence", test_divergence_restores },
  };

  return make_suite ("worker-training", cases, G_N_ELEMENTS (cases));
}

int
main (void)
{
  SRunner *sr = srunner_create (training_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
