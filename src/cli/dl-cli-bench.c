/* dl-cli-bench.c — raw training-step and inference speed (see dl-cli-bench.h). */
#include "dl-cli-bench.h"

#include "dl-eval.h"

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
  /* Gathered by the net's team, as the worker does. */
  dl_net_gather (net, train, idx, batch, NULL, NULL, x);
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

/* ---- time to accuracy ---- */

/* Evaluations per epoch: the time to the target is known to a quarter epoch. */
#define EVALS_PER_EPOCH 4

/* Batches [*pos, end) of an epoch of the recipe, as the worker's trainer runs them: each gathered (and
 * augmented) by the team, at the schedule's learning rate for that point of the run. */
static void
train_part (DlNet *net, const DlPreset *p, const DlDataset *train, int epoch, const int *order, int *pos,
            int end, DlRng *augment_rng, float *x, guint8 *y)
{
  DlAugmentOptions augment;
  DlHyper h = p->hyper;

  dl_augment_options_init (&augment, dl_augment_kinds_of (p->augment, p->augment_kinds));
  for (; *pos < end; *pos += p->batch)
    {
      int b = MIN (p->batch, train->n - *pos);
      h.lr = dl_schedule_lr (p, p->hyper.lr, epoch + (double) *pos / train->n, p->epochs);
      dl_net_gather (net, train, order + *pos, b, &augment, augment_rng, x);
      for (int i = 0; i < b; i++)
        y[i] = train->labels[order[*pos + i]];
      dl_net_train_step (net, x, y, b, &h, NULL);
    }
}

void
dl_cli_bench_to_accuracy (DlNet *net, const DlPreset *p, guint64 seed, const DlDataset *train,
                          const DlDataset *test, double target,
                          void (*progress) (const DlBenchAccuracy *so_far, gpointer data), gpointer data,
                          DlBenchAccuracy *out)
{
  g_autofree int *order = g_new (int, train->n);
  g_autofree float *x = g_new (float, (gsize) p->batch * train->rows * train->cols);
  g_autofree guint8 *y = g_new (guint8, p->batch);
  gint64 start = g_get_monotonic_time ();
  DlRng order_rng, augment_rng;

  memset (out, 0, sizeof *out);
  out->accuracies = g_array_new (FALSE, FALSE, sizeof (double));
  out->seconds = g_array_new (FALSE, FALSE, sizeof (double));
  /* The worker's streams for the same seed. */
  dl_rng_seed (&order_rng, seed);
  dl_rng_seed (&augment_rng, seed ^ G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));
  for (int epoch = 0; epoch < p->epochs && !out->reached; epoch++)
    {
      int pos = 0;
      for (int i = 0; i < train->n; i++)
        order[i] = i;
      dl_rng_shuffle (&order_rng, order, train->n);
      for (int part = 1; part <= EVALS_PER_EPOCH && !out->reached; part++)
        {
          /* Whole batches up to the part's share of the epoch. */
          int end = part == EVALS_PER_EPOCH ? train->n
                                            : (int) ((gint64) train->n * part / EVALS_PER_EPOCH / p->batch * p->batch);
          gint64 t0 = g_get_monotonic_time ();
          train_part (net, p, train, epoch, order, &pos, end, &augment_rng, x, y);
          out->train_seconds += (g_get_monotonic_time () - t0) / 1e6;
          /* The model, as the worker evaluates it: the weight average when the recipe keeps one. */
          dl_net_swap_average (net);
          g_autoptr (DlEval) ev = dl_eval_run (net, test);
          dl_net_swap_average (net);
          out->epochs = epoch + (double) MIN (pos, train->n) / train->n;
          out->accuracy = ev->accuracy;
          out->reached = ev->accuracy >= target;
          g_array_append_val (out->accuracies, out->accuracy);
          g_array_append_val (out->seconds, out->train_seconds);
          out->wall_seconds = (g_get_monotonic_time () - start) / 1e6;
          if (progress)
            progress (out, data);
        }
    }
}

void
dl_cli_bench_accuracy_clear (DlBenchAccuracy *a)
{
  g_clear_pointer (&a->accuracies, g_array_unref);
  g_clear_pointer (&a->seconds, g_array_unref);
}
