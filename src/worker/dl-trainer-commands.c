/* dl-trainer-commands.c — the trainer's commands: data, runs and their states, live changes, models.
 *
 * A command that fails posts an error and changes nothing. One that does not apply in the current state
 * (pause while paused, start on a finished run, …) is ignored: the state events say what is.
 */
#include <math.h>
#include <string.h>

#ifndef GETTEXT_PACKAGE
#define GETTEXT_PACKAGE "digitlab"
#endif
#include <glib/gi18n-lib.h>

#include "dl-model.h"
#include "dl-trainer-private.h"
#include "dl-tune.h"

static void
post_error_literal (DlTrainer *t, int code, const char *message)
{
  trainer_post_error (t, g_error_new_literal (DL_WORKER_ERROR, code, message));
}

/* ---- checks ---- */

static gboolean
validate_batch (DlTrainer *t, int batch)
{
  if (batch >= 1 && batch <= DL_MAX_BATCH)
    return TRUE;
  trainer_post_error (t, g_error_new (DL_WORKER_ERROR, DL_WORKER_ERROR_INVALID,
                                      _("Batch size %d is out of range: expected 1 to %d."), batch, DL_MAX_BATCH));
  return FALSE;
}

static gboolean
validate_hyper (DlTrainer *t, const DlHyper *hyper, int batch)
{
  if (!validate_batch (t, batch))
    return FALSE;
  if (!isfinite (hyper->lr) || hyper->lr <= 0.0f)
    {
      trainer_post_error (t, g_error_new (DL_WORKER_ERROR, DL_WORKER_ERROR_INVALID,
                                          _("Learning rate %g is invalid: expected a positive number."),
                                          (double) hyper->lr));
      return FALSE;
    }
  return TRUE;
}

gboolean
trainer_validate_config (DlTrainer *t, const DlTrainConfig *cfg)
{
  if (cfg->epochs < 1)
    {
      trainer_post_error (t, g_error_new (DL_WORKER_ERROR, DL_WORKER_ERROR_INVALID,
                                          _("%d epochs is out of range: expected at least 1."), cfg->epochs));
      return FALSE;
    }
  return validate_hyper (t, &cfg->hyper, cfg->batch);
}

/* Every architecture takes 1 × 28 × 28; a data set of another image size cannot be fed to it. */
gboolean
trainer_data_fits (DlTrainer *t, const DlNet *net, const DlDataset *ds)
{
  const DlArch *arch = dl_net_arch (net);

  if (ds->rows == arch->in_h && ds->cols == arch->in_w)
    return TRUE;
  trainer_post_error (t, g_error_new (DL_WORKER_ERROR, DL_WORKER_ERROR_INVALID,
                                      _("The images of %s are %d×%d, but the network takes %d×%d."),
                                      ds->source, ds->rows, ds->cols, arch->in_h, arch->in_w));
  return FALSE;
}

static gboolean
data_fits_net (DlTrainer *t, const DlDataset *ds)
{
  return trainer_data_fits (t, t->net, ds);
}

static gboolean
ready_to_train (DlTrainer *t)
{
  if (t->net == NULL)
    {
      post_error_literal (t, DL_WORKER_ERROR_NOT_READY, _("Choose a network before starting training."));
      return FALSE;
    }
  if (t->train == NULL || t->test == NULL)
    {
      post_error_literal (t, DL_WORKER_ERROR_NOT_READY, _("Load the training and test data before starting."));
      return FALSE;
    }
  return data_fits_net (t, t->train) && data_fits_net (t, t->test);
}

/* ---- data ---- */

/* The data a run trained on cannot change under it: a run under way fails, an ended one can no
 * longer be continued. A ready run has not begun and takes the new data. */
