/* dl-train-page.c — the Train page.
 *
 * The controls always show what the worker will use: every change of a hyperparameter control is sent
 * to the worker (debounced, so dragging a slider makes one change, not fifty), and the worker's
 * acknowledgement marks the plots at the step where it took effect. Layers, seed and epochs describe
 * the next network and take effect on Reset.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "dl-plot-exporter.h"
#include "dl-series.h"
#include "dl-train-page.h"

#define HYPER_DEBOUNCE_MS 250
#define EVAL_EVERY_BATCHES 100

static const int batch_sizes[] = { 1, 8, 16, 32, 64, 100, 128, 256, 512, 1024 };

struct _DlTrainPage
{
  GtkWidget      parent_instance;

  DlWorker      *worker;
  DlSeries      *loss_series;        /* per batch, smoothed */
  DlSeries      *test_loss_series;   /* per evaluation */
  DlSeries      *train_acc_series;   /* per epoch */
  DlSeries      *test_acc_series;    /* per evaluation */
  DlPlotRun     *loss_run;           /* this run as the loss and accuracy plots draw it */
  DlPlotRun     *accuracy_run;
  DlPlotRun     *lr_run;             /* the learning rate, once one is given */
  DlPlotExporter *exporter;          /* the export buttons' save dialog */
  double         lr;                 /* exact; the slider shows log10 of it */
  gboolean       syncing;            /* controls being set from a preset: don't send */
  guint          hyper_timeout_id;

  /* template children */
  GtkAdjustment *lr_adjustment;
  GtkAdjustment *momentum_adjustment;
  GtkAdjustment *weight_decay_adjustment;
  GtkAdjustment *epochs_adjustment;
  GtkAdjustment *seed_adjustment;
  GtkAdjustment *smoothing_adjustment;
  GtkDropDown   *preset_dropdown;
  GtkLabel      *preset_description;
  GtkEntry      *arch_entry;
  GtkEntry      *lr_entry;
  GtkDropDown   *batch_dropdown;
  GtkDropDown   *optimizer_dropdown;
  GtkDropDown   *reduce_dropdown;
  GtkSwitch     *augment_switch;
  GtkSwitch     *log_switch;
  GtkLabel      *epoch_label;
  GtkLabel      *state_label;
  GtkProgressBar *epoch_progress;
  GtkLabel      *speed_label;
  GtkLabel      *loss_value_label;
  GtkLabel      *accuracy_value_label;
  GtkInfoBar    *health_bar;
  GtkLabel      *health_label;
  DlPlot        *loss_plot;
  DlPlot        *accuracy_plot;
  DlPlot        *lr_plot;
};

G_DEFINE_FINAL_TYPE (DlTrainPage, dl_train_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_WORKER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- reading and writing the controls ---- */

static const DlPreset *
selected_preset (DlTrainPage *self)
{
  return dl_presets ()[gtk_drop_down_get_selected (self->preset_dropdown)];
}

static int
selected_batch (DlTrainPage *self)
{
  return batch_sizes[gtk_drop_down_get_selected (self->batch_dropdown)];
}

static void
read_hyper (DlTrainPage *self, DlHyper *hyper)
{
  dl_hyper_init_default (hyper);
  hyper->lr = self->lr;
  hyper->momentum = gtk_adjustment_get_value (self->momentum_adjustment);
  hyper->weight_decay = gtk_adjustment_get_value (self->weight_decay_adjustment);
  hyper->optimizer = (DlOptimizer) gtk_drop_down_get_selected (self->optimizer_dropdown);
  hyper->reduce = gtk_drop_down_get_selected (self->reduce_dropdown) == 1 ? DL_REDUCE_SUM : DL_REDUCE_MEAN;
}

static void
show_lr (DlTrainPage *self)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (text, sizeof text, "%.4g", self->lr);
  gtk_editable_set_text (GTK_EDITABLE (self->lr_entry), text);
  gtk_widget_remove_css_class (GTK_WIDGET (self->lr_entry), "error");
  self->syncing++;
  gtk_adjustment_set_value (self->lr_adjustment, log10 (self->lr));
  self->syncing--;
}

