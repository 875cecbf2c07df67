/* dl-button-names.c — "Start", not "_Start Start", for screen readers (see the header). */
#include "dl-button-names.h"

#define FIXED_KEY "dl-button-names"

/* The first GtkLabel under widget, depth first. */
static GtkLabel *
find_label (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget))
    return GTK_LABEL (widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkLabel *found = find_label (c);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
reset_label (GtkButton *button)
{
  GtkWidget *child = gtk_button_get_child (button);
  GtkLabel *inner;

  if (gtk_button_get_use_underline (button) && gtk_button_get_label (button) != NULL)
    gtk_accessible_reset_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL);
  /* An icon and a label in a box of its own: GTK 4.8 names the button after its type ("GtkButton"). */
  else if (child != NULL && !GTK_IS_LABEL (child) && (inner = find_label (child)) != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    gtk_label_get_text (inner), -1);
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