static void
data_replaced (DlTrainer *t, const DlDataset *train)
{
  DlEvent *ev;

  if (t->state == DL_TRAIN_READY)
    return;
  t->data_replaced = TRUE;
  if (!dl_train_state_is_live (t->state))
    return;
  t->state = DL_TRAIN_FAILED;
  trainer_publish_progress (t, TRUE);
  ev = trainer_event (t, DL_EVENT_STATE);
  ev->message = g_strdup_printf (_("Run %u cannot go on: its data set was replaced by %s while it trained."),
                                 t->run_serial, train->source);
  trainer_post (t, ev);
}

void
dl_trainer_set_data (DlTrainer *t, DlDataset *train, DlDataset *test)
{
  DlEvent *ev;

  if (t->net != NULL && !(data_fits_net (t, train) && data_fits_net (t, test)))
    {
      dl_dataset_unref (train);
      dl_dataset_unref (test);
      return;
    }
  data_replaced (t, train);
  g_clear_pointer (&t->train, dl_dataset_unref);
  g_clear_pointer (&t->test, dl_dataset_unref);
  g_clear_pointer (&t->test_part, dl_dataset_unref);
  t->train = train;
  t->test = test;
  t->test_part = dl_dataset_subset (test, PERIODIC_EVAL_EXAMPLES);
  t->train_crc = dl_checkpoint_data_crc (train);
  trainer_forget_epoch (t);

  ev = trainer_event (t, DL_EVENT_DATA_LOADED);
  ev->train = dl_dataset_ref (train);
  ev->test = dl_dataset_ref (test);
  trainer_post (t, ev);
}

/* Both sets are loaded before anything changes: a file that does not load leaves the current data. */
void
dl_trainer_load_data (DlTrainer *t, const char *train_path, const char *test_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DlDataset) train = NULL;
  g_autoptr(DlDataset) test = NULL;

  train = dl_dataset_load_path (train_path, TRUE, &error);
  if (train != NULL)
    {
      if (test_path != NULL)
        test = dl_dataset_load_path (test_path, FALSE, &error);
      else if (g_file_test (train_path, G_FILE_TEST_IS_DIR))
        test = dl_dataset_load_path (train_path, FALSE, &error);
      else if (t->test != NULL)
        test = dl_dataset_ref (t->test);
      else
        error = g_error_new (DL_WORKER_ERROR, DL_WORKER_ERROR_INVALID,
                             _("No test set for %s: give a test file, or a directory holding both sets."),
                             train_path);
    }
  if (error != NULL)
    {
      trainer_post_error (t, g_steal_pointer (&error));
      return;
    }
  dl_trainer_set_data (t, g_steal_pointer (&train), g_steal_pointer (&test));
}

/* ---- runs ---- */

/* A run under way when another begins ends as if stopped: its record says where it got to. */
static void
end_live_run (DlTrainer *t)
{
  if (!dl_train_state_is_live (t->state))
    return;
  t->state = DL_TRAIN_STOPPED;
  trainer_post_state (t);
}

/* The loop where the checkpoint had it (the network is restored by whoever built it): the step, the
 * position in the epoch's order (regenerated from the stream as it was before the shuffle), the random
 * streams, the epoch's sums. */
static void
restore_loop (DlTrainer *t, const DlCheckpoint *c)
{
  t->parent_serial = c->run_serial;
  t->parent_step = c->step;
  t->step = c->step;
  t->epoch = c->epoch;
  t->rng = c->shuffle_rng;
  if (c->pos > 0)
    trainer_shuffle (t, &c->order_rng);
  t->pos = c->pos;
  t->augment_rng = c->augment_rng;
  t->epoch_loss_sum = c->epoch_loss_sum;
  t->epoch_correct = c->epoch_correct;
  t->batches_since_eval = c->batches_since_eval;
  t->elapsed = c->elapsed;
  t->last_loss = c->last_loss;
}

/* Makes `net` the network of a new run with the recipe `cfg` (taken over): everything starts over, or
 * from where the checkpoint `from` was. */