static void
select_batch (DlTrainPage *self, int batch)
{
  guint best = 0;

  for (guint i = 0; i < G_N_ELEMENTS (batch_sizes); i++)
    if (abs (batch_sizes[i] - batch) < abs (batch_sizes[best] - batch))
      best = i;
  gtk_drop_down_set_selected (self->batch_dropdown, best);
}

static void
show_hyper (DlTrainPage *self, const DlHyper *hyper, int batch, gboolean augment)
{
  self->syncing++;
  self->lr = hyper->lr;
  show_lr (self);
  gtk_adjustment_set_value (self->momentum_adjustment, hyper->momentum);
  gtk_adjustment_set_value (self->weight_decay_adjustment, hyper->weight_decay);
  gtk_drop_down_set_selected (self->optimizer_dropdown, hyper->optimizer);
  gtk_drop_down_set_selected (self->reduce_dropdown, hyper->reduce == DL_REDUCE_SUM ? 1 : 0);
  select_batch (self, batch);
  gtk_switch_set_active (self->augment_switch, augment);
  self->syncing--;
}

static void
apply_preset (DlTrainPage *self, const DlPreset *preset)
{
  self->syncing++;
  gtk_editable_set_text (GTK_EDITABLE (self->arch_entry), preset->arch);
  gtk_label_set_text (self->preset_description, preset->description);
  gtk_adjustment_set_value (self->epochs_adjustment, preset->epochs);
  show_hyper (self, &preset->hyper, preset->batch, preset->augment);
  self->syncing--;
}

void
dl_train_page_get_config (DlTrainPage *self, DlTrainConfig *cfg)
{
  g_return_if_fail (DL_IS_TRAIN_PAGE (self));

  dl_train_config_from_preset (cfg, selected_preset (self));
  g_free (cfg->arch);
  cfg->arch = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->arch_entry)));
  read_hyper (self, &cfg->hyper);
  cfg->batch = selected_batch (self);
  cfg->epochs = (int) gtk_adjustment_get_value (self->epochs_adjustment);
  cfg->seed = (guint64) gtk_adjustment_get_value (self->seed_adjustment);
  cfg->augment = gtk_switch_get_active (self->augment_switch);
  cfg->eval_every = EVAL_EVERY_BATCHES;
  /* One core stays with the window: training threads competing with it make every frame late. */
  cfg->threads = MAX (1, (int) g_get_num_processors () - 1);
}

const char *
dl_train_page_get_preset (DlTrainPage *self)
{
  g_return_val_if_fail (DL_IS_TRAIN_PAGE (self), NULL);
  return selected_preset (self)->name;
}

void
dl_train_page_set_preset (DlTrainPage *self, const char *name)
{
  const DlPreset *const *presets = dl_presets ();

  g_return_if_fail (DL_IS_TRAIN_PAGE (self));
  for (guint i = 0; presets[i] != NULL; i++)
    if (g_strcmp0 (presets[i]->name, name) == 0)
      gtk_drop_down_set_selected (self->preset_dropdown, i);
}

/* ---- sending changes ---- */

static gboolean
send_hyper (gpointer user_data)
{
  DlTrainPage *self = user_data;
  DlHyper hyper;

  self->hyper_timeout_id = 0;
  if (self->worker == NULL)
    return G_SOURCE_REMOVE;
  read_hyper (self, &hyper);
  dl_worker_set_hyper (self->worker, &hyper, selected_batch (self), gtk_switch_get_active (self->augment_switch));
  return G_SOURCE_REMOVE;
}

static void
hyper_changed (DlTrainPage *self)
{
  if (self->syncing)
    return;
  g_clear_handle_id (&self->hyper_timeout_id, g_source_remove);
  self->hyper_timeout_id = g_timeout_add (HYPER_DEBOUNCE_MS, send_hyper, self);
}

static void
lr_scale_changed_cb (DlTrainPage *self)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];

  if (self->syncing)
    return;
  /* Three significant digits: the slider gives 0.0501, not 0.050118723. */
  g_ascii_formatd (text, sizeof text, "%.3g", pow (10.0, gtk_adjustment_get_value (self->lr_adjustment)));
  self->lr = g_ascii_strtod (text, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->lr_entry), text);
  gtk_widget_remove_css_class (GTK_WIDGET (self->lr_entry), "error");
  hyper_changed (self);
}

