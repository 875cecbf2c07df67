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

G_END_DECLS
