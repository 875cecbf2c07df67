/* dl-run-compare-check.c — a row's "compare this run" check box (see dl-run-compare-check.h). */
#include "dl-run-compare-check.h"

#include <glib/gi18n.h>

struct _DlRunCompareCheck
{
  GtkWidget       parent_instance;

  DlRun          *run;
  GtkCheckButton *button;
  gboolean        syncing;   /* setting the box from the selection: not the user's toggle */
};

G_DEFINE_FINAL_TYPE (DlRunCompareCheck, dl_run_compare_check, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_RUN,
  PROP_ACTIVE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
on_toggled (GtkCheckButton *button, DlRunCompareCheck *self)
{
  if (self->syncing || self->run == NULL)
    return;
  gtk_widget_activate_action (GTK_WIDGET (self), "runs.compare", "(sb)", dl_run_get_uuid (self->run),
                              gtk_check_button_get_active (button));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE]);
}

void
dl_run_compare_check_set_active (DlRunCompareCheck *self, gboolean active)
{
  g_return_if_fail (DL_IS_RUN_COMPARE_CHECK (self));
  if (gtk_check_button_get_active (self->button) == !!active)
    return;
  self->syncing = TRUE;
  gtk_check_button_set_active (self->button, active);
  self->syncing = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE]);
}

static void
set_run (DlRunCompareCheck *self, DlRun *run)
{
  g_autofree char *label = NULL;

  if (!g_set_object (&self->run, run))
    return;
  /* TRANSLATORS: the accessible name of a run's check box in the Runs page. */
  label = g_strdup_printf (_("Compare %s"), run != NULL ? dl_run_get_name (run) : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUN]);
}

static void
dl_run_compare_check_dispose (GObject *object)
{
  DlRunCompareCheck *self = DL_RUN_COMPARE_CHECK (object);

  g_clear_object (&self->run);
  if (self->button != NULL)
    gtk_widget_unparent (GTK_WIDGET (self->button));
  self->button = NULL;
  G_OBJECT_CLASS (dl_run_compare_check_parent_class)->dispose (object);
}

static void
dl_run_compare_check_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlRunCompareCheck *self = DL_RUN_COMPARE_CHECK (object);

  switch (prop_id)
    {
    case PROP_RUN:    g_value_set_object (value, self->run); break;
    case PROP_ACTIVE: g_value_set_boolean (value, gtk_check_button_get_active (self->button)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_run_compare_check_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlRunCompareCheck *self = DL_RUN_COMPARE_CHECK (object);

  switch (prop_id)
    {
    case PROP_RUN:    set_run (self, g_value_get_object (value)); break;
    case PROP_ACTIVE: dl_run_compare_check_set_active (self, g_value_get_boolean (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_run_compare_check_class_init (DlRunCompareCheckClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = dl_run_compare_check_dispose;
  object_class->get_property = dl_run_compare_check_get_property;
  object_class->set_property = dl_run_compare_check_set_property;

  properties[PROP_RUN] = g_param_spec_object ("run", NULL, NULL, DL_TYPE_RUN, rw);
  properties[PROP_ACTIVE] = g_param_spec_boolean ("active", NULL, NULL, FALSE, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "dlruncomparecheck");
}

static void
dl_run_compare_check_init (DlRunCompareCheck *self)
{
  self->button = GTK_CHECK_BUTTON (gtk_check_button_new ());
  gtk_widget_set_halign (GTK_WIDGET (self->button), GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->button), _("Compare this run"));
  gtk_widget_set_parent (GTK_WIDGET (self->button), GTK_WIDGET (self));
  g_signal_connect (self->button, "toggled", G_CALLBACK (on_toggled), self);
}

DlRun *
dl_run_compare_check_get_run (DlRunCompareCheck *self)
{
  g_return_val_if_fail (DL_IS_RUN_COMPARE_CHECK (self), NULL);
  return self->run;
}

gboolean
dl_run_compare_check_get_active (DlRunCompareCheck *self)
{
  g_return_val_if_fail (DL_IS_RUN_COMPARE_CHECK (self), FALSE);
  return gtk_check_button_get_active (self->button);
}