static void
begin_run (DlTrainer *t, DlNet *net, DlTrainConfig *cfg, gboolean trained, const DlCheckpoint *from)
{
  int c, h, w;

  end_live_run (t);
  g_clear_pointer (&t->net, dl_net_free);
  dl_train_config_clear (&t->cfg);
  t->cfg = *cfg;
  t->net = net;
  if (t->cfg.threads > 0)
    dl_net_set_threads (net, t->cfg.threads);
  g_free (t->good);
  t->good = g_new (float, dl_net_n_params (net));
  g_clear_pointer (&t->pool, dl_snapshot_pool_unref);
  t->pool = dl_snapshot_pool_new ();
  dl_arch_shape (dl_net_arch (net), -1, &c, &h, &w);
  g_free (t->x);
  t->x = g_new (float, (gsize) DL_MAX_BATCH * c * h * w);

  t->run_serial = ++t->last_serial;
  t->state = DL_TRAIN_READY;
  t->trained = trained;
  t->grads_fresh = FALSE;
  t->data_replaced = FALSE;
  t->step = 0;
  t->epoch = 0;
  trainer_forget_epoch (t);
  dl_rng_seed (&t->rng, t->cfg.seed);
  dl_rng_seed (&t->augment_rng, t->cfg.seed ^ G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
  t->batches_since_eval = 0;
  t->elapsed = 0.0;
  t->last_loss = 0.0f;
  t->parent_serial = 0;
  t->parent_step = 0;
  if (from != NULL)
    restore_loop (t, from);
  trainer_keep_good_copy (t);
  if (from != NULL)
    t->good_loss = from->good_loss;   /* an exploded loss is judged as the original run would have */
  memset (&t->health, 0, sizeof t->health);
  t->health_kept = FALSE;
  t->last_b = 0;
  t->rate = 0.0;
  g_clear_pointer (&t->batch_losses, g_array_unref);
  trainer_publish_snapshot (t);
}

static gboolean
on_tune_progress (double fraction, const char *what, gpointer user_data)
{
  DlTrainer *t = user_data;
  DlEvent *ev;

  /* The last event, with fraction 1, says what was chosen (tune_run). */
  if (fraction >= 1.0)
    return TRUE;
  ev = trainer_event (t, DL_EVENT_TUNING);
  ev->tune_fraction = fraction;
  ev->message = g_strdup_printf (_("Tuning for this CPU: %s"), what);
  trainer_post (t, ev);
  return TRUE;
}

/* The run's network set up the fastest way for this CPU (the cache's choice, or measured): TUNING
 * events while measuring, and one with fraction 1 saying what was chosen. The recipe's thread count, when
 * set, is kept. */
static void
tune_run (DlTrainer *t)
{
  int threads = t->cfg.threads;
  g_autoptr (DlTuneResult) r = dl_tune (dl_net_arch (t->net), &t->cfg.hyper, t->cfg.batch, MAX (threads, 1), threads,
                                        0, 0, on_tune_progress, t);
  g_autofree char *label = dl_tune_describe_config (dl_net_arch (t->net), t->cfg.batch, &r->config);
  g_autofree char *cache = dl_tune_describe_cache (r);
  DlEvent *ev = trainer_event (t, DL_EVENT_TUNING);

  dl_net_set_config (t->net, &r->config);
  ev->tune_fraction = 1.0;
  ev->message = g_strdup_printf (_("Tuned for this CPU: %s (%s)"), label, cache);
  trainer_post (t, ev);
}

/* The first event of a run: READY with its recipe, then where it stands. */
static void
post_run_ready (DlTrainer *t)
{
  DlEvent *ev = trainer_event (t, DL_EVENT_STATE);

  ev->config = dl_train_config_copy (&t->cfg);
  ev->parent_run_serial = t->parent_serial;
  ev->parent_step = t->parent_step;
  trainer_post (t, ev);
  trainer_publish_progress (t, TRUE);
}

void
dl_trainer_new_run (DlTrainer *t, const DlTrainConfig *cfg)
{
  g_autoptr(GError) error = NULL;
  DlTrainConfig run_cfg;
  DlArch arch;
  DlNet *net;

  if (!dl_arch_parse (cfg->arch, &arch, &error))
    {
      trainer_post_error (t, g_steal_pointer (&error));
      return;
    }
  if (!trainer_validate_config (t, cfg))
    return;
  /* The arch parser caps each layer, not the total: a recipe from outside may not fit in memory. */
  net = dl_net_try_new (&arch, cfg->seed, &error);
  if (net == NULL)
    {
      trainer_post_error (t, g_steal_pointer (&error));
      return;
    }
  run_cfg = *cfg;
  run_cfg.arch = g_strdup (cfg->arch);
  begin_run (t, net, &run_cfg, FALSE, NULL);
  post_run_ready (t);
  if (t->cfg.tune)
    tune_run (t);
}

void
dl_trainer_load_model (DlTrainer *t, const char *path, const DlTrainConfig *cfg)
{
  g_autoptr(GError) error = NULL;
  DlTrainConfig run_cfg;
  DlNet *net;
  DlEvent *ev;

  if (cfg != NULL && !trainer_validate_config (t, cfg))
    return;
  net = dl_model_load (path, &error);
  if (net == NULL)
    {
      trainer_post_error (t, g_steal_pointer (&error));
      return;
    }
  if (cfg != NULL)
    run_cfg = *cfg;
  else
    dl_train_config_init_default (&run_cfg);
  run_cfg.arch = dl_arch_to_string (dl_net_arch (net));
  begin_run (t, net, &run_cfg, TRUE, NULL);

  ev = trainer_event (t, DL_EVENT_MODEL_LOADED);
  ev->path = g_strdup (path);
  ev->config = dl_train_config_copy (&t->cfg);
  trainer_post (t, ev);
  post_run_ready (t);
  if (t->cfg.tune)
    tune_run (t);
}

/* ---- branches ---- */

/* The training data the checkpoint was taken on, and its order at that point regenerating exactly. */
static gboolean
checkpoint_data_matches (DlTrainer *t, const DlCheckpoint *c)
{
  g_autofree int *order = NULL;
  DlRng rng = c->order_rng;

  if (t->train == NULL || t->train->n != c->train_n || t->train_crc != c->train_crc)
    {
      trainer_post_error (t, g_error_new (DL_WORKER_ERROR, DL_WORKER_ERROR_NOT_READY,
                                          _("The checkpoint of run %u was taken on other training data (%d "
                                            "images): load the data that run trained on first."),
                                          c->run_serial, c->train_n));
      return FALSE;
    }
  if (c->pos == 0)
    return TRUE;
  order = g_new (int, c->train_n);
  for (int i = 0; i < c->train_n; i++)
    order[i] = i;
  dl_rng_shuffle (&rng, order, c->train_n);
  if (memcmp (&rng, &c->shuffle_rng, sizeof rng) == 0)
    return TRUE;
  post_error_literal (t, DL_WORKER_ERROR_INVALID,
                      _("The checkpoint's shuffle streams do not agree with each other: it is damaged."));
  return FALSE;
}

/* What a branch can go on with: the checkpoint's network, a valid recipe with epochs left to train. */
static gboolean
branch_recipe_fits (DlTrainer *t, const DlCheckpoint *c, const DlTrainConfig *cfg)
{
  if (cfg->arch != NULL && !g_str_equal (cfg->arch, c->config->arch))
    {
      trainer_post_error (t, g_error_new (DL_WORKER_ERROR, DL_WORKER_ERROR_INVALID,
                                          _("A branch trains the network of its checkpoint (%s), not %s."),
                                          c->config->arch, cfg->arch));
      return FALSE;
    }
  if (!trainer_validate_config (t, cfg))
    return FALSE;
  if (cfg->epochs > c->epoch)
    return TRUE;
  trainer_post_error (t, g_error_new (DL_WORKER_ERROR, DL_WORKER_ERROR_INVALID,
                                      _("The checkpoint is %d epochs into its run: a branch of %d epochs has "
                                        "nothing left to train."), c->epoch, cfg->epochs));
  return FALSE;
}

/* The network a branch from c trains, NULL (an error posted) when it cannot be made. */
static DlNet *
branch_net (DlTrainer *t, DlCheckpoint *c, const DlTrainConfig *recipe)
{
  g_autoptr(GError) error = NULL;
  DlArch arch;
  DlNet *net;

  if (!dl_arch_parse (c->config->arch, &arch, &error))
    {
      trainer_post_error (t, g_steal_pointer (&error));
      return NULL;
    }
  if (!branch_recipe_fits (t, c, recipe) || !checkpoint_data_matches (t, c))
    return NULL;
  net = dl_net_try_new (&arch, c->net_seed, &error);
  if (net == NULL)
    trainer_post_error (t, g_steal_pointer (&error));
  return net;
}

void
dl_trainer_branch (DlTrainer *t, DlCheckpoint *c, const DlTrainConfig *cfg)
{
  const DlTrainConfig *recipe = cfg != NULL ? cfg : c->config;
  DlTrainConfig run_cfg;
  DlNet *net;

  /* A refusal names the checkpoint, so that whoever asked for the branch knows it is not coming. */
  t->refusing = c;
  net = branch_net (t, c, recipe);
  t->refusing = NULL;
  if (net == NULL)
    return;
  g_return_if_fail (dl_net_n_params (net) == c->n_params);
  dl_net_set_config (net, &c->net_config);
  dl_net_set_params (net, c->params);
  dl_net_set_train_state (net, &c->net_state, c->opt_state);
  run_cfg = *recipe;
  run_cfg.arch = g_strdup (c->config->arch);
  begin_run (t, net, &run_cfg, TRUE, c);
  post_run_ready (t);
}

static void
run (DlTrainer *t)
{
  t->last_progress_us = g_get_monotonic_time ();
  t->state = DL_TRAIN_RUNNING;
  trainer_post_state (t);
}

void
dl_trainer_start (DlTrainer *t)
{
  if (t->state == DL_TRAIN_READY && ready_to_train (t))
    run (t);
}

/* Pause and stop: a state the user can look at, with a snapshot and a good copy of it. */
static void
settle (DlTrainer *t, DlTrainState state)
{
  t->state = state;
  trainer_keep_good_copy (t);
  trainer_publish_snapshot (t);
  trainer_post_state (t);
}

void
dl_trainer_pause (DlTrainer *t)
{
  if (t->state == DL_TRAIN_RUNNING)
    settle (t, DL_TRAIN_PAUSED);
}

void
dl_trainer_resume (DlTrainer *t)
{
  if ((t->state == DL_TRAIN_PAUSED || t->state == DL_TRAIN_DIVERGED) && ready_to_train (t))
    run (t);
}

/* The run ends where it is, mid-epoch included, so that continuing goes on from exactly there. */
void
dl_trainer_stop (DlTrainer *t)
{
  if (dl_train_state_is_live (t->state))
    settle (t, DL_TRAIN_STOPPED);
}

/* n more epochs, counted from the start of the epoch in progress when the run stopped midway. */
void
dl_trainer_continue (DlTrainer *t, int n_epochs)
{
  if (!dl_train_state_can_continue (t->state))
    return;
  if (n_epochs < 1)
    {
      trainer_post_error (t, g_error_new (DL_WORKER_ERROR, DL_WORKER_ERROR_INVALID,
                                          _("Cannot continue for %d epochs: expected at least 1."), n_epochs));
      return;
    }
  if (t->data_replaced)
    {
      trainer_post_error (t, g_error_new (DL_WORKER_ERROR, DL_WORKER_ERROR_NOT_READY,
                                          _("Run %u trained on another data set than %s: start a new run "
                                            "to train on it."), t->run_serial, t->train->source));
      return;
    }
  if (!ready_to_train (t))
    return;
  t->cfg.epochs = t->epoch + n_epochs;
  run (t);
}

/* ---- live changes ---- */

static void
append_change (GString *s, const char *name, const char *from, const char *to)
{
  if (g_strcmp0 (from, to) == 0)
    return;
  if (s->len > 0)
    g_string_append (s, "; ");
  g_string_append_printf (s, "%s %s → %s", name, from, to);
}

static void
append_float_change (GString *s, const char *name, float from, float to)
{
  char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];

  if (from == to)
    return;
  g_ascii_formatd (a, sizeof a, "%g", from);
  g_ascii_formatd (b, sizeof b, "%g", to);
  append_change (s, name, a, b);
}

