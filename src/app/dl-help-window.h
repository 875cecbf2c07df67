/* dl-help-window.h — the short in-app help (F1): a page per topic, opened on the topic of the page in view. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DL_TYPE_HELP_WINDOW (dl_help_window_get_type ())
G_DECLARE_FINAL_TYPE (DlHelpWindow, dl_help_window, DL, HELP_WINDOW, GtkWindow)

DlHelpWindow *dl_help_window_new (GtkWindow *parent);
/* Shows a topic: "start", "train", "draw", "mistakes", "data" or "files"; an unknown one is ignored. */
void          dl_help_window_show_topic (DlHelpWindow *self, const char *topic);

G_END_DECLS
