/* dl-run-cell.c — a run's figure in a list cell (see dl-run-cell.h). */
#include "dl-run-cell.h"

#include "dl-run-format.h"

struct _DlRunCell
{
  GtkWidget       parent_instance;

  DlRun          *run;
  DlRunField      field;
  GtkInscription *text;
};

G_DEFINE_FINAL_TYPE (DlRunCell, dl_run_cell, GTK_TYPE_WIDGET)

G_DEFINE_ENUM_TYPE (DlRunField, dl_run_field,
  G_DEFINE_ENUM_VALUE (DL_RUN_FIELD_NUMBER, "number"),
  G_DEFINE_ENUM_VALUE (DL_RUN_FIELD_RECIPE, "recipe"),
  G_DEFINE_ENUM_VALUE (DL_RUN_FIELD_DATA, "data"),
  G_DEFINE_ENUM_VALUE (DL_RUN_FIELD_STARTED, "started"),
  G_DEFINE_ENUM_VALUE (DL_RUN_FIELD_DURATION, "duration"),
  G_DEFINE_ENUM_VALUE (DL_RUN_FIELD_STATE, "state"),
  G_DEFINE_ENUM_VALUE (DL_RUN_FIELD_BEST, "best"),
  G_DEFINE_ENUM_VALUE (DL_RUN_FIELD_FINAL, "final"))

enum {
  PROP_0,
  PROP_RUN,
  PROP_FIELD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The run's properties a field shows (NULL: frozen ones only). */
static const char *const *
watched (DlRunField field)
{
  static const char *const number[] = { "number", NULL };
  static const char *const started[] = { "started-at", NULL };
  static const char *const duration[] = { "train-seconds", NULL };
  static const char *const state[] = { "state", NULL };
  static const char *const best[] = { "best-test-accuracy", "best-epoch", NULL };
  static const char *const final[] = { "final-test-accuracy", NULL };

  switch (field)
    {
    case DL_RUN_FIELD_NUMBER:   return number;
    case DL_RUN_FIELD_STARTED:  return started;
    case DL_RUN_FIELD_DURATION: return duration;
    case DL_RUN_FIELD_STATE:    return state;
    case DL_RUN_FIELD_BEST:     return best;
    case DL_RUN_FIELD_FINAL:    return final;
    default:                    return NULL;
    }
}

static char *
field_text (DlRun *run, DlRunField field)
{
  switch (field)
    {
    case DL_RUN_FIELD_NUMBER:   return dl_run_format_number (run);
    case DL_RUN_FIELD_RECIPE:   return dl_run_format_recipe (run);
    case DL_RUN_FIELD_DATA:     return dl_run_format_data (dl_run_get_data (run));
    case DL_RUN_FIELD_STARTED:  return dl_run_format_time (dl_run_get_started_at (run));
    case DL_RUN_FIELD_DURATION: return dl_run_format_duration (dl_run_get_train_seconds (run));
    case DL_RUN_FIELD_STATE:    return g_strdup (dl_run_format_state (dl_run_get_state (run)));
    case DL_RUN_FIELD_BEST:     return dl_run_format_best (run);
    case DL_RUN_FIELD_FINAL:    return dl_run_format_accuracy (dl_run_get_final_test_accuracy (run));
    default:                    return g_strdup ("");
    }
}

static gboolean
is_numeric (DlRunField field)
{
  return field == DL_RUN_FIELD_NUMBER || field == DL_RUN_FIELD_DURATION || field == DL_RUN_FIELD_BEST
         || field == DL_RUN_FIELD_FINAL;
}

/* Failed and diverged runs stand out; so do runs under way. */
static void
update_state_style (DlRunCell *self)
{
  DlTrainState state = self->run != NULL ? dl_run_get_state (self->run) : DL_TRAIN_READY;

  if (self->field != DL_RUN_FIELD_STATE)
    return;
  if (state == DL_TRAIN_FAILED || state == DL_TRAIN_DIVERGED)
    gtk_widget_add_css_class (GTK_WIDGET (self->text), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->text), "error");
  if (dl_train_state_is_live (state) && state != DL_TRAIN_DIVERGED)
    gtk_widget_add_css_class (GTK_WIDGET (self->text), "accent");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->text), "accent");
}

static void
update (DlRunCell *self)
{
  g_autofree char *text = self->run != NULL ? field_text (self->run, self->field) : g_strdup ("");

  gtk_inscription_set_text (self->text, text);
  /* Long ones are cut at the column's edge: the whole text on hover. */
  if (self->field == DL_RUN_FIELD_RECIPE || self->field == DL_RUN_FIELD_DATA)
    gtk_widget_set_tooltip_text (GTK_WIDGET (self), *text != '\0' ? text : NULL);
  update_state_style (self);
}

static void
on_run_notify (DlRun *run, GParamSpec *pspec, DlRunCell *self)
{
  update (self);
}

