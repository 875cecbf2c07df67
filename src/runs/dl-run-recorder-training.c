/* dl-run-recorder-training.c — the current run's training into it and the store: the batch losses and
 * rates, the changes made while it trains, the evaluations and the epochs (see dl-run-recorder-private.h). */
#include "dl-run-recorder-private.h"

#include <math.h>
#include <string.h>

void
_dl_run_recorder_on_progress (DlRunRecorder *self, const DlEvent *ev)
{
  GArray *losses = ev->batch_losses;

  if (losses != NULL && losses->len > 0)
    {
      guint n = losses->len;
      g_autofree double *x = g_new (double, n);
      g_autofree double *loss = g_new (double, n);
      g_autofree double *lr = g_new (double, n);
      g_autofree DlRunBatch *rows = g_new (DlRunBatch, n);

      for (guint i = 0; i < n; i++)
        {
          const DlBatchLoss *b = &g_array_index (losses, DlBatchLoss, i);

          x[i] = b->x;
          loss[i] = b->loss;
          lr[i] = b->lr;
          rows[i] = (DlRunBatch) { b->step, b->x, b->loss, b->lr };
        }
      dl_series_append_many (dl_run_get_series (self->run, DL_RUN_SERIES_LOSS), x, loss, n);
      dl_series_append_many (dl_run_get_series (self->run, DL_RUN_SERIES_LR), x, lr, n);
      if (self->store != NULL && self->stored)
        dl_run_store_add_batches (self->store, self->run, rows, n);
    }
  dl_run_set_progress (self->run, ev->step, event_x (ev));
  dl_run_set_train_seconds (self->run, ev->elapsed_seconds);
  _dl_run_recorder_save_figures (self);
}

/* Only changes acknowledged while the run trains are markers; the others are part of its recipe from then. */
void
_dl_run_recorder_on_hyper (DlRunRecorder *self, const DlEvent *ev)
{
  if (ev->change == NULL || *ev->change == '\0')
    return;
  if (ev->during_run)
    {
      dl_run_add_marker (self->run, ev->step, event_x (ev), ev->change);
      _dl_run_recorder_log_event (self, "hyper", ev->step, event_x (ev), TRUE, ev->change);
      return;
    }
  /* Made before the run first trained: what it starts with, so its stored recipe (written when it starts). */
  if (dl_run_get_state (self->run) == DL_TRAIN_READY && dl_run_get_started_at (self->run) == 0)
    dl_run_amend_recipe (self->run, &ev->hyper, ev->batch, ev->augment);
  _dl_run_recorder_log_event (self, "hyper", ev->step, event_x (ev), FALSE, ev->change);
}

/* The per-example record of a whole-set evaluation: the predicted classes, and the probabilities in 1/255. */
static void
fill_predictions (DlRunEval *e, const DlEval *eval)
{
  gsize n = (gsize) eval->n * DL_N_CLASSES;
  guint8 *q = g_malloc (MAX (n, 1));

  for (gsize i = 0; i < n; i++)
    q[i] = (guint8) lrintf (CLAMP (eval->probs[i], 0.0f, 1.0f) * 255.0f);
  e->predicted = g_bytes_new (eval->predicted, eval->n);
  e->probs = g_bytes_new_take (q, n);
}

static void
record_epoch (DlRunRecorder *self, const DlEvent *ev, double x)
{
  DlRunEpoch epoch = {
    .epoch = ev->epoch, .step = ev->step, .x = x,
    .train_loss = ev->train_loss, .train_accuracy = ev->train_accuracy,
    .test_loss = ev->test_loss, .test_accuracy = ev->test_accuracy,
    .seconds = ev->elapsed_seconds - self->epoch_start,
  };

  self->epoch_start = ev->elapsed_seconds;
  dl_series_append (dl_run_get_series (self->run, DL_RUN_SERIES_TRAIN_LOSS), x, ev->train_loss);
  dl_series_append (dl_run_get_series (self->run, DL_RUN_SERIES_TRAIN_ACCURACY), x, 100.0 * ev->train_accuracy);
  if (self->store != NULL && self->stored)
    dl_run_store_add_epoch (self->store, self->run, &epoch);
}

/* A whole-set evaluation can be the best so far, and the final one. */
static void
whole_set_figures (DlRunRecorder *self, const DlEvent *ev)
{
  double best = dl_run_get_best_test_accuracy (self->run);

  self->whole_eval_step = ev->step;
  self->whole_eval_accuracy = ev->test_accuracy;
  if (isnan (best) || ev->test_accuracy > best)
    dl_run_set_best (self->run, ev->test_accuracy, ev->epoch);
  /* Asked for at the step the recorder last heard of; the worker may have gone a little further. */
  if (self->final_eval_pending && ev->step >= self->final_step)
    {
      self->final_eval_pending = FALSE;
      dl_run_set_final_test_accuracy (self->run, ev->test_accuracy);
      _dl_run_recorder_update_busy (self);
    }
}

void
_dl_run_recorder_on_eval (DlRunRecorder *self, const DlEvent *ev)
{
  DlRunEval e = { 0 };
  double x = event_x (ev);
  gboolean subset;

  e.kind = ev->eval_kind;
  e.step = ev->step;
  e.x = x;
  e.epoch = ev->epoch;
  e.n = ev->eval->n;
  e.correct = ev->eval->correct;
  e.loss = ev->test_loss;
  e.accuracy = ev->test_accuracy;
  memcpy (e.confusion, ev->eval->confusion, sizeof e.confusion);
  e.layer_stats = ev->layer_stats;   /* dl_run_add_eval and the store take their own references */
  subset = e.kind == DL_EVAL_SUBSET;
  if (!subset)
    fill_predictions (&e, ev->eval);
  dl_run_add_eval (self->run, &e);
  dl_series_append (dl_run_get_series (self->run, subset ? DL_RUN_SERIES_SUBSET_LOSS : DL_RUN_SERIES_TEST_LOSS), x,
                    ev->test_loss);
  dl_series_append (dl_run_get_series (self->run, subset ? DL_RUN_SERIES_SUBSET_ACCURACY : DL_RUN_SERIES_TEST_ACCURACY),
                    x, 100.0 * ev->test_accuracy);
  if (self->store != NULL && self->stored)
    dl_run_store_add_eval (self->store, self->run, &e);
  if (e.kind == DL_EVAL_EPOCH)
    record_epoch (self, ev, x);
  if (!subset)
    whole_set_figures (self, ev);
  g_clear_pointer (&e.predicted, g_bytes_unref);
  g_clear_pointer (&e.probs, g_bytes_unref);
  _dl_run_recorder_save_figures (self);
}
