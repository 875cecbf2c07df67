/* dl-worker.h — the training worker: one thread owns the network and the data sets, takes commands from
 * a GAsyncQueue and sends events back to the GMainContext that created it.
 *
 * Every command function only pushes onto the command queue and returns: the caller never blocks on the
 * worker. Events arrive as the "event" signal, emitted on the creating thread's main context by a GSource
 * the worker wakes; progress is coalesced (at most ~30 per second), while state changes, hyperparameter
 * acknowledgements, evaluations, errors and completion are never dropped.
 *
 * Runs. Each dl_worker_new_run or successful dl_worker_load_model begins a run with a new network and a
 * new run serial (1, 2, …); every event carries the serial of the run it belongs to, and a run's first
 * event is STATE READY with its recipe (`config`). The states and what moves between them are in
 * dl-train-state.h. A command that fails posts DL_EVENT_ERROR and changes nothing; a command that does
 * not apply in the current state (start on a finished run, pause while paused, …) is ignored.
 */
#pragma once

#include <glib-object.h>
#include "dl-event.h"

G_BEGIN_DECLS

/* Errors of the worker's own, raised by the trainer (DL_EVENT_ERROR also carries the loaders'
 * DL_DATA_ERROR, DL_MODEL_ERROR, DL_ARCH_ERROR). */
#define DL_WORKER_ERROR (dl_worker_error_quark ())
GQuark dl_worker_error_quark (void);
typedef enum {
  DL_WORKER_ERROR_INVALID,    /* a hyperparameter or setting out of range */
  DL_WORKER_ERROR_NOT_READY,  /* no network or no data for what was asked, or data the run did not train on */
} DlWorkerError;

/* Testing and diagnostic hook: what one optimiser step used, reported on the worker thread right after
 * the step. `indices` and `x` are the batch's training examples and input images (valid during the call
 * only); `hyper` is exactly what dl_net_train_step got (lr after the schedule); `net` is the worker's own
 * network, which the observer may run inference on (it is between steps) but must not keep. */
typedef struct {
  gint64         step;     /* 1-based number of this step in the run, as in DlEvent.step */
  int            epoch;
  int            batch;    /* examples in this batch (the last of an epoch may be short) */
  const int     *indices;
  const float   *x;        /* the batch's input images as the net got them (augmented or not) */
  const DlHyper *hyper;
  float          loss;
  DlNet         *net;
} DlStepInfo;

typedef void (*DlStepObserver) (const DlStepInfo *info, gpointer user_data);

#define DL_TYPE_WORKER (dl_worker_get_type ())
G_DECLARE_FINAL_TYPE (DlWorker, dl_worker, DL, WORKER, GObject)

/* Starts the thread. Events are delivered on the thread-default main context of the caller. */
DlWorker   *dl_worker_new (void);

/* Commands: queued, applied by the worker in order. */

/* The data sets to train and test on: a directory of IDX files, a CSV file or an "IMAGES,LABELS" pair
 * for each; test_path NULL takes the test set from a train_path directory, else keeps the current one.
 * Nothing changes unless both load and fit the network (DL_EVENT_DATA_LOADED, else DL_EVENT_ERROR). A
 * READY run takes the new data; a run under way that loses its data FAILS; a finished or stopped one can
 * no longer be continued. */
void        dl_worker_load_data (DlWorker *self, const char *train_path, const char *test_path);
void        dl_worker_set_data (DlWorker *self, DlDataset *train, DlDataset *test);
/* A new run: a fresh network built from cfg (arch and seed), READY, untrained, step 0. A run under way
 * is stopped first (its STATE STOPPED comes before the new run's READY). */
void        dl_worker_new_run (DlWorker *self, const DlTrainConfig *cfg);
/* A new run on the network of a model file, READY and trained (DL_EVENT_MODEL_LOADED, whose config.arch
 * is the model's). cfg: the recipe to train it with (its arch is ignored); NULL for
 * dl_train_config_init_default's. A file that does not load changes nothing. */