static void
lr_entry_activate_cb (DlTrainPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->lr_entry));
  char *end = NULL;
  double lr = g_ascii_strtod (text, &end);

  if (end == text || *end != '\0' || !(lr > 0.0 && lr <= 10.0))
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->lr_entry), "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->lr_entry),
                                   _("The learning rate must be a number above 0 and at most 10, e.g. 0.05 or 3e-4"));
      return;
    }
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->lr_entry), _("The exact learning rate; type a value and press Enter"));
  self->lr = lr;
  show_lr (self);
  hyper_changed (self);
}

static void
arch_changed_cb (DlTrainPage *self)
{
  g_autoptr (GError) error = NULL;
  DlArch arch;

  if (dl_arch_parse (gtk_editable_get_text (GTK_EDITABLE (self->arch_entry)), &arch, &error))
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->arch_entry), "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->arch_entry),
                                   _("Layers separated by commas; applied on Reset"));
    }
  else
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->arch_entry), "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->arch_entry), error->message);
    }
}

static void
preset_changed_cb (DlTrainPage *self)
{
  apply_preset (self, selected_preset (self));
  hyper_changed (self);
}

/* ---- showing the worker's events ---- */

static char *
format_duration (double seconds)
{
  int s = (int) (seconds + 0.5);

  if (!isfinite (seconds) || seconds < 0)
    return g_strdup ("—");
  if (s >= 3600)
    return g_strdup_printf ("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  return g_strdup_printf ("%d:%02d", s / 60, s % 60);
}

static double
event_x (const DlEvent *ev)
{
  return ev->epoch + ev->epoch_fraction;
}

static void
append_batch_losses (DlSeries *series, GArray *losses)
{
  g_autofree double *x = g_new (double, losses->len);
  g_autofree double *y = g_new (double, losses->len);

  for (guint i = 0; i < losses->len; i++)
    {
      x[i] = g_array_index (losses, DlBatchLoss, i).x;
      y[i] = g_array_index (losses, DlBatchLoss, i).loss;
    }
  dl_series_append_many (series, x, y, losses->len);
}

static void
show_progress (DlTrainPage *self, const DlEvent *ev)
{
  g_autofree char *epoch = g_strdup_printf (_("Epoch %d of %d"), MIN (ev->epoch + 1, ev->epochs), ev->epochs);
  g_autofree char *elapsed = format_duration (ev->elapsed_seconds);
  g_autofree char *eta = format_duration (ev->eta_seconds);
  g_autofree char *speed = g_strdup_printf (_("%.0f samples/s · elapsed %s · %s left · step %lld"),
                                            ev->samples_per_second, elapsed, eta, (long long) ev->step);
  g_autofree char *loss = ev->step > 0 ? g_strdup_printf ("%.4f", ev->loss) : g_strdup ("—");

  gtk_label_set_text (self->epoch_label, epoch);
  gtk_progress_bar_set_fraction (self->epoch_progress, CLAMP (ev->epoch_fraction, 0.0, 1.0));
  gtk_label_set_text (self->speed_label, speed);
  gtk_label_set_text (self->loss_value_label, loss);
  if (ev->batch_losses != NULL)
    append_batch_losses (self->loss_series, ev->batch_losses);
}

static void
show_health (DlTrainPage *self, GtkMessageType type, const char *text)
{
  gtk_info_bar_set_message_type (self->health_bar, type);
  gtk_label_set_text (self->health_label, text);
  gtk_info_bar_set_revealed (self->health_bar, text != NULL && *text != '\0');
}

static void
show_diagnosis (DlTrainPage *self, const DlDiagnosis *diagnosis)
{
  g_autoptr (GString) text = g_string_new (NULL);

  for (guint i = 0; diagnosis != NULL && i < diagnosis->messages->len; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? "\n" : "", (const char *) g_ptr_array_index (diagnosis->messages, i));
  show_health (self, diagnosis != NULL && diagnosis->collapsed ? GTK_MESSAGE_ERROR : GTK_MESSAGE_WARNING, text->str);
}

static void
show_eval (DlTrainPage *self, const DlEvent *ev)
{
  g_autofree char *accuracy = g_strdup_printf ("%.2f %%", 100.0 * ev->test_accuracy);
  double x = event_x (ev);

  gtk_label_set_text (self->accuracy_value_label, accuracy);
  dl_series_append (self->test_acc_series, x, 100.0 * ev->test_accuracy);
  dl_series_append (self->test_loss_series, x, ev->test_loss);
  if (ev->end_of_epoch)
    dl_series_append (self->train_acc_series, x, 100.0 * ev->train_accuracy);
  show_diagnosis (self, ev->diagnosis);
}

static const char *
state_text (DlTrainState state)
{
  switch (state)
    {
    case DL_TRAIN_READY:    return _("Ready");
    case DL_TRAIN_RUNNING:  return _("Training");
    case DL_TRAIN_PAUSED:   return _("Paused");
    case DL_TRAIN_DIVERGED: return _("Paused: diverged");
    case DL_TRAIN_FINISHED: return _("Finished");
    case DL_TRAIN_STOPPED:  return _("Stopped");
    case DL_TRAIN_FAILED:   return _("Failed");
    default:                return "";
    }
}

static void
show_state (DlTrainPage *self, DlTrainState state)
{
  gboolean fresh = !dl_train_state_is_live (state);

  gtk_label_set_text (self->state_label, state_text (state));
  /* The architecture and seed describe the next network: only editable when one can be made. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->preset_dropdown), fresh);
  gtk_widget_set_sensitive (GTK_WIDGET (self->arch_entry), fresh);
}

static void
on_worker_event (DlTrainPage *self, DlEvent *ev)
{
  switch (ev->type)
    {
    case DL_EVENT_PROGRESS:
      show_progress (self, ev);
      break;
    case DL_EVENT_EVAL:
      show_eval (self, ev);
      break;
    case DL_EVENT_HYPER_APPLIED:
      /* Only a change during a run is one of the run; before it, it is part of its recipe. */
      if (ev->during_run && ev->change != NULL && *ev->change != '\0')
        {
          dl_plot_add_marker (self->loss_plot, event_x (ev), ev->change);
          dl_plot_add_marker (self->accuracy_plot, event_x (ev), ev->change);
        }
      break;
    case DL_EVENT_STATE:
      show_state (self, ev->state);
      break;
    case DL_EVENT_DIVERGED:
      show_health (self, GTK_MESSAGE_ERROR, ev->message);
      break;
    case DL_EVENT_DONE:
      gtk_label_set_text (self->state_label, _("Finished"));
      break;
    case DL_EVENT_MODEL_LOADED:
      self->syncing++;
      gtk_editable_set_text (GTK_EDITABLE (self->arch_entry), ev->config->arch);
      self->syncing--;
      break;
    case DL_EVENT_DATA_LOADED:
    case DL_EVENT_MODEL_SAVED:
    case DL_EVENT_ERROR:
    default:
      break;
    }
}

