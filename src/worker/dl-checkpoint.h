/* dl-checkpoint.h — a training run at one step, whole: everything its next step depends on, so that a run
 * started from it (dl_worker_branch) trains exactly as the original went on.
 *
 * The worker takes one at every end of epoch and at every periodic evaluation and delivers it in a
 * DL_EVENT_CHECKPOINT to whoever records the run; on the worker thread that costs a copy of the
 * parameters and the optimiser state, nothing more. A checkpoint is reference-counted (g_atomic_rc_box)
 * and never changes once taken, so any thread may hold and read one. Writing it to a file (a model file
 * with the training-state section, dl-model.h) and reading it back are for another thread than the
 * worker's and the UI's: the run store's writer.
 */
#pragma once

#include <glib-object.h>
#include "dl-data.h"
#include "dl-net.h"
#include "dl-rng.h"
#include "dl-train-config.h"

G_BEGIN_DECLS

/* Read-only for everyone but the worker that took it. */
typedef struct {
  guint           run_serial;        /* the run it was taken from (DlEvent.run_serial) */
  gint64          step;              /* optimiser steps done */
  int             epoch;             /* whole epochs done: the 0-based epoch in progress */
  int             pos;               /* examples of that epoch trained (0 at an end of epoch) */
  gboolean        epoch_end;         /* taken at an end of epoch, else at a periodic evaluation */
  DlTrainConfig  *config;            /* the recipe in force: arch, hyperparameters with every live change,
                                      * batch, augment, schedule, epochs planned, seed, eval_every, threads */
  /* The network. */
  gsize           n_params;
  float          *params;
  guint64         net_seed;          /* the seed its model file records */
  DlNetTrainState net_state;         /* the optimiser's counters and the dropout stream */
  float          *opt_state;         /* dl_net_opt_state_floats (3 × n_params): velocity, Adam m, Adam v */
  DlNetConfig     net_config;        /* how it computed (team size, split, BLAS kernel, conv algorithms: what
                                      * dl-tune chose), which a branch computes with: each choice rounds
                                      * differently. From a file, the kernel it names when this machine
                                      * runs it, else the linked one (then equal within rounding only) */
  /* The training loop. */
  DlRng           order_rng;         /* the shuffle stream before this epoch's shuffle: regenerates its order */
  DlRng           shuffle_rng;       /* after that shuffle: the next epochs' */
  DlRng           augment_rng;
  int             train_n;           /* training examples the order permutes */
  guint32         train_crc;         /* CRC-32 of the training set's labels and pixels: the data it trained on */
  double          epoch_loss_sum;    /* Σ batch loss × batch size over the epoch so far */
  gint64          epoch_correct;
  int             batches_since_eval;
  double          elapsed;           /* training seconds before it, pauses excluded */
  float           last_loss;         /* of the last batch */
  float           good_loss;         /* the batch loss at the last known-good copy: what an exploded loss
                                      * is measured against */
} DlCheckpoint;

#define DL_TYPE_CHECKPOINT (dl_checkpoint_get_type ())
GType         dl_checkpoint_get_type (void) G_GNUC_CONST;
DlCheckpoint *dl_checkpoint_ref (DlCheckpoint *ckpt);
void          dl_checkpoint_unref (DlCheckpoint *ckpt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlCheckpoint, dl_checkpoint_unref)

/* The CRC-32 of a data set's labels and pixels, as DlCheckpoint.train_crc records it. */
guint32       dl_checkpoint_data_crc (const DlDataset *ds);

/* A checkpoint file: a model file (dl_model_load reads it as the network) with the training-state
 * section. Saved atomically; *sha256 (when non-NULL) gets the hex SHA-256 of the file, for a store that
 * refers to it by its contents. Loading checks every field (DL_MODEL_ERROR, naming the file and what is
 * wrong). Neither is for the worker or the UI thread: a checkpoint of a large network is megabytes. */
gboolean      dl_checkpoint_save (const DlCheckpoint *ckpt, const char *path, char **sha256, GError **error);
DlCheckpoint *dl_checkpoint_load (const char *path, GError **error);

/* Retention: which of one run's checkpoints to keep. Every end of epoch is kept, and any checkpoint
 * `pinned` (one a branch was made from); of the others, the `keep_others` latest (the preferences key
 * `checkpoint-retention`). */
#define DL_CHECKPOINT_RETENTION_DEFAULT 5

typedef struct {
  gint64   step;
  gboolean epoch_end;
  gboolean pinned;
} DlCheckpointInfo;

/* keep[i] for each of the n checkpoints in info (in any order). */
void          dl_checkpoint_retain (const DlCheckpointInfo *info, gsize n, guint keep_others, gboolean *keep);

G_END_DECLS
