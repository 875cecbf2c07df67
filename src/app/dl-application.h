/* dl-application.h — the Digit Lab GtkApplication. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DL_APPLICATION_ID "io.github.digitlab.DigitLab"

#define DL_TYPE_APPLICATION (dl_application_get_type ())
G_DECLARE_FINAL_TYPE (DlApplication, dl_application, DL, APPLICATION, GtkApplication)

DlApplication *dl_application_new (void);
/* The app's settings, or NULL when the schema is neither installed nor in the build tree. */
GSettings     *dl_application_get_settings (DlApplication *self);
/* The folder MNIST is loaded from and downloaded to: $DIGITLAB_DATA, else the "data-folder" setting, else
 * the cache (dl_data_default_dir). */
char          *dl_application_dup_data_dir (DlApplication *self);

G_END_DECLS