void
dl_train_page_clear (DlTrainPage *self)
{
  g_return_if_fail (DL_IS_TRAIN_PAGE (self));

  dl_series_clear (self->loss_series);
  dl_series_clear (self->test_loss_series);
  dl_series_clear (self->train_acc_series);
  dl_series_clear (self->test_acc_series);
  dl_plot_clear_markers (self->loss_plot);
  dl_plot_clear_markers (self->accuracy_plot);
  gtk_label_set_text (self->loss_value_label, "—");
  gtk_label_set_text (self->accuracy_value_label, "—");
  gtk_label_set_text (self->epoch_label, "");
  gtk_label_set_text (self->speed_label, "");
  gtk_progress_bar_set_fraction (self->epoch_progress, 0.0);
  show_health (self, GTK_MESSAGE_WARNING, NULL);
}

/* ---- plots and export ---- */

/* The plots shown, into one file (PNG and SVG one above the other, 1200 × 500 each; CSV all their data). */
static void
export_action (GtkWidget *widget, const char *name, GVariant *param)
{
  DlTrainPage *self = DL_TRAIN_PAGE (widget);
  DlPlotFormat format = g_str_equal (name, "train.export-png") ? DL_PLOT_FORMAT_PNG
                      : g_str_equal (name, "train.export-svg") ? DL_PLOT_FORMAT_SVG : DL_PLOT_FORMAT_CSV;

  dl_plot_exporter_choose (self->exporter, format, "digitlab");
}

