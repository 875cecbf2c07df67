/* dl-wheel-guard.c — the wheel of sliders and spin buttons only while they have the focus (see the header). */
#include "dl-wheel-guard.h"

#define GUARD_KEY "dl-wheel-guard"

/* The widget's own scroll controllers (GTK's, added at init) on or off. */
static void
set_wheel (GtkWidget *widget, gboolean on)
{
  GListModel *controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GtkEventController) c = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_SCROLL (c))
        gtk_event_controller_set_propagation_phase (c, on ? GTK_PHASE_BUBBLE : GTK_PHASE_NONE);
    }
  g_object_unref (controllers);
}

static void
focus_changed (GtkEventControllerFocus *focus, GParamSpec *pspec, GtkWidget *widget)
{
  set_wheel (widget, gtk_event_controller_focus_contains_focus (focus));
}

void
dl_wheel_guard_widget (GtkWidget *widget)
{
  GtkEventController *focus;

  g_return_if_fail (GTK_IS_RANGE (widget) || GTK_IS_SPIN_BUTTON (widget));

  if (g_object_get_data (G_OBJECT (widget), GUARD_KEY) != NULL)
    return;
  focus = gtk_event_controller_focus_new ();
  /* A spin button's focus is in its text child: "contains-focus" covers both. */
  g_signal_connect_object (focus, "notify::contains-focus", G_CALLBACK (focus_changed), widget, 0);
  gtk_widget_add_controller (widget, focus);
  g_object_set_data (G_OBJECT (widget), GUARD_KEY, focus);
  set_wheel (widget, gtk_event_controller_focus_contains_focus (GTK_EVENT_CONTROLLER_FOCUS (focus)));
}

void
dl_wheel_guard_install (GtkWidget *root)
{
  g_return_if_fail (GTK_IS_WIDGET (root));

  if (GTK_IS_RANGE (root) || GTK_IS_SPIN_BUTTON (root))
    {
      dl_wheel_guard_widget (root);
      return;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    dl_wheel_guard_install (c);
}

gboolean
dl_wheel_guard_is_blocking (GtkWidget *widget)
{
  GtkEventControllerFocus *focus = g_object_get_data (G_OBJECT (widget), GUARD_KEY);

  return focus != NULL && !gtk_event_controller_focus_contains_focus (focus);
}
