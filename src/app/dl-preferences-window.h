/* dl-preferences-window.h — the Preferences window (app.preferences, Ctrl+,): every key of the app's
 * GSettings schema a user may set, bound live. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DL_TYPE_PREFERENCES_WINDOW (dl_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (DlPreferencesWindow, dl_preferences_window, DL, PREFERENCES_WINDOW, GtkWindow)

/* Edits settings (the app's; may be NULL, then every control is insensitive). */
DlPreferencesWindow *dl_preferences_window_new (GtkWindow *parent, GSettings *settings);

G_END_DECLS
