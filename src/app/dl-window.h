/* dl-window.h — the main window: header bar, pages (Train, Draw, Mistakes, Network, Runs, Data, and Unlabeled
 * once unlabeled images are open) bound to the
 * window's session (DlSession), its message bar, file choosers and quitting. */
#pragma once

#include <gtk/gtk.h>

#include "dl-application.h"
#include "dl-session.h"
#include "dl-train-page.h"
#include "dl-unlabeled-page.h"

G_BEGIN_DECLS

#define DL_TYPE_WINDOW (dl_window_get_type ())
G_DECLARE_FINAL_TYPE (DlWindow, dl_window, DL, WINDOW, GtkApplicationWindow)

/* data: a folder of IDX files or a CSV file to train on; NULL for the MNIST cache. */
DlWindow *dl_window_new (DlApplication *app, const char *data);
void      dl_window_load_model (DlWindow *self, const char *path);
/* Opens unlabeled images (win.open-unlabeled's file): on success the Unlabeled page shows and classifies
 * them; on failure nothing changes and a dialog (dl_window_get_open_error) says the loader's error. */
void      dl_window_open_unlabeled (DlWindow *self, const char *path);
/* The help topic of what the window shows: "start" without data, else the page's name (dl-help-window.h). */
const char *dl_window_get_help_topic (DlWindow *self);

/* The window's session, its worker and the Train page (for tests). */
DlSession   *dl_window_get_session (DlWindow *self);
DlWorker    *dl_window_get_worker (DlWindow *self);
DlTrainPage *dl_window_get_train_page (DlWindow *self);
DlUnlabeledPage *dl_window_get_unlabeled_page (DlWindow *self);
/* The open "cannot open these images" dialog (a GtkMessageDialog), or NULL. */
GtkWidget   *dl_window_get_open_error (DlWindow *self);

G_END_DECLS
