/* dl-train-page.c — the Train page: its controls (the session's draft) and the run buttons (see
 * dl-train-page.h; the status of the run shown is in dl-train-page-status.c, the plots in
 * dl-train-page-plots.c).
 *
 * Every change of a control becomes the session's draft at once, so the Start button can say whether it
 * makes a new run; a change of a live setting (learning rate, momentum, …) is also offered to the live run,
 * debounced, so that dragging a slider makes one change, not fifty. Picking a preset or showing a run sets
 * the controls without offering anything: a preset describes a new run, it does not change the one under
 * way.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "dl-train-page-private.h"
#include "dl-wheel-guard.h"

#define HYPER_DEBOUNCE_MS 250
#define EVAL_EVERY_BATCHES 100

static const int batch_sizes[] = { 1, 8, 16, 32, 64, 100, 128, 256, 512, 1024 };

G_DEFINE_FINAL_TYPE (DlTrainPage, dl_train_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_RUN,
  PROP_COMPARED,
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
  hyper->average = gtk_adjustment_get_value (self->average_adjustment);
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
  gtk_adjustment_set_value (self->average_adjustment, hyper->average);
  gtk_drop_down_set_selected (self->optimizer_dropdown, hyper->optimizer);
  gtk_drop_down_set_selected (self->reduce_dropdown, hyper->reduce == DL_REDUCE_SUM ? 1 : 0);
  select_batch (self, batch);
  gtk_switch_set_active (self->augment_switch, augment);
  self->syncing--;
}

static void
show_schedule (DlTrainPage *self, DlSchedule schedule, float gamma, int step)
{
  self->syncing++;
  gtk_drop_down_set_selected (self->schedule_dropdown, schedule);
  if (step > 0)
    gtk_adjustment_set_value (self->schedule_step_adjustment, step);
  if (gamma > 0.0f)
    gtk_adjustment_set_value (self->schedule_gamma_adjustment, gamma);
  self->syncing--;
}

static void
apply_preset (DlTrainPage *self, const DlPreset *preset)
{
  self->syncing++;
  gtk_editable_set_text (GTK_EDITABLE (self->arch_entry), preset->arch);
  gtk_label_set_text (self->preset_description, _(preset->description));
  gtk_adjustment_set_value (self->epochs_adjustment, preset->epochs);
  show_schedule (self, preset->schedule, preset->schedule_gamma, preset->schedule_step);
  show_hyper (self, &preset->hyper, preset->batch, preset->augment);
  self->syncing--;
}

/* The controls show a run's recipe (its preset, when it names one). */
static void
show_config (DlTrainPage *self, const DlTrainConfig *cfg, const char *preset)
{
  const DlPreset *const *presets = dl_presets ();

  self->syncing++;
  for (guint i = 0; preset != NULL && presets[i] != NULL; i++)
    if (g_strcmp0 (presets[i]->name, preset) == 0)
      {
        gtk_drop_down_set_selected (self->preset_dropdown, i);
        gtk_label_set_text (self->preset_description, _(presets[i]->description));
      }
  gtk_editable_set_text (GTK_EDITABLE (self->arch_entry), cfg->arch);
  gtk_adjustment_set_value (self->epochs_adjustment, cfg->epochs);
  gtk_adjustment_set_value (self->seed_adjustment, (double) cfg->seed);
  show_schedule (self, cfg->schedule, cfg->schedule_gamma, cfg->schedule_step);
  show_hyper (self, &cfg->hyper, cfg->batch, cfg->augment);
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
  cfg->schedule = (DlSchedule) gtk_drop_down_get_selected (self->schedule_dropdown);
  cfg->schedule_step = (int) gtk_adjustment_get_value (self->schedule_step_adjustment);
  cfg->schedule_gamma = (float) gtk_adjustment_get_value (self->schedule_gamma_adjustment);
  cfg->augment = gtk_switch_get_active (self->augment_switch);
  cfg->eval_every = EVAL_EVERY_BATCHES;
  /* One core stays with the window: training threads competing with it make every frame late. */
  cfg->threads = MAX (1, (int) g_get_num_processors () - 1);
  /* The rest (BLAS kernel, split, conv algorithms) measured for this CPU when the run begins. */
  cfg->tune = TRUE;
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

/* ---- the draft ---- */

/* What the controls show becomes the session's draft, whoever changed them. */
static void
push_draft (DlTrainPage *self)
{
  g_auto (DlTrainConfig) cfg = { 0 };

  if (self->session == NULL)
    return;
  dl_train_page_get_config (self, &cfg);
  dl_session_set_config (self->session, &cfg, selected_preset (self)->name);
}

static gboolean
send_hyper (gpointer user_data)
{
  DlTrainPage *self = user_data;

  self->hyper_timeout_id = 0;
  if (self->session != NULL)
    dl_session_apply_hyper (self->session);
  return G_SOURCE_REMOVE;
}

/* A live setting changed: the draft now, the live run once the control has settled. */
static void
hyper_changed (DlTrainPage *self)
{
  push_draft (self);
  if (self->syncing)
    return;
  g_clear_handle_id (&self->hyper_timeout_id, g_source_remove);
  self->hyper_timeout_id = g_timeout_add (HYPER_DEBOUNCE_MS, send_hyper, self);
}

static void
update_schedule_controls (DlTrainPage *self)
{
  DlSchedule schedule = (DlSchedule) gtk_drop_down_get_selected (self->schedule_dropdown);

  gtk_widget_set_visible (GTK_WIDGET (self->schedule_step_box), schedule == DL_SCHEDULE_STEP);
  /* With a schedule, the rate typed is where it starts: the plot shows what each batch used. */
  gtk_label_set_text_with_mnemonic (self->lr_label, schedule == DL_SCHEDULE_NONE ? _("Learn_ing rate")
                                                                                : _("Base learn_ing rate"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->lr_label),
                               schedule == DL_SCHEDULE_COSINE
                                 ? _("The rate the cosine schedule starts from; it falls to 0 by the last epoch. "
                                     "The Learning rate plot shows the rate each batch used.")
                               : schedule == DL_SCHEDULE_STEP
                                 ? _("The rate the step schedule starts from; each step multiplies it by the "
                                     "factor shown. The Learning rate plot shows the rate each batch used.")
                                 : _("The rate of every batch"));
}

/* Layers, seed, epochs and schedule describe a new run. */
static void
frozen_changed (DlTrainPage *self)
{
  update_schedule_controls (self);
  push_draft (self);
}

static void
epochs_changed (DlTrainPage *self)
{
  int n = (int) gtk_adjustment_get_value (self->epochs_adjustment);
  g_autofree char *tip = g_strdup_printf (ngettext ("Train this run for %d more epoch", "Train this run for %d more epochs",
                                                    n), n);

  gtk_widget_set_tooltip_text (GTK_WIDGET (self->continue_button), tip);
  frozen_changed (self);
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

  if (end == text || *end != '\0' || !(lr >= DL_TRAIN_LR_MIN && lr <= DL_TRAIN_LR_MAX))
    {
      g_autofree char *tip = g_strdup_printf (_("The learning rate must be a number from %g to %g, e.g. 0.05 or 3e-4"),
                                              DL_TRAIN_LR_MIN, DL_TRAIN_LR_MAX);

      gtk_widget_add_css_class (GTK_WIDGET (self->lr_entry), "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->lr_entry), tip);
      return;
    }
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->lr_entry), _("The exact learning rate; type a value and press Enter"));
  self->lr = lr;
  show_lr (self);
  hyper_changed (self);
}

