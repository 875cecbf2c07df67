/* dl-draw-page.c — the Draw page.
 *
 * Every change of the strokes schedules one classification for the next frame (a tick callback), so a
 * fast stroke costs at most one preprocessing and one forward pass per frame, on the page's own
 * DlNetWork. The network is the session's snapshot of the run shown (the worker's latest parameters for
 * the live run, so the answer follows training as it runs; a past run's final model): each
 * "snapshot-changed" schedules a classification too. Each classification also asks the explainer
 * (another thread) why, on the same snapshot: the heatmap, the nearest training images and whether it
 * looks like a digit at all arrive a few milliseconds later, and a request the next one supersedes is
 * dropped, so the answer never waits for them.
 */
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "dl-draw-page-private.h"
#include "dl-personal.h"

/* Below this probability the page says it is not sure. */
#define SURE 0.5
/* The personal set's accuracy is recomputed at most this often while training runs. */
#define PERSONAL_INTERVAL_US G_USEC_PER_SEC


G_DEFINE_FINAL_TYPE (DlDrawPage, dl_draw_page, GTK_TYPE_WIDGET)

GParamSpec *dl_draw_page_props[N_PROPS];
static guint input_changed_signal;

GtkWidget *
dl_draw_page_new (void)
{
  return g_object_new (DL_TYPE_DRAW_PAGE, NULL);
}

int
dl_draw_page_get_prediction (DlDrawPage *self)
{
  g_return_val_if_fail (DL_IS_DRAW_PAGE (self), -1);
  return self->prediction;
}

const float *
dl_draw_page_get_input (DlDrawPage *self)
{
  g_return_val_if_fail (DL_IS_DRAW_PAGE (self), NULL);
  return self->input->empty ? NULL : self->input->input;
}

DlSession *
dl_draw_page_get_session (DlDrawPage *self)
{
  g_return_val_if_fail (DL_IS_DRAW_PAGE (self), NULL);
  return self->session;
}

/* ---- the label for saving ---- */

static void
update_save (DlDrawPage *self)
{
  gboolean can = !self->input->empty && self->label >= 0 && self->personal != NULL;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "draw.save", can);
  g_autofree char *text = self->label >= 0 ? g_strdup_printf (_("_Save as “%d”"), self->label)
                                           : g_strdup (_("_Save…"));
  gtk_button_set_label (self->save_button, text);
  gtk_button_set_use_underline (self->save_button, TRUE);
}

static void
set_label (DlDrawPage *self, int label, gboolean chosen)
{
  self->label_chosen = chosen && label >= 0;
  if (self->label == label)
    return;
  self->label = label;
  g_object_notify_by_pspec (G_OBJECT (self), dl_draw_page_props[PROP_LABEL]);
  update_save (self);
}

/* ---- the personal set ---- */

static void
update_personal (DlDrawPage *self, DlSnapshot *snap)
{
  GString *text = g_string_new (NULL);
  if (self->personal_note != NULL)
    g_string_append_printf (text, "%s\n", self->personal_note);
  if (self->personal != NULL && self->personal->n == 0)
    g_string_append (text, _("No digits saved yet. They are kept in your personal data set, for testing "
                             "the model on your own handwriting."));
  else if (self->personal != NULL && snap != NULL && snap->trained)
    {
      int right = dl_personal_count_correct (snap->net, self->personal);
      g_string_append_printf (text, ngettext ("%d digit saved: the current model reads %d of it right (%.0f %%).",
                                              "%d digits saved: the current model reads %d of them right (%.0f %%).",
                                              self->personal->n),
                              self->personal->n, right, 100.0 * right / self->personal->n);
    }
  else if (self->personal != NULL)
    g_string_append_printf (text, ngettext ("%d digit saved. Train the model to see how well it reads it.",
                                            "%d digits saved. Train the model to see how well it reads them.",
                                            self->personal->n),
                            self->personal->n);
  if (text->len > 0 && text->str[text->len - 1] == '\n')
    g_string_truncate (text, text->len - 1);
  gtk_label_set_text (self->personal_label, text->str);
  if (self->personal_failed)
    gtk_widget_add_css_class (GTK_WIDGET (self->personal_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->personal_label), "error");
  g_string_free (text, TRUE);
  self->personal_checked_us = g_get_monotonic_time ();
}

