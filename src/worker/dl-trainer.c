/* dl-trainer.c — the training loop of the worker thread (see dl-trainer.h): batches and epochs, the
 * learning-rate schedule, evaluations, divergence, and what it reports. The commands that move a run from
 * one state to another are in dl-trainer-commands.c.
 *
 * Everything here runs on the worker thread only; its one way out is the DlTrainerSink.
 */
#include <math.h>
#include <string.h>

#ifndef GETTEXT_PACKAGE
#define GETTEXT_PACKAGE "digitlab"
#endif
#include <glib/gi18n-lib.h>

#include "dl-augment.h"
#include "dl-trainer-private.h"

#define PROGRESS_INTERVAL_US   (G_USEC_PER_SEC / 30)  /* ≤ 30 progress events per second */
#define SNAPSHOT_INTERVAL_US   (G_USEC_PER_SEC / 10)  /* ≤ 10 snapshots per second while running */
#define GOOD_COPY_EVERY        50                     /* steps between checks that keep a known-good copy */
#define FINITE_CHECK_EVERY     10                     /* steps between scans of the parameters for NaN/Inf */
/* A batch loss this many times the loss at the last good copy (or 1, whichever is larger) is divergence
 * too: a learning rate far too high often kills every ReLU first, and the loss then swings around 1e5
 * without ever overflowing. No healthy run jumps by three orders of magnitude in one batch. */
#define EXPLODED_FACTOR        1000.0f

DlTrainer *
dl_trainer_new (const DlTrainerSink *sink, gpointer data)
{
  DlTrainer *t = g_new0 (DlTrainer, 1);

  t->sink = sink;
  t->sink_data = data;
  t->state = DL_TRAIN_READY;
  t->y = g_new (guint8, DL_MAX_BATCH);
  dl_train_config_init_default (&t->cfg);
  return t;
}

void
dl_trainer_free (DlTrainer *t)
{
  g_clear_pointer (&t->net, dl_net_free);
  dl_train_config_clear (&t->cfg);
  g_clear_pointer (&t->train, dl_dataset_unref);
  g_clear_pointer (&t->test, dl_dataset_unref);
  g_clear_pointer (&t->test_part, dl_dataset_unref);
  g_clear_pointer (&t->pool, dl_snapshot_pool_unref);
  g_free (t->order);
  g_free (t->x);
  g_free (t->y);
  g_free (t->good);
  g_clear_pointer (&t->batch_losses, g_array_unref);
  g_clear_pointer (&t->stats_work, dl_net_work_free);
  g_free (t);
}

gboolean
dl_trainer_is_running (DlTrainer *t)
{
  return t->state == DL_TRAIN_RUNNING;
}

/* ---- what the trainer reports ---- */

/* A new event with the fields every event carries: which run, where it is and what is in force. */
DlEvent *
trainer_event (DlTrainer *t, DlEventType type)
{
  DlEvent *ev = dl_event_new (type);
  int n = t->train != NULL ? t->train->n : 0;

  ev->run_serial = t->run_serial;
  ev->state = t->state;
  ev->step = t->step;
  ev->epoch = t->epoch;
  ev->epochs = t->cfg.epochs;
  ev->samples_seen = t->pos;
  ev->epoch_fraction = n > 0 ? (double) t->pos / n : 0.0;
  ev->loss = t->last_loss;
  ev->elapsed_seconds = t->elapsed;
  ev->hyper = t->cfg.hyper;
  ev->batch = t->cfg.batch;
  ev->augment = t->cfg.augment;
  return ev;
}

void
trainer_post (DlTrainer *t, DlEvent *ev)
{
  t->sink->post_event (t->sink_data, ev);
}

void
trainer_post_error (DlTrainer *t, GError *error)
{
  DlEvent *ev = trainer_event (t, DL_EVENT_ERROR);

  ev->message = g_strdup (error->message);
  ev->error = error;
  if (t->refusing != NULL)
    ev->checkpoint = dl_checkpoint_ref (t->refusing);
  trainer_post (t, ev);
}

static void
record_batch_loss (DlTrainer *t, float loss, float lr)
{
  DlBatchLoss point = { t->epoch + (double) t->pos / t->train->n, loss, t->step, lr };

  if (t->batch_losses == NULL)
    t->batch_losses = g_array_sized_new (FALSE, FALSE, sizeof (DlBatchLoss), 64);
  g_array_append_val (t->batch_losses, point);
}

