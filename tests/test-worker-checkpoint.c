/* test-worker-checkpoint.c — checkpoints and the runs branched from them: a checkpoint after every periodic
 * evaluation and end of epoch, holding the run exactly as it was; a branch with the same recipe and thread
 * count reproducing the original's next 500 batch losses bit for bit (mlp, a conv net with augmentation
 * and dropout, seed, and Adam), and on another thread count the same up to rounding; a branch with a lower rate taking it from its first step; branches that
 * cannot be made changing nothing; checkpoint files read back whole; the retention policy; with weight
 * averaging, evaluations and snapshots of the average the checkpoint carries.
 * Shared helpers: dl-test-worker.h.
 */
#include "dl-augment.h"
#include "dl-checkpoint.h"
#include "dl-test-worker.h"

#define RESUMED 500   /* batch losses a branch must reproduce (the "resume" suite) */
#define BRIEF   40    /* steps of the other tests' runs after their checkpoints (also under ThreadSanitizer) */

/* ---- what the tests keep: the checkpoints they pick, and the parameters after chosen steps ---- */

typedef struct {
  gint64  keep_from;        /* checkpoints of epoch ≥ keep_epoch are kept… */
  int     keep_epoch;
  int     kept_mid, kept_end, max_mid, max_end;   /* …up to max_mid mid-epoch and max_end epoch ends */
  GHashTable *params;       /* step → float[n_params] after that step (when `copy_params`) */
  gboolean    copy_params;
} Keep;

static Keep K;

static gboolean
keep_some (const DlCheckpoint *c, gpointer data)
{
  Keep *k = data;

  if (c->epoch < k->keep_epoch)
    return FALSE;
  if (c->epoch_end)
    return k->kept_end < k->max_end ? (k->kept_end++, TRUE) : FALSE;
  return k->kept_mid < k->max_mid ? (k->kept_mid++, TRUE) : FALSE;
}

static void
keep_checkpoints (int from_epoch, int max_mid, int max_end)
{
  memset (&K, 0, sizeof K);
  K.keep_epoch = from_epoch;
  K.max_mid = max_mid;
  K.max_end = max_end;
  F.keep_checkpoint = keep_some;
  F.keep_data = &K;
}

/* The step observer's log, and the parameters after every step when asked. */
static void
observe_params (const DlStepInfo *info, gpointer data)
{
  observe_step (info, &L);
  if (K.copy_params)
    {
      gint64 *key = g_new (gint64, 1);

      *key = info->step;
      g_hash_table_insert (K.params, key, g_memdup2 (dl_net_params (info->net),
                                                     sizeof (float) * dl_net_n_params (info->net)));
    }
}

static void
checkpoint_setup (void)
{
  setup ();
  memset (&K, 0, sizeof K);
}

static void
checkpoint_teardown (void)
{
  teardown ();
  g_clear_pointer (&K.params, g_hash_table_unref);
}

/* The next checkpoint event from the cursor on (of the run `serial`, when not 0). */
static DlCheckpoint *
wait_checkpoint (guint serial)
{
  DlEvent *ev;

  do
    ev = wait_event (&F, DL_EVENT_CHECKPOINT, -1);
  while (serial != 0 && ev->run_serial != serial);
  return ev->checkpoint;
}

/* The step observer's record of `step` among the records [from, to), or NULL. */
static const StepRecord *
record_at (guint from, guint to, gint64 step)
{
  for (guint i = from; i < to; i++)
    if (log_step (i)->step == step)
      return log_step (i);
  return NULL;
}

/* ---- checkpoints ---- */

/* One after every periodic evaluation (mid-epoch) and every end of epoch (at the start of the next), right
 * behind its evaluation, holding the parameters of that step, the recipe in force and where the loop is. */