static void
load_personal (DlDrawPage *self)
{
  g_autoptr (GError) error = NULL;
  self->personal_dir = dl_personal_default_dir ();
  self->personal = dl_personal_load (self->personal_dir, &error);
  if (self->personal == NULL)
    {
      self->personal_note = g_strdup_printf (_("Your personal set could not be read: %s"), error->message);
      self->personal_failed = TRUE;
    }
}

/* ---- classification ---- */

static void
set_prediction (DlDrawPage *self, int prediction)
{
  if (!self->label_chosen)
    set_label (self, prediction >= 0 ? prediction : self->answer, FALSE);
  if (self->prediction == prediction)
    return;
  self->prediction = prediction;
  g_object_notify_by_pspec (G_OBJECT (self), dl_draw_page_props[PROP_PREDICTION]);
  g_object_notify_by_pspec (G_OBJECT (self), dl_draw_page_props[PROP_NOT_A_DIGIT]);
}

/* The answer on the page's own DlNetWork (the snapshot's parameters only read). */
static int
answer_of (DlDrawPage *self, DlSnapshot *snap)
{
  if (self->work == NULL || self->work_run != snap->run_serial)
    {
      g_clear_pointer (&self->work, dl_net_work_free);
      self->work = dl_net_work_new (snap->net, 1);
      self->work_run = snap->run_serial;
    }
  dl_net_forward (snap->net, self->work, self->input->input, 1, self->probs);
  return dl_argmax_class (self->probs);
}

static const char *
hint_text (DlOodHint hint, const char **detail)
{
  if (hint == DL_OOD_HINT_DOT)
    {
      *detail = _("That is a dot. Draw the whole digit, about half as tall as the canvas.");
      return _("Too small to read");
    }
  *detail = _("That stroke is too short to be a digit. Draw the whole digit, larger.");
  return _("Too short to read");
}

/* The labels for the answer in force: a digit, or "this doesn't look like a digit" (probabilities still
 * shown) once the explanation of this drawing says so. */
void
dl_draw_page_show_answer (DlDrawPage *self)
{
  gboolean flagged = dl_draw_page_flagged (self);
  int a = self->answer;
  float p = self->probs[a];
  const char *name = dl_classes_name (dl_draw_page_classes (self), a);
  g_autofree char *status = NULL, *detail = NULL;

  if (flagged)
    {
      status = g_strdup (_("This doesn't look like a digit"));
      detail = g_strdup_printf (_("Of the ten classes it reads it most like %s (%.0f %%), but it is further from "
                                  "the training images than all but %.0f %% of the test images are."),
                                name, 100 * p, 100 * DL_OOD_RATE);
    }
  else
    {
      status = g_strdup_printf (p >= SURE ? _("%.0f %% sure") : _("Not sure: %.0f %%"), 100 * p);
      /* Trained at step 0 is a loaded model, not an untrained one: "step 0" would say the opposite. */
      detail = self->seen_step > 0
        ? g_strdup_printf (_("Parameters of step %lld; the answer took %.2f ms."), (long long) self->seen_step,
                           self->infer_ms)
        : g_strdup_printf (_("Parameters of the loaded model; the answer took %.2f ms."), self->infer_ms);
    }
  gtk_label_set_text (self->prediction_label, flagged ? "?" : name);
  gtk_label_set_text (self->status_label, status);
  gtk_label_set_text (self->detail_label, detail);
  gtk_widget_set_opacity (GTK_WIDGET (self->prediction_label), flagged ? 0.35 : 1.0);
  set_prediction (self, flagged ? -1 : a);
}

