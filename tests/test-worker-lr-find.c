/* test-worker-lr-find.c — the learning-rate finder through the worker: it never changes the run it was
 * started from (the parameters byte for byte before and after, and a run swept twice, once paused and once
 * while it trains, goes on bit for bit as the same run never swept: every loss, and its later checkpoint's
 * parameters, optimiser state and random streams), the run's curves get no points from it, a fresh network
 * from a recipe, progress and cancel, and the errors. Shared helpers: dl-test-worker.h.
 */
#include "dl-test-worker.h"

#define SWEPT_ARCH "fc32-relu,dropout0.2,fc10,softmax"

/* Momentum, dropout and augmentation: the optimiser state and every random stream matter. */
static void
recipe (DlTrainConfig *cfg)
{
  config_init (cfg, 16, 6);
  g_free (cfg->arch);
  cfg->arch = g_strdup (SWEPT_ARCH);
  cfg->hyper.optimizer = DL_OPT_MOMENTUM;
  cfg->hyper.momentum = 0.9f;
  cfg->augment = TRUE;
  cfg->eval_every = 10;
}

static void
sweep_options (DlLrFindOptions *o)
{
  dl_lr_find_options_init (o);
  o->steps = DL_LR_FIND_MIN_STEPS;
}

/* The observer sweeps while the run trains: from the worker thread, after `sweep_at`. */
static gint64 sweep_at;

static void
observe_and_sweep (const DlStepInfo *info, gpointer data)
{
  DlLrFindOptions o;

  observe_step (info, &L);
  if (info->step == sweep_at)
    {
      sweep_options (&o);
      dl_worker_find_lr (L.worker, NULL, &o);
    }
}

/* The checkpoint of `serial` at `step` among the events delivered. */
static DlCheckpoint *
checkpoint_at (guint serial, gint64 step)
{
  for (guint i = 0; i < F.events->len; i++)
    {
      DlEvent *ev = g_ptr_array_index (F.events, i);

      if (ev->type == DL_EVENT_CHECKPOINT && ev->run_serial == serial && ev->checkpoint->step == step)
        return ev->checkpoint;
    }
  ck_abort_msg ("no checkpoint of run %u at step %" G_GINT64_FORMAT, serial, step);
  return NULL;
}

/* Every batch loss the run's progress delivered, in order: steps 1, 2, … once each, at the recipe's rate. */
static guint
check_batch_losses (guint serial, float lr, guint from, guint to)
{
  gint64 next = 1;

  for (guint i = from; i < to; i++)
    {
      DlEvent *ev = g_ptr_array_index (F.events, i);

      if (ev->type != DL_EVENT_PROGRESS || ev->run_serial != serial || ev->batch_losses == NULL)
        continue;
      for (guint k = 0; k < ev->batch_losses->len; k++)
        {
          const DlBatchLoss *b = &g_array_index (ev->batch_losses, DlBatchLoss, k);

          ck_assert_int_eq (b->step, next++);
          ck_assert_float_eq (b->lr, lr);
        }
    }
  return (guint) (next - 1);
}

