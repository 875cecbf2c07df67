/* dl-trainer-private.h — the trainer's state, shared by the training loop (dl-trainer.c) and its commands
 * (dl-trainer-commands.c). Worker thread only. */
#pragma once

#include "dl-event-private.h"
#include "dl-rng.h"
#include "dl-trainer.h"

G_BEGIN_DECLS

#define PERIODIC_EVAL_EXAMPLES 2000   /* the test subset of the every-N-batches evaluation */

struct _DlTrainer {
  const DlTrainerSink *sink;
  gpointer        sink_data;
  guint           last_serial;     /* of the newest run */

  /* The data sets in use: immutable, shared with the events that announced them. */
  DlDataset      *train, *test;
  DlDataset      *test_part;       /* the first PERIODIC_EVAL_EXAMPLES test examples */
  guint32         train_crc;       /* dl_checkpoint_data_crc (train): which data a checkpoint needs */

  /* The run: everything its next step depends on (what a checkpoint has to capture and restore). */
  guint           run_serial;      /* 0: no run yet */
  guint           parent_serial;   /* the run it was branched from, and at which step; 0: none */
  gint64          parent_step;
  DlTrainState    state;
  DlTrainConfig   cfg;             /* the recipe in force: hyper, batch, augment as changed; epochs as continued */
  DlNet          *net;             /* parameters and optimiser state */
  gboolean        trained;         /* a step in this run, or a loaded model */
  gboolean        data_replaced;   /* other data loaded since the run began: it cannot go on */
  gint64          step;
  int             epoch;           /* whole epochs done: the 0-based epoch in progress */
  int            *order;           /* this epoch's shuffled indices into train */
  int             order_n;
  gboolean        order_ready;
  int             pos;             /* next position in order: samples of this epoch seen so far */
  DlRng           rng;             /* the epochs' shuffles */
  DlRng           order_rng;       /* rng before this epoch's shuffle, which it regenerates */
  DlRng           augment_rng;     /* the augmentation draws, apart so toggling it keeps the shuffles */
  double          epoch_loss_sum;  /* Σ batch mean loss × batch size */
  gint64          epoch_correct;
  int             batches_since_eval;
  double          elapsed;         /* seconds spent training, pauses excluded */
  float           last_loss;
  float          *good;            /* parameters at the last healthy check */
  gint64          good_step;
  float           good_loss;       /* the batch loss when they were kept */

  /* Working buffers and reporting: rebuilt or restarted at will. */
  float          *x;               /* DL_MAX_BATCH × input size */
  guint8         *y;               /* DL_MAX_BATCH */
  DlHealth        health;          /* of the last batch, measured for evaluations */
  int             last_b;          /* the last step's batch */
  gboolean        health_kept;     /* health is the last full batch's, kept before a short one */
  gint64          last_progress_us;
  gint64          last_snapshot_us;
  gint64          rate_samples;    /* since the last progress event */
  double          rate_seconds;
  double          rate;            /* smoothed samples per second */
  GArray         *batch_losses;    /* DlBatchLoss since the last progress event */
  DlSnapshotPool *pool;            /* for this net's snapshots */
  gboolean        grads_fresh;     /* the net's gradient is that of the step that made its parameters */
  DlStepObserver  observer;
  gpointer        observer_data;
  DlNetWork      *stats_work;      /* dl-trainer-stats.c: the layer statistics' probe pass, for run stats_serial */
  guint           stats_serial;
  DlCheckpoint   *refusing;        /* while a branch from it is checked: its errors name it (DlEvent.checkpoint) */
};

/* dl-trainer.c, for the commands */
DlEvent  *trainer_event (DlTrainer *t, DlEventType type);
void      trainer_post (DlTrainer *t, DlEvent *ev);
void      trainer_post_error (DlTrainer *t, GError *error);
void      trainer_post_state (DlTrainer *t);
void      trainer_publish_progress (DlTrainer *t, gboolean force);
void      trainer_publish_snapshot (DlTrainer *t);
void      trainer_keep_good_copy (DlTrainer *t);
void      trainer_forget_epoch (DlTrainer *t);
void      trainer_post_eval (DlTrainer *t, DlEvalKind kind);
void      trainer_shuffle (DlTrainer *t, const DlRng *from);

/* dl-trainer-commands.c, for the other commands: checks that post an error and return FALSE. */
gboolean  trainer_validate_config (DlTrainer *t, const DlTrainConfig *cfg);
gboolean  trainer_data_fits (DlTrainer *t, const DlNet *net, const DlDataset *ds);
/* dl-trainer-stats.c: the net's layer statistics now, for an evaluation (after dl_net_health). */
DlLayerStats *trainer_layer_stats (DlTrainer *t);

G_END_DECLS
