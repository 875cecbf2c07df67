/* dl-cli-runs.h — digitlab-cli and the run history (src/runs): `train` recording its run into the store, and
 * `digitlab-cli runs list|show|export|rm|restore`. */
#pragma once

#include <glib.h>
#include "dl-cli-options.h"
#include "dl-cli-report.h"
#include "dl-run-store.h"

G_BEGIN_DECLS

/* What `train` records its run with. */
typedef struct {
  DlRunStore *store;     /* NULL: not recording (--no-record, or the store could not be opened) */
  DlRunData  *data;
  char       *name;      /* --run-name, or NULL */
  char       *preset;
  DlRun      *run;       /* the run recorded, once there is one (set by dl_cli_train_worker) */
} DlCliRecording;

/* Unless --no-record: opens --store (default: the user's store; `open` when the caller has it open already)
 * and describes the data set (its files' checksums). A store that cannot be opened is a warning, not a
 * failure: training goes on unrecorded. */
void dl_cli_recording_init (DlCliRecording *rec, const DlCliOptions *o, const DlCliRecipe *r, const DlDataset *train,
                            const DlDataset *test, DlRunStore *open, DlCliReport *report);
/* Commits what was recorded and says where it went (the run's number goes into the report's JSON). */
void dl_cli_recording_finish (DlCliRecording *rec, DlCliReport *report);
void dl_cli_recording_clear (DlCliRecording *rec);

/* digitlab-cli runs ACTION …: argv[0] is "digitlab-cli runs". Returns the exit status. */
int  dl_cli_runs (int argc, char **argv);

G_END_DECLS
