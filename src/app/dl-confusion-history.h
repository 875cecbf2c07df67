/* dl-confusion-history.h — the confusion matrix at any past evaluation of a run, scrubbed with a slider over
 * its whole-test-set evaluations (those that kept each example's prediction), and for a chosen cell what
 * changed since the evaluation before: the test images that entered it and those that left it.
 *
 * The matrix shown is recounted from the stored per-example predictions (dl_confusion_count), so what the
 * cell's images say and what its count says cannot differ.
 */
#pragma once

#include <gtk/gtk.h>
#include "dl-classes.h"
#include "dl-run.h"

G_BEGIN_DECLS

#define DL_TYPE_CONFUSION_HISTORY (dl_confusion_history_get_type ())
G_DECLARE_FINAL_TYPE (DlConfusionHistory, dl_confusion_history, DL, CONFUSION_HISTORY, GtkWidget)

GtkWidget *dl_confusion_history_new (void);
/* The run (followed: a new evaluation is shown when the slider was at the latest); NULL empties it. */
void       dl_confusion_history_set_run (DlConfusionHistory *self, DlRun *run);
/* The test set the evaluations ran on (labels and images); a reference is kept. */
void       dl_confusion_history_set_test_set (DlConfusionHistory *self, DlDataset *test);
/* What the classes are called (copied; NULL: the digits). */
void       dl_confusion_history_set_classes (DlConfusionHistory *self, const DlClasses *classes);
/* Whole-set evaluations there are to scrub through, and which is shown (0 the first). */
guint      dl_confusion_history_get_n_positions (DlConfusionHistory *self);
void       dl_confusion_history_set_position (DlConfusionHistory *self, guint position);
guint      dl_confusion_history_get_position (DlConfusionHistory *self);
/* The matrix shown, [true][predicted]; FALSE when there is none. */
gboolean   dl_confusion_history_get_matrix (DlConfusionHistory *self, int matrix[DL_N_CLASSES][DL_N_CLASSES]);
/* The cell whose changes are listed, and the test indices that entered and left it since the previous
 * evaluation (owned by the widget, valid until the next change); FALSE when no cell is chosen. */
void       dl_confusion_history_select_cell (DlConfusionHistory *self, int true_class, int predicted);
gboolean   dl_confusion_history_get_changes (DlConfusionHistory *self, GArray **entered, GArray **left);

G_END_DECLS