/* At most every PROGRESS_INTERVAL_US unless forced; carries every batch since the previous one. */
void
trainer_publish_progress (DlTrainer *t, gboolean force)
{
  gint64 now = g_get_monotonic_time ();
  DlEvent *ev;
  gint64 remaining;

  if (t->train == NULL || (!force && now - t->last_progress_us < PROGRESS_INTERVAL_US))
    return;
  if (t->rate_seconds > 0.0)
    {
      double inst = t->rate_samples / t->rate_seconds;

      t->rate = t->rate > 0.0 ? 0.7 * t->rate + 0.3 * inst : inst;
    }
  t->rate_samples = 0;
  t->rate_seconds = 0.0;
  t->last_progress_us = now;

  ev = trainer_event (t, DL_EVENT_PROGRESS);
  ev->running_accuracy = t->pos > 0 ? (double) t->epoch_correct / t->pos : 0.0;
  ev->samples_per_second = t->rate;
  ev->batch_losses = g_steal_pointer (&t->batch_losses);
  remaining = (gint64) MAX (t->cfg.epochs - t->epoch, 0) * t->train->n - t->pos;
  ev->eta_seconds = t->rate > 0.0 ? MAX (remaining, 0) / t->rate : 0.0;
  t->sink->post_progress (t->sink_data, ev);
}

/* The state as it is now, behind every batch loss so far. */
void
trainer_post_state (DlTrainer *t)
{
  trainer_publish_progress (t, TRUE);
  trainer_post (t, trainer_event (t, DL_EVENT_STATE));
}

void
trainer_publish_snapshot (DlTrainer *t)
{
  DlSnapshot *snap;

  if (t->net == NULL)
    return;
  snap = dl_snapshot_new (t->pool, t->net);
  snap->step = t->step;
  snap->run_serial = t->run_serial;
  snap->trained = t->trained;
  if (t->grads_fresh)
    dl_snapshot_take_grads (snap, t->net);
  t->sink->publish_snapshot (t->sink_data, snap);
  t->last_snapshot_us = g_get_monotonic_time ();
}

/* ---- a known-good copy to go back to ---- */

/* Sum of p × 0 is NaN exactly when some p is NaN or ±Inf: one branch-free pass. */
static gboolean
params_finite (DlNet *net)
{
  const float *p = dl_net_params (net);
  gsize n = dl_net_n_params (net);
  float acc = 0.0f;

  for (gsize i = 0; i < n; i++)
    acc += p[i] * 0.0f;
  return acc == 0.0f;
}

void
trainer_keep_good_copy (DlTrainer *t)
{
  if (t->net == NULL || !isfinite (t->last_loss) || !params_finite (t->net))
    return;
  memcpy (t->good, dl_net_params (t->net), dl_net_n_params (t->net) * sizeof (float));
  t->good_step = t->step;
  t->good_loss = t->last_loss;
}

/* ---- evaluation ---- */

/* The periodic evaluation runs on the first 2,000 test images; the others on all of them. */
void
trainer_post_eval (DlTrainer *t, DlEvalKind kind)
{
  DlEvent *ev = trainer_event (t, DL_EVENT_EVAL);
  const DlDataset *ds = kind == DL_EVAL_SUBSET ? t->test_part : t->test;

  ev->eval_kind = kind;
  ev->end_of_epoch = kind == DL_EVAL_EPOCH;
  if (ev->end_of_epoch && t->pos > 0)
    {
      ev->train_loss = t->epoch_loss_sum / t->pos;
      ev->train_accuracy = (double) t->epoch_correct / t->pos;
    }
  /* Health of the last training batch: measured on request, so only evaluations ask for it, before
   * their own forward passes. */
  if (t->step > 0 && !t->health_kept)
    dl_net_health (t->net, &t->health);
  /* The model is evaluated, and its layers' figures taken: the weight average while there is one (on the
   * net's own team); the gradients stay the last step's. */
  dl_net_swap_average (t->net);
  ev->eval = dl_eval_run (t->net, ds);
  ev->layer_stats = trainer_layer_stats (t);
  dl_net_swap_average (t->net);
  ev->test_loss = ev->eval->loss;
  ev->test_accuracy = ev->eval->accuracy;
  ev->health = t->health;
  ev->diagnosis = dl_diagnose (ev->eval, ds, &t->health, dl_net_arch (t->net), &t->cfg.hyper, t->cfg.batch);
  /* The parameters that were evaluated, for views that show the evaluation beside the net: published
   * before the event, so whoever receives it finds them. */
  trainer_publish_snapshot (t);
  trainer_post (t, ev);
}

/* ---- divergence ---- */