START_TEST (test_checkpoints_taken)
{
  g_autoptr(DlDataset) train = make_blocks (100, 1);
  g_autoptr(DlDataset) test = make_blocks (50, 2);
  g_auto(DlTrainConfig) cfg = { 0 };
  const gint64 mid_steps[] = { 3, 6, 10, 13 }, end_steps[] = { 7, 14 };
  guint n_mid = 0, n_end = 0, serial;

  config_init (&cfg, 16, 2);   /* 7 batches an epoch: 6 of 16 and one of 4 */
  cfg.eval_every = 3;
  cfg.hyper.optimizer = DL_OPT_MOMENTUM;
  cfg.hyper.momentum = 0.9f;
  K.params = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  K.copy_params = TRUE;
  dl_worker_set_step_observer (F.worker, observe_params, NULL);
  serial = begin_run (train, test, &cfg)->run_serial;
  dl_worker_start (F.worker);
  wait_state (&F, DL_TRAIN_FINISHED);

  for (guint i = 1; i < F.events->len; i++)
    {
      DlEvent *ev = g_ptr_array_index (F.events, i), *before = g_ptr_array_index (F.events, i - 1);
      DlCheckpoint *c;
      const float *params;

      if (ev->type != DL_EVENT_CHECKPOINT)
        continue;
      c = ev->checkpoint;
      ck_assert_uint_eq (ev->run_serial, serial);
      ck_assert_uint_eq (c->run_serial, serial);
      ck_assert_int_eq (c->step, ev->step);
      ck_assert_int_eq (before->type, DL_EVENT_EVAL);
      ck_assert_int_eq (before->step, c->step);
      if (c->epoch_end)
        {
          ck_assert_uint_lt (n_end, G_N_ELEMENTS (end_steps));
          ck_assert_int_eq (c->step, end_steps[n_end++]);
          ck_assert_int_eq (before->eval_kind, DL_EVAL_EPOCH);
          ck_assert_int_eq (c->epoch, before->epoch + 1);
          ck_assert_int_eq (c->pos, 0);
          ck_assert (c->epoch_loss_sum == 0.0);
        }
      else
        {
          ck_assert_uint_lt (n_mid, G_N_ELEMENTS (mid_steps));
          ck_assert_int_eq (c->step, mid_steps[n_mid++]);
          ck_assert_int_eq (before->eval_kind, DL_EVAL_SUBSET);
          ck_assert_int_eq (c->epoch, (c->step - 1) / 7);
          ck_assert_int_eq (c->pos, 16 * (c->step - 7 * c->epoch));
          ck_assert (c->epoch_loss_sum > 0.0);
        }
      ck_assert_int_eq (c->batches_since_eval, 0);
      ck_assert_int_eq (c->train_n, 100);
      ck_assert_uint_eq (c->train_crc, dl_checkpoint_data_crc (train));
      ck_assert_str_eq (c->config->arch, SMALL_ARCH);
      ck_assert_float_eq (c->config->hyper.lr, cfg.hyper.lr);
      ck_assert_int_eq (c->config->epochs, 2);
      ck_assert_uint_eq (c->n_params, 784 * 32 + 32 + 32 * 10 + 10);
      ck_assert (c->net_state.opt_started);
      ck_assert_int_eq (c->net_state.opt_last, DL_OPT_MOMENTUM);
      params = g_hash_table_lookup (K.params, &c->step);
      ck_assert_ptr_nonnull (params);
      ck_assert_int_eq (memcmp (c->params, params, sizeof (float) * c->n_params), 0);
      ck_assert (c->last_loss == log_step (c->step - 1)->loss);
    }
  ck_assert_uint_eq (n_mid, G_N_ELEMENTS (mid_steps));
  ck_assert_uint_eq (n_end, G_N_ELEMENTS (end_steps));
  /* The last one comes before the run's DONE. */
  {
    guint last_checkpoint = 0, done = 0;

    for (guint i = 0; i < F.events->len; i++)
      {
        DlEventType type = ((DlEvent *) g_ptr_array_index (F.events, i))->type;

        if (type == DL_EVENT_CHECKPOINT)
          last_checkpoint = i;
        else if (type == DL_EVENT_DONE)
          done = i;
      }
    ck_assert_uint_gt (done, last_checkpoint);
    ck_assert_uint_eq (count_events (&F, DL_EVENT_EVAL, last_checkpoint, done), 0);
  }
}
END_TEST

/* With weight averaging on, the evaluations (and their layer figures) are of the average, which the
 * checkpoint carries beside the last step's parameters, and the snapshots the pages read are the average. */
START_TEST (test_evaluated_is_the_average)
{
  g_autoptr(DlDataset) train = make_blocks (100, 1);
  g_autoptr(DlDataset) test = make_blocks (50, 2);
  g_auto(DlTrainConfig) cfg = { 0 };
  const DlCheckpoint *last = NULL;
  guint n = 0;

  config_init (&cfg, 16, 2);
  cfg.eval_every = 3;
  cfg.hyper.optimizer = DL_OPT_MOMENTUM;
  cfg.hyper.momentum = 0.9f;
  cfg.hyper.average = 8;
  begin_run (train, test, &cfg);
  dl_worker_start (F.worker);
  wait_state (&F, DL_TRAIN_FINISHED);

  for (guint i = 1; i < F.events->len; i++)
    {
      DlEvent *ev = g_ptr_array_index (F.events, i), *eval = g_ptr_array_index (F.events, i - 1);
      const DlCheckpoint *c;

      if (ev->type != DL_EVENT_CHECKPOINT)
        continue;
      c = ev->checkpoint;
      ck_assert_int_eq (c->net_state.avg_t, c->step);
      ck_assert_float_eq (c->config->hyper.average, 8);
      const float *average = c->opt_state + 3 * c->n_params;
      ck_assert (memcmp (average, c->params, sizeof (float) * c->n_params) != 0);

      DlArch arch;
      ck_assert (dl_arch_parse (c->config->arch, &arch, NULL));
      g_autoptr(DlNet) model = dl_net_new (&arch, 1);
      dl_net_set_params (model, average);
      g_autoptr(DlEval) mine = dl_eval_run (model, test);   /* 50 images: the periodic subset is all of them */
      ck_assert_int_eq (eval->type, DL_EVENT_EVAL);
      ck_assert_msg (fabs (mine->loss - eval->test_loss) < 1e-5, "step %" G_GINT64_FORMAT ": loss %g, evaluated %g",
                     c->step, mine->loss, eval->test_loss);
      ck_assert_int_eq (mine->correct, eval->eval->correct);
      /* The Network page's figures of that evaluation are the average's too. */
      g_autoptr(DlLayerStats) want = dl_layer_stats_compute (model, NULL, NULL, NULL, 0, c->step);
      for (int k = 0; k < arch.n_layers; k++)
        ck_assert_mem_eq (&eval->layer_stats->layers[k].hist[DL_LAYER_STAT_PARAMS],
                          &want->layers[k].hist[DL_LAYER_STAT_PARAMS], sizeof (DlHistogram));
      last = c;
      n++;
    }
  ck_assert_uint_ge (n, 4);
  g_autoptr(DlSnapshot) snap = dl_worker_dup_snapshot (F.worker);
  ck_assert_int_eq (snap->step, last->step);
  ck_assert_mem_eq (dl_net_params (snap->net), last->opt_state + 3 * last->n_params, sizeof (float) * last->n_params);
}
END_TEST

