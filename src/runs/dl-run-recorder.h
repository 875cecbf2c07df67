/* dl-run-recorder.h — follows a DlWorker's "event" signal and keeps the current DlRun and the store up to
 * date: the run's series (loss and learning rate per batch, subset and whole-test-set evaluations, epoch
 * figures), its markers (changes acknowledged while it trained), its evaluations, its state and timings, the
 * best and final accuracies; its checkpoints (DL_EVENT_CHECKPOINT), written by the store's writer thread
 * and thinned by the "checkpoint-retention" property (every end of epoch, and that many of the latest
 * others); and when a run ends, its final model, saved into the store's directory
 * (digitlab/runs/RUN-UUID/final.dlm) and recorded with its checksum. A run branched from one of the current
 * run's checkpoints (dl_worker_branch) records that run and step as its parent, keeps its data set, and the
 * checkpoint it came from is kept whatever the retention.
 *
 * The session (or the CLI) makes runs through the recorder — dl_run_recorder_begin asks the worker for the
 * new run with its description (preset, data set, name) and makes it current at the run's first event —
 * and drives everything else (start, pause, resume, stop, continue, set_hyper, save) on the worker
 * directly. Events are matched to runs by DlEvent.run_serial. A run is written to the store when it first
 * trains. With a NULL store (none, or one that could not be opened) the runs are kept in memory only.
 *
 * Main thread only (the worker's events arrive there).
 */
#pragma once

#include <glib-object.h>
#include "dl-run.h"
#include "dl-run-store.h"
#include "dl-worker.h"

G_BEGIN_DECLS

/* What a new run starts from. */
typedef struct {
  const char          *name;      /* NULL: named after the preset and the time */
  const char          *preset;    /* the preset it came from; NULL for a custom recipe */
  const DlTrainConfig *config;    /* the recipe; with `model`, the architecture is the model file's */
  DlRunData           *data;      /* the data set the worker has; NULL when unknown */
  const char          *model;     /* start from this model file instead of a fresh network */
  const char          *program;   /* who records it ("digitlab", "digitlab-cli"); NULL: g_get_prgname () */
  /* A branch of a recorded run: start from `checkpoint` (dl_worker_branch), one of `parent`'s checkpoints in
   * the store, which is then kept whatever the retention; the new run records `parent` and the step, and
   * its data set is `data` or else the parent's. `config` is the recipe to go on with (its arch the
   * checkpoint's), `preset` and `program` default to the parent's. */
  DlRun               *parent;
  DlCheckpoint        *checkpoint;
} DlRunSpec;

#define DL_TYPE_RUN_RECORDER (dl_run_recorder_get_type ())
G_DECLARE_FINAL_TYPE (DlRunRecorder, dl_run_recorder, DL, RUN_RECORDER, GObject)

/* `store` may be NULL: runs are then not kept beyond the process. */
DlRunRecorder *dl_run_recorder_new (DlWorker *worker, DlRunStore *store);

DlWorker      *dl_run_recorder_get_worker (DlRunRecorder *self);
DlRunStore    *dl_run_recorder_get_store (DlRunRecorder *self);
/* The run the worker's network belongs to ("run", with notify); NULL before the first one. */
DlRun         *dl_run_recorder_get_run (DlRunRecorder *self);

/* Asks the worker for a new run (dl_worker_new_run from spec->config, dl_worker_load_model of spec->model
 * with it, or dl_worker_branch from spec->checkpoint). The current run, if it trained, is evaluated on the whole test set and its final
 * model saved first (the worker then stops it); the new run becomes current at its first event. A recipe
 * the worker would refuse (an architecture that does not parse, epochs, batch size or learning rate out of
 * range) fails here with DL_ARCH_ERROR or DL_WORKER_ERROR and nothing changes; a model file that cannot be
 * loaded, or a branch the worker refuses (another network, data or epochs than the checkpoint's), leaves
 * the current run as it was and emits "begin-failed" with the error: no run is pending then. A run the
 * worker begins without the recorder (dl_worker_new_run called directly) is recorded too, without preset
 * or data set. */
gboolean       dl_run_recorder_begin (DlRunRecorder *self, const DlRunSpec *spec, GError **error);

/* The program gives up on the current run (digitlab-cli after divergence or an error): it is failed, with
 * `reason` in its event log. Nothing is asked of the worker. */
void           dl_run_recorder_abandon (DlRunRecorder *self, const char *reason);

/* Whether runs are kept in the store ("record", default TRUE; the app's "record-runs" setting): decided for
 * each run when it first trains, so switching it off never drops a run half-way. Without a store, nothing is
 * kept either way. */
gboolean       dl_run_recorder_get_record (DlRunRecorder *self);
void           dl_run_recorder_set_record (DlRunRecorder *self, gboolean record);
/* Whether the current run is, or will be once it trains, in the store (its metrics and final model). */
gboolean       dl_run_recorder_get_recording (DlRunRecorder *self);

/* TRUE ("busy", with notify) while the recorder waits on the worker: a run being made, a final evaluation
 * or a final model being saved. A program about to exit waits for FALSE, then flushes the store. */
gboolean       dl_run_recorder_get_busy (DlRunRecorder *self);

G_END_DECLS