static void
classify (DlDrawPage *self)
{
  g_autoptr (DlSnapshot) snap = self->session != NULL ? dl_session_dup_snapshot (self->session) : NULL;
  gboolean trained = snap != NULL && snap->trained;
  const char *detail = NULL;

  if (snap != NULL)
    {
      self->seen_step = snap->step;
      self->seen_run_serial = snap->run_serial;
    }
  self->seen_trained = trained;
  self->answer = -1;

  if (self->input->empty && self->hint == DL_OOD_HINT_NONE)
    {
      gtk_label_set_text (self->prediction_label, "–");
      gtk_label_set_text (self->status_label, _("Draw a digit"));
      gtk_label_set_text (self->detail_label, trained ? _("The network reads it as you draw.")
                                                      : _("The model is untrained: train it or load a model first."));
    }
  else if (self->hint != DL_OOD_HINT_NONE)
    {
      const char *status = hint_text (self->hint, &detail);
      gtk_label_set_text (self->prediction_label, "·");
      gtk_label_set_text (self->status_label, status);
      gtk_label_set_text (self->detail_label, detail);
    }
  else if (!trained)
    {
      gtk_label_set_text (self->prediction_label, "?");
      gtk_label_set_text (self->status_label, _("The model is untrained"));
      gtk_label_set_text (self->detail_label, _("Its answer would be noise, not a reading. Train it on the "
                                                "Train page, open a finished run on the Runs page, or load "
                                                "a model."));
    }
  else
    {
      gint64 t0 = g_get_monotonic_time ();
      self->answer = answer_of (self, snap);
      self->infer_ms = (g_get_monotonic_time () - t0) / 1000.0;
    }
  if (self->answer < 0)
    {
      memset (self->probs, 0, sizeof self->probs);
      gtk_widget_set_opacity (GTK_WIDGET (self->prediction_label), 0.35);
      set_prediction (self, -1);
    }
  dl_draw_page_request_explanation (self, self->answer >= 0 ? snap : NULL);
  if (self->answer >= 0)
    dl_draw_page_show_answer (self);
  update_save (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->bars_area));
}

static void
update (DlDrawPage *self)
{
  int n;
  const DlStroke *strokes = dl_canvas_get_strokes (self->canvas, &n);
  float pen = dl_canvas_get_pen_width (self->canvas);
  self->hint = dl_ood_check_strokes (strokes, n, pen);
  if (self->hint != DL_OOD_HINT_NONE || !dl_preprocess_strokes (strokes, n, pen, self->input))
    dl_preprocess_strokes (NULL, 0, pen, self->input);   /* nothing to read */
  g_signal_emit (self, input_changed_signal, 0);
  classify (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->input_area));
  gtk_widget_queue_draw (GTK_WIDGET (self->crop_area));
  gtk_widget_queue_draw (GTK_WIDGET (self->fit_area));
}

static gboolean
update_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  DlDrawPage *self = DL_DRAW_PAGE (widget);
  self->tick_id = 0;
  update (self);
  return G_SOURCE_REMOVE;
}

/* At most one update per frame however many samples or events arrive. */
void
dl_draw_page_schedule_update (DlDrawPage *self)
{
  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), update_tick, NULL, NULL);
}

static void
on_canvas_changed (DlDrawPage *self)
{
  if (self->changed_us == 0)
    self->changed_us = g_get_monotonic_time ();
  if (dl_canvas_is_empty (self->canvas))
    self->label_chosen = FALSE;
  gboolean any = !dl_canvas_is_empty (self->canvas);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "draw.clear", any);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "draw.undo", any);
  dl_draw_page_schedule_update (self);
}

static void
on_snapshot_changed (DlSession *session, gboolean progress, DlDrawPage *self)
{
  g_autoptr (DlSnapshot) snap = dl_session_dup_snapshot (session);
  gboolean fresh = snap == NULL ? self->seen_trained
                                : snap->step != self->seen_step || snap->run_serial != self->seen_run_serial
                                  || snap->trained != self->seen_trained;
  if (fresh)
    dl_draw_page_schedule_update (self);
  if (self->personal != NULL && self->personal->n > 0
      && (!progress || (fresh && g_get_monotonic_time () - self->personal_checked_us >= PERSONAL_INTERVAL_US)))
    update_personal (self, snap);
}

/* The label toggles (names cut to four characters, whole in the tooltip and for screen readers), the why
 * pickers, the bars and the answer name the data set's classes. */
static void
classes_changed_cb (DlDrawPage *self)
{
  const DlClasses *classes = dl_draw_page_classes (self);
  gboolean digits = dl_classes_are_digits (classes);
  int c = 0;

  for (GtkWidget *t = gtk_widget_get_first_child (GTK_WIDGET (self->label_row)); t != NULL;
       t = gtk_widget_get_next_sibling (t), c++)
    {
      const char *name = dl_classes_name (classes, c);
      g_autofree char *text = dl_classes_abbrev (classes, c, 4);
      g_autofree char *tip = g_strdup_printf (_("The image is %s (key %d)"), name, c);

      gtk_button_set_label (GTK_BUTTON (t), text);
      gtk_widget_set_tooltip_text (t, tip);
      gtk_accessible_update_property (GTK_ACCESSIBLE (t), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
      if (digits)
        gtk_widget_add_css_class (t, "circular");
      else
        gtk_widget_remove_css_class (t, "circular");
    }
  dl_draw_page_fill_class_pickers (self);
  dl_neighbours_view_set_classes (self->neighbours_view, classes);
  if (digits)
    gtk_widget_remove_css_class (GTK_WIDGET (self->prediction_label), "dl-class-name");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->prediction_label), "dl-class-name");
  gtk_widget_queue_draw (GTK_WIDGET (self->bars_area));
  if (self->answer >= 0)
    dl_draw_page_show_answer (self);
}