/* ---- exact resume ---- */

typedef struct {
  const char *preset;
  const char *arch;       /* NULL: the preset's */
  int         n_train;    /* a partial last batch, so every epoch ends short */
  DlOptimizer optimizer;  /* -1: the preset's */
  guint       augment_kinds;  /* 0: as the preset says; else augmented with these kinds */
  gboolean    tuned;      /* the one-cycle schedule, on the configuration dl-tune chooses (DlTrainConfig.tune) */
} Recipe;

/* The cnn preset's layers at a tenth of the width, with dropout (which the preset lacks): conv, pool,
 * dropout and dense layers under augmentation, quick enough for ThreadSanitizer. */
#define SMALL_CNN "conv4x5p2-relu,pool2,conv8x5-relu,pool2,dropout0.25,fc32-relu,dropout0.5,fc10,softmax"

static const Recipe recipes[] = {
  { "mlp", NULL, 600, -1 },
  { "cnn", SMALL_CNN, 600, -1 },
  { "seed", NULL, 650, -1 },
  { "mlp", "fc32-relu,dropout0.2,fc10,softmax", 600, DL_OPT_ADAM },
};

/* The preset's recipe on generated data, long enough that a branch from epoch 1 or 2 trains `steps`
 * steps, evaluating every 4 batches, on a team of 2. */
static int
recipe_config (const Recipe *r, int steps, DlTrainConfig *cfg)
{
  int per_epoch;

  dl_train_config_from_preset (cfg, dl_preset_find (r->preset));
  if (r->arch != NULL)
    {
      g_free (cfg->arch);
      cfg->arch = g_strdup (r->arch);
    }
  if ((int) r->optimizer >= 0)
    {
      cfg->hyper.optimizer = r->optimizer;
      cfg->hyper.lr = 1e-3f;
      cfg->augment = TRUE;
    }
  if (r->augment_kinds != 0)
    {
      cfg->augment = TRUE;
      cfg->augment_kinds = r->augment_kinds;
    }
  if (r->tuned)
    {
      cfg->schedule = DL_SCHEDULE_ONECYCLE;
      cfg->schedule_warmup = 0.5f;
      cfg->tune = TRUE;
    }
  cfg->seed = 3;
  cfg->threads = 2;
  cfg->eval_every = 4;
  per_epoch = (r->n_train + cfg->batch - 1) / cfg->batch;
  cfg->epochs = (steps + per_epoch - 1) / per_epoch + 3;
  return per_epoch;
}

/* The original run A, start to finish, keeping the first mid-epoch checkpoint of epoch 1 and the end of
 * epoch 2. */
static guint
train_original (const Recipe *r, int steps, DlTrainConfig *cfg, DlCheckpoint **mid, DlCheckpoint **end)
{
  g_autoptr(DlDataset) train = make_blocks (r->n_train, 1);
  g_autoptr(DlDataset) test = make_blocks (100, 2);
  guint serial;

  recipe_config (r, steps, cfg);
  keep_checkpoints (1, 1, 2);
  dl_worker_set_step_observer (F.worker, observe_params, NULL);
  serial = begin_run (train, test, cfg)->run_serial;
  dl_worker_start (F.worker);
  wait_state (&F, DL_TRAIN_FINISHED);
  *mid = *end = NULL;
  for (guint i = 0; i < F.events->len; i++)
    {
      DlEvent *ev = g_ptr_array_index (F.events, i);

      if (ev->type != DL_EVENT_CHECKPOINT)
        continue;
      if (!ev->checkpoint->epoch_end)
        *mid = ev->checkpoint;
      else if (ev->checkpoint->epoch == 2)
        *end = ev->checkpoint;
    }
  ck_assert_ptr_nonnull (*mid);
  ck_assert_ptr_nonnull (*end);
  ck_assert_int_eq ((*mid)->epoch, 1);
  ck_assert_int_gt ((*mid)->pos, 0);
  return serial;
}

