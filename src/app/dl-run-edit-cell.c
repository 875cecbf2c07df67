/* dl-run-edit-cell.c — a run's name or notes, edited in place (see dl-run-edit-cell.h). */
#include "dl-run-edit-cell.h"

#include <glib/gi18n.h>

struct _DlRunEditCell
{
  GtkWidget         parent_instance;

  DlRun            *run;
  DlRunEditField    field;
  GtkEditableLabel *label;
  gboolean          placeholder;   /* empty notes: the label shows "Add notes" */
};

G_DEFINE_FINAL_TYPE (DlRunEditCell, dl_run_edit_cell, GTK_TYPE_WIDGET)

G_DEFINE_ENUM_TYPE (DlRunEditField, dl_run_edit_field,
  G_DEFINE_ENUM_VALUE (DL_RUN_EDIT_NAME, "name"),
  G_DEFINE_ENUM_VALUE (DL_RUN_EDIT_NOTES, "notes"))

enum {
  PROP_0,
  PROP_RUN,
  PROP_FIELD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
run_text (DlRunEditCell *self)
{
  if (self->run == NULL)
    return "";
  return self->field == DL_RUN_EDIT_NAME ? dl_run_get_name (self->run) : dl_run_get_notes (self->run);
}

/* The run's text, unless the user is typing. */
static void
show_run_text (DlRunEditCell *self)
{
  const char *text = run_text (self);

  if (gtk_editable_label_get_editing (self->label))
    return;
  self->placeholder = self->run != NULL && self->field == DL_RUN_EDIT_NOTES && *text == '\0';
  gtk_editable_set_text (GTK_EDITABLE (self->label), self->placeholder ? _("Add notes") : text);
  if (self->placeholder)
    gtk_widget_add_css_class (GTK_WIDGET (self->label), "dim-label");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->label), "dim-label");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), self->placeholder || *text == '\0' ? NULL : text);
}

static void
commit (DlRunEditCell *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->label))));

  if (self->run == NULL)
    return;
  /* Escape puts the shown text back: the placeholder is no note. */
  if (self->placeholder && g_str_equal (text, _("Add notes")))
    ;
  else if (self->field == DL_RUN_EDIT_NAME && *text != '\0')
    dl_run_set_name (self->run, text);
  else if (self->field == DL_RUN_EDIT_NOTES)
    dl_run_set_notes (self->run, text);
  show_run_text (self);
}

static void
on_editing (GtkEditableLabel *label, GParamSpec *pspec, DlRunEditCell *self)
{
  if (gtk_editable_label_get_editing (label))
    {
      /* Typing starts from the real text, not from the placeholder. */
      if (self->placeholder)
        gtk_editable_set_text (GTK_EDITABLE (label), "");
      gtk_widget_remove_css_class (GTK_WIDGET (label), "dim-label");
    }
  else
    commit (self);
}

static void
on_run_notify (DlRun *run, GParamSpec *pspec, DlRunEditCell *self)
{
  show_run_text (self);
}

void
dl_run_edit_cell_set_run (DlRunEditCell *self, DlRun *run)
{
  g_return_if_fail (DL_IS_RUN_EDIT_CELL (self));
  g_return_if_fail (run == NULL || DL_IS_RUN (run));

  if (self->run == run)
    return;
  /* A recycled cell drops an edit in progress rather than give it to the next run. */
  if (gtk_editable_label_get_editing (self->label))
    {
      g_signal_handlers_block_by_func (self->label, on_editing, self);
      gtk_editable_label_stop_editing (self->label, FALSE);
      g_signal_handlers_unblock_by_func (self->label, on_editing, self);
    }
  if (self->run != NULL)
    g_signal_handlers_disconnect_by_data (self->run, self);
  g_set_object (&self->run, run);
  if (run != NULL)
    g_signal_connect (run, self->field == DL_RUN_EDIT_NAME ? "notify::name" : "notify::notes",
                      G_CALLBACK (on_run_notify), self);
  show_run_text (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUN]);
}

/* GTK 4.8's GtkEditableLabel, when it loses the focus, starts a 100 ms timeout that it does not remove when it
 * goes (later GTK does): a row rebuilt or a window closed just after an edit would run it on a freed label.
 * The label is kept until then. */
#define LABEL_GRACE_MS 250

static gboolean
release_label (gpointer label)
{
  g_object_unref (label);
  return G_SOURCE_REMOVE;
}

static void
dl_run_edit_cell_dispose (GObject *object)
{
  DlRunEditCell *self = DL_RUN_EDIT_CELL (object);

  if (self->run != NULL)
    g_signal_handlers_disconnect_by_data (self->run, self);
  g_clear_object (&self->run);
  if (self->label != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->label, self);
      g_timeout_add (LABEL_GRACE_MS, release_label, g_object_ref (self->label));
      gtk_widget_unparent (GTK_WIDGET (self->label));
    }
  self->label = NULL;
  G_OBJECT_CLASS (dl_run_edit_cell_parent_class)->dispose (object);
}

static void
dl_run_edit_cell_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlRunEditCell *self = DL_RUN_EDIT_CELL (object);

  switch (prop_id)
    {
    case PROP_RUN:   g_value_set_object (value, self->run); break;
    case PROP_FIELD: g_value_set_enum (value, self->field); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_run_edit_cell_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlRunEditCell *self = DL_RUN_EDIT_CELL (object);

  switch (prop_id)
    {
    case PROP_RUN:
      dl_run_edit_cell_set_run (self, g_value_get_object (value));
      break;
    case PROP_FIELD:
      self->field = g_value_get_enum (value);
      show_run_text (self);
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_run_edit_cell_class_init (DlRunEditCellClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dl_run_edit_cell_dispose;
  object_class->get_property = dl_run_edit_cell_get_property;
  object_class->set_property = dl_run_edit_cell_set_property;

  properties[PROP_RUN] = g_param_spec_object ("run", NULL, NULL, DL_TYPE_RUN,
                                              G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FIELD] = g_param_spec_enum ("field", NULL, NULL, DL_TYPE_RUN_EDIT_FIELD, DL_RUN_EDIT_NAME,
                                              G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "dlruneditcell");
}

static void
dl_run_edit_cell_init (DlRunEditCell *self)
{
  self->label = GTK_EDITABLE_LABEL (gtk_editable_label_new (""));
  gtk_editable_set_width_chars (GTK_EDITABLE (self->label), 8);
  gtk_editable_set_max_width_chars (GTK_EDITABLE (self->label), 40);
  gtk_widget_set_hexpand (GTK_WIDGET (self->label), TRUE);
  gtk_widget_set_parent (GTK_WIDGET (self->label), GTK_WIDGET (self));
  g_signal_connect (self->label, "notify::editing", G_CALLBACK (on_editing), self);
}

GtkWidget *
dl_run_edit_cell_new (DlRunEditField field)
{
  return g_object_new (DL_TYPE_RUN_EDIT_CELL, "field", field, NULL);
}

DlRun *
dl_run_edit_cell_get_run (DlRunEditCell *self)
{
  g_return_val_if_fail (DL_IS_RUN_EDIT_CELL (self), NULL);
  return self->run;
}

DlRunEditField
dl_run_edit_cell_get_field (DlRunEditCell *self)
{
  g_return_val_if_fail (DL_IS_RUN_EDIT_CELL (self), DL_RUN_EDIT_NAME);
  return self->field;
}

GtkEditableLabel *
dl_run_edit_cell_get_label (DlRunEditCell *self)
{
  g_return_val_if_fail (DL_IS_RUN_EDIT_CELL (self), NULL);
  return self->label;
}