/* The finder's suggestion, set as if typed into the rate field: the draft, and the live run when it takes
 * live changes (a marker where it takes effect). */
static void
lr_finder_apply_cb (DlTrainPage *self, double lr)
{
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
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->arch_entry), _("Layers separated by commas; they describe a new run"));
    }
  else
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->arch_entry), "error");
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->arch_entry), error->message);
    }
  frozen_changed (self);
}

static void
preset_changed_cb (DlTrainPage *self)
{
  if (self->syncing)
    return;
  apply_preset (self, selected_preset (self));
  push_draft (self);
}

/* ---- the run shown ---- */

void
dl_train_page_set_run (DlTrainPage *self, DlRun *run)
{
  g_auto (DlTrainConfig) cfg = { 0 };

  g_return_if_fail (DL_IS_TRAIN_PAGE (self));
  g_return_if_fail (run == NULL || DL_IS_RUN (run));

  if (self->run == run)
    return;
  g_set_object (&self->run, run);
  g_signal_group_set_target (self->run_signals, run);
  g_signal_group_set_target (self->loss_signals, run != NULL ? dl_run_get_series (run, DL_RUN_SERIES_LOSS) : NULL);
  if (run != NULL && self->session != NULL && dl_session_get_run_config (self->session, &cfg))
    show_config (self, &cfg, dl_run_get_preset (run));
  else if (run != NULL)
    show_config (self, dl_run_get_config (run), dl_run_get_preset (run));
  push_draft (self);
  dl_train_page_show_run_curves (self);
  dl_train_page_show_overlays (self);
  dl_train_page_show_markers (self);
  dl_train_page_show_status (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUN]);
}

