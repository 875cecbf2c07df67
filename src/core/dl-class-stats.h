/* dl-class-stats.h — per-class figures of an evaluation: each class's accuracy from the confusion matrix,
 * a confusion matrix recounted from per-example predictions, and which examples entered or left a cell
 * between two evaluations. No GTK. */
#pragma once

#include <glib.h>
#include "dl-data.h"

G_BEGIN_DECLS

/* For each true class c: count[c] = its examples (row sum), accuracy[c] = confusion[c][c] / count[c]
 * (NaN for a class with no example). Σ count[c] · accuracy[c] / Σ count[c] is the overall accuracy.
 * Either output may be NULL. */
void dl_class_accuracy (const int confusion[DL_N_CLASSES][DL_N_CLASSES], double accuracy[DL_N_CLASSES],
                        int count[DL_N_CLASSES]);

/* confusion[true][predicted] over n examples with these labels and predictions (both n bytes). Labels or
 * predictions outside 0–9 are not counted. */
void dl_confusion_count (const guint8 *labels, const guint8 *predicted, int n,
                         int confusion[DL_N_CLASSES][DL_N_CLASSES]);

/* The examples of cell (true_class, predicted_class) in evaluation `after` that were not in it in `before`
 * (entered), and those in it before that are not any more (left), as ascending example indices (int).
 * Both evaluations' predictions cover the same first n examples. */
void dl_confusion_cell_changes (const guint8 *labels, const guint8 *before, const guint8 *after, int n,
                                int true_class, int predicted_class, GArray *entered, GArray *left);

G_END_DECLS
