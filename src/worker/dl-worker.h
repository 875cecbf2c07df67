/* dl-worker.h — the training worker: one thread owns the network and the data sets, takes commands from
 * a GAsyncQueue and sends events back to the GMainContext that created it.
 *
 * Every command function only pushes onto the command queue and returns: the caller never blocks on the
 * worker. Events arrive as the "event" signal, emitted on the creating thread's main context by a GSource
 * the worker wakes; progress is coalesced (at most ~30 per second), while state changes, hyperparameter
 * acknowledgements, evaluations, errors and completion are never dropped.
 */
#pragma once

#include <glib-object.h>
#include "dl-arch.h"
#include "dl-data.h"
#include "dl-eval.h"
#include "dl-net.h"

G_BEGIN_DECLS

/* Errors of the worker's own (DL_EVENT_ERROR also carries the loaders' DL_DATA_ERROR, DL_MODEL_ERROR,
 * DL_ARCH_ERROR). */
#define DL_WORKER_ERROR (dl_worker_error_quark ())
GQuark dl_worker_error_quark (void);
typedef enum {
  DL_WORKER_ERROR_INVALID,    /* a hyperparameter or setting out of range */
  DL_WORKER_ERROR_NOT_READY,  /* no network or no data yet for what was asked */
} DlWorkerError;

typedef enum {
  DL_TRAIN_IDLE,      /* nothing started since the last reset */
  DL_TRAIN_RUNNING,
  DL_TRAIN_PAUSED,
  DL_TRAIN_STOPPED,   /* stopped by the user, or all epochs done; start continues from the current parameters */
} DlTrainState;

/* A training run's configuration; reset builds a new network from it. */
typedef struct {
  char       *arch;          /* dl-arch.h syntax */
  DlHyper     hyper;
  int         batch;
  int         epochs;
  guint64     seed;
  DlSchedule  schedule;
  float       schedule_gamma;
  int         schedule_step;
  gboolean    augment;
  guint       augment_kinds; /* DlAugmentKind bits (dl-augment.h) used when augment is on; 0: affine */
  int         eval_every;    /* also evaluate on (part of) the test set every N batches; 0 = only per epoch */
  int         threads;       /* dl_net_set_threads for each net the worker builds or loads; 0: BLAS as set */
} DlTrainConfig;

void           dl_train_config_from_preset (DlTrainConfig *cfg, const DlPreset *preset);
DlTrainConfig *dl_train_config_copy (const DlTrainConfig *cfg);
void           dl_train_config_clear (DlTrainConfig *cfg);   /* frees arch; the struct itself is the caller's */
void           dl_train_config_free (DlTrainConfig *cfg);    /* for copies */

typedef enum {
  DL_EVENT_STATE,          /* state changed */
  DL_EVENT_PROGRESS,       /* batch progress (coalesced) */
  DL_EVENT_HYPER_APPLIED,  /* a set_hyper took effect at `step` */
  DL_EVENT_EVAL,           /* an evaluation: end of epoch, periodic, or asked for */
  DL_EVENT_DATA_LOADED,    /* train/test data sets now in use */
  DL_EVENT_MODEL_SAVED,
  DL_EVENT_MODEL_LOADED,   /* config.arch describes the loaded network */
  DL_EVENT_DIVERGED,       /* NaN/Inf in the loss or parameters, or a batch loss over 1000 × the last good
                            * one: paused, last good parameters restored; message says what to lower */
  DL_EVENT_ERROR,          /* a command failed; error says why */
  DL_EVENT_DONE,           /* all epochs finished */
} DlEventType;

/* One training batch's mean loss at its position in the run (epochs done, fractional). */
typedef struct {
  double x;
  float  loss;
} DlBatchLoss;

