/* dl-run.h — a run: one training of one network on one data set, with everything it produced.
 *
 * Frozen when the run is made (construct-only): its uuid, the starting recipe (a DlTrainConfig: the
 * architecture, seed, hyperparameters, schedule…; its settings until it first trains, see
 * dl_run_amend_recipe), the preset it came from, the data set (DlRunData: paths,
 * sizes, SHA-256), the program that recorded it, and its origin (a loaded model's path and checksum; a
 * parent run and step, for branched runs). Mutable, with notify: name and notes (the user's), the state,
 * timings, steps, the best whole-test-set accuracy and its epoch, the final accuracy, the final model.
 *
 * A run owns its series (DlSeries, x = epochs done, fractional; accuracies in percent, as drawn), its markers
 * (hyperparameter changes acknowledged while it trained) and its evaluations. A run read from the store has
 * only its summary until dl_run_store_load_run[_async] fills the rest ("loaded").
 *
 * Main thread only: pages bind to its properties; DlRunRecorder and DlRunStore keep it up to date.
 */
#pragma once

#include <glib-object.h>
#include "dl-event.h"
#include "dl-run-config.h"
#include "dl-run-data.h"
#include "dl-series.h"
#include "dl-train-config.h"
#include "dl-train-state.h"

G_BEGIN_DECLS

typedef enum {
  DL_RUN_SERIES_LOSS,              /* per batch: the batch's mean training loss */
  DL_RUN_SERIES_LR,                /* per batch: the learning rate the optimiser used */
  DL_RUN_SERIES_SUBSET_LOSS,       /* periodic evaluations on the first 2,000 test images */
  DL_RUN_SERIES_SUBSET_ACCURACY,
  DL_RUN_SERIES_TEST_LOSS,         /* the whole test set: epoch ends and requested evaluations */
  DL_RUN_SERIES_TEST_ACCURACY,
  DL_RUN_SERIES_TRAIN_LOSS,        /* per epoch, over its training batches */
  DL_RUN_SERIES_TRAIN_ACCURACY,
  DL_RUN_N_SERIES
} DlRunSeriesKind;

/* "loss", "lr", "subset_loss", "subset_accuracy", "test_loss", "test_accuracy", "train_loss",
 * "train_accuracy": the names in the store's export and the CLI. */
const char *dl_run_series_key (DlRunSeriesKind kind);
gboolean    dl_run_series_from_key (const char *key, DlRunSeriesKind *kind);
/* Whether the series holds an accuracy (percent in the series, a fraction in the store and exports). */
gboolean    dl_run_series_is_accuracy (DlRunSeriesKind kind);

/* A hyperparameter change the worker acknowledged while the run trained. */
typedef struct {
  gint64  step;    /* the first optimiser step that used it */
  double  x;       /* epochs done then */
  char   *text;    /* "lr 0.05 → 0.01; batch 64 → 128" */
} DlRunMarker;

/* One evaluation on the test set. */
typedef struct {
  DlEvalKind kind;
  gint64     step;
  double     x;
  int        epoch;       /* 0-based epoch it ended or fell in */
  int        n;           /* examples evaluated */
  int        correct;
  double     loss;
  double     accuracy;    /* a fraction */
  int        confusion[DL_N_CLASSES][DL_N_CLASSES];  /* [true][predicted] */
  /* Whole-set evaluations only (NULL for the subset): per example, the predicted class (n bytes) and the
   * ten probabilities quantised to 1/255 (n × 10 bytes), as the store keeps them. */
  GBytes    *predicted;
  GBytes    *probs;
  /* The layers' histograms and health at this evaluation (dl-layer-stats.h); NULL when not measured. */
  DlLayerStats *layer_stats;
} DlRunEval;

/* Free what a marker or an evaluation holds (GArray clear functions: the pointer is to the element). */
void dl_run_marker_clear (gpointer marker);
void dl_run_eval_clear (gpointer eval);

/* The evaluation kind's nick as the store keeps it ("subset", "epoch", "requested"), and back; the states
 * are kept as dl_train_state_to_nick's. */
const char *dl_run_eval_kind_nick (DlEvalKind kind);
gboolean    dl_run_eval_kind_from_nick (const char *nick, DlEvalKind *kind);
/* Whether a run in this state has ended (finished, stopped, failed). */
gboolean    dl_run_state_is_final (DlTrainState state);

#define DL_TYPE_RUN (dl_run_get_type ())
G_DECLARE_FINAL_TYPE (DlRun, dl_run, DL, RUN, GObject)

/* A new run (state ready, a fresh uuid, created now, named after the preset and the time) of `config`
 * (copied); `preset` NULL for a custom recipe, `data` may be NULL when unknown. The other frozen properties
 * ("origin-model-path", "origin-model-sha256", "parent-uuid", "parent-step", "program", "uuid",
 * "created-at") go through g_object_new. */