static char *
divergence_advice (const DlHyper *h, int batch)
{
  double cap = h->optimizer == DL_OPT_ADAM ? 0.001 : 0.05;

  if (h->reduce == DL_REDUCE_SUM && batch > 1)
    return g_strdup_printf (_("the gradient is summed over the batch of %d, so every step is %d times too "
                              "large: average it over the batch, or lower the learning rate (try %g)"),
                            batch, batch, (double) h->lr / batch);
  if ((h->optimizer == DL_OPT_MOMENTUM || h->optimizer == DL_OPT_NESTEROV) && h->momentum >= 1.0f)
    return g_strdup (_("lower the momentum below 1 (try 0.9)"));
  return g_strdup_printf (_("lower the learning rate (try %g)"), MIN ((double) h->lr / 10.0, cap));
}

static gboolean
exploded (DlTrainer *t, float loss)
{
  return loss > EXPLODED_FACTOR * MAX (t->good_loss, 1.0f);
}

/* NaN or Inf, or an exploded loss: go back to the last good parameters, stop in DIVERGED, say what to
 * change. The step that diverged is not undone in the count: resuming goes on from the next one. */
static void
diverged (DlTrainer *t, float loss)
{
  g_autofree char *advice = divergence_advice (&t->cfg.hyper, t->cfg.batch);
  g_autofree char *what = NULL;
  DlEvent *ev;

  if (isnan (loss))
    what = g_strdup (_("The loss became NaN"));
  else if (isinf (loss))
    what = g_strdup (_("The loss became infinite"));
  else if (exploded (t, loss))
    what = g_strdup_printf (_("The loss exploded to %g"), (double) loss);
  else
    what = g_strdup (_("The parameters became NaN or infinite"));

  dl_net_set_params (t->net, t->good);
  t->grads_fresh = FALSE;
  t->state = DL_TRAIN_DIVERGED;
  trainer_publish_snapshot (t);

  ev = trainer_event (t, DL_EVENT_DIVERGED);
  ev->message = g_strdup_printf (_("%s at step %lld with learning rate %g: %s. "
                                   "Parameters restored from step %lld; training paused."),
                                 what, (long long) t->step, (double) t->cfg.hyper.lr, advice,
                                 (long long) t->good_step);
  trainer_publish_progress (t, TRUE);
  trainer_post (t, ev);
  trainer_post (t, trainer_event (t, DL_EVENT_STATE));
}

/* ---- epochs and batches ---- */

void
trainer_forget_epoch (DlTrainer *t)
{
  t->order_ready = FALSE;
  t->pos = 0;
  t->epoch_loss_sum = 0.0;
  t->epoch_correct = 0;
}

/* The epoch's order: the training set shuffled by the stream as it is in `from`, which rng then continues.
 * A checkpoint keeps `from` and regenerates the order from it. */
void
trainer_shuffle (DlTrainer *t, const DlRng *from)
{
  int n = t->train->n;

  if (t->order_n != n)
    {
      g_free (t->order);
      t->order = g_new (int, n);
      t->order_n = n;
    }
  for (int i = 0; i < n; i++)
    t->order[i] = i;
  t->order_rng = *from;
  t->rng = *from;
  dl_rng_shuffle (&t->rng, t->order, n);
  t->order_ready = TRUE;
}

/* By the net's team, augmented as the recipe says. */
static void
begin_epoch (DlTrainer *t)
{
  DlRng from = t->rng;

  trainer_forget_epoch (t);
  trainer_shuffle (t, &from);
}

static void
gather_batch (DlTrainer *t, const int *idx, int n)
{
  DlAugmentOptions augment;

  dl_augment_options_init (&augment, dl_augment_kinds_of (t->cfg.augment, t->cfg.augment_kinds));
  dl_net_gather (t->net, t->train, idx, n, &augment, &t->augment_rng, t->x);
  for (int i = 0; i < n; i++)
    t->y[i] = t->train->labels[idx[i]];
}

/* The rate for the batch about to start, at its position in the run; the schedule spans the epochs
 * planned now (a continued run's schedule is stretched over its new length). */
static float
scheduled_lr (DlTrainer *t)
{
  DlPreset schedule = {
    .schedule = t->cfg.schedule,
    .schedule_gamma = t->cfg.schedule_gamma,
    .schedule_step = t->cfg.schedule_step,
    .schedule_warmup = t->cfg.schedule_warmup,
    .epochs = t->cfg.epochs,
  };

  if (t->cfg.schedule == DL_SCHEDULE_NONE)
    return t->cfg.hyper.lr;
  return dl_schedule_lr (&schedule, t->cfg.hyper.lr, t->epoch + (double) t->pos / t->train->n, t->cfg.epochs);
}

/* ---- checkpoints ---- */

