/* dl-event.h — what the training worker reports (DlEvent) and the parameters it publishes for inference
 * on other threads (DlSnapshot). Both are reference-counted (g_atomic_rc_box) and read-only for
 * receivers, so any thread may hold one. */
#pragma once

#include <glib-object.h>
#include "dl-data.h"
#include "dl-eval.h"
#include "dl-net.h"
#include "dl-train-config.h"
#include "dl-train-state.h"

G_BEGIN_DECLS

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

/* Only the fields of its type are set. */
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
  DlNet   *net;
  gint64   step;
  guint    generation;   /* bumps on every reset/load: a new architecture */
  gboolean trained;      /* at least one optimiser step or a loaded model */
} DlSnapshot;

#define DL_TYPE_SNAPSHOT (dl_snapshot_get_type ())
GType       dl_snapshot_get_type (void) G_GNUC_CONST;
DlSnapshot *dl_snapshot_ref (DlSnapshot *snap);
void        dl_snapshot_unref (DlSnapshot *snap);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlSnapshot, dl_snapshot_unref)

G_END_DECLS