DlRun *
dl_train_page_get_run (DlTrainPage *self)
{
  g_return_val_if_fail (DL_IS_TRAIN_PAGE (self), NULL);
  return self->run;
}

static void
compared_changed_cb (DlTrainPage *self)
{
  dl_train_page_show_overlays (self);
}

void
dl_train_page_set_compared (DlTrainPage *self, GListModel *compared)
{
  g_return_if_fail (DL_IS_TRAIN_PAGE (self));
  g_return_if_fail (compared == NULL || G_IS_LIST_MODEL (compared));

  if (self->compared == compared)
    return;
  if (self->compared != NULL)
    g_signal_handlers_disconnect_by_data (self->compared, self);
  g_set_object (&self->compared, compared);
  if (compared != NULL)
    g_signal_connect_object (compared, "items-changed", G_CALLBACK (compared_changed_cb), self, G_CONNECT_SWAPPED);
  dl_train_page_show_overlays (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPARED]);
}

void
dl_train_page_set_session (DlTrainPage *self, DlSession *session)
{
  g_return_if_fail (DL_IS_TRAIN_PAGE (self));
  g_return_if_fail (session == NULL || DL_IS_SESSION (session));

  if (self->session == session)
    return;
  g_clear_pointer (&self->run_binding, g_binding_unbind);
  g_clear_pointer (&self->compared_binding, g_binding_unbind);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (dl_session_get_branches (self->session), self);
  g_set_object (&self->session, session);
  g_signal_group_set_target (self->session_signals, session);
  dl_lr_finder_set_session (self->lr_finder, session);
  if (session != NULL)
    {
      g_signal_connect_object (dl_session_get_branches (session), "items-changed",
                               G_CALLBACK (compared_changed_cb), self, G_CONNECT_SWAPPED);
      push_draft (self);
      self->run_binding = g_object_bind_property (session, "run", self, "run", G_BINDING_SYNC_CREATE);
      self->compared_binding = g_object_bind_property (session, "compared", self, "compared", G_BINDING_SYNC_CREATE);
    }
  dl_train_page_show_status (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

DlSession *
dl_train_page_get_session (DlTrainPage *self)
{
  g_return_val_if_fail (DL_IS_TRAIN_PAGE (self), NULL);
  return self->session;
}

/* ---- object ---- */

static void
export_action (GtkWidget *widget, const char *name, GVariant *param)
{
  DlPlotFormat format = g_str_equal (name, "train.export-png") ? DL_PLOT_FORMAT_PNG
                      : g_str_equal (name, "train.export-svg") ? DL_PLOT_FORMAT_SVG : DL_PLOT_FORMAT_CSV;

  dl_train_page_export (DL_TRAIN_PAGE (widget), format);
}

static void
dl_train_page_dispose (GObject *object)
{
  DlTrainPage *self = DL_TRAIN_PAGE (object);

  g_clear_handle_id (&self->hyper_timeout_id, g_source_remove);
  dl_train_page_set_session (self, NULL);
  dl_train_page_set_compared (self, NULL);
  dl_train_page_set_run (self, NULL);
  /* Closes an open save dialog: its answer must not arrive for a page that is gone. */
  dl_train_page_plots_dispose (self);
  g_clear_object (&self->session_signals);
  g_clear_object (&self->run_signals);
  g_clear_object (&self->loss_signals);
  gtk_widget_dispose_template (GTK_WIDGET (self), DL_TYPE_TRAIN_PAGE);
  /* The template's top-level box is not a bound child: unparent it too. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (dl_train_page_parent_class)->dispose (object);
}

static void
dl_train_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlTrainPage *self = DL_TRAIN_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:  g_value_set_object (value, self->session); break;
    case PROP_RUN:      g_value_set_object (value, self->run); break;
    case PROP_COMPARED: g_value_set_object (value, self->compared); break;
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
    case PROP_SESSION:  dl_train_page_set_session (self, g_value_get_object (value)); break;
    case PROP_RUN:      dl_train_page_set_run (self, g_value_get_object (value)); break;
    case PROP_COMPARED: dl_train_page_set_compared (self, g_value_get_object (value)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_train_page_class_init (DlTrainPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = dl_train_page_dispose;
  object_class->get_property = dl_train_page_get_property;
  object_class->set_property = dl_train_page_set_property;

  properties[PROP_SESSION] = g_param_spec_object ("session", NULL, NULL, DL_TYPE_SESSION, rw);
  properties[PROP_RUN] = g_param_spec_object ("run", NULL, NULL, DL_TYPE_RUN, rw);
  properties[PROP_COMPARED] = g_param_spec_object ("compared", NULL, NULL, G_TYPE_LIST_MODEL, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (DL_TYPE_PLOT);
  g_type_ensure (DL_TYPE_LR_FINDER);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/digitlab/DigitLab/ui/dl-train-page.ui");
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, lr_adjustment);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, momentum_adjustment);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, weight_decay_adjustment);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, average_adjustment);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, epochs_adjustment);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, seed_adjustment);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, schedule_step_adjustment);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, schedule_gamma_adjustment);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, smoothing_adjustment);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, preset_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, preset_description);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, arch_entry);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, schedule_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, schedule_step_box);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, start_button);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, continue_button);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, lr_label);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, lr_entry);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, lr_scale);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, batch_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, optimizer_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, reduce_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, augment_switch);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, log_switch);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, seeds_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, run_label);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, epoch_label);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, state_label);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, epoch_progress);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, speed_label);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, loss_value_label);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, accuracy_value_label);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, accuracy_caption);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, health_bar);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, health_label);
  gtk_widget_class_bind_template_child_full (widget_class, "loss_plot", FALSE,
                                             G_STRUCT_OFFSET (DlTrainPage, plots[PLOT_LOSS]));
  gtk_widget_class_bind_template_child_full (widget_class, "accuracy_plot", FALSE,
                                             G_STRUCT_OFFSET (DlTrainPage, plots[PLOT_ACCURACY]));
  gtk_widget_class_bind_template_child_full (widget_class, "lr_plot", FALSE,
                                             G_STRUCT_OFFSET (DlTrainPage, plots[PLOT_LR]));
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, lr_finder);
  gtk_widget_class_bind_template_callback (widget_class, lr_entry_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, lr_finder_apply_cb);
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

/* The field and the slider take the same rates. */
static void
init_lr_range (DlTrainPage *self)
{
  g_autofree char *tip = g_strdup_printf (_("Logarithmic: %g at the left, %g at the right"), DL_TRAIN_LR_MIN,
                                          DL_TRAIN_LR_MAX);

  gtk_adjustment_set_lower (self->lr_adjustment, log10 (DL_TRAIN_LR_MIN));
  gtk_adjustment_set_upper (self->lr_adjustment, log10 (DL_TRAIN_LR_MAX));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->lr_scale), tip);
}

static void
dl_train_page_init (DlTrainPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  init_lr_range (self);
  /* The wheel over the sidebar scrolls it: sliders and spin buttons take it only when focused. */
  dl_wheel_guard_install (GTK_WIDGET (self));

  dl_train_page_status_init (self);
  dl_train_page_plots_init (self);
  g_object_bind_property (self->smoothing_adjustment, "value", self->plots[PLOT_LOSS], "smoothing", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->log_switch, "active", self->plots[PLOT_LOSS], "log-y", G_BINDING_SYNC_CREATE);

  gtk_drop_down_set_model (self->preset_dropdown, G_LIST_MODEL (preset_names ()));
  apply_preset (self, selected_preset (self));
  update_schedule_controls (self);
  epochs_changed (self);

  g_signal_connect_swapped (self->preset_dropdown, "notify::selected", G_CALLBACK (preset_changed_cb), self);
  g_signal_connect_swapped (self->lr_adjustment, "value-changed", G_CALLBACK (lr_scale_changed_cb), self);
  g_signal_connect_swapped (self->momentum_adjustment, "value-changed", G_CALLBACK (hyper_changed), self);
  g_signal_connect_swapped (self->weight_decay_adjustment, "value-changed", G_CALLBACK (hyper_changed), self);
  g_signal_connect_swapped (self->average_adjustment, "value-changed", G_CALLBACK (hyper_changed), self);
  g_signal_connect_swapped (self->batch_dropdown, "notify::selected", G_CALLBACK (hyper_changed), self);
  g_signal_connect_swapped (self->optimizer_dropdown, "notify::selected", G_CALLBACK (hyper_changed), self);
  g_signal_connect_swapped (self->reduce_dropdown, "notify::selected", G_CALLBACK (hyper_changed), self);
  g_signal_connect_swapped (self->augment_switch, "notify::active", G_CALLBACK (hyper_changed), self);
  g_signal_connect_swapped (self->epochs_adjustment, "value-changed", G_CALLBACK (epochs_changed), self);
  g_signal_connect_swapped (self->seed_adjustment, "value-changed", G_CALLBACK (frozen_changed), self);
  g_signal_connect_swapped (self->schedule_dropdown, "notify::selected", G_CALLBACK (frozen_changed), self);
  g_signal_connect_swapped (self->schedule_step_adjustment, "value-changed", G_CALLBACK (frozen_changed), self);
  g_signal_connect_swapped (self->schedule_gamma_adjustment, "value-changed", G_CALLBACK (frozen_changed), self);
  g_signal_connect_swapped (self->seeds_dropdown, "notify::selected", G_CALLBACK (dl_train_page_show_overlays), self);
  dl_train_page_show_status (self);
}

GtkAdjustment *
dl_train_page_get_lr_adjustment (DlTrainPage *self)
{
  g_return_val_if_fail (DL_IS_TRAIN_PAGE (self), NULL);
  return self->lr_adjustment;
}

GtkDropDown *
dl_train_page_get_schedule_dropdown (DlTrainPage *self)
{
  g_return_val_if_fail (DL_IS_TRAIN_PAGE (self), NULL);
  return self->schedule_dropdown;
}

DlPlot *
dl_train_page_get_loss_plot (DlTrainPage *self)
{
  g_return_val_if_fail (DL_IS_TRAIN_PAGE (self), NULL);
  return self->plots[PLOT_LOSS];
}

DlPlot *
dl_train_page_get_accuracy_plot (DlTrainPage *self)
{
  g_return_val_if_fail (DL_IS_TRAIN_PAGE (self), NULL);
  return self->plots[PLOT_ACCURACY];
}

DlLrFinder *
dl_train_page_get_lr_finder (DlTrainPage *self)
{
  g_return_val_if_fail (DL_IS_TRAIN_PAGE (self), NULL);
  return self->lr_finder;
}

DlPlot *
dl_train_page_get_lr_plot (DlTrainPage *self)
{
  g_return_val_if_fail (DL_IS_TRAIN_PAGE (self), NULL);
  return self->plots[PLOT_LR];
}