/* Reference-counted; read-only for receivers. Only the fields of its type are set. */
typedef struct {
  DlEventType    type;
  DlTrainState   state;
  gint64         step;             /* optimiser steps since reset */
  int            epoch;            /* 0-based epoch in progress */
  int            epochs;
  double         epoch_fraction;   /* 0..1 within the epoch */
  gint64         samples_seen;     /* in this epoch */
  /* PROGRESS */
  float          loss;             /* mean loss of the latest batch */
  GArray        *batch_losses;     /* DlBatchLoss: every batch since the previous progress event, oldest
                                    * first, so a plot shows each batch although progress is coalesced */
  double         running_accuracy; /* on this epoch's training batches so far */
  double         samples_per_second;
  double         elapsed_seconds;  /* training time since start, pauses excluded */
  double         eta_seconds;      /* to the end of the run */
  /* HYPER_APPLIED (also the whole hyperparameter state in force) */
  DlHyper        hyper;
  int            batch;
  gboolean       augment;
  char          *change;           /* "lr 0.05 → 0.01; batch 64 → 128"; "" when nothing changed */
  /* EVAL */
  gboolean       end_of_epoch;
  double         train_loss, train_accuracy;   /* over the finished epoch (end_of_epoch only) */
  double         test_loss, test_accuracy;
  DlEval        *eval;             /* on the test set (the whole set at end of epoch) */
  DlHealth       health;
  DlDiagnosis   *diagnosis;
  /* DATA_LOADED */
  DlDataset     *train, *test;
  /* MODEL_SAVED / MODEL_LOADED */
  char          *path;
  DlTrainConfig *config;           /* MODEL_LOADED */
  /* DIVERGED / ERROR */
  char          *message;
  GError        *error;
} DlEvent;

#define DL_TYPE_EVENT (dl_event_get_type ())
GType    dl_event_get_type (void) G_GNUC_CONST;
DlEvent *dl_event_ref (DlEvent *ev);
void     dl_event_unref (DlEvent *ev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlEvent, dl_event_unref)

/* An immutable copy of the parameters at some step, for inference off the worker thread. Use one
 * snapshot from one thread at a time (dl_net_predict writes the net's scratch buffers). */
typedef struct {
  DlNet  *net;
  gint64  step;
  guint   generation;   /* bumps on every reset/load: a new architecture */
  gboolean trained;     /* at least one optimiser step or a loaded model */
} DlSnapshot;

#define DL_TYPE_SNAPSHOT (dl_snapshot_get_type ())
GType       dl_snapshot_get_type (void) G_GNUC_CONST;
DlSnapshot *dl_snapshot_ref (DlSnapshot *snap);
void        dl_snapshot_unref (DlSnapshot *snap);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlSnapshot, dl_snapshot_unref)

#define DL_TYPE_WORKER (dl_worker_get_type ())
G_DECLARE_FINAL_TYPE (DlWorker, dl_worker, DL, WORKER, GObject)

/* Starts the thread. Events are delivered on the thread-default main context of the caller. */
DlWorker   *dl_worker_new (void);

/* Commands: queued, applied by the worker in order. */
void        dl_worker_load_data (DlWorker *self, const char *train_path, const char *test_path);
void        dl_worker_set_data (DlWorker *self, DlDataset *train, DlDataset *test);
void        dl_worker_reset (DlWorker *self, const DlTrainConfig *cfg);
void        dl_worker_start (DlWorker *self);
void        dl_worker_pause (DlWorker *self);
void        dl_worker_resume (DlWorker *self);
void        dl_worker_stop (DlWorker *self);
/* Applied from the next batch; acknowledged by DL_EVENT_HYPER_APPLIED with the step. */
void        dl_worker_set_hyper (DlWorker *self, const DlHyper *hyper, int batch, gboolean augment);
void        dl_worker_evaluate (DlWorker *self);
void        dl_worker_save_model (DlWorker *self, const char *path);
void        dl_worker_load_model (DlWorker *self, const char *path);
/* Stops training, drops queued commands, joins the thread. Also done by dispose. */
void        dl_worker_shutdown (DlWorker *self);

/* Thread-safe, never waits for a training step: the latest published snapshot (NULL before reset). */
DlSnapshot *dl_worker_dup_snapshot (DlWorker *self);
DlTrainState dl_worker_get_state (DlWorker *self);

/* Testing and diagnostic hook: what one optimiser step used, reported on the worker thread right after
 * the step. `indices` and `x` are the batch's training examples and input images (valid during the call
 * only); `hyper` is exactly what dl_net_train_step got (lr after the schedule); `net` is the worker's own
 * network, which the observer may run inference on (it is between steps) but must not keep. */
typedef struct {
  gint64         step;     /* 1-based number of this step since reset, as in DlEvent.step */
  int            epoch;
  int            batch;    /* examples in this batch (the last of an epoch may be short) */
  const int     *indices;
  const float   *x;        /* the batch's input images as the net got them (augmented or not) */
  const DlHyper *hyper;
  float          loss;
  DlNet         *net;
} DlStepInfo;

typedef void (*DlStepObserver) (const DlStepInfo *info, gpointer user_data);

/* Queued like any command, so it takes effect in order; NULL removes it. The observer runs on the worker
 * thread; it may call the dl_worker_* command functions (they only queue). */
void        dl_worker_set_step_observer (DlWorker *self, DlStepObserver observer, gpointer user_data);

G_END_DECLS