/* The current run's curves: the test figures dashed, with their best values marked. */
static void
setup_plots (DlTrainPage *self)
{
  self->loss_series = dl_series_new (_("train loss (per batch)"), "blue");
  dl_series_set_smooth (self->loss_series, TRUE);
  self->test_loss_series = dl_series_new (_("test loss"), "orange");
  self->test_acc_series = dl_series_new (_("test accuracy"), "orange");
  self->train_acc_series = dl_series_new (_("train accuracy (epoch)"), "blue");

  self->loss_run = dl_plot_run_new (_("this run"), NULL);
  dl_plot_run_add_series (self->loss_run, self->loss_series, DL_PLOT_CURVE_DEFAULT);
  dl_plot_run_add_series (self->loss_run, self->test_loss_series,
                          DL_PLOT_CURVE_POINTS | DL_PLOT_CURVE_DASHED | DL_PLOT_CURVE_BEST_MIN);
  dl_plot_add_run (self->loss_plot, self->loss_run);
  dl_plot_set_current_run (self->loss_plot, self->loss_run);

  self->accuracy_run = dl_plot_run_new (_("this run"), NULL);
  dl_plot_run_add_series (self->accuracy_run, self->train_acc_series, DL_PLOT_CURVE_POINTS | DL_PLOT_CURVE_BEST_MAX);
  dl_plot_run_add_series (self->accuracy_run, self->test_acc_series,
                          DL_PLOT_CURVE_POINTS | DL_PLOT_CURVE_DASHED | DL_PLOT_CURVE_BEST_MAX);
  dl_plot_add_run (self->accuracy_plot, self->accuracy_run);
  dl_plot_set_current_run (self->accuracy_plot, self->accuracy_run);

  self->exporter = dl_plot_exporter_new (GTK_WIDGET (self), 1200, 500);
  dl_plot_exporter_add_plot (self->exporter, self->loss_plot);
  dl_plot_exporter_add_plot (self->exporter, self->accuracy_plot);
  dl_plot_exporter_add_plot (self->exporter, self->lr_plot);
}

void
dl_train_page_set_lr_series (DlTrainPage *self, DlSeries *series)
{
  g_return_if_fail (DL_IS_TRAIN_PAGE (self));
  g_return_if_fail (series == NULL || DL_IS_SERIES (series));

  if (self->lr_run)
    dl_plot_remove_run (self->lr_plot, self->lr_run);
  g_clear_object (&self->lr_run);
  if (series)
    {
      self->lr_run = dl_plot_run_new (_("this run"), NULL);
      dl_plot_run_add_series (self->lr_run, series, DL_PLOT_CURVE_DEFAULT);
      dl_plot_add_run (self->lr_plot, self->lr_run);
      dl_plot_set_current_run (self->lr_plot, self->lr_run);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->lr_plot), series != NULL);
}

/* ---- object ---- */

static void
dl_train_page_set_worker (DlTrainPage *self, DlWorker *worker)
{
  if (self->worker == worker)
    return;
  if (self->worker != NULL)
    g_signal_handlers_disconnect_by_data (self->worker, self);
  g_set_object (&self->worker, worker);
  if (worker != NULL)
    g_signal_connect_object (worker, "event", G_CALLBACK (on_worker_event), self, G_CONNECT_SWAPPED);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WORKER]);
}