/* A's end-of-epoch evaluation of `epoch`, among the events before `until`. */
static DlEvent *
epoch_eval (guint serial, int epoch, guint until)
{
  for (guint i = 0; i < until; i++)
    {
      DlEvent *ev = g_ptr_array_index (F.events, i);

      if (ev->type == DL_EVENT_EVAL && ev->run_serial == serial && ev->eval_kind == DL_EVAL_EPOCH
          && ev->epoch == epoch)
        return ev;
    }
  ck_abort_msg ("no evaluation of epoch %d in run %u", epoch, serial);
  return NULL;
}

/* Branches from c with its own recipe, trains to the end, and compares the next `steps` steps with the
 * original's records [0, a_len): the same examples, rate and loss, bit for bit; and the branch's first
 * end of epoch reports the same train loss and test accuracy as A's. */
static void
branch_reproduces (const char *what, guint a_serial, guint a_len, DlCheckpoint *c, int steps)
{
  guint b_from = L.steps->len, a_events = F.events->len, b_serial;
  DlEvent *ready, *b_eval, *a_eval;

  dl_worker_branch (F.worker, c, NULL);
  ready = wait_state (&F, DL_TRAIN_READY);
  b_serial = ready->run_serial;
  ck_assert_uint_eq (ready->parent_run_serial, a_serial);
  ck_assert_int_eq (ready->parent_step, c->step);
  ck_assert_int_eq (ready->step, c->step);
  ck_assert_int_eq (ready->epoch, c->epoch);
  ck_assert_int_eq (ready->samples_seen, c->pos);
  dl_worker_start (F.worker);
  b_eval = wait_eval (&F, DL_EVAL_EPOCH);
  wait_state (&F, DL_TRAIN_FINISHED);

  ck_assert_uint_ge (L.steps->len - b_from, steps);
  for (gint64 s = c->step + 1; s <= c->step + steps; s++)
    {
      const StepRecord *a = record_at (0, a_len, s), *b = record_at (b_from, L.steps->len, s);

      ck_assert_msg (a != NULL && b != NULL, "%s: step %" G_GINT64_FORMAT " missing", what, s);
      ck_assert_msg (a->first_index == b->first_index && a->batch == b->batch,
                     "%s: step %" G_GINT64_FORMAT " trained on other examples", what, s);
      ck_assert_msg (a->lr == b->lr, "%s: step %" G_GINT64_FORMAT ": lr %.9g, branch %.9g", what, s, a->lr, b->lr);
      ck_assert_msg (memcmp (&a->loss, &b->loss, sizeof (float)) == 0,
                     "%s: step %" G_GINT64_FORMAT ": loss %.9g, branch %.9g (%" G_GINT64_FORMAT " after the "
                     "checkpoint)", what, s, a->loss, b->loss, s - c->step);
    }
  ck_assert_uint_eq (b_eval->run_serial, b_serial);
  a_eval = epoch_eval (a_serial, b_eval->epoch, a_events);
  ck_assert_msg (a_eval->train_loss == b_eval->train_loss, "%s: epoch %d train loss %.9g, branch %.9g", what,
                 b_eval->epoch, a_eval->train_loss, b_eval->train_loss);
  ck_assert_float_eq (a_eval->test_accuracy, b_eval->test_accuracy);
}

START_TEST (test_resume_is_exact)
{
  const Recipe *r = &recipes[_i];
  g_auto(DlTrainConfig) cfg = { 0 };
  g_autofree char *mid_what = g_strdup_printf ("%s (%s), mid-epoch", r->preset, r->arch ? r->arch : "preset");
  g_autofree char *end_what = g_strdup_printf ("%s (%s), end of epoch", r->preset, r->arch ? r->arch : "preset");
  DlCheckpoint *mid, *end;
  guint a_serial, a_len;

  a_serial = train_original (r, RESUMED, &cfg, &mid, &end);
  a_len = L.steps->len;
  branch_reproduces (mid_what, a_serial, a_len, mid, RESUMED);
  branch_reproduces (end_what, a_serial, a_len, end, RESUMED);
}
END_TEST

/* Across team sizes (a checkpoint of a 2-thread run branched on 1 thread) the data order, augmentation,
 * dropout masks and rates stay exact and so does the first loss (the same parameters, the same per-row
 * arithmetic); the weight gradients sum the batch in another order on a team, so from the second step on
 * the losses agree only within rounding — checked over the first `near` steps, before training amplifies
 * that rounding: the small cnn, still learning fast from chance here, roughly doubles the difference every
 * step (Intel Xeon family 6 model 167: 1e-7 relative at step 8, 1e-5 at 16, 1e-3 at 29), so how far apart
 * the runs are after 50 steps says more about the trajectory and the CPU's BLAS kernel than about the
 * arithmetic. A lost or doubled part of a batch's gradient shows within a few steps (the loss moves by 1e-3
 * relative and more a step here). Prints how many stay bit for bit equal and the worst difference over the
 * first 50 steps. */
