/* dl-train-config.h — a training run's recipe: the network, its hyperparameters and schedule, the
 * epochs, the seed, how often to evaluate and on how many threads. Plain data, copied by value. */
#pragma once

#include <glib-object.h>
#include "dl-arch.h"

G_BEGIN_DECLS

typedef struct {
  char       *arch;          /* dl-arch.h syntax */
  DlHyper     hyper;
  int         batch;
  int         epochs;
  guint64     seed;
  DlSchedule  schedule;
  float       schedule_gamma;
  int         schedule_step;
  float       schedule_warmup;
  gboolean    augment;
  guint       augment_kinds; /* which augmentations when augmenting (DlAugmentKind bits; 0: the affine one) */
  int         eval_every;    /* also evaluate on the first 2,000 test images every N batches; 0 = only per epoch */
  int         threads;       /* dl_net_set_threads for each net the worker builds or loads; 0: BLAS as set (or,
                              * with tune, every core the tuning finds worth it) */
  gboolean    tune;          /* when a run begins, the fastest configuration for its network on this CPU
                              * (dl-tune: from the cache, or measured in ≤ 2 s with DL_EVENT_TUNING progress) */
} DlTrainConfig;

#define DL_TYPE_TRAIN_CONFIG (dl_train_config_get_type ())
GType          dl_train_config_get_type (void) G_GNUC_CONST;

/* What a model loaded without a recipe trains with: default hyperparameters, batch 64, one epoch, seed 1. */
void           dl_train_config_init_default (DlTrainConfig *cfg);
void           dl_train_config_from_preset (DlTrainConfig *cfg, const DlPreset *preset);
DlTrainConfig *dl_train_config_copy (const DlTrainConfig *cfg);
void           dl_train_config_clear (DlTrainConfig *cfg);   /* frees arch; the struct itself is the caller's */
void           dl_train_config_free (DlTrainConfig *cfg);    /* for copies */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlTrainConfig, dl_train_config_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DlTrainConfig, dl_train_config_clear)

G_END_DECLS