void
dl_draw_page_set_session (DlDrawPage *self, DlSession *session)
{
  g_return_if_fail (DL_IS_DRAW_PAGE (self));
  g_return_if_fail (session == NULL || DL_IS_SESSION (session));

  if (self->session == session)
    return;
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_set_object (&self->session, session);
  if (session != NULL)
    {
      g_signal_connect_object (session, "snapshot-changed", G_CALLBACK (on_snapshot_changed), self, 0);
      g_signal_connect_object (session, "notify::classes", G_CALLBACK (classes_changed_cb), self, G_CONNECT_SWAPPED);
    }
  classes_changed_cb (self);
  g_autoptr (DlSnapshot) snap = session != NULL ? dl_session_dup_snapshot (session) : NULL;
  update_personal (self, snap);
  dl_draw_page_schedule_update (self);
  g_object_notify_by_pspec (G_OBJECT (self), dl_draw_page_props[PROP_SESSION]);
}

/* ---- actions ---- */

static void
clear_action (GtkWidget *widget, const char *name, GVariant *param)
{
  dl_canvas_clear (DL_DRAW_PAGE (widget)->canvas);
}

static void
undo_action (GtkWidget *widget, const char *name, GVariant *param)
{
  dl_canvas_undo (DL_DRAW_PAGE (widget)->canvas);
}

static void
save_action (GtkWidget *widget, const char *name, GVariant *param)
{
  DlDrawPage *self = DL_DRAW_PAGE (widget);
  g_autoptr (GError) error = NULL;

  if (self->input->empty || self->label < 0 || self->personal == NULL)
    return;
  DlDataset *grown = dl_personal_add (self->personal_dir, self->personal, self->input->input, self->label, &error);
  g_free (self->personal_note);
  self->personal_failed = grown == NULL;
  if (grown == NULL)
    self->personal_note = g_strdup_printf (_("Not saved: %s"), error->message);
  else
    {
      dl_dataset_unref (self->personal);
      self->personal = grown;
      self->personal_note = g_strdup_printf (_("Saved as “%d”."), self->label);
      dl_canvas_clear (self->canvas);
    }
  g_autoptr (DlSnapshot) snap = self->session != NULL ? dl_session_dup_snapshot (self->session) : NULL;
  update_personal (self, snap);
}

/* ---- GObject ---- */

static void
dl_draw_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlDrawPage *self = DL_DRAW_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_EXPLAINER:
      g_value_set_object (value, self->explainer);
      break;
    case PROP_PREDICTION:
      g_value_set_int (value, self->prediction);
      break;
    case PROP_NOT_A_DIGIT:
      g_value_set_boolean (value, dl_draw_page_get_not_a_digit (self));
      break;
    case PROP_EXPLANATION:
      g_value_set_boxed (value, self->explanation);
      break;
    case PROP_LABEL:
      g_value_set_int (value, self->label);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_draw_page_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlDrawPage *self = DL_DRAW_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      dl_draw_page_set_session (self, g_value_get_object (value));
      break;
    case PROP_EXPLAINER:
      dl_draw_page_set_explainer (self, g_value_get_object (value));
      break;
    case PROP_LABEL:
      /* From the label toggles or a digit key: the user's choice, which predictions leave alone. */
      set_label (self, g_value_get_int (value), TRUE);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_draw_page_dispose (GObject *object)
{
  DlDrawPage *self = DL_DRAW_PAGE (object);

  if (self->tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
  self->tick_id = 0;
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  if (self->explainer != NULL)
    g_signal_handlers_disconnect_by_data (self->explainer, self);
  g_clear_object (&self->explainer);
  g_clear_pointer (&self->explanation, dl_explanation_unref);
  g_clear_pointer (&self->complete, dl_explanation_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), DL_TYPE_DRAW_PAGE);
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (dl_draw_page_parent_class)->dispose (object);
}

