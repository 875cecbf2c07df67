/* dl-run-recorder-private.h — what the files of DlRunRecorder share:
 *
 *   dl-run-recorder.c           the object, the runs it makes and ends, states, models and errors
 *   dl-run-recorder-training.c  the training's figures: batch losses, changes, evaluations, epochs
 */
#pragma once

#include "dl-run-recorder.h"

G_BEGIN_DECLS

typedef struct {
  DlRunSpec      spec;      /* owned copies */
  DlTrainConfig  config;
} Pending;

/* An event of the run before it was stored (a change made while it was ready): written when it is. */
typedef struct {
  char    *kind, *text;
  gint64   step;
  double   x;
} Early;

struct _DlRunRecorder
{
  GObject        parent_instance;

  DlWorker      *worker;
  DlRunStore    *store;
  DlRun         *run;
  gboolean       record;          /* runs that begin training from now on go into the store */
  gboolean       unrecorded;      /* the current run began training while `record` was off: never stored */
  gboolean       stored;          /* the run is in the store (it has trained) */
  GPtrArray     *early;           /* Early*, until stored */
  Pending       *pending;         /* a run asked for and not acknowledged yet */

  /* Following the worker, for the current run. */
  guint          serial;          /* the worker's run serial of the current run (DlEvent.run_serial) */
  gint64         whole_eval_step; /* step of the latest whole-test-set evaluation, -1: none */
  double         whole_eval_accuracy;
  double         epoch_start;     /* the worker's training seconds when this epoch began */
  gint64         final_step;      /* the step the final model and evaluation were asked for, -1: not yet */
  gboolean       final_eval_pending;

  char          *final_path;      /* a final model being saved … */
  DlRun         *final_run;       /* … for this run */
  gboolean       busy;
  guint          retention;       /* checkpoints kept besides the ends of epochs */
};

/* The x of an event on a run's plots: epochs done, fractions included. */
static inline double
event_x (const DlEvent *ev)
{
  return ev->epoch + ev->epoch_fraction;
}

/* The run's figures into the store, when it is stored. */
void _dl_run_recorder_save_figures (DlRunRecorder *self);
/* An event of the run into the store's log (kept until the run is stored). */
void _dl_run_recorder_log_event (DlRunRecorder *self, const char *kind, gint64 step, double x, gboolean marker,
                                 const char *text);
/* :busy anew: a run asked for, a final model being saved, a final evaluation to come. */
void _dl_run_recorder_update_busy (DlRunRecorder *self);

/* The current run's training events (dl-run-recorder-training.c). */
void _dl_run_recorder_on_progress (DlRunRecorder *self, const DlEvent *ev);
void _dl_run_recorder_on_hyper (DlRunRecorder *self, const DlEvent *ev);
void _dl_run_recorder_on_eval (DlRunRecorder *self, const DlEvent *ev);

G_END_DECLS
