/* dl-run-compare-best.c — a run's best value of a series: the best evaluation, or the best epoch's
 * figure, with the step and epoch it came at (see dl-run-compare.h). */
#include "dl-run-compare.h"

#include <math.h>

static gboolean
is_loss (DlRunSeriesKind kind)
{
  return kind == DL_RUN_SERIES_TEST_LOSS || kind == DL_RUN_SERIES_SUBSET_LOSS || kind == DL_RUN_SERIES_TRAIN_LOSS;
}

/* The first time the best was reached wins: only a strictly better value replaces it. */
static gboolean
better (DlRunSeriesKind kind, double value, double best)
{
  return isnan (best) || (is_loss (kind) ? value < best : value > best);
}

/* The step of the evaluation that ended `epoch`, -1 when there is none. */
static gint64
epoch_end_step (DlRun *run, int epoch)
{
  for (guint i = 0; i < dl_run_get_n_evals (run); i++)
    {
      const DlRunEval *ev = dl_run_get_eval (run, i);

      if (ev->kind == DL_EVAL_EPOCH && ev->epoch == epoch)
        return ev->step;
    }
  return -1;
}

static gboolean
best_of_evals (DlRun *run, DlRunSeriesKind kind, gboolean subset, DlRunBest *best)
{
  gboolean accuracy = dl_run_series_is_accuracy (kind);

  best->value = NAN;
  for (guint i = 0; i < dl_run_get_n_evals (run); i++)
    {
      const DlRunEval *ev = dl_run_get_eval (run, i);
      double v = accuracy ? ev->accuracy : ev->loss;

      if ((ev->kind == DL_EVAL_SUBSET) != subset || !isfinite (v) || !better (kind, v, best->value))
        continue;
      *best = (DlRunBest) { v, ev->x, ev->epoch, ev->step };
    }
  return !isnan (best->value);
}

/* Epoch figures: a point at the end of each epoch (x = epochs done), accuracies in percent. */
static gboolean
best_of_epochs (DlRun *run, DlRunSeriesKind kind, DlRunBest *best)
{
  DlSeries *series = dl_run_get_series (run, kind);
  double scale = dl_run_series_is_accuracy (kind) ? 0.01 : 1.0;

  best->value = NAN;
  for (guint i = 0; i < dl_series_get_n_points (series); i++)
    {
      double v = dl_series_get_y (series, i) * scale, x = dl_series_get_x (series, i);

      if (!isfinite (v) || !better (kind, v, best->value))
        continue;
      best->value = v;
      best->x = x;
      best->epoch = MAX (0, (int) ceil (x - 1e-9) - 1);
    }
  if (isnan (best->value))
    return FALSE;
  best->step = epoch_end_step (run, best->epoch);
  return TRUE;
}

gboolean
dl_run_compare_best (DlRun *run, DlRunSeriesKind kind, DlRunBest *best)
{
  g_return_val_if_fail (DL_IS_RUN (run), FALSE);
  g_return_val_if_fail (best != NULL, FALSE);

  switch (kind)
    {
    case DL_RUN_SERIES_TEST_ACCURACY:
      if (best_of_evals (run, kind, FALSE, best))
        return TRUE;
      /* A run not loaded yet still has its summary. */
      *best = (DlRunBest) { dl_run_get_best_test_accuracy (run), NAN, dl_run_get_best_epoch (run), -1 };
      return !isnan (best->value) && best->epoch >= 0;
    case DL_RUN_SERIES_TEST_LOSS:
      return best_of_evals (run, kind, FALSE, best);
    case DL_RUN_SERIES_SUBSET_ACCURACY:
    case DL_RUN_SERIES_SUBSET_LOSS:
      return best_of_evals (run, kind, TRUE, best);
    case DL_RUN_SERIES_TRAIN_ACCURACY:
    case DL_RUN_SERIES_TRAIN_LOSS:
      return best_of_epochs (run, kind, best);
    default:
      return FALSE;
    }
}
