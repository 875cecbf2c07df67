/* dl-run-format.h — a run's figures as the Runs page and its comparison table write them. No GTK. */
#pragma once

#include <glib.h>
#include "dl-run.h"

G_BEGIN_DECLS

/* "98.48 %" for an accuracy given as a fraction; "—" for NaN. */
char       *dl_run_format_accuracy (double accuracy);
/* "98.48 % (epoch 7)": the best whole-test-set accuracy and the epoch (1-based) it was first reached in. */
char       *dl_run_format_best (DlRun *run);
/* Training time as "m:ss" or "h:mm:ss" (as digitlab-cli prints it); "—" before any. */
char       *dl_run_format_duration (double seconds);
/* The local time "2026-11-28 14:03"; "—" for 0 (never). */
char       *dl_run_format_time (gint64 us);
/* "Finished", "Running", …: the state as the user reads it (translated). */
const char *dl_run_format_state (DlTrainState state);
/* "mlp · fc256-relu,fc128-relu,fc10,softmax", or "custom · …" */
char       *dl_run_format_recipe (DlRun *run);
/* "mnist · 60,000 / 10,000": where the training set came from and the examples used of each set; "unknown"
 * when the run does not know its data. */
char       *dl_run_format_data (const DlRunData *data);
/* "#12": the store's number; "" when the store has not numbered the run yet. */
char       *dl_run_format_number (DlRun *run);

G_END_DECLS