void
dl_run_cell_set_run (DlRunCell *self, DlRun *run)
{
  const char *const *props;

  g_return_if_fail (DL_IS_RUN_CELL (self));
  g_return_if_fail (run == NULL || DL_IS_RUN (run));

  if (self->run == run)
    return;
  if (self->run != NULL)
    g_signal_handlers_disconnect_by_data (self->run, self);
  g_set_object (&self->run, run);
  props = watched (self->field);
  for (guint i = 0; run != NULL && props != NULL && props[i] != NULL; i++)
    {
      g_autofree char *detailed = g_strdup_printf ("notify::%s", props[i]);

      g_signal_connect (run, detailed, G_CALLBACK (on_run_notify), self);
    }
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUN]);
}

/* The longest state name in the user's language ("Finished" is 8 characters, "Abgeschlossen" 13). */
static int
state_chars (void)
{
  int longest = 0;

  for (DlTrainState st = DL_TRAIN_READY; st <= DL_TRAIN_FAILED; st++)
    longest = MAX (longest, (int) g_utf8_strlen (dl_run_format_state (st), -1));
  return longest;
}

/* How wide a field wants to be, in characters. */
static int
natural_chars (DlRunField field)
{
  if (field == DL_RUN_FIELD_STATE)
    return state_chars ();
  static const int chars[] = {
    [DL_RUN_FIELD_NUMBER] = 4, [DL_RUN_FIELD_RECIPE] = 30, [DL_RUN_FIELD_DATA] = 22, [DL_RUN_FIELD_STARTED] = 16,
    [DL_RUN_FIELD_DURATION] = 6, [DL_RUN_FIELD_BEST] = 17, [DL_RUN_FIELD_FINAL] = 8,
  };

  return field < G_N_ELEMENTS (chars) ? chars[field] : 12;
}

static void
set_field (DlRunCell *self, DlRunField field)
{
  self->field = field;
  gtk_inscription_set_nat_chars (self->text, natural_chars (field));
  /* Figures of a fixed form are never cut; the recipe and the data set are, with a tooltip. */
  gtk_inscription_set_min_chars (self->text, field == DL_RUN_FIELD_RECIPE ? 10
                                             : field == DL_RUN_FIELD_DATA ? 16 : natural_chars (field));
  gtk_inscription_set_xalign (self->text, is_numeric (field) ? 1.0f : 0.0f);
  if (is_numeric (field))
    gtk_widget_add_css_class (GTK_WIDGET (self->text), "numeric");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->text), "numeric");
  update (self);
}

static void
dl_run_cell_dispose (GObject *object)
{
  DlRunCell *self = DL_RUN_CELL (object);

  if (self->run != NULL)
    g_signal_handlers_disconnect_by_data (self->run, self);
  g_clear_object (&self->run);
  if (self->text != NULL)
    gtk_widget_unparent (GTK_WIDGET (self->text));
  self->text = NULL;
  G_OBJECT_CLASS (dl_run_cell_parent_class)->dispose (object);
}

static void
dl_run_cell_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlRunCell *self = DL_RUN_CELL (object);

  switch (prop_id)
    {
    case PROP_RUN:   g_value_set_object (value, self->run); break;
    case PROP_FIELD: g_value_set_enum (value, self->field); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_run_cell_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlRunCell *self = DL_RUN_CELL (object);

  switch (prop_id)
    {
    case PROP_RUN:   dl_run_cell_set_run (self, g_value_get_object (value)); break;
    case PROP_FIELD: set_field (self, g_value_get_enum (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_run_cell_class_init (DlRunCellClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dl_run_cell_dispose;
  object_class->get_property = dl_run_cell_get_property;
  object_class->set_property = dl_run_cell_set_property;

  properties[PROP_RUN] = g_param_spec_object ("run", NULL, NULL, DL_TYPE_RUN,
                                              G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FIELD] = g_param_spec_enum ("field", NULL, NULL, DL_TYPE_RUN_FIELD, DL_RUN_FIELD_NUMBER,
                                              G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "dlruncell");
}

static void
dl_run_cell_init (DlRunCell *self)
{
  self->text = GTK_INSCRIPTION (gtk_inscription_new (NULL));
  gtk_inscription_set_text_overflow (self->text, GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
  gtk_widget_set_parent (GTK_WIDGET (self->text), GTK_WIDGET (self));
}

GtkWidget *
dl_run_cell_new (DlRunField field)
{
  return g_object_new (DL_TYPE_RUN_CELL, "field", field, NULL);
}

DlRun *
dl_run_cell_get_run (DlRunCell *self)
{
  g_return_val_if_fail (DL_IS_RUN_CELL (self), NULL);
  return self->run;
}

DlRunField
dl_run_cell_get_field (DlRunCell *self)
{
  g_return_val_if_fail (DL_IS_RUN_CELL (self), DL_RUN_FIELD_NUMBER);
  return self->field;
}

const char *
dl_run_cell_get_text (DlRunCell *self)
{
  g_return_val_if_fail (DL_IS_RUN_CELL (self), NULL);
  return gtk_inscription_get_text (self->text);
}