void        dl_worker_load_model (DlWorker *self, const char *path, const DlTrainConfig *cfg);
/* A new run from a checkpoint (a branch of the run it was taken from): READY and trained, at the
 * checkpoint's step and epoch, with everything its next step depends on restored; its READY event names
 * the parent run and step (parent_run_serial, parent_step). cfg is the recipe to go on with, NULL for the
 * checkpoint's own: its arch must be the checkpoint's (or NULL), its seed is not used (the random streams
 * are the checkpoint's), and its epochs count from the start of the parent run, so they must exceed the
 * epochs the checkpoint has done. The training data must be the data the checkpoint was taken on. With
 * the checkpoint's recipe and thread count, the branch trains bit for bit as the original went on from
 * there. A run under way is stopped first; a checkpoint that does not fit changes nothing (ERROR, with
 * the refused checkpoint in DlEvent.checkpoint). */
void        dl_worker_branch (DlWorker *self, DlCheckpoint *ckpt, const DlTrainConfig *cfg);
/* The learning-rate finder (dl-lr-find.h): an exponential sweep of the rate over a few hundred batches
 * of the training data (DL_EVENT_LR_PROGRESS as it goes), on a copy of the current run's network and optimiser state (cfg NULL) or on a
 * fresh network built from cfg; delivered as DL_EVENT_LR_FOUND with the curve, the suggestions and
 * whether the rate in force (the run's, or cfg's) is far too high. options NULL: the defaults (1e-6 to
 * 10 over 200 batches). The run is left exactly as it was — parameters, optimiser state, random streams,
 * step — and gets no progress from the sweep; a running run waits the sweep out (a second or two for the
 * presets), as do the commands sent meanwhile. */
void        dl_worker_find_lr (DlWorker *self, const DlTrainConfig *cfg, const DlLrFindOptions *options);
/* Gives up every sweep asked for so far, at its next batch (the one under way, and those still queued):
 * each delivers DL_EVENT_LR_FOUND with lr_find->cancelled. Any thread; never waits. */
void        dl_worker_cancel_find_lr (DlWorker *self);
/* READY → RUNNING. */
void        dl_worker_start (DlWorker *self);
/* RUNNING → PAUSED; PAUSED or DIVERGED → RUNNING. */
void        dl_worker_pause (DlWorker *self);
void        dl_worker_resume (DlWorker *self);
/* RUNNING, PAUSED or DIVERGED → STOPPED: the run ends (where it is, even mid-epoch). */
void        dl_worker_stop (DlWorker *self);
/* FINISHED or STOPPED → RUNNING for n_epochs more, counted from the start of the epoch in progress (so a
 * run stopped mid-epoch finishes that one as the first of them); the learning-rate schedule spans the
 * new total. */
void        dl_worker_continue (DlWorker *self, int n_epochs);
/* Applied from the next batch; acknowledged by DL_EVENT_HYPER_APPLIED with that step, `during_run` when
 * the run has trained (RUNNING, PAUSED, DIVERGED, FINISHED or STOPPED: a live change of it, whose marker
 * goes at that step, the first continue trains for an ended run); while READY it is the recipe training
 * starts with. */
void        dl_worker_set_hyper (DlWorker *self, const DlHyper *hyper, int batch, gboolean augment);
/* The whole test set, now: DL_EVENT_EVAL with DL_EVAL_REQUESTED. */
void        dl_worker_evaluate (DlWorker *self);
void        dl_worker_save_model (DlWorker *self, const char *path);
/* Stops training, drops queued commands, joins the thread. Also done by dispose. */
void        dl_worker_shutdown (DlWorker *self);

/* Thread-safe, never waits for a training step: the latest published snapshot (NULL before a run). */
DlSnapshot *dl_worker_dup_snapshot (DlWorker *self);
/* The state and run serial of the last STATE event delivered (the "state" and "run-serial" properties,
 * notified when they change): what the receivers of the events have seen, not what the worker thread may
 * already be doing. READY and 0 before the first run. */
DlTrainState dl_worker_get_state (DlWorker *self);
guint        dl_worker_get_run_serial (DlWorker *self);

/* Queued like any command, so it takes effect in order; NULL removes it. The observer runs on the worker
 * thread (see DlStepInfo); it may call the dl_worker_* command functions (they only queue). */
void        dl_worker_set_step_observer (DlWorker *self, DlStepObserver observer, gpointer user_data);

G_END_DECLS
