/* dl-button-names.h — buttons with a mnemonic label named as screen readers should say them.
 *
 * GTK 4.8 gives a button whose label has a mnemonic ("_Start", use-underline) the accessible name
 * "_Start Start": its label property, underscore and all, followed by the name of the label inside it that
 * it is labelled by. Without the label property the name is the inner label's text alone ("Start"), which
 * is what later GTK versions give. The fix follows the button: GTK sets the property again whenever the
 * label changes (a Start button that becomes New Run).
 *
 * A button whose child is a box of an icon and a label is named after its type ("GtkButton"); it gets the
 * label's text as its name.
 *
 * A dropdown's button is named after its type too ("GtkToggleButton"): it gets the dropdown's mnemonic
 * label and the item shown ("Schedule: Cosine"; the item alone without such a label) as its name, following
 * the selection, and the dropdown's tooltip as its description. A dropdown without such a label, named
 * "GtkDropDown" by GTK 4.8, is named after the item it shows.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Every GtkButton under root (itself included) that uses a mnemonic or holds a label in a box, and every
 * GtkDropDown's button, now and after each label or selection change. */
void dl_button_names_fix (GtkWidget *root);

G_END_DECLS
