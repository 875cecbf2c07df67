/* dl-event.h — what the training worker reports (DlEvent) and the parameters it publishes for inference
 * on other threads (DlSnapshot). Both are reference-counted (g_atomic_rc_box) and read-only for
 * receivers, so any thread may hold one. */
#pragma once

#include <glib-object.h>
#include "dl-checkpoint.h"
#include "dl-data.h"
#include "dl-eval.h"
#include "dl-layer-stats.h"
#include "dl-lr-find.h"
#include "dl-net.h"
#include "dl-train-config.h"
#include "dl-train-state.h"

G_BEGIN_DECLS

typedef enum {
  DL_EVENT_STATE,          /* state changed; also the first event of every run (READY, with `config`) */
  DL_EVENT_PROGRESS,       /* batch progress (coalesced) */
  DL_EVENT_HYPER_APPLIED,  /* a set_hyper takes effect at `step`; a live change only when `during_run` */
  DL_EVENT_EVAL,           /* an evaluation: `eval_kind` says which, and on how many test images */
  DL_EVENT_DATA_LOADED,    /* train/test data sets now in use */
  DL_EVENT_MODEL_SAVED,
  DL_EVENT_MODEL_LOADED,   /* config.arch describes the loaded network */
  DL_EVENT_DIVERGED,       /* NaN/Inf in the loss or parameters, or a batch loss over 1000 × the last good
                            * one: paused, last good parameters restored; message says what to lower */
  DL_EVENT_ERROR,          /* a command failed; error says why */
  DL_EVENT_DONE,           /* all planned epochs done (STATE FINISHED follows) */
  DL_EVENT_TUNING,         /* a new run's network being tuned for this CPU (DlTrainConfig.tune): `message` says
                            * what is measured, `tune_fraction` how far; the last (fraction 1) what was chosen */
  DL_EVENT_CHECKPOINT,     /* the run at this step, whole (`checkpoint`): after every end of epoch (before
                            * its DONE) and every periodic evaluation */
  DL_EVENT_LR_PROGRESS,    /* a learning-rate sweep under way: `lr_find_done` of `lr_find_steps` batches,
                            * the latest at `lr_find_rate` (every few batches; never the run's progress) */
  DL_EVENT_LR_FOUND,       /* a learning-rate sweep's curve and suggestions (`lr_find`), its verdict in words
                            * (`message`); lr_find->cancelled when dl_worker_cancel_find_lr gave it up (then
                            * no suggestion). The run it was started from is as it was */
} DlEventType;

/* Which test images an evaluation ran on. A figure called "test accuracy" is the whole test set. */
typedef enum {
  DL_EVAL_SUBSET,     /* periodic, every `eval_every` batches: the first 2,000 test images */
  DL_EVAL_EPOCH,      /* at the end of each epoch: the whole test set */
  DL_EVAL_REQUESTED,  /* dl_worker_evaluate: the whole test set */
} DlEvalKind;

#define DL_TYPE_EVAL_KIND (dl_eval_kind_get_type ())
GType dl_eval_kind_get_type (void) G_GNUC_CONST;

/* One training batch at its position in the run (epochs done, fractional). */
typedef struct {
  double x;
  float  loss;   /* the batch's mean loss */
  gint64 step;   /* this batch's optimiser step (1-based) */
  float  lr;     /* the learning rate the optimiser used: the schedule's, after any live change */
} DlBatchLoss;

/* Only the fields of its type are set, besides those every event carries (up to `loss`, and the
 * hyperparameters in force). */
typedef struct {
  DlEventType    type;
  guint          run_serial;       /* which run it belongs to: 1, 2, … per worker; 0 before the first */
  DlTrainState   state;
  gint64         step;             /* optimiser steps in this run */
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
  /* HYPER_APPLIED (hyper, batch and augment: in every event, what is in force) */
  DlHyper        hyper;
  int            batch;
  gboolean       augment;
  char          *change;           /* "lr 0.05 → 0.01; batch 64 → 128"; "" when nothing changed */
  gboolean       during_run;       /* made once the run has trained (RUNNING, PAUSED, DIVERGED, FINISHED,
                                    * STOPPED): a live change of the run (a marker at `step`); while READY
                                    * part of the recipe it starts with */
  /* EVAL */
  DlEvalKind     eval_kind;
  gboolean       end_of_epoch;     /* eval_kind == DL_EVAL_EPOCH */
  double         train_loss, train_accuracy;   /* over the finished epoch (end_of_epoch only) */
  double         test_loss, test_accuracy;     /* on eval->n images: the subset for DL_EVAL_SUBSET */
  DlEval        *eval;
  DlHealth       health;
  DlDiagnosis   *diagnosis;
  DlLayerStats  *layer_stats;      /* the layers' histograms and health, of the parameters evaluated */
  /* DATA_LOADED */
  DlDataset     *train, *test;
  /* MODEL_SAVED / MODEL_LOADED */
  char          *path;
  DlTrainConfig *config;           /* MODEL_LOADED, and STATE READY of a new run: its recipe */
  /* TUNING */
  double         tune_fraction;
  /* STATE READY of a run branched from a checkpoint (dl_worker_branch): where it comes from; 0 otherwise */
  guint          parent_run_serial;
  gint64         parent_step;
  /* CHECKPOINT; and ERROR of a refused dl_worker_branch: the checkpoint it was asked to branch from */
  DlCheckpoint  *checkpoint;
  /* LR_PROGRESS */
  int            lr_find_done, lr_find_steps;
  double         lr_find_rate;
  /* LR_FOUND */
  DlLrFind      *lr_find;
  /* DIVERGED / ERROR / STATE FAILED / TUNING */
  char          *message;
  GError        *error;
} DlEvent;

#define DL_TYPE_EVENT (dl_event_get_type ())
GType    dl_event_get_type (void) G_GNUC_CONST;
DlEvent *dl_event_ref (DlEvent *ev);
void     dl_event_unref (DlEvent *ev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlEvent, dl_event_unref)

/* An immutable copy of the parameters at some step, for inference off the worker thread: any number of
 * threads may run dl_net_forward on its net, each with a DlNetWork of its own; dl_net_predict writes the
 * net's own buffers, so with it, one thread at a time. */
typedef struct {
  DlNet   *net;
  gint64   step;
  guint    run_serial;   /* the run it comes from (DlEvent.run_serial): a new network for each */
  gboolean trained;      /* at least one optimiser step in this run, or a loaded model */
  /* The gradient the step that made these parameters applied (n_params floats, laid out as the parameters:
   * dl_layer_param_range); NULL when no step made them (untrained, a loaded model, parameters restored). */
  const float *grads;
} DlSnapshot;

#define DL_TYPE_SNAPSHOT (dl_snapshot_get_type ())
GType       dl_snapshot_get_type (void) G_GNUC_CONST;
DlSnapshot *dl_snapshot_ref (DlSnapshot *snap);
void        dl_snapshot_unref (DlSnapshot *snap);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlSnapshot, dl_snapshot_unref)
/* A snapshot of a network that is not the worker's (e.g. a past run's final model, loaded from its file):
 * a copy of net's parameters now; net stays the caller's. */
DlSnapshot *dl_snapshot_new_for_net (const DlNet *net, gint64 step, guint run_serial, gboolean trained);

G_END_DECLS
