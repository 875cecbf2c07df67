/* dl-empty-state.h — what the window shows without data: Download MNIST (with progress and Cancel), open
 * a folder or CSV files, try again; and why the last load failed. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DL_TYPE_EMPTY_STATE (dl_empty_state_get_type ())
G_DECLARE_FINAL_TYPE (DlEmptyState, dl_empty_state, DL, EMPTY_STATE, GtkWidget)

/* The folder Download MNIST fills (and the text names). */
void        dl_empty_state_set_data_dir (DlEmptyState *self, const char *dir);
const char *dl_empty_state_get_data_dir (DlEmptyState *self);
/* Why the data could not be loaded; NULL hides it. */
void        dl_empty_state_set_error (DlEmptyState *self, const char *message);
/* Whether a download is running. */
gboolean    dl_empty_state_get_downloading (DlEmptyState *self);

/* Signals: "downloaded" () — the verified files are in the data folder, ready to load. */

G_END_DECLS
