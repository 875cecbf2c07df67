/* dl-wheel-guard.h — sliders and spin buttons that take the mouse wheel only while they have the keyboard
 * focus. A wheel turned over an unfocused one scrolls what it is in (the Train page's sidebar) instead of
 * changing it — a change nobody meant, which a live run would even mark on its plots. Clicking or dragging a
 * slider focuses it (GTK's own behaviour), so the wheel works on the one being handled.
 *
 * GTK 4.8 has no such setting: the guard switches the widget's own GtkEventControllerScroll off (phase
 * NONE) while the widget does not contain the focus, and back on (BUBBLE) while it does, so the scroll event
 * goes on to the scrolled window as if the slider were not there.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Guards one GtkRange (GtkScale) or GtkSpinButton; a second call does nothing. */
void     dl_wheel_guard_widget       (GtkWidget *widget);
/* Guards every GtkRange and GtkSpinButton under root (itself included) that exists now. */
void     dl_wheel_guard_install      (GtkWidget *root);
/* Whether the widget's wheel is guarded and currently off (it does not have the focus). */
gboolean dl_wheel_guard_is_blocking  (GtkWidget *widget);

G_END_DECLS