START_TEST (test_sweep_changes_nothing)
{
  g_autoptr(DlDataset) train = make_blocks (400, 1);
  g_autoptr(DlDataset) test = make_blocks (100, 2);
  g_autoptr(DlSnapshot) before = NULL;
  g_autoptr(DlSnapshot) after = NULL;
  g_auto(DlTrainConfig) cfg = { 0 };
  guint a_serial, b_serial, a_len, a_events, b_from, paused_at, found_at, n_found = 0, n_compared = 0;
  DlLrFindOptions o;
  DlEvent *found;

  /* A: the run, never swept. */
  recipe (&cfg);
  dl_worker_set_step_observer (F.worker, observe_step, &L);
  a_serial = begin_run (train, test, &cfg)->run_serial;
  dl_worker_start (F.worker);
  wait_state (&F, DL_TRAIN_FINISHED);
  a_len = L.steps->len;
  a_events = F.events->len;

  /* B: the same run, paused at step 30 and swept (its parameters byte for byte the same before and after),
   * then swept again while it trains, after step 57. */
  L.pause_at = 30;
  sweep_at = 57;
  dl_worker_set_step_observer (F.worker, observe_and_sweep, NULL);
  dl_worker_new_run (F.worker, &cfg);
  b_serial = wait_state (&F, DL_TRAIN_READY)->run_serial;
  b_from = L.steps->len;
  dl_worker_start (F.worker);
  wait_state (&F, DL_TRAIN_PAUSED);
  paused_at = F.cursor;
  before = dl_worker_dup_snapshot (F.worker);
  ck_assert_int_eq (before->step, 30);
  sweep_options (&o);
  dl_worker_find_lr (F.worker, NULL, &o);
  found = wait_event (&F, DL_EVENT_LR_FOUND, -1);
  found_at = F.cursor;
  ck_assert_uint_eq (found->run_serial, b_serial);
  ck_assert_int_eq (found->step, 30);
  ck_assert_uint_gt (found->lr_find->points->len, 20);
  ck_assert_ptr_nonnull (found->message);
  sync_worker (&F);   /* publishes the parameters it evaluated */
  after = dl_worker_dup_snapshot (F.worker);
  ck_assert_int_eq (after->step, 30);
  ck_assert_int_eq (memcmp (dl_net_params (before->net), dl_net_params (after->net),
                            sizeof (float) * dl_net_n_params (before->net)), 0);
  /* Nothing of the run between the command and the result: only the sweep's progress. */
  ck_assert_uint_gt (found_at, paused_at + 1);
  for (guint i = paused_at; i < found_at - 1; i++)
    ck_assert_int_eq (((DlEvent *) g_ptr_array_index (F.events, i))->type, DL_EVENT_LR_PROGRESS);
  dl_worker_resume (F.worker);
  wait_state (&F, DL_TRAIN_FINISHED);
  for (guint i = found_at; i < F.events->len; i++)
    n_found += ((DlEvent *) g_ptr_array_index (F.events, i))->type == DL_EVENT_LR_FOUND;
  ck_assert_uint_eq (n_found, 1);

  /* B went on exactly as A: every loss, and every checkpoint after the sweeps. */
  ck_assert_uint_eq (L.steps->len - b_from, a_len);
  for (guint i = 0; i < a_len; i++)
    {
      const StepRecord *a = log_step (i), *b = log_step (b_from + i);

      ck_assert_int_eq (a->step, b->step);
      ck_assert_msg (memcmp (&a->loss, &b->loss, sizeof (float)) == 0, "step %" G_GINT64_FORMAT ": loss %.9g, "
                     "swept %.9g", a->step, a->loss, b->loss);
    }
  for (guint i = 0; i < a_events; i++)
    {
      DlEvent *ev = g_ptr_array_index (F.events, i);
      const DlCheckpoint *a, *b;

      if (ev->type != DL_EVENT_CHECKPOINT || ev->checkpoint->step <= 30)
        continue;
      a = ev->checkpoint;
      b = checkpoint_at (b_serial, a->step);
      ck_assert_int_eq (memcmp (a->params, b->params, sizeof (float) * a->n_params), 0);
      ck_assert_int_eq (memcmp (a->opt_state, b->opt_state, sizeof (float) * 4 * a->n_params), 0);
      ck_assert_int_eq (memcmp (&a->net_state, &b->net_state, sizeof a->net_state), 0);
      ck_assert_int_eq (memcmp (&a->shuffle_rng, &b->shuffle_rng, sizeof (DlRng)), 0);
      ck_assert_int_eq (memcmp (&a->augment_rng, &b->augment_rng, sizeof (DlRng)), 0);
      ck_assert (a->epoch_loss_sum == b->epoch_loss_sum);
      n_compared++;
    }
  ck_assert_uint_gt (n_compared, 5);

  /* And the run's curve: every step once, at the recipe's rate, none of the sweep's. */
  ck_assert_uint_eq (check_batch_losses (a_serial, cfg.hyper.lr, 0, a_events), a_len);
  ck_assert_uint_eq (check_batch_losses (b_serial, cfg.hyper.lr, a_events, F.events->len), a_len);
}
END_TEST

/* With a recipe, a fresh network: no run needed, and the run in force (if any) untouched. The verdict says
 * when the recipe's rate is far too high. */
START_TEST (test_sweep_fresh_network)
{
  g_autoptr(DlDataset) train = make_blocks (400, 1);
  g_autoptr(DlDataset) test = make_blocks (100, 2);
  g_auto(DlTrainConfig) cfg = { 0 };
  DlLrFindOptions o;
  DlEvent *found;

  recipe (&cfg);
  dl_worker_set_data (F.worker, train, test);
  sweep_options (&o);
  dl_worker_find_lr (F.worker, &cfg, &o);
  found = wait_event (&F, DL_EVENT_LR_FOUND, -1);
  ck_assert_uint_eq (found->run_serial, 0);
  ck_assert_double_eq (found->lr_find->current_lr, (double) cfg.hyper.lr);
  ck_assert (isfinite (found->lr_find->steepest));
  ck_assert (!found->lr_find->too_high);

  cfg.hyper.lr = 50.0f;
  dl_worker_find_lr (F.worker, &cfg, &o);
  found = wait_event (&F, DL_EVENT_LR_FOUND, -1);
  ck_assert (found->lr_find->too_high);
  ck_assert_msg (strstr (found->message, "far too high") != NULL, "%s", found->message);
}
END_TEST

/* A sweep asked for and cancelled from the worker thread between two training steps: given up before its
 * first batch, still answered (LR_FOUND, cancelled, no progress). */
