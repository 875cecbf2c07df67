/* dl-cli-bench.c — raw training-step and inference speed (see dl-cli-bench.h). */
#include "dl-cli-bench.h"

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

#define WARMUP_SECONDS 0.5

/* Training batch number b: p->batch examples in order from `train`, wrapping around. */
static void
step (DlNet *net, const DlPreset *p, const DlDataset *train, gint64 b, int *idx, float *x, guint8 *y)
{
  const int batch = MIN (p->batch, train->n);

  for (int i = 0; i < batch; i++)
    {
      idx[i] = (int) ((b * batch + i) % train->n);
      y[i] = train->labels[idx[i]];
    }
  dl_dataset_gather (train, idx, batch, x);
  dl_net_train_step (net, x, y, batch, &p->hyper, NULL);
}

void
dl_cli_bench_step (DlNet *net, const DlPreset *p, const DlDataset *train, int warmup, int batches,
                   DlBenchStep *out)
{
  const int batch = MIN (p->batch, train->n), pixels = train->rows * train->cols;
  g_autofree int *idx = g_new (int, batch);
  g_autofree float *x = g_new (float, (gsize) batch * pixels);
  g_autofree guint8 *y = g_new (guint8, batch);
  gint64 b = 0, start = g_get_monotonic_time (), t0;

  /* Warm-up: `warmup` batches, and at least WARMUP_SECONDS unless warmup is 0. On the 2-core VM a core
   * just brought into use ran the first ~0.1 s at half speed, a third of a one-epoch seed run. */
  while (b < warmup || (warmup > 0 && g_get_monotonic_time () - start < WARMUP_SECONDS * G_USEC_PER_SEC))
    step (net, p, train, b++, idx, x, y);
  t0 = g_get_monotonic_time ();
  for (int i = 0; i < batches; i++)
    step (net, p, train, b++, idx, x, y);
  double seconds = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
  out->samples_per_second = seconds > 0 ? (double) batches * batch / seconds : 0;
  out->gflops = out->samples_per_second * dl_net_train_flops (net) / 1e9;
  out->inference_us = inference_latency_us (net, train);
}
