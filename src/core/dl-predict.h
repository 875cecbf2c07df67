/* dl-predict.h — a network's answers for a set of (unlabeled) images, and the CSV they are handed in as.
 * No GTK. Used by `digitlab-cli predict` and the app's unlabeled-images page, so both write the same file.
 *
 * The CSV is what Kaggle's Digit Recognizer takes: a header "ImageId,Label", then one row per image in the
 * set's order, ImageId counted from 1; with `probabilities` each row also holds the ten class
 * probabilities (columns p0 … p9, "%.6g", C locale).
 */
#pragma once

#include <glib.h>

#include "dl-data.h"
#include "dl-net.h"

G_BEGIN_DECLS

/* Whether net reads ds's images (one channel, its input's rows × cols); else an error naming ds's source
 * and `model` (how to call the network in the message). */
gboolean dl_predict_check_shape (const DlNet *net, const DlDataset *ds, const char *model, GError **error);

/* The class probabilities of every image of ds (n × DL_N_CLASSES floats, g_free), with dl_net_forward on a
 * work of its own: any thread, on a net nobody changes. stop (may be NULL) is asked before each batch of 256;
 * NULL when it said TRUE (the app gives up a classification a newer model made pointless). */
float   *dl_predict_dataset (const DlNet *net, const DlDataset *ds, gboolean (*stop) (gpointer data),
                             gpointer data);

/* The predicted class (the most probable, the lowest on ties) and the margin between the two highest
 * probabilities (0 ≤ margin ≤ 1). */
int      dl_predict_label (const float *probs, float *margin);

/* The CSV of n images' probabilities (see above); counts (may be NULL) gets the predicted labels' histogram. */
GString *dl_predict_csv (const float *probs, int n, gboolean probabilities, int counts[DL_N_CLASSES]);

G_END_DECLS