static void
observe_sweep_and_cancel (const DlStepInfo *info, gpointer data)
{
  DlLrFindOptions o;

  observe_step (info, &L);
  if (info->step == sweep_at)
    {
      sweep_options (&o);
      dl_worker_find_lr (L.worker, NULL, &o);
      dl_worker_cancel_find_lr (L.worker);
      dl_worker_pause (L.worker);
    }
}

/* Progress as the sweep goes (the batches done rising, at the sweep's rates), and a cancel that gives up the
 * sweeps asked for before it and not the next one. */
START_TEST (test_sweep_progress_and_cancel)
{
  g_autoptr(DlDataset) train = make_blocks (400, 1);
  g_autoptr(DlDataset) test = make_blocks (100, 2);
  g_auto(DlTrainConfig) cfg = { 0 };
  DlLrFindOptions o;
  DlEvent *found;
  int n_progress = 0, last_done = -1;
  guint from;

  recipe (&cfg);
  sweep_at = 5;
  dl_worker_set_step_observer (F.worker, observe_sweep_and_cancel, NULL);
  begin_run (train, test, &cfg);
  dl_worker_start (F.worker);
  from = F.cursor;
  found = wait_event (&F, DL_EVENT_LR_FOUND, -1);
  ck_assert (found->lr_find->cancelled);
  ck_assert_uint_eq (found->lr_find->points->len, 0);
  ck_assert (!isfinite (found->lr_find->steepest));
  ck_assert_msg (strstr (found->message, "cancelled") != NULL, "%s", found->message);
  for (guint i = from; i < F.cursor; i++)
    ck_assert_int_ne (((DlEvent *) g_ptr_array_index (F.events, i))->type, DL_EVENT_LR_PROGRESS);

  wait_state (&F, DL_TRAIN_PAUSED);
  sweep_options (&o);
  from = F.cursor;
  dl_worker_find_lr (F.worker, NULL, &o);
  found = wait_event (&F, DL_EVENT_LR_FOUND, -1);
  ck_assert (!found->lr_find->cancelled);
  for (guint i = from; i < F.cursor; i++)
    {
      DlEvent *ev = g_ptr_array_index (F.events, i);

      if (ev->type != DL_EVENT_LR_PROGRESS)
        continue;
      ck_assert_int_gt (ev->lr_find_done, last_done);
      ck_assert_int_lt (ev->lr_find_done, (int) found->lr_find->points->len);
      ck_assert_int_eq (ev->lr_find_steps, o.steps);
      ck_assert_double_eq_tol (ev->lr_find_rate, g_array_index (found->lr_find->points, DlLrPoint,
                                                                ev->lr_find_done).lr, 1e-12);
      last_done = ev->lr_find_done;
      n_progress++;
    }
  ck_assert_int_eq (n_progress, ((int) found->lr_find->points->len + 9) / 10);
}
END_TEST

static void
expect_error (const DlTrainConfig *cfg, const DlLrFindOptions *o, int code, const char *fragment)
{
  DlEvent *err;

  dl_worker_find_lr (F.worker, cfg, o);
  err = wait_event (&F, DL_EVENT_ERROR, -1);
  ck_assert_msg (g_error_matches (err->error, DL_WORKER_ERROR, code), "%s", err->message);
  ck_assert_msg (strstr (err->message, fragment) != NULL, "'%s' lacks '%s'", err->message, fragment);
}

START_TEST (test_sweep_errors)
{
  g_autoptr(DlDataset) train = make_blocks (100, 1);
  g_autoptr(DlDataset) test = make_blocks (50, 2);
  g_auto(DlTrainConfig) cfg = { 0 };
  DlLrFindOptions o;

  recipe (&cfg);
  sweep_options (&o);
  expect_error (&cfg, &o, DL_WORKER_ERROR_NOT_READY, "Load the training data");
  dl_worker_set_data (F.worker, train, test);
  expect_error (NULL, &o, DL_WORKER_ERROR_NOT_READY, "no network");
  o.steps = 20;
  expect_error (&cfg, &o, DL_WORKER_ERROR_INVALID, "100 to 300 batches");
  sweep_options (&o);
  o.lr_max = o.lr_min;
  expect_error (&cfg, &o, DL_WORKER_ERROR_INVALID, "100 to 300 batches");
  sweep_options (&o);
  cfg.batch = 0;
  expect_error (&cfg, &o, DL_WORKER_ERROR_INVALID, "Batch size 0");
}
END_TEST

int
main (void)
{
  const Case cases[] = {
    { "changes_nothing", test_sweep_changes_nothing },
    { "fresh_network", test_sweep_fresh_network },
    { "errors", test_sweep_errors },
    { "progress_and_cancel", test_sweep_progress_and_cancel },
  };
  SRunner *sr = srunner_create (make_suite ("worker-lr-find", cases, G_N_ELEMENTS (cases)));
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