DlRun       *dl_run_new (const DlTrainConfig *config, const char *preset, DlRunData *data);

/* Frozen. */
const char  *dl_run_get_uuid (DlRun *self);
gint64       dl_run_get_created_at (DlRun *self);     /* wall clock, µs since 1970 */
const DlTrainConfig *dl_run_get_config (DlRun *self);
/* Until it first trains (READY, never started) a run's settings may still change, and they are then part of
 * the recipe it starts with (a branch's, changed between "Branch from Here" and Start): the one exception
 * to the frozen recipe; notifies "config". */
void         dl_run_amend_recipe (DlRun *self, const DlHyper *hyper, int batch, gboolean augment);
const char  *dl_run_get_arch (DlRun *self);
guint64      dl_run_get_seed (DlRun *self);
const char  *dl_run_get_preset (DlRun *self);         /* NULL: custom */
DlRunData   *dl_run_get_data (DlRun *self);           /* NULL: unknown */
const char  *dl_run_get_program (DlRun *self);        /* "digitlab", "digitlab-cli", … */
const char  *dl_run_get_origin_model_path (DlRun *self);
const char  *dl_run_get_origin_model_sha256 (DlRun *self);
const char  *dl_run_get_parent_uuid (DlRun *self);
gint64       dl_run_get_parent_step (DlRun *self);

/* The store's number for the run (what `digitlab-cli runs` shows): 0 until the store has it. */
gint64       dl_run_get_number (DlRun *self);
void         dl_run_set_number (DlRun *self, gint64 number);

/* The user's: a rename or a note is saved by the store that holds the run. */
const char  *dl_run_get_name (DlRun *self);
void         dl_run_set_name (DlRun *self, const char *name);
const char  *dl_run_get_notes (DlRun *self);
void         dl_run_set_notes (DlRun *self, const char *notes);

/* What the recorder (or the store, for past runs) keeps up to date. */
DlTrainState dl_run_get_state (DlRun *self);
void         dl_run_set_state (DlRun *self, DlTrainState state);
gint64       dl_run_get_started_at (DlRun *self);     /* µs since 1970; 0 before it first trained */
void         dl_run_set_started_at (DlRun *self, gint64 t);
gint64       dl_run_get_ended_at (DlRun *self);       /* 0 while it can go on */
void         dl_run_set_ended_at (DlRun *self, gint64 t);
double       dl_run_get_train_seconds (DlRun *self);  /* training time, pauses excluded */
void         dl_run_set_train_seconds (DlRun *self, double seconds);
gint64       dl_run_get_steps (DlRun *self);
double       dl_run_get_epochs_done (DlRun *self);
void         dl_run_set_progress (DlRun *self, gint64 steps, double epochs_done);
/* Best whole-test-set accuracy (a fraction; NaN before any) and the 0-based epoch it was reached in. */
double       dl_run_get_best_test_accuracy (DlRun *self);
int          dl_run_get_best_epoch (DlRun *self);
void         dl_run_set_best (DlRun *self, double accuracy, int epoch);
/* The final model's whole-test-set accuracy (a fraction; NaN until the run ended and was evaluated). */
double       dl_run_get_final_test_accuracy (DlRun *self);
void         dl_run_set_final_test_accuracy (DlRun *self, double accuracy);
/* The final model, saved into the store's directory when the run ended; NULL before. */
const char  *dl_run_get_final_model_path (DlRun *self);
void         dl_run_set_final_model_path (DlRun *self, const char *path);
/* When the run was deleted (soft: the store can restore it), µs since 1970; 0 when it is not. */
gint64       dl_run_get_deleted_at (DlRun *self);
void         dl_run_set_deleted_at (DlRun *self, gint64 t);
/* Whether the series, markers and evaluations are all here (a live run, or one the store loaded). */
gboolean     dl_run_get_loaded (DlRun *self);
void         dl_run_set_loaded (DlRun *self, gboolean loaded);

DlSeries    *dl_run_get_series (DlRun *self, DlRunSeriesKind kind);

guint        dl_run_get_n_markers (DlRun *self);
const DlRunMarker *dl_run_get_marker (DlRun *self, guint i);
/* Emits "marker-added" with its index. */
void         dl_run_add_marker (DlRun *self, gint64 step, double x, const char *text);

guint        dl_run_get_n_evals (DlRun *self);
const DlRunEval *dl_run_get_eval (DlRun *self, guint i);
/* Copies `ev` (taking a reference on its bytes); emits "eval-added" with its index. Does not touch the
 * series or the best figure: the recorder does. */
void         dl_run_add_eval (DlRun *self, const DlRunEval *ev);

/* Forgets every series point, marker and evaluation (before the store reloads them). */
void         dl_run_clear_history (DlRun *self);

G_END_DECLS