START_TEST (test_other_thread_count)
{
  const Recipe *r = &recipes[_i];
  g_auto(DlTrainConfig) cfg = { 0 };
  g_autoptr(DlTrainConfig) one = NULL;
  DlCheckpoint *mid, *end;
  guint a_len, b_from, equal = 0;
  double worst = 0.0;
  const int steps = 100, near = 10, shown = 50;
  double worst_shown = 0.0;

  train_original (r, steps, &cfg, &mid, &end);
  a_len = L.steps->len;
  one = dl_train_config_copy (mid->config);
  one->threads = 1;
  b_from = L.steps->len;
  dl_worker_branch (F.worker, mid, one);
  wait_state (&F, DL_TRAIN_READY);
  dl_worker_start (F.worker);
  wait_state (&F, DL_TRAIN_FINISHED);
  for (gint64 s = mid->step + 1; s <= mid->step + steps; s++)
    {
      const StepRecord *a = record_at (0, a_len, s), *b = record_at (b_from, L.steps->len, s);
      double rel = fabs ((double) a->loss - b->loss) / fabs ((double) a->loss);

      ck_assert (a != NULL && b != NULL);
      ck_assert_int_eq (a->first_index, b->first_index);
      ck_assert (a->lr == b->lr);
      if (s == mid->step + 1)
        ck_assert_msg (a->loss == b->loss, "%s: first loss %.9g, on one thread %.9g", r->preset, a->loss, b->loss);
      if (s <= mid->step + near)
        worst = MAX (worst, rel);
      if (s <= mid->step + shown)
        worst_shown = MAX (worst_shown, rel);
      equal += a->loss == b->loss;
    }
  ck_assert_msg (worst < 1e-4, "%s: losses differ by up to %.3g (relative) within %d steps", r->preset, worst, near);
  printf ("%s (%s), 2 → 1 threads: %u of %d losses bit for bit equal, the first %d within %.2g (relative), "
          "the first %d within %.2g\n", r->preset, r->arch ? r->arch : "preset", equal, steps, near, worst, shown,
          worst_shown);
}
END_TEST

/* ---- branches with another recipe, and branches that cannot be made ---- */

/* A lower rate from the branch's first step: that step's loss (before its update) is the original's, the
 * next ones are not; the parent is untouched (its checkpoint branches again as before). */
START_TEST (test_branch_with_lower_rate)
{
  g_auto(DlTrainConfig) cfg = { 0 };
  g_autoptr(DlTrainConfig) lower = NULL;
  DlCheckpoint *mid, *end;
  const StepRecord *a1, *b1, *a2, *b2;
  guint a_serial, a_len, b_from;
  DlEvent *ready;

  a_serial = train_original (&recipes[3], BRIEF, &cfg, &mid, &end);
  a_len = L.steps->len;
  lower = dl_train_config_copy (mid->config);
  lower->hyper.lr = mid->config->hyper.lr / 10.0f;
  b_from = L.steps->len;
  dl_worker_branch (F.worker, mid, lower);
  ready = wait_state (&F, DL_TRAIN_READY);
  ck_assert_uint_eq (ready->parent_run_serial, a_serial);
  ck_assert_float_eq (ready->config->hyper.lr, lower->hyper.lr);
  ck_assert_float_eq (ready->hyper.lr, lower->hyper.lr);
  dl_worker_start (F.worker);
  wait_state (&F, DL_TRAIN_FINISHED);

  a1 = record_at (0, a_len, mid->step + 1);
  b1 = record_at (b_from, L.steps->len, mid->step + 1);
  a2 = record_at (0, a_len, mid->step + 2);
  b2 = record_at (b_from, L.steps->len, mid->step + 2);
  ck_assert_ptr_nonnull (b1);
  ck_assert_int_eq (b1->step, mid->step + 1);
  /* the schedule's rate at that step, from the lower base rate */
  ck_assert_float_eq_tol (b1->lr, a1->lr / 10.0f, 1e-6f * a1->lr);
  ck_assert_int_eq (memcmp (&a1->loss, &b1->loss, sizeof (float)), 0);
  ck_assert_msg (a2->loss != b2->loss, "the lower rate changed nothing: %.9g", a2->loss);
}
END_TEST

/* The run in force when a branch is refused is the one an evaluation afterwards reports. */
static void
expect_branch_refused (DlCheckpoint *c, const DlTrainConfig *cfg, int code, const char *fragment, guint serial)
{
  DlEvent *err, *after;
  guint from;

  dl_worker_branch (F.worker, c, cfg);
  err = wait_event (&F, DL_EVENT_ERROR, -1);
  from = F.cursor;
  ck_assert_msg (g_error_matches (err->error, DL_WORKER_ERROR, code), "%s", err->message);
  ck_assert_msg (strstr (err->message, fragment) != NULL, "'%s' lacks '%s'", err->message, fragment);
  after = sync_worker (&F);
  ck_assert_uint_eq (after->run_serial, serial);
  ck_assert_uint_eq (count_events (&F, DL_EVENT_STATE, from, F.cursor), 0);
}

