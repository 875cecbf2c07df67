/* dl-cli-bench.h — the raw speed of the core's training step and inference, measured on the calling
 * thread for `digitlab-cli bench`. */
#pragma once

#include <glib.h>
#include "dl-arch.h"
#include "dl-data.h"
#include "dl-net.h"

G_BEGIN_DECLS

typedef struct {
  double samples_per_second;  /* training steps (gather + forward + backward + update), after warm-up */
  double gflops;              /* samples_per_second × dl_net_train_flops / 1e9 */
  double inference_us;        /* median latency of one single-image dl_net_predict */
} DlBenchStep;

/* `warmup` untimed batches (and, unless 0, at least half a second of them), then `batches` timed ones, of
 * p->batch examples drawn in order from `train`. */
void dl_cli_bench_step (DlNet *net, const DlPreset *p, const DlDataset *train, int warmup, int batches,
                        DlBenchStep *out);

/* Time to accuracy: the recipe trained from scratch (shuffled epochs, the learning rate of its schedule at
 * each batch, its augmentation — as the worker trains it), the whole test set evaluated after every quarter
 * of an epoch, until its accuracy reaches `target` or the recipe's epochs are done. */
typedef struct {
  gboolean reached;
  double   epochs;           /* trained (up to the evaluation that reached the target, or all), in quarters */
  double   accuracy;         /* after the last of them */
  double   train_seconds;    /* gathering, augmenting and training steps, evaluations not included */
  double   wall_seconds;     /* evaluations included */
  GArray  *accuracies;       /* double, after each quarter epoch */
  GArray  *seconds;          /* double, train_seconds after each quarter epoch */
} DlBenchAccuracy;

/* progress (may be NULL) after each epoch. */
void dl_cli_bench_to_accuracy (DlNet *net, const DlPreset *p, guint64 seed, const DlDataset *train,
                               const DlDataset *test, double target,
                               void (*progress) (const DlBenchAccuracy *so_far, gpointer data), gpointer data,
                               DlBenchAccuracy *out);
void dl_cli_bench_accuracy_clear (DlBenchAccuracy *a);

G_END_DECLS
