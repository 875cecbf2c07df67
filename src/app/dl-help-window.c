/* dl-help-window.c — a few paragraphs per page of the window, in ui/dl-help-window.ui. */
#include "config.h"

#include "dl-help-window.h"

struct _DlHelpWindow
{
  GtkWindow  parent_instance;

  GtkStack  *topics;
};

G_DEFINE_FINAL_TYPE (DlHelpWindow, dl_help_window, GTK_TYPE_WINDOW)

DlHelpWindow *
dl_help_window_new (GtkWindow *parent)
{
  return g_object_new (DL_TYPE_HELP_WINDOW, "transient-for", parent, NULL);
}

void
dl_help_window_show_topic (DlHelpWindow *self, const char *topic)
{
  g_return_if_fail (DL_IS_HELP_WINDOW (self));

  if (topic != NULL && gtk_stack_get_child_by_name (self->topics, topic) != NULL)
    gtk_stack_set_visible_child_name (self->topics, topic);
}

static void
dl_help_window_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), DL_TYPE_HELP_WINDOW);
  G_OBJECT_CLASS (dl_help_window_parent_class)->dispose (object);
}

static void
dl_help_window_class_init (DlHelpWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = dl_help_window_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/digitlab/DigitLab/ui/dl-help-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DlHelpWindow, topics);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
dl_help_window_init (DlHelpWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