START_TEST (test_branch_refused)
{
  g_autoptr(DlDataset) train = make_blocks (200, 1);
  g_autoptr(DlDataset) other = make_blocks (200, 5);
  g_autoptr(DlDataset) test = make_blocks (50, 2);
  g_auto(DlTrainConfig) cfg = { 0 };
  g_autoptr(DlTrainConfig) wrong = NULL;
  DlCheckpoint *c, *last;
  guint serial;

  config_init (&cfg, 16, 2);
  cfg.eval_every = 5;
  serial = begin_run (train, test, &cfg)->run_serial;
  dl_worker_start (F.worker);
  c = wait_checkpoint (serial);
  do
    last = wait_checkpoint (serial);
  while (!(last->epoch_end && last->epoch == 2));
  wait_state (&F, DL_TRAIN_FINISHED);

  wrong = dl_train_config_copy (&cfg);
  g_free (wrong->arch);
  wrong->arch = g_strdup ("fc16-relu,fc10,softmax");
  expect_branch_refused (c, wrong, DL_WORKER_ERROR_INVALID, "not fc16-relu,fc10,softmax", serial);
  /* The last checkpoint of a finished run has no epochs left in its recipe; more epochs do. */
  expect_branch_refused (last, NULL, DL_WORKER_ERROR_INVALID, "nothing left to train", serial);
  g_clear_pointer (&wrong->arch, g_free);
  wrong->epochs = 0;
  expect_branch_refused (c, wrong, DL_WORKER_ERROR_INVALID, "0 epochs is out of range", serial);

  /* Other images of the same count: not the data the checkpoint trained on. */
  dl_worker_set_data (F.worker, other, test);
  wait_event (&F, DL_EVENT_DATA_LOADED, -1);
  expect_branch_refused (c, NULL, DL_WORKER_ERROR_NOT_READY, "taken on other training data", serial);
  /* With its data back, it branches. */
  dl_worker_set_data (F.worker, train, test);
  wait_event (&F, DL_EVENT_DATA_LOADED, -1);
  wrong->epochs = 3;
  dl_worker_branch (F.worker, last, wrong);
  ck_assert_uint_eq (wait_state (&F, DL_TRAIN_READY)->parent_run_serial, serial);
}
END_TEST

/* ---- files ---- */

static void
assert_same_net_config (const DlNetConfig *a, const DlNetConfig *b)
{
  ck_assert_int_eq (a->threads, b->threads);
  ck_assert_int_eq (a->split, b->split);
  ck_assert_str_eq (a->blas->name, b->blas->name);
  ck_assert_int_eq (memcmp (a->conv, b->conv, sizeof a->conv), 0);
}

static void
assert_same_checkpoint (const DlCheckpoint *a, const DlCheckpoint *b)
{
  ck_assert_uint_eq (a->run_serial, b->run_serial);
  ck_assert_int_eq (a->step, b->step);
  ck_assert_int_eq (a->epoch, b->epoch);
  ck_assert_int_eq (a->pos, b->pos);
  ck_assert_int_eq (a->epoch_end, b->epoch_end);
  ck_assert_str_eq (a->config->arch, b->config->arch);
  ck_assert_int_eq (memcmp (&a->config->hyper, &b->config->hyper, sizeof a->config->hyper), 0);
  ck_assert_int_eq (a->config->batch, b->config->batch);
  ck_assert_int_eq (a->config->epochs, b->config->epochs);
  ck_assert_uint_eq (a->config->seed, b->config->seed);
  ck_assert_int_eq (a->config->schedule, b->config->schedule);
  ck_assert_float_eq (a->config->schedule_gamma, b->config->schedule_gamma);
  ck_assert_int_eq (a->config->schedule_step, b->config->schedule_step);
  ck_assert_int_eq (a->config->augment, b->config->augment);
  ck_assert_int_eq (a->config->eval_every, b->config->eval_every);
  ck_assert_int_eq (a->config->threads, b->config->threads);
  ck_assert_float_eq (a->config->schedule_warmup, b->config->schedule_warmup);
  ck_assert_uint_eq (a->config->augment_kinds, b->config->augment_kinds);
  ck_assert_int_eq (a->config->tune, b->config->tune);
  assert_same_net_config (&a->net_config, &b->net_config);
  ck_assert_uint_eq (a->n_params, b->n_params);
  ck_assert_int_eq (memcmp (a->params, b->params, sizeof (float) * a->n_params), 0);
  ck_assert_int_eq (memcmp (a->opt_state, b->opt_state, sizeof (float) * 4 * a->n_params), 0);
  ck_assert_uint_eq (a->net_seed, b->net_seed);
  ck_assert_int_eq (memcmp (&a->net_state, &b->net_state, sizeof a->net_state), 0);
  ck_assert_int_eq (memcmp (&a->order_rng, &b->order_rng, sizeof a->order_rng), 0);
  ck_assert_int_eq (memcmp (&a->shuffle_rng, &b->shuffle_rng, sizeof a->shuffle_rng), 0);
  ck_assert_int_eq (memcmp (&a->augment_rng, &b->augment_rng, sizeof a->augment_rng), 0);
  ck_assert_int_eq (a->train_n, b->train_n);
  ck_assert_uint_eq (a->train_crc, b->train_crc);
  ck_assert (a->epoch_loss_sum == b->epoch_loss_sum);
  ck_assert_int_eq (a->epoch_correct, b->epoch_correct);
  ck_assert_int_eq (a->batches_since_eval, b->batches_since_eval);
  ck_assert (a->elapsed == b->elapsed);
  ck_assert (a->last_loss == b->last_loss);
  ck_assert (a->good_loss == b->good_loss);
}

