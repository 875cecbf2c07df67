/* dl-train-page-private.h — what the files of DlTrainPage share: dl-train-page.c (the controls and the
 * draft), dl-train-page-status.c (the status of the run shown) and dl-train-page-plots.c (the plots: the
 * run's curves, its markers, the compared runs). */
#pragma once

#include "dl-lr-finder.h"
#include "dl-plot-exporter.h"
#include "dl-session.h"
#include "dl-train-page.h"

G_BEGIN_DECLS

/* The plots, in the order the page shows them. */
enum { PLOT_LOSS, PLOT_ACCURACY, PLOT_LR, N_PLOTS };

struct _DlTrainPage
{
  GtkWidget       parent_instance;

  DlSession      *session;
  GSignalGroup   *session_signals;
  GBinding       *run_binding;       /* session:run → run */
  GBinding       *compared_binding;  /* session:compared → compared */
  DlRun          *run;
  GSignalGroup   *run_signals;
  GSignalGroup   *loss_signals;      /* the run's loss series: the headline */
  GListModel     *compared;
  DlPlotRun      *current[N_PLOTS];  /* the run as each plot draws it */
  GPtrArray      *overlays[N_PLOTS]; /* DlPlotRun: the compared runs */
  DlPlotExporter *exporter;          /* the export buttons' save dialog */
  double          lr;                /* exact; the slider shows log10 of it */
  gboolean        syncing;           /* controls being set from a preset or a run: not the user's changes */
  guint           hyper_timeout_id;

  /* template children */
  GtkAdjustment  *lr_adjustment;
  GtkAdjustment  *momentum_adjustment;
  GtkAdjustment  *weight_decay_adjustment;
  GtkAdjustment  *average_adjustment;
  GtkAdjustment  *epochs_adjustment;
  GtkAdjustment  *seed_adjustment;
  GtkAdjustment  *schedule_step_adjustment;
  GtkAdjustment  *schedule_gamma_adjustment;
  GtkAdjustment  *smoothing_adjustment;
  GtkDropDown    *preset_dropdown;
  GtkLabel       *preset_description;
  GtkEntry       *arch_entry;
  GtkDropDown    *schedule_dropdown;
  GtkBox         *schedule_step_box;
  GtkButton      *start_button;
  GtkButton      *continue_button;
  GtkLabel       *lr_label;
  GtkEntry       *lr_entry;
  GtkScale       *lr_scale;
  DlLrFinder     *lr_finder;
  GtkDropDown    *batch_dropdown;
  GtkDropDown    *optimizer_dropdown;
  GtkDropDown    *reduce_dropdown;
  GtkSwitch      *augment_switch;
  GtkSwitch      *log_switch;
  GtkDropDown    *seeds_dropdown;
  GtkLabel       *run_label;
  GtkLabel       *epoch_label;
  GtkLabel       *state_label;
  GtkProgressBar *epoch_progress;
  GtkLabel       *speed_label;
  GtkLabel       *loss_value_label;
  GtkLabel       *accuracy_value_label;
  GtkLabel       *accuracy_caption;
  GtkInfoBar     *health_bar;
  GtkLabel       *health_label;
  DlPlot         *plots[N_PLOTS];
};

/* dl-train-page-status.c */
/* The session's, the run's and its loss series' signal groups, followed by the status. */
void dl_train_page_status_init (DlTrainPage *self);
/* The status anew: after the session or the run shown changed. */
void dl_train_page_show_status (DlTrainPage *self);

/* dl-train-page-plots.c */
void dl_train_page_plots_init (DlTrainPage *self);
void dl_train_page_plots_dispose (DlTrainPage *self);
/* The run's curves (NULL: none) on every plot, drawn on top. */
void dl_train_page_show_run_curves (DlTrainPage *self);
/* The run's markers, again from the start. */
void dl_train_page_show_markers (DlTrainPage *self);
void dl_train_page_marker_added (DlTrainPage *self, guint index);
/* The compared runs, each or as means of seeds, beneath the run. */
void dl_train_page_show_overlays (DlTrainPage *self);
void dl_train_page_export (DlTrainPage *self, DlPlotFormat format);

G_END_DECLS
