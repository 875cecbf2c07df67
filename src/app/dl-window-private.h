/* dl-window-private.h — what the files of DlWindow share: dl-window.c (the window, what it shows, data,
 * the question before a model is thrown away, closing) and dl-window-files.c (the file choosers and their
 * actions, unlabeled images opened). */
#pragma once

#include "dl-button-names.h"
#include "dl-data-page.h"
#include "dl-draw-page.h"
#include "dl-empty-state.h"
#include "dl-frame-stats.h"
#include "dl-mistakes-page.h"
#include "dl-network-page.h"
#include "dl-runs-page.h"
#include "dl-session.h"
#include "dl-train-page.h"
#include "dl-unlabeled-page.h"
#include "dl-wheel-guard.h"
#include "dl-window.h"

G_BEGIN_DECLS

/* What the open file chooser is for. */
typedef enum {
  CHOOSE_DATA_FOLDER,
  CHOOSE_TRAIN_CSV,
  CHOOSE_TEST_CSV,
  CHOOSE_SAVE_MODEL,
  CHOOSE_LOAD_MODEL,
  CHOOSE_UNLABELED,
} Choose;

struct _DlWindow
{
  GtkApplicationWindow parent_instance;

  DlSession    *session;
  DlExplainer  *explainer;            /* "why this answer" for the Draw and Mistakes pages */
  DlFrameStats *frame_stats;
  GtkFileChooserNative *chooser;      /* owned: destroyed with the window, so no answer comes after it */
  Choose        choosing;
  GtkWidget    *question;             /* the open "discard the trained model?" dialog */
  GtkWidget    *open_error;           /* the open "cannot open these images" dialog */
  GCancellable *opening;              /* unlabeled images being loaded */
  char         *pending_train_csv;    /* between the two CSV choosers */
  char         *data;                 /* what to load at start; NULL for the MNIST cache */
  gboolean      no_data_found;        /* the data folder has no MNIST: the empty state, whatever is loaded */
  gboolean      quit_confirmed;
  gboolean      closing;

  /* template children */
  GtkButton    *play_button;
  GtkInfoBar   *message_bar;
  GtkLabel     *message_label;
  GtkButton    *retry_button;
  GtkStack     *main_stack;
  GtkStack     *pages;
  GtkStackSwitcher *switcher;
  DlEmptyState *empty_state;
  GtkLabel     *loading_label;
  DlTrainPage  *train_page;
  DlDrawPage   *draw_page;
  DlMistakesPage *mistakes_page;
  DlRunsPage   *runs_page;
  DlDataPage   *data_page;
  DlNetworkPage *network_page;
  DlUnlabeledPage *unlabeled_page;
  GtkStackPage *unlabeled_stack_page;
};

/* dl-window.c */
void     dl_window_session_activate (DlWindow *self, const char *action, GVariant *param);
gboolean dl_window_session_enabled (DlWindow *self, const char *action);
/* Loads train (and test, or NULL) through the session, showing the loading page meanwhile. */
void     dl_window_load_data (DlWindow *self, const char *train, const char *test);

/* dl-window-files.c */
void     dl_window_close_chooser (DlWindow *self);
void     dl_window_files_install_actions (GtkWidgetClass *widget_class);
/* Closes the open chooser and error dialog, cancels an unlabeled set being opened. */
void     dl_window_files_dispose (DlWindow *self);

G_END_DECLS
