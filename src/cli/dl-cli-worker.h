/* dl-cli-worker.h — training through a DlWorker, the thread and code path the app uses: the CLI drives it
 * from a GMainLoop and turns its events into the report (progress bar, epoch lines, JSON). */
#pragma once

#include <glib.h>
#include "dl-data.h"
#include "dl-cli-options.h"
#include "dl-cli-report.h"
#include "dl-cli-runs.h"
#include "dl-cli-branch.h"

G_BEGIN_DECLS

#define DL_CLI_ERROR (dl_cli_error_quark ())
GQuark dl_cli_error_quark (void);
typedef enum {
  DL_CLI_ERROR_DIVERGED,     /* the loss or the parameters became NaN/Inf; the message says what to lower */
  DL_CLI_ERROR_INTERRUPTED,  /* SIGINT: training stopped (and the model was saved when asked) */
} DlCliError;

/* Trains r->p.epochs epochs on `train`, evaluating on `test` after each, then saves to `save_path` when
 * non-NULL. Fails with the worker's error (or DL_CLI_ERROR_DIVERGED and its advice) when training cannot go
 * on. On SIGINT it stops after the batch in progress, saves what it has, and fails with
 * DL_CLI_ERROR_INTERRUPTED. With a store in `rec`, a DlRunRecorder records the run (rec->run) and the
 * command waits for its final evaluation and model before it returns. With a `branch`, the run goes on
 * from its checkpoint (recorded as a child of its run); NULL: a fresh network. */
gboolean dl_cli_train_worker (const DlCliRecipe *r, const DlCliBranch *branch, DlDataset *train, DlDataset *test,
                              const char *save_path, DlCliReport *report, DlCliRecording *rec, GError **error);

/* Training samples per second through the worker (its events, snapshots and health checks included),
 * timed over `batches` steps after `warmup` (at least 1) untimed ones. */
gboolean dl_cli_bench_worker (const DlCliRecipe *r, DlDataset *train, DlDataset *test, int warmup, int batches,
                              double *samples_per_second, GError **error);

G_END_DECLS