/* The run as it is between two steps: the parameters and optimiser state copied, the rest by value. */
static void
take_checkpoint (DlTrainer *t, gboolean epoch_end)
{
  DlCheckpoint *c = dl_checkpoint_new_from_net (t->net);
  DlEvent *ev;

  c->run_serial = t->run_serial;
  c->step = t->step;
  c->epoch = t->epoch;
  c->pos = t->pos;
  c->epoch_end = epoch_end;
  c->config = dl_train_config_copy (&t->cfg);
  c->order_rng = t->order_rng;
  c->shuffle_rng = t->rng;
  c->augment_rng = t->augment_rng;
  c->train_n = t->train->n;
  c->train_crc = t->train_crc;
  c->epoch_loss_sum = t->epoch_loss_sum;
  c->epoch_correct = t->epoch_correct;
  c->batches_since_eval = t->batches_since_eval;
  c->elapsed = t->elapsed;
  c->last_loss = t->last_loss;
  c->good_loss = t->good_loss;

  ev = trainer_event (t, DL_EVENT_CHECKPOINT);
  ev->checkpoint = c;
  trainer_post (t, ev);
}

static void
end_epoch (DlTrainer *t)
{
  trainer_publish_progress (t, FALSE);
  trainer_post_eval (t, DL_EVAL_EPOCH);   /* also publishes the snapshot */
  trainer_keep_good_copy (t);
  t->epoch++;
  t->batches_since_eval = 0;
  trainer_forget_epoch (t);
  take_checkpoint (t, TRUE);
  if (t->epoch >= t->cfg.epochs)
    {
      t->state = DL_TRAIN_FINISHED;
      trainer_publish_progress (t, TRUE);   /* the last batch losses, however recent the previous progress */
      trainer_post (t, trainer_event (t, DL_EVENT_DONE));
      trainer_post (t, trainer_event (t, DL_EVENT_STATE));
    }
}

static void
observe_step (DlTrainer *t, const int *idx, int b, const DlHyper *hyper, float loss)
{
  DlStepInfo info = {
    .step = t->step, .epoch = t->epoch, .batch = b, .indices = idx, .x = t->x,
    .hyper = hyper, .loss = loss, .net = t->net,
  };

  t->observer (&info, t->observer_data);
}

void
dl_trainer_train_batch (DlTrainer *t)
{
  gint64 t0 = g_get_monotonic_time ();
  DlHyper hyper;
  int b, correct = 0;
  const int *idx;
  float loss;
  double seconds;

  if (!t->order_ready)
    begin_epoch (t);
  b = MIN (t->cfg.batch, t->train->n - t->pos);
  /* An epoch's short last batch (32 images of the mlp's 64) would make the end-of-epoch evaluation's dead
   * and saturated shares jump: fewer images, fewer units that fire for any of them. That evaluation
   * reports the last full batch's instead, measured before this step overwrites its activations. */
  t->health_kept = b < t->cfg.batch && t->step > 0 && t->last_b == t->cfg.batch;
  if (t->health_kept)
    dl_net_health (t->net, &t->health);
  t->last_b = b;
  idx = t->order + t->pos;
  gather_batch (t, idx, b);
  hyper = t->cfg.hyper;
  hyper.lr = scheduled_lr (t);

  loss = dl_net_train_step (t->net, t->x, t->y, b, &hyper, &correct);
  t->step++;
  t->trained = TRUE;
  t->grads_fresh = TRUE;
  if (t->observer != NULL)
    observe_step (t, idx, b, &hyper, loss);
  if (!isfinite (loss) || exploded (t, loss) || (t->step % FINITE_CHECK_EVERY == 0 && !params_finite (t->net)))
    {
      diverged (t, loss);
      return;
    }

  t->pos += b;
  t->last_loss = loss;
  record_batch_loss (t, loss, hyper.lr);
  t->epoch_loss_sum += (double) loss * b;
  t->epoch_correct += correct;
  seconds = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
  t->elapsed += seconds;
  t->rate_seconds += seconds;
  t->rate_samples += b;
  if (t->step % GOOD_COPY_EVERY == 0)
    trainer_keep_good_copy (t);

  if (t->pos >= t->train->n)
    {
      end_epoch (t);
      return;
    }
  if (t->cfg.eval_every > 0 && ++t->batches_since_eval >= t->cfg.eval_every)
    {
      t->batches_since_eval = 0;
      trainer_post_eval (t, DL_EVAL_SUBSET);
      take_checkpoint (t, FALSE);
    }
  trainer_publish_progress (t, FALSE);
  if (g_get_monotonic_time () - t->last_snapshot_us >= SNAPSHOT_INTERVAL_US)
    trainer_publish_snapshot (t);
}
