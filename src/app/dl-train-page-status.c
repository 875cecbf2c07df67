/* dl-train-page-status.c — the Train page's status of the run shown: its name, state, epoch and speed, the
 * latest loss and accuracy, the training's health, the start button's label; following the session, the
 * run and its loss series (see dl-train-page-private.h). */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "dl-train-page-private.h"

static char *
format_duration (double seconds)
{
  int s;

  if (!isfinite (seconds) || seconds < 0)
    return g_strdup ("—");
  s = (int) (seconds + 0.5);
  if (s >= 3600)
    return g_strdup_printf ("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  return g_strdup_printf ("%d:%02d", s / 60, s % 60);
}

static const char *
state_text (DlTrainState state)
{
  switch (state)
    {
    case DL_TRAIN_READY:    return _("Ready");
    case DL_TRAIN_RUNNING:  return C_("run state", "Training");
    case DL_TRAIN_PAUSED:   return _("Paused");
    case DL_TRAIN_DIVERGED: return _("Paused: diverged");
    case DL_TRAIN_FINISHED: return _("Finished");
    case DL_TRAIN_STOPPED:  return _("Stopped");
    case DL_TRAIN_FAILED:   return _("Failed");
    default:                return "";
    }
}

static int
planned_epochs (DlTrainPage *self)
{
  int epochs = self->session != NULL ? dl_session_get_epochs (self->session) : 0;

  return epochs > 0 ? epochs : dl_run_get_config (self->run)->epochs;
}

static void
update_progress (DlTrainPage *self)
{
  DlTrainState state;
  double done, speed, eta, elapsed;
  int epochs, epoch;
  g_autofree char *epoch_text = NULL, *speed_text = NULL, *elapsed_text = NULL, *eta_text = NULL;

  if (self->run == NULL)
    {
      gtk_label_set_text (self->run_label, "");
      gtk_label_set_text (self->state_label, "");
      gtk_label_set_text (self->epoch_label, "");
      gtk_label_set_text (self->speed_label, "");
      gtk_progress_bar_set_fraction (self->epoch_progress, 0.0);
      return;
    }
  state = dl_run_get_state (self->run);
  done = dl_run_get_epochs_done (self->run);
  epochs = planned_epochs (self);
  epoch = MIN ((int) floor (done) + 1, epochs);
  epoch_text = g_strdup_printf (_("Epoch %d of %d"), MAX (epoch, 1), epochs);
  gtk_label_set_text (self->run_label, dl_run_get_name (self->run));
  gtk_label_set_text (self->state_label, state_text (state));
  gtk_label_set_text (self->epoch_label, epoch_text);
  gtk_progress_bar_set_fraction (self->epoch_progress,
                                 done >= epochs ? 1.0 : CLAMP (done - floor (done), 0.0, 1.0));

  speed = self->session != NULL ? dl_session_get_samples_per_second (self->session) : NAN;
  eta = self->session != NULL ? dl_session_get_eta (self->session) : NAN;
  elapsed = self->session != NULL ? dl_session_get_elapsed (self->session) : dl_run_get_train_seconds (self->run);
  elapsed_text = format_duration (isnan (elapsed) ? dl_run_get_train_seconds (self->run) : elapsed);
  eta_text = format_duration (eta);
  if (dl_train_state_is_live (state) && isfinite (speed))
    speed_text = g_strdup_printf (_("%.0f samples/s · elapsed %s · %s left · step %lld"), speed, elapsed_text,
                                  eta_text, (long long) dl_run_get_steps (self->run));
  else
    speed_text = g_strdup_printf (_("trained %s · step %lld"), elapsed_text, (long long) dl_run_get_steps (self->run));
  gtk_label_set_text (self->speed_label, speed_text);
}

static void
update_loss (DlTrainPage *self)
{
  DlSeries *loss = self->run != NULL ? dl_run_get_series (self->run, DL_RUN_SERIES_LOSS) : NULL;
  guint n = loss != NULL ? dl_series_get_n_points (loss) : 0;
  g_autofree char *text = n > 0 ? g_strdup_printf ("%.4f", dl_series_get_y (loss, n - 1)) : g_strdup ("—");

  gtk_label_set_text (self->loss_value_label, text);
}

/* The latest evaluation, saying which test images it counted: the whole test set, or the periodic subset. */
static void
update_accuracy (DlTrainPage *self)
{
  guint n = self->run != NULL ? dl_run_get_n_evals (self->run) : 0;
  const DlRunEval *ev = n > 0 ? dl_run_get_eval (self->run, n - 1) : NULL;
  g_autofree char *value = ev != NULL ? g_strdup_printf ("%.2f %%", 100.0 * ev->accuracy) : g_strdup ("—");
  g_autofree char *caption = NULL;

  if (ev == NULL)
    caption = g_strdup (_("test accuracy"));
  else if (ev->kind == DL_EVAL_SUBSET)
    caption = g_strdup_printf (_("test accuracy (%'d-image subset)"), ev->n);
  else
    caption = g_strdup_printf (_("test accuracy (all %'d test images)"), ev->n);
  gtk_label_set_text (self->accuracy_value_label, value);
  gtk_label_set_text (self->accuracy_caption, caption);
}

static void
update_health (DlTrainPage *self)
{
  const char *text = self->session != NULL ? dl_session_get_health (self->session) : NULL;
  DlSessionHealth level = self->session != NULL ? dl_session_get_health_level (self->session) : DL_SESSION_HEALTH_NONE;

  gtk_info_bar_set_message_type (self->health_bar, level == DL_SESSION_HEALTH_ERROR ? GTK_MESSAGE_ERROR
                                                                                    : GTK_MESSAGE_WARNING);
  gtk_label_set_text (self->health_label, text != NULL ? text : "");
  gtk_info_bar_set_revealed (self->health_bar, text != NULL);
}

static void
update_start_label (DlTrainPage *self)
{
  gtk_button_set_label (self->start_button, self->session != NULL ? dl_session_get_start_label (self->session)
                                                                  : _("_Start"));
}

static void
eval_added_cb (DlTrainPage *self)
{
  update_accuracy (self);
}

static void
marker_added_cb (DlTrainPage *self, guint index)
{
  dl_train_page_marker_added (self, index);
}

/* A past run's history arrives from the store after it is shown. */
static void
run_loaded_cb (DlTrainPage *self)
{
  dl_train_page_show_markers (self);
  update_loss (self);
  update_accuracy (self);
  update_progress (self);
}

void
dl_train_page_show_status (DlTrainPage *self)
{
  update_start_label (self);
  update_health (self);
  update_progress (self);
  update_loss (self);
  update_accuracy (self);
}

/* The signal groups the status follows (their targets set with the session and the run shown). */
void
dl_train_page_status_init (DlTrainPage *self)
{
  GSignalGroup *g = self->session_signals = g_signal_group_new (DL_TYPE_SESSION);

  g_signal_group_connect_object (g, "notify::start-label", G_CALLBACK (update_start_label), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (g, "notify::health", G_CALLBACK (update_health), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (g, "notify::health-level", G_CALLBACK (update_health), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (g, "notify::elapsed", G_CALLBACK (update_progress), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (g, "notify::eta", G_CALLBACK (update_progress), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (g, "notify::epochs", G_CALLBACK (update_progress), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (g, "notify::state", G_CALLBACK (update_progress), self, G_CONNECT_SWAPPED);

  g = self->run_signals = g_signal_group_new (DL_TYPE_RUN);
  g_signal_group_connect_object (g, "marker-added", G_CALLBACK (marker_added_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (g, "eval-added", G_CALLBACK (eval_added_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (g, "notify::loaded", G_CALLBACK (run_loaded_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (g, "notify::epochs-done", G_CALLBACK (update_progress), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (g, "notify::state", G_CALLBACK (update_progress), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (g, "notify::name", G_CALLBACK (update_progress), self, G_CONNECT_SWAPPED);

  g = self->loss_signals = g_signal_group_new (DL_TYPE_SERIES);
  g_signal_group_connect_object (g, "changed", G_CALLBACK (update_loss), self, G_CONNECT_SWAPPED);
}
