/* dl-run-compat.h — what the worker branch adds to src/worker (DESIGN.md), filled in for today's worker.
 *
 * The one place to switch when the worker branch lands: its GEnum DL_TYPE_TRAIN_STATE (dl-train-state.h:
 * DL_TRAIN_READY, RUNNING, PAUSED, DIVERGED, FINISHED, STOPPED, FAILED) and DlEvalKind (DL_EVAL_SUBSET,
 * DL_EVAL_EPOCH, DL_EVAL_REQUESTED on each evaluation). Then this header only includes the worker's, and
 * dl-run-compat.c goes. SQLite stores states and kinds as their nicks ("ready", "subset", …), so the numbers
 * may change freely.
 */
#pragma once

#include <glib-object.h>
#include "dl-worker.h"

G_BEGIN_DECLS

#define DL_TRAIN_READY    DL_TRAIN_IDLE
#define DL_TRAIN_DIVERGED ((DlTrainState) 4)
#define DL_TRAIN_FINISHED ((DlTrainState) 5)
#define DL_TRAIN_FAILED   ((DlTrainState) 6)

#define DL_TYPE_TRAIN_STATE (dl_run_train_state_get_type ())
GType dl_run_train_state_get_type (void) G_GNUC_CONST;

typedef enum {
  DL_EVAL_SUBSET,      /* periodic, on the first 2,000 test images */
  DL_EVAL_EPOCH,       /* end of an epoch, the whole test set */
  DL_EVAL_REQUESTED,   /* asked for, the whole test set */
} DlEvalKind;

#define DL_TYPE_EVAL_KIND (dl_run_eval_kind_get_type ())
GType dl_run_eval_kind_get_type (void) G_GNUC_CONST;

G_END_DECLS
