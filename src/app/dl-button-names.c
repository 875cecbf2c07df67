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

/* The text the dropdown shows for its selected item (a string object's string, or its expression's). */
static char *
selected_text (GtkDropDown *dropdown)
{
  GObject *item = gtk_drop_down_get_selected_item (dropdown);
  GtkExpression *expression = gtk_drop_down_get_expression (dropdown);
  g_auto (GValue) value = G_VALUE_INIT;

  if (item == NULL)
    return NULL;
  if (expression != NULL && gtk_expression_evaluate (expression, item, &value) && G_VALUE_HOLDS_STRING (&value))
    return g_value_dup_string (&value);
  if (GTK_IS_STRING_OBJECT (item))
    return g_strdup (gtk_string_object_get_string (GTK_STRING_OBJECT (item)));
  return NULL;
}

/* "Schedule: Cosine": the dropdown's mnemonic label (without its colon) and what it shows, or what it shows
 * alone; its tooltip as the description. */
static void
name_dropdown_button (GtkDropDown *dropdown, GParamSpec *pspec, GtkWidget *button)
{
  GList *labels = gtk_widget_list_mnemonic_labels (GTK_WIDGET (dropdown));
  g_autofree char *shown = selected_text (dropdown);
  g_autofree char *caption = labels && GTK_IS_LABEL (labels->data)
                             ? g_strdup (gtk_label_get_text (GTK_LABEL (labels->data))) : NULL;
  g_autofree char *name = NULL;
  const char *tooltip = gtk_widget_get_tooltip_text (GTK_WIDGET (dropdown));

  g_list_free (labels);
  if (caption && g_str_has_suffix (g_strstrip (caption), ":"))
    caption[strlen (caption) - 1] = '\0';
  name = caption && *caption ? g_strdup_printf ("%s: %s", caption, shown ? shown : "") : g_strdup (shown);
  if (name && *name)
    gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  /* Without a label of its own the dropdown is named after its type too: it is called what it shows. */
  if (caption == NULL && shown && *shown)
    gtk_accessible_update_property (GTK_ACCESSIBLE (dropdown), GTK_ACCESSIBLE_PROPERTY_LABEL, shown, -1);
  if (tooltip)
    gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tooltip, -1);
}

/* GTK 4.8 names a dropdown's button after its type ("GtkToggleButton"): it gets the dropdown's caption and
 * value, following the selection. */
static void
fix_dropdown (GtkDropDown *dropdown)
{
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (dropdown)); c; c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_TOGGLE_BUTTON (c))
      {
        g_signal_connect_object (dropdown, "notify::selected-item", G_CALLBACK (name_dropdown_button), c, 0);
        g_signal_connect_object (dropdown, "notify::tooltip-text", G_CALLBACK (name_dropdown_button), c, 0);
        name_dropdown_button (dropdown, NULL, c);
      }
}

void
dl_button_names_fix (GtkWidget *root)
{
  g_return_if_fail (GTK_IS_WIDGET (root));

  if (GTK_IS_DROP_DOWN (root))
    {
      if (g_object_get_data (G_OBJECT (root), FIXED_KEY) == NULL)
        {
          g_object_set_data (G_OBJECT (root), FIXED_KEY, GINT_TO_POINTER (TRUE));
          fix_dropdown (GTK_DROP_DOWN (root));
        }
      return;
    }
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