/* "lr 0.05 → 0.01; batch 64 → 128": what a set_hyper changed, empty when nothing did. */
static char *
describe_change (const DlHyper *h0, int b0, gboolean a0, const DlHyper *h1, int b1, gboolean a1)
{
  GString *s = g_string_new (NULL);
  char x[32], y[32];

  append_float_change (s, "lr", h0->lr, h1->lr);
  append_float_change (s, "momentum", h0->momentum, h1->momentum);
  append_float_change (s, "weight decay", h0->weight_decay, h1->weight_decay);
  append_float_change (s, "average", h0->average, h1->average);
  append_change (s, "optimiser", dl_optimizer_name (h0->optimizer), dl_optimizer_name (h1->optimizer));
  append_change (s, "reduce", h0->reduce == DL_REDUCE_SUM ? "sum" : "mean",
                 h1->reduce == DL_REDUCE_SUM ? "sum" : "mean");
  append_float_change (s, "beta1", h0->beta1, h1->beta1);
  append_float_change (s, "beta2", h0->beta2, h1->beta2);
  append_float_change (s, "eps", h0->eps, h1->eps);
  g_snprintf (x, sizeof x, "%d", b0);
  g_snprintf (y, sizeof y, "%d", b1);
  append_change (s, "batch", x, y);
  append_change (s, "augment", a0 ? "on" : "off", a1 ? "on" : "off");
  return g_string_free (s, FALSE);
}

