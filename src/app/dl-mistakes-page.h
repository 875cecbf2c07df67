/* dl-mistakes-page.h — "what is my network getting wrong, and is it the network or the data?"
 *
 * Every misclassified test image in a grid (sortable, filterable by true and predicted digit), the
 * confusion matrix whose cells filter the grid, a detail pane with an image's ten probabilities and
 * history across evaluations, suspected label errors, and a banner when the model has collapsed.
 * The window feeds it: the test set once loaded, then every evaluation as it arrives.
 */
#pragma once

#include <gtk/gtk.h>
#include "dl-data.h"
#include "dl-eval.h"
#include "dl-run.h"

G_BEGIN_DECLS

#define DL_TYPE_MISTAKES_PAGE (dl_mistakes_page_get_type ())
G_DECLARE_FINAL_TYPE (DlMistakesPage, dl_mistakes_page, DL, MISTAKES_PAGE, GtkWidget)

GtkWidget *dl_mistakes_page_new (void);

/* The test set the evaluations run on (DL_EVENT_DATA_LOADED's `test`); takes a reference. A different
 * set forgets all evaluations; the same one again changes nothing. */
void       dl_mistakes_page_set_test_set (DlMistakesPage *self, DlDataset *test);
/* An evaluation on (the first ev->n images of) the test set (DL_EVENT_EVAL's `eval`, `diagnosis`,
 * `end_of_epoch`); the page copies what it keeps. diagnosis may be NULL. */
void       dl_mistakes_page_add_eval (DlMistakesPage *self, const DlEval *ev, const DlDiagnosis *diagnosis,
                                      gboolean end_of_epoch);
/* The run whose per-class accuracy curves and past confusion matrices (with what changed in a cell) the
 * page's "Per-class progress" shows; NULL for none. */
void       dl_mistakes_page_set_run (DlMistakesPage *self, DlRun *run);
/* A new network (reset, or a model loaded): forgets the evaluations, keeps the test set. */
void       dl_mistakes_page_clear_history (DlMistakesPage *self);

G_END_DECLS