static void
dl_draw_page_finalize (GObject *object)
{
  DlDrawPage *self = DL_DRAW_PAGE (object);

  dl_digit_input_free (self->input);
  g_clear_pointer (&self->work, dl_net_work_free);
  g_clear_pointer (&self->personal, dl_dataset_unref);
  g_free (self->personal_dir);
  g_free (self->personal_note);
  G_OBJECT_CLASS (dl_draw_page_parent_class)->finalize (object);
}

static void
dl_draw_page_class_init (DlDrawPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = dl_draw_page_get_property;
  object_class->set_property = dl_draw_page_set_property;
  object_class->dispose = dl_draw_page_dispose;
  object_class->finalize = dl_draw_page_finalize;

  dl_draw_page_props[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, DL_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  dl_draw_page_props[PROP_EXPLAINER] =
    g_param_spec_object ("explainer", NULL, NULL, DL_TYPE_EXPLAINER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  dl_draw_page_props[PROP_PREDICTION] =
    g_param_spec_int ("prediction", NULL, NULL, -1, DL_N_CLASSES - 1, -1, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  dl_draw_page_props[PROP_NOT_A_DIGIT] =
    g_param_spec_boolean ("not-a-digit", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  dl_draw_page_props[PROP_EXPLANATION] =
    g_param_spec_boxed ("explanation", NULL, NULL, DL_TYPE_EXPLANATION, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  dl_draw_page_props[PROP_LABEL] =
    g_param_spec_int ("label", NULL, NULL, -1, DL_N_CLASSES - 1, -1,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, dl_draw_page_props);
  /* The 28 × 28 image the network sees changed (dl_draw_page_get_input): the Network page follows it. */
  input_changed_signal = g_signal_new ("input-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                       NULL, G_TYPE_NONE, 0);

  g_type_ensure (DL_TYPE_CANVAS);
  g_type_ensure (DL_TYPE_ATTRIB_VIEW);
  g_type_ensure (DL_TYPE_NEIGHBOURS_VIEW);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/digitlab/DigitLab/ui/dl-draw-page.ui");
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, canvas);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, prediction_label);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, detail_label);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, bars_area);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, input_area);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, crop_area);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, fit_area);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, label_row);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, save_button);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, personal_label);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, why_heading);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, method_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, target_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, target_classes);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, contrast_classes);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, contrast_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, attrib_view);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, attrib_note);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, neighbours_view);
  gtk_widget_class_bind_template_child (widget_class, DlDrawPage, neighbours_note);
  gtk_widget_class_bind_template_callback (widget_class, on_canvas_changed);
  gtk_widget_class_bind_template_callback_full (widget_class, "on_explain_choice_changed",
                                                G_CALLBACK (dl_draw_page_explain_choice_changed));

  gtk_widget_class_install_action (widget_class, "draw.clear", NULL, clear_action);
  gtk_widget_class_install_action (widget_class, "draw.undo", NULL, undo_action);
  gtk_widget_class_install_action (widget_class, "draw.save", NULL, save_action);
  gtk_widget_class_install_property_action (widget_class, "draw.label", "label");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "draw.clear", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "draw.clear", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "draw.undo", NULL);
  for (int c = 0; c < DL_N_CLASSES; c++)
    {
      gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0 + c, 0, "draw.label", "i", c);
      gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_0 + c, 0, "draw.label", "i", c);
    }
}

static void
dl_draw_page_init (DlDrawPage *self)
{
  self->prediction = -1;
  self->answer = -1;
  self->label = -1;
  self->input = dl_digit_input_new ();
  gtk_widget_init_template (GTK_WIDGET (self));

  for (int c = 0; c < DL_N_CLASSES; c++)
    {
      GtkWidget *toggle = gtk_toggle_button_new ();
      gtk_actionable_set_action_name (GTK_ACTIONABLE (toggle), "draw.label");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (toggle), "i", c);
      gtk_box_append (self->label_row, toggle);
    }
  classes_changed_cb (self);

  dl_draw_page_render_init (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "draw.clear", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "draw.undo", FALSE);
  load_personal (self);
  update_personal (self, NULL);
  update_save (self);
  classify (self);
}
