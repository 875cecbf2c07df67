/* dl-button-names.c — "Start", not "_Start Start", for screen readers (see the header). */
#include "dl-button-names.h"

#define FIXED_KEY "dl-button-names"

static void
reset_label (GtkButton *button)
{
  if (gtk_button_get_use_underline (button) && gtk_button_get_label (button) != NULL)
    gtk_accessible_reset_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL);
}

static void
label_changed (GtkButton *button, GParamSpec *pspec, gpointer data)
{
  reset_label (button);
}

void
dl_button_names_fix (GtkWidget *root)
{
  g_return_if_fail (GTK_IS_WIDGET (root));

  if (GTK_IS_BUTTON (root) && g_object_get_data (G_OBJECT (root), FIXED_KEY) == NULL)
    {
      g_object_set_data (G_OBJECT (root), FIXED_KEY, GINT_TO_POINTER (TRUE));
      /* After GTK's own handler has set the property from the new label. */
      g_signal_connect_after (root, "notify::label", G_CALLBACK (label_changed), NULL);
      g_signal_connect_after (root, "notify::use-underline", G_CALLBACK (label_changed), NULL);
      reset_label (GTK_BUTTON (root));
    }
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    dl_button_names_fix (c);
}
