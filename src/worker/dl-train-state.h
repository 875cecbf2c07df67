/* dl-train-state.h — where a training run is: one notion of state, shared by the worker, the run model
 * and the run store (which keeps the nicks), registered as a GEnum for properties and bindings.
 *
 *   new run / loaded model ─▶ READY ─start─▶ RUNNING ◀─pause/resume─▶ PAUSED
 *                                               │  └─NaN or explosion─▶ DIVERGED ─resume─▶ RUNNING
 *                                               └─last epoch─▶ FINISHED ─continue─▶ RUNNING
 *   stop (RUNNING, PAUSED, DIVERGED) ─▶ STOPPED ─continue─▶ RUNNING
 *   data replaced under a RUNNING, PAUSED or DIVERGED run ─▶ FAILED (terminal)
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  DL_TRAIN_READY,     /* a network is built or loaded, nothing trained in this run yet (also: no run yet) */
  DL_TRAIN_RUNNING,
  DL_TRAIN_PAUSED,    /* by the user; resume goes on */
  DL_TRAIN_DIVERGED,  /* paused by the worker after NaN/Inf or an exploded loss, the last good parameters
                       * restored; resume goes on */
  DL_TRAIN_FINISHED,  /* every planned epoch done; continue adds epochs */
  DL_TRAIN_STOPPED,   /* ended by the user; continue adds epochs */
  DL_TRAIN_FAILED,    /* the run cannot go on (its data set was replaced while it trained); terminal */
} DlTrainState;

#define DL_TYPE_TRAIN_STATE (dl_train_state_get_type ())
GType        dl_train_state_get_type (void) G_GNUC_CONST;

/* "ready", "running", "paused", "diverged", "finished", "stopped", "failed": the GEnum's nicks. */
const char  *dl_train_state_to_nick (DlTrainState state);
gboolean     dl_train_state_from_nick (const char *nick, DlTrainState *state);

/* RUNNING, PAUSED or DIVERGED: the run is under way; only changes made now are live changes. */
gboolean     dl_train_state_is_live (DlTrainState state);
/* FINISHED or STOPPED: the run has ended and continue can add epochs. */
gboolean     dl_train_state_can_continue (DlTrainState state);
/* RUNNING, PAUSED, DIVERGED, FINISHED or STOPPED: the run has trained and can still go on, so a
 * hyperparameter change now is a live change of it, taking effect at its next step (DESIGN.md). Only a
 * READY run's changes are part of the recipe it starts with; a FAILED run has no next step. */
gboolean     dl_train_state_takes_live_changes (DlTrainState state);

G_END_DECLS
