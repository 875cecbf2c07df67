/* dl-cli-train.h — the CLI's direct drive of the core: one training loop on the calling thread, and the
 * raw-speed measurements of `digitlab-cli bench`. */
#pragma once

#include <glib.h>
#include "dl-arch.h"
#include "dl-data.h"
#include "dl-net.h"
#include "dl-cli-report.h"

G_BEGIN_DECLS

#define DL_CLI_ERROR (dl_cli_error_quark ())
GQuark dl_cli_error_quark (void);
typedef enum { DL_CLI_ERROR_DIVERGED } DlCliError;

/* Trains `net` for p->epochs epochs on `train` with the preset's hyperparameters and schedule, shuffling
 * with `seed` every epoch, evaluating and diagnosing on `test` after each. Fails (with a GError) only when
 * the loss turns NaN or infinite. */
gboolean dl_cli_train_loop (DlNet *net, const DlPreset *p, guint64 seed, const DlDataset *train,
                            const DlDataset *test, DlCliReport *report, GError **error);

typedef struct {
  double samples_per_second;  /* training steps (gather + forward + backward + update), after warm-up */
  double gflops;              /* samples_per_second × dl_net_train_flops / 1e9 */
  double inference_us;        /* median latency of one single-image dl_net_predict */
} DlBenchStep;

/* `warmup` untimed batches, then `batches` timed ones, of p->batch examples drawn in order from `train`. */
void dl_cli_bench_step (DlNet *net, const DlPreset *p, const DlDataset *train, int warmup, int batches,
                        DlBenchStep *out);

G_END_DECLS
