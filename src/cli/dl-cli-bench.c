/* dl-cli-train.c — the CLI's direct drive of the core (see dl-cli-train.h). */
#include "dl-cli-train.h"

#include <math.h>

#include "dl-eval.h"
#include "dl-rng.h"

G_DEFINE_QUARK (dl-cli-error-quark, dl_cli_error)

/* Batch `b` of the shuffled order: its indices and their count. */
static int
batch_slice (const int *order, int n, int batch, int b, const int **idx)
{
  *idx = order + (gsize) b * batch;
  return MIN (batch, n - b * batch);
}

gboolean
dl_cli_train_loop (DlNet *net, const DlPreset *p, guint64 seed, const DlDataset *train,
                   const DlDataset *test, DlCliReport *report, GError **error)
{
  const int n = train->n, batch = p->batch, pixels = train->rows * train->cols;
  const int n_batches = (n + batch - 1) / batch;
  g_autofree int *order = g_new (int, n);
  g_autofree float *x = g_new (float, (gsize) batch * pixels);
  g_autofree guint8 *y = g_new (guint8, batch);
  DlHyper hyper = p->hyper;
  DlRng rng;
  gint64 step = 0;
  double run_seconds = 0;

  dl_rng_seed (&rng, seed);
  for (int i = 0; i < n; i++)
    order[i] = i;

  for (int epoch = 0; epoch < p->epochs; epoch++)
    {
      double loss_sum = 0;
      gint64 t0 = g_get_monotonic_time ();

      dl_rng_shuffle (&rng, order, n);
      for (int b = 0; b < n_batches; b++)
        {
          const int *idx;
          int bs = batch_slice (order, n, batch, b, &idx);

          dl_dataset_gather (train, idx, bs, x);
          for (int i = 0; i < bs; i++)
            y[i] = train->labels[idx[i]];
          hyper.lr = dl_schedule_lr (p, p->hyper.lr, epoch + (double) b / n_batches, p->epochs);
          float loss = dl_net_train_step (net, x, y, bs, &hyper, NULL);
          step++;
          if (!isfinite (loss))
            {
              g_set_error (error, DL_CLI_ERROR, DL_CLI_ERROR_DIVERGED,
                           "training diverged: the loss became %f at epoch %d, batch %d (learning rate %g); "
                           "lower the learning rate", loss, epoch + 1, b + 1, hyper.lr);
              return FALSE;
            }
          loss_sum += (double) loss * bs;

          double seconds = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
          double sps = seconds > 0 ? ((double) b * batch + bs) / seconds : 0;
          double done = (double) epoch * n + (double) b * batch + bs;
          double eta = sps > 0 ? ((double) p->epochs * n - done) / sps : NAN;
          dl_cli_report_batch (report, epoch, step, loss);
          dl_cli_report_progress (report, epoch, p->epochs, (b + 1.0) / n_batches, loss, sps, eta);
        }
      double seconds = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
      run_seconds += seconds;

      g_autoptr (DlEval) ev = dl_eval_run (net, test);
      DlHealth health;
      dl_net_health (net, &health);
      g_autoptr (DlDiagnosis) diag = dl_diagnose (ev, test, &health, dl_net_arch (net), &hyper, batch);
      DlEpochRecord rec = {
        .epoch = epoch + 1,
        .train_loss = loss_sum / n,
        .test_loss = ev->loss,
        .test_accuracy = ev->accuracy,
        .seconds = seconds,
      };
      report->samples_per_second = run_seconds > 0 ? (double) n * (epoch + 1) / run_seconds : 0;
      dl_cli_report_epoch (report, &rec, diag);
    }
  return TRUE;
}

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

#define INFERENCE_RUNS 201

/* Median wall time of one single-image prediction. */
static double
inference_latency_us (DlNet *net, const DlDataset *ds)
{
  g_autofree float *x = g_new (float, ds->rows * ds->cols);
  float probs[DL_N_CLASSES];
  double t[INFERENCE_RUNS];

  for (int i = 0; i < INFERENCE_RUNS; i++)
    {
      int idx = i % ds->n;
      dl_dataset_gather (ds, &idx, 1, x);
      gint64 t0 = g_get_monotonic_time ();
      dl_net_predict (net, x, 1, probs);
      t[i] = (double) (g_get_monotonic_time () - t0);
    }
  qsort (t, INFERENCE_RUNS, sizeof t[0], compare_double);
  return t[INFERENCE_RUNS / 2];
}

void
dl_cli_bench_step (DlNet *net, const DlPreset *p, const DlDataset *train, int warmup, int batches,
                   DlBenchStep *out)
{
  const int batch = MIN (p->batch, train->n), pixels = train->rows * train->cols;
  g_autofree int *idx = g_new (int, batch);
  g_autofree float *x = g_new (float, (gsize) batch * pixels);
  g_autofree guint8 *y = g_new (guint8, batch);
  gint64 t0 = 0;

  for (int b = 0; b < warmup + batches; b++)
    {
      if (b == warmup)
        t0 = g_get_monotonic_time ();
      for (int i = 0; i < batch; i++)
        {
          idx[i] = (int) (((gint64) b * batch + i) % train->n);
          y[i] = train->labels[idx[i]];
        }
      dl_dataset_gather (train, idx, batch, x);
      dl_net_train_step (net, x, y, batch, &p->hyper, NULL);
    }
  double seconds = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
  out->samples_per_second = seconds > 0 ? (double) batches * batch / seconds : 0;
  out->gflops = out->samples_per_second * dl_net_train_flops (net) / 1e9;
  out->inference_us = inference_latency_us (net, train);
}
