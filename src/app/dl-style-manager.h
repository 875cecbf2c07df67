/* dl-style-manager.h — applies the "style" setting (system / light / dark) to GTK, live. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DL_TYPE_STYLE_MANAGER (dl_style_manager_get_type ())
G_DECLARE_FINAL_TYPE (DlStyleManager, dl_style_manager, DL, STYLE_MANAGER, GObject)

/* Follows settings' "style" key from now on (settings may be NULL: the system's style stays). */
DlStyleManager *dl_style_manager_new (GSettings *settings);

G_END_DECLS