/* Commands run between batches, so the next step is the first to use the new values. A run that has
 * trained takes live changes, also once finished or stopped (they apply from the step continue trains
 * first); before it starts, a change is part of the recipe it starts with. */
void
dl_trainer_set_hyper (DlTrainer *t, const DlHyper *hyper, int batch, gboolean augment)
{
  DlEvent *ev;
  char *change;

  if (!validate_hyper (t, hyper, batch))
    return;
  change = describe_change (&t->cfg.hyper, t->cfg.batch, t->cfg.augment, hyper, batch, augment);
  t->cfg.hyper = *hyper;
  t->cfg.batch = batch;
  t->cfg.augment = augment;

  ev = trainer_event (t, DL_EVENT_HYPER_APPLIED);
  ev->step = t->step + 1;
  ev->change = change;
  ev->during_run = dl_train_state_takes_live_changes (t->state);
  trainer_post (t, ev);
}

/* ---- evaluation and models ---- */

void
dl_trainer_evaluate (DlTrainer *t)
{
  if (t->net == NULL || t->test == NULL)
    {
      post_error_literal (t, DL_WORKER_ERROR_NOT_READY, _("Evaluation needs a network and a test set."));
      return;
    }
  if (data_fits_net (t, t->test))
    trainer_post_eval (t, DL_EVAL_REQUESTED);
}

void
dl_trainer_save_model (DlTrainer *t, const char *path)
{
  g_autoptr(GError) error = NULL;
  DlEvent *ev;

  if (t->net == NULL)
    {
      post_error_literal (t, DL_WORKER_ERROR_NOT_READY, _("There is no network to save yet."));
      return;
    }
  if (!dl_model_save (t->net, path, &error))
    {
      trainer_post_error (t, g_steal_pointer (&error));
      return;
    }
  ev = trainer_event (t, DL_EVENT_MODEL_SAVED);
  ev->path = g_strdup (path);
  trainer_post (t, ev);
}

void
dl_trainer_set_observer (DlTrainer *t, DlStepObserver observer, gpointer user_data)
{
  t->observer = observer;
  t->observer_data = user_data;
}
