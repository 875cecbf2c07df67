/* dl-train-page.h — the Train page: model and hyperparameter controls, live status and plots. */
#pragma once

#include <gtk/gtk.h>

#include "dl-plot.h"
#include "dl-worker.h"

G_BEGIN_DECLS

#define DL_TYPE_TRAIN_PAGE (dl_train_page_get_type ())
G_DECLARE_FINAL_TYPE (DlTrainPage, dl_train_page, DL, TRAIN_PAGE, GtkWidget)

/* The run the controls describe: preset, layers, seed, epochs and the hyperparameters. */
void           dl_train_page_get_config (DlTrainPage *self, DlTrainConfig *cfg);
/* The chosen preset by name (dl-arch.h presets); unknown names are ignored. */
const char    *dl_train_page_get_preset (DlTrainPage *self);
void           dl_train_page_set_preset (DlTrainPage *self, const char *name);
/* Forget the plotted run (a reset starts a new one). */
void           dl_train_page_clear (DlTrainPage *self);

/* The learning rate the optimiser used, per batch (a run's lr series), drawn in its own plot on a log axis;
 * NULL hides that plot (the default). */
void           dl_train_page_set_lr_series (DlTrainPage *self, DlSeries *series);

/* The learning-rate slider's adjustment (log10 of the rate) and the plots, for tests and the window (other
 * runs are overlaid with dl_plot_add_run; this page's own run is each plot's current run). */
GtkAdjustment *dl_train_page_get_lr_adjustment (DlTrainPage *self);
DlPlot        *dl_train_page_get_loss_plot (DlTrainPage *self);
DlPlot        *dl_train_page_get_accuracy_plot (DlTrainPage *self);
DlPlot        *dl_train_page_get_lr_plot (DlTrainPage *self);

G_END_DECLS