static void
dl_train_page_dispose (GObject *object)
{
  DlTrainPage *self = DL_TRAIN_PAGE (object);

  g_clear_handle_id (&self->hyper_timeout_id, g_source_remove);
  dl_train_page_set_worker (self, NULL);
  /* Closes an open save dialog: its answer must not arrive for a page that is gone. */
  g_clear_object (&self->exporter);
  gtk_widget_dispose_template (GTK_WIDGET (self), DL_TYPE_TRAIN_PAGE);
  /* The template's top-level box is not a bound child: unparent it too. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_object (&self->loss_series);
  g_clear_object (&self->test_loss_series);
  g_clear_object (&self->train_acc_series);
  g_clear_object (&self->test_acc_series);
  g_clear_object (&self->loss_run);
  g_clear_object (&self->accuracy_run);
  g_clear_object (&self->lr_run);

  G_OBJECT_CLASS (dl_train_page_parent_class)->dispose (object);
}

static void
dl_train_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlTrainPage *self = DL_TRAIN_PAGE (object);

  switch (prop_id)
    {
    case PROP_WORKER:
      g_value_set_object (value, self->worker);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_train_page_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlTrainPage *self = DL_TRAIN_PAGE (object);

  switch (prop_id)
    {
    case PROP_WORKER:
      dl_train_page_set_worker (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_train_page_class_init (DlTrainPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dl_train_page_dispose;
  object_class->get_property = dl_train_page_get_property;
  object_class->set_property = dl_train_page_set_property;

  properties[PROP_WORKER] =
    g_param_spec_object ("worker", NULL, NULL, DL_TYPE_WORKER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (DL_TYPE_PLOT);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/digitlab/DigitLab/ui/dl-train-page.ui");
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, lr_adjustment);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, momentum_adjustment);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, weight_decay_adjustment);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, epochs_adjustment);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, seed_adjustment);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, smoothing_adjustment);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, preset_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, preset_description);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, arch_entry);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, lr_entry);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, batch_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, optimizer_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, reduce_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, augment_switch);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, log_switch);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, epoch_label);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, state_label);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, epoch_progress);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, speed_label);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, loss_value_label);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, accuracy_value_label);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, health_bar);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, health_label);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, loss_plot);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, accuracy_plot);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, lr_plot);
  gtk_widget_class_bind_template_callback (widget_class, lr_entry_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, arch_changed_cb);

  gtk_widget_class_install_action (widget_class, "train.export-png", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "train.export-svg", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "train.export-csv", NULL, export_action);
}

static GtkStringList *
preset_names (void)
{
  GtkStringList *names = gtk_string_list_new (NULL);

  for (const DlPreset *const *p = dl_presets (); *p != NULL; p++)
    gtk_string_list_append (names, (*p)->name);
  return names;
}

static void
dl_train_page_init (DlTrainPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  setup_plots (self);

  g_object_bind_property (self->smoothing_adjustment, "value", self->loss_plot, "smoothing", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->log_switch, "active", self->loss_plot, "log-y", G_BINDING_SYNC_CREATE);

  gtk_drop_down_set_model (self->preset_dropdown, G_LIST_MODEL (preset_names ()));
  apply_preset (self, selected_preset (self));

  g_signal_connect_swapped (self->preset_dropdown, "notify::selected", G_CALLBACK (preset_changed_cb), self);
  g_signal_connect_swapped (self->lr_adjustment, "value-changed", G_CALLBACK (lr_scale_changed_cb), self);
  g_signal_connect_swapped (self->momentum_adjustment, "value-changed", G_CALLBACK (hyper_changed), self);
  g_signal_connect_swapped (self->weight_decay_adjustment, "value-changed", G_CALLBACK (hyper_changed), self);
  g_signal_connect_swapped (self->batch_dropdown, "notify::selected", G_CALLBACK (hyper_changed), self);
  g_signal_connect_swapped (self->optimizer_dropdown, "notify::selected", G_CALLBACK (hyper_changed), self);
  g_signal_connect_swapped (self->reduce_dropdown, "notify::selected", G_CALLBACK (hyper_changed), self);
  g_signal_connect_swapped (self->augment_switch, "notify::active", G_CALLBACK (hyper_changed), self);
  show_state (self, DL_TRAIN_READY);
}

GtkAdjustment *
dl_train_page_get_lr_adjustment (DlTrainPage *self)
{
  g_return_val_if_fail (DL_IS_TRAIN_PAGE (self), NULL);
  return self->lr_adjustment;
}

DlPlot *
dl_train_page_get_loss_plot (DlTrainPage *self)
{
  g_return_val_if_fail (DL_IS_TRAIN_PAGE (self), NULL);
  return self->loss_plot;
}

DlPlot *
dl_train_page_get_accuracy_plot (DlTrainPage *self)
{
  g_return_val_if_fail (DL_IS_TRAIN_PAGE (self), NULL);
  return self->accuracy_plot;
}

DlPlot *
dl_train_page_get_lr_plot (DlTrainPage *self)
{
  g_return_val_if_fail (DL_IS_TRAIN_PAGE (self), NULL);
  return self->lr_plot;
}