/* Written on this thread (not the worker's), read back whole: a branch from the file goes on exactly as
 * the original; the file is also a model; a plain model is not a checkpoint; a record with a key missing
 * is named. */
START_TEST (test_checkpoint_file)
{
  g_autofree char *dir = g_dir_make_tmp ("dl-ckpt-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "ckpt.dlm", NULL);
  g_autofree char *plain = g_build_filename (dir, "plain.dlm", NULL);
  g_autofree char *sha = NULL, *contents = NULL, *file_sha = NULL;
  g_autoptr(DlCheckpoint) back = NULL;
  g_autoptr(DlNet) net = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(DlTrainConfig) cfg = { 0 };
  DlCheckpoint *mid, *end;
  guint a_serial, a_len;
  gsize len;

  a_serial = train_original (&recipes[3], BRIEF, &cfg, &mid, &end);
  a_len = L.steps->len;
  ck_assert_msg (dl_checkpoint_save (mid, path, &sha, &error), "%s", error ? error->message : "");
  ck_assert (g_file_get_contents (path, &contents, &len, NULL));
  file_sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
  ck_assert_str_eq (sha, file_sha);
  back = dl_checkpoint_load (path, &error);
  ck_assert_msg (back != NULL, "%s", error ? error->message : "");
  assert_same_checkpoint (mid, back);
  branch_reproduces ("from its file", a_serial, a_len, back, BRIEF);

  net = dl_model_load (path, &error);
  ck_assert_msg (net != NULL, "%s", error ? error->message : "");
  ck_assert_int_eq (memcmp (dl_net_params (net), mid->params, sizeof (float) * mid->n_params), 0);
  ck_assert (dl_model_save (net, plain, NULL));
  ck_assert_ptr_null (dl_checkpoint_load (plain, &error));
  ck_assert (g_error_matches (error, DL_MODEL_ERROR, DL_MODEL_ERROR_FORMAT));
  ck_assert (strstr (error->message, "not a checkpoint") != NULL);
  g_clear_error (&error);

  /* The record without its step. */
  {
    g_autoptr(GVariant) record = NULL;
    g_autoptr(GBytes) bytes = NULL;
    GVariantDict d;
    DlModelState st = { mid->net_state, 4 * mid->n_params, mid->opt_state, NULL };
    DlModelParts parts = { mid->config->arch, mid->net_seed, mid->n_params, mid->params, &st };

    g_variant_dict_init (&d, NULL);
    g_variant_dict_insert (&d, "format", "u", 1);
    record = g_variant_ref_sink (g_variant_dict_end (&d));
    bytes = g_variant_get_data_as_bytes (record);
    st.trainer = bytes;
    ck_assert (dl_model_save_parts (&parts, path, NULL, NULL));
    ck_assert_ptr_null (dl_checkpoint_load (path, &error));
    ck_assert (g_error_matches (error, DL_MODEL_ERROR, DL_MODEL_ERROR_FORMAT));
    ck_assert_msg (strstr (error->message, "no valid \"run-serial\"") != NULL, "%s", error->message);
  }
  g_unlink (path);
  g_unlink (plain);
  g_rmdir (dir);
}
END_TEST

/* (In "resume": the conv net's seven epochs with elastic augmentation take longer than a minute under
 * ThreadSanitizer, and what it checks is not a matter of threads.)
 * A tuned run with elastic augmentation and the one-cycle schedule: its checkpoints hold how its network
 * computed (the tuned team, split, kernel and conv algorithms), files keep that and the recipe's newer
 * fields, and a branch computes the same way — bit for bit as the original, and with a configuration other
 * than the default (set here in a copy) carried into the branch's own checkpoints. */
START_TEST (test_branch_keeps_config)
{
  static const Recipe tuned = { "cnn", SMALL_CNN, 600, -1, DL_AUGMENT_AFFINE | DL_AUGMENT_ELASTIC, TRUE };
  g_autofree char *dir = g_dir_make_tmp ("dl-ckpt-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "ckpt.dlm", NULL);
  g_autoptr(DlCheckpoint) back = NULL, other = NULL;
  g_autoptr(DlTrainConfig) rest = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(DlTrainConfig) cfg = { 0 };
  DlCheckpoint *mid, *end, *branched;
  guint a_serial, a_len, b_serial;

  a_serial = train_original (&tuned, BRIEF, &cfg, &mid, &end);
  a_len = L.steps->len;
  ck_assert_uint_eq (mid->config->augment_kinds, tuned.augment_kinds);
  ck_assert_int_eq (mid->config->schedule, DL_SCHEDULE_ONECYCLE);
  ck_assert_int_eq (mid->net_config.threads, 2);
  ck_assert_msg (dl_checkpoint_save (mid, path, NULL, &error), "%s", error ? error->message : "");
  back = dl_checkpoint_load (path, &error);
  ck_assert_msg (back != NULL, "%s", error ? error->message : "");
  assert_same_checkpoint (mid, back);
  branch_reproduces ("tuned, from its file", a_serial, a_len, back, BRIEF);

  /* Split by rows, conv1 direct, conv2 im2col keeping its columns: through a file and into a branch. */
  back->net_config.split = DL_SPLIT_ROWS;
  back->net_config.conv[0] = DL_CONV_DIRECT;
  back->net_config.conv[2] = DL_CONV_IM2COL_KEPT;
  ck_assert (dl_checkpoint_save (back, path, NULL, NULL));
  other = dl_checkpoint_load (path, &error);
  ck_assert_msg (other != NULL, "%s", error ? error->message : "");
  assert_same_checkpoint (back, other);
  /* Only the rest of the checkpoint's epoch (quick under ThreadSanitizer too). */
  rest = dl_train_config_copy (other->config);
  rest->epochs = other->epoch + 1;
  keep_checkpoints (0, 1, 1);
  dl_worker_branch (F.worker, other, rest);
  b_serial = wait_state (&F, DL_TRAIN_READY)->run_serial;
  dl_worker_start (F.worker);
  branched = wait_checkpoint (b_serial);
  assert_same_net_config (&branched->net_config, &other->net_config);
  wait_state (&F, DL_TRAIN_FINISHED);
  g_unlink (path);
  g_rmdir (dir);
}
END_TEST

/* ---- retention ---- */

START_TEST (test_retention)
{
  /* Steps 10…120; every third an end of epoch; step 50 pinned (a branch was made from it). */
  DlCheckpointInfo info[12];
  gboolean keep[12];
  guint kept;

  for (int i = 0; i < 12; i++)
    info[i] = (DlCheckpointInfo) { .step = 10 * (i + 1), .epoch_end = i % 3 == 2, .pinned = i == 4 };
  /* In reverse order: the order given does not matter. */
  for (int i = 0; i < 6; i++)
    {
      DlCheckpointInfo t = info[i];

      info[i] = info[11 - i];
      info[11 - i] = t;
    }
  dl_checkpoint_retain (info, 12, 2, keep);
  kept = 0;
  for (int i = 0; i < 12; i++)
    {
      gboolean expected = info[i].epoch_end || info[i].pinned || info[i].step == 110 || info[i].step == 100;

      ck_assert_msg (keep[i] == expected, "step %" G_GINT64_FORMAT ": keep %d", info[i].step, keep[i]);
      kept += keep[i];
    }
  ck_assert_uint_eq (kept, 4 + 1 + 2);
  dl_checkpoint_retain (info, 12, 0, keep);
  for (int i = 0; i < 12; i++)
    ck_assert_int_eq (keep[i], info[i].epoch_end || info[i].pinned);
  dl_checkpoint_retain (info, 12, 100, keep);
  for (int i = 0; i < 12; i++)
    ck_assert (keep[i]);
  dl_checkpoint_retain (NULL, 0, 3, NULL);
}
END_TEST

/* "resume": the long exact-resume runs, outside the ThreadSanitizer suite (its cases run there with BRIEF
 * steps: the branch from the file). */
int
main (int argc, char **argv)
{
  gboolean resume = argc > 1 && g_str_equal (argv[1], "resume");
  Suite *s = suite_create (resume ? "resume" : "worker-checkpoint");
  const struct { const char *name; const TTest *test; int loop; gboolean resume; } cases[] = {
    { "checkpoints_taken", test_checkpoints_taken, 0, FALSE },
    { "evaluated_is_the_average", test_evaluated_is_the_average, 0, FALSE },
    { "resume_exact", test_resume_is_exact, G_N_ELEMENTS (recipes), TRUE },
    { "other_thread_count", test_other_thread_count, G_N_ELEMENTS (recipes), TRUE },
    { "branch_lower_rate", test_branch_with_lower_rate, 0, FALSE },
    { "branch_refused", test_branch_refused, 0, FALSE },
    { "checkpoint_file", test_checkpoint_file, 0, FALSE },
    { "branch_keeps_config", test_branch_keeps_config, 0, TRUE },
    { "retention", test_retention, 0, FALSE },
  };
  SRunner *sr;
  int failed;

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TCase *tc;

      if (cases[i].resume != resume)
        continue;
      tc = tcase_create (cases[i].name);
      tcase_set_timeout (tc, 300);
      tcase_add_checked_fixture (tc, checkpoint_setup, checkpoint_teardown);
      if (cases[i].loop > 0)
        tcase_add_loop_test (tc, cases[i].test, 0, cases[i].loop);
      else
        tcase_add_test (tc, cases[i].test);
      suite_add_tcase (s, tc);
    }
  sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
