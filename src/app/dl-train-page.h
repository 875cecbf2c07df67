/* dl-train-page.h — the Train page: the recipe of the next run (the session's draft: preset, layers, seed,
 * epochs, schedule and the live settings), the run buttons (session actions), and the run shown: its name,
 * state, progress and headline figures, its curves (loss, accuracy, learning rate) with its markers, and the
 * compared runs overlaid beneath it — each run, or the mean of runs that differ only in their seed.
 *
 * Properties: "session" (DlSession: the page shows its run and compared runs, sends it the draft and acts
 * through its actions), "run" (DlRun: the run shown; bound to the session's, or set directly on a page
 * without one), "compared" (GListModel of DlRun, likewise).
 * Actions: train.export-png, train.export-svg, train.export-csv (every plot shown, in one file).
 */
#pragma once

#include <gtk/gtk.h>

#include "dl-lr-finder.h"
#include "dl-plot.h"
#include "dl-run.h"
#include "dl-session.h"

G_BEGIN_DECLS

/* The learning rates the rate field accepts and its slider spans (on a log scale): the range the
 * learning-rate finder sweeps, so whatever it suggests can be shown and set. */
#define DL_TRAIN_LR_MIN 1e-6
#define DL_TRAIN_LR_MAX 10.0

#define DL_TYPE_TRAIN_PAGE (dl_train_page_get_type ())
G_DECLARE_FINAL_TYPE (DlTrainPage, dl_train_page, DL, TRAIN_PAGE, GtkWidget)

void           dl_train_page_set_session (DlTrainPage *self, DlSession *session);
DlSession     *dl_train_page_get_session (DlTrainPage *self);
void           dl_train_page_set_run (DlTrainPage *self, DlRun *run);
DlRun         *dl_train_page_get_run (DlTrainPage *self);
void           dl_train_page_set_compared (DlTrainPage *self, GListModel *compared);

/* The run the controls describe: preset, layers, seed, epochs, schedule and the hyperparameters. */
void           dl_train_page_get_config (DlTrainPage *self, DlTrainConfig *cfg);
/* The chosen preset by name (dl-arch.h presets); unknown names are ignored. */
const char    *dl_train_page_get_preset (DlTrainPage *self);
void           dl_train_page_set_preset (DlTrainPage *self, const char *name);

/* The learning rate the optimiser used, per batch (the run's lr series, which the page shows by itself),
 * drawn in its own plot on a log axis; NULL hides that plot. */
void           dl_train_page_set_lr_series (DlTrainPage *self, DlSeries *series);

/* The learning-rate slider's adjustment (log10 of the rate), the schedule's drop-down and the plots, for
 * tests and benchmarks. */
GtkAdjustment *dl_train_page_get_lr_adjustment (DlTrainPage *self);
GtkDropDown   *dl_train_page_get_schedule_dropdown (DlTrainPage *self);
DlPlot        *dl_train_page_get_loss_plot (DlTrainPage *self);
DlPlot        *dl_train_page_get_accuracy_plot (DlTrainPage *self);
DlPlot        *dl_train_page_get_lr_plot (DlTrainPage *self);
/* The "Find…" button of the learning-rate finder (and its popover). */
DlLrFinder    *dl_train_page_get_lr_finder (DlTrainPage *self);

G_END_DECLS
