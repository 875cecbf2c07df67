/* dl-unlabeled-page.h — "what does my network make of images nobody labelled?"
 *
 * An unlabeled set (Kaggle's Digit Recognizer test.csv, any CSV of 784 pixel columns a row, or an IDX images
 * file: dl_dataset_load_unlabeled) opened beside the training data, which it does not touch, classified with
 * the session's snapshot of the shown run off the UI thread, and browsed least confident first: each tile
 * shows the image, the answer, its probability and its margin over the runner-up. The selected image shows
 * its ten probabilities and why (the explainer's heatmap of its answer against the runner-up, its nearest
 * training images), as on the Mistakes page. A new network for the shown run (a model loaded, a past run
 * opened, a new run) classifies the set again at once; training progress does too, but at most once per
 * four times the last classification took, so a big set never takes more than a fifth of a core.
 *
 * Actions (group "unlabeled"): export — the answers as the CSV `digitlab-cli predict` writes (ImageId,Label;
 * dl_predict_csv), through a file chooser; enabled when the answers shown are of the current network.
 */
#pragma once

#include <gtk/gtk.h>

#include "dl-data.h"
#include "dl-explainer.h"
#include "dl-session.h"

G_BEGIN_DECLS

#define DL_TYPE_UNLABELED_PAGE (dl_unlabeled_page_get_type ())
G_DECLARE_FINAL_TYPE (DlUnlabeledPage, dl_unlabeled_page, DL, UNLABELED_PAGE, GtkWidget)

GtkWidget  *dl_unlabeled_page_new (void);
/* Property "session": the snapshot classified with, and the class names. */
void        dl_unlabeled_page_set_session (DlUnlabeledPage *self, DlSession *session);
void        dl_unlabeled_page_set_explainer (DlUnlabeledPage *self, DlExplainer *explainer);

/* Loads the unlabeled images at path off the UI thread; on success they replace the page's set (and are
 * classified), on failure the page is left as it was and the error is the loader's, naming the file and
 * the place. Images of another size than the shown run's network takes are refused too. */
void        dl_unlabeled_page_open_async (DlUnlabeledPage *self, const char *path, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
gboolean    dl_unlabeled_page_open_finish (DlUnlabeledPage *self, GAsyncResult *result, GError **error);

/* "images": the set shown (NULL before one opened); "classifying": a classification is under way. */
DlDataset  *dl_unlabeled_page_get_images (DlUnlabeledPage *self);
gboolean    dl_unlabeled_page_get_classifying (DlUnlabeledPage *self);
/* The answers shown, least confident first (DlUnlabeledItem); empty until the first classification. */
GListModel *dl_unlabeled_page_get_answers (DlUnlabeledPage *self);
/* Writes the answers shown as `ImageId,Label` CSV (atomically); FALSE without answers. */
gboolean    dl_unlabeled_page_save_csv (DlUnlabeledPage *self, const char *path, GError **error);

G_END_DECLS
