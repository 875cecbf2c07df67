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
#include "dl-event.h"

G_BEGIN_DECLS

/* Errors of the worker's own (DL_EVENT_ERROR also carries the loaders' DL_DATA_ERROR, DL_MODEL_ERROR,
 * DL_ARCH_ERROR). */
#define DL_WORKER_ERROR (dl_worker_error_quark ())
GQuark dl_worker_error_quark (void);
typedef enum {
  DL_WORKER_ERROR_INVALID,    /* a hyperparameter or setting out of range */
  DL_WORKER_ERROR_NOT_READY,  /* no network or no data yet for what was asked */
} DlWorkerError;

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
