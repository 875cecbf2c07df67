/* dl-mistakes-page.h — "what is my network getting wrong, and is it the network or the data?"
 *
 * Every misclassified test image in a grid (sortable, filterable by true and predicted digit), the
 * confusion matrix whose cells filter the grid, a detail pane with an image's ten probabilities and
 * history across evaluations, suspected label errors, and a banner when the model has collapsed.
 * Property "session" (DlSession): the page shows the whole-test-set evaluations (epoch ends, Evaluate) of the
 * session's run, the live one as they arrive or a past one from the store, when they are of the test set in
 * use, and under them that run's per-class progress (ten accuracy curves, the confusion matrix at any past
 * evaluation and what changed in a cell). Without a session, the functions below feed it (no per-class
 * progress then).
 * An explainer (dl_mistakes_page_set_explainer) adds why: the selected image's heatmap (its answer against
 * its label), its nearest training images, and whether they back a suspected label error.
 */
#pragma once

#include <gtk/gtk.h>
#include "dl-class-accuracy-view.h"
#include "dl-confusion-history.h"
#include "dl-data.h"
#include "dl-eval.h"
#include "dl-explainer.h"
#include "dl-session.h"

G_BEGIN_DECLS

#define DL_TYPE_MISTAKES_PAGE (dl_mistakes_page_get_type ())
G_DECLARE_FINAL_TYPE (DlMistakesPage, dl_mistakes_page, DL, MISTAKES_PAGE, GtkWidget)

GtkWidget *dl_mistakes_page_new (void);
void       dl_mistakes_page_set_session (DlMistakesPage *self, DlSession *session);

/* The test set the evaluations run on (DL_EVENT_DATA_LOADED's `test`); takes a reference. A different
 * set forgets all evaluations; the same one again changes nothing. */
void       dl_mistakes_page_set_test_set (DlMistakesPage *self, DlDataset *test);
/* An evaluation on (the first ev->n images of) the test set (DL_EVENT_EVAL's `eval`, `diagnosis`,
 * `end_of_epoch`); the page copies what it keeps. diagnosis may be NULL. */
void       dl_mistakes_page_add_eval (DlMistakesPage *self, const DlEval *ev, const DlDiagnosis *diagnosis,
                                      gboolean end_of_epoch);
/* Explains the selected image with the explainer's latest snapshot (NULL: no explanations). */
void       dl_mistakes_page_set_explainer (DlMistakesPage *self, DlExplainer *explainer);
/* The per-class progress views (the session's run). */
DlClassAccuracyView *dl_mistakes_page_get_class_progress (DlMistakesPage *self);
DlConfusionHistory  *dl_mistakes_page_get_confusion_history (DlMistakesPage *self);
/* A new network (reset, or a model loaded): forgets the evaluations, keeps the test set. */
void       dl_mistakes_page_clear_history (DlMistakesPage *self);

G_END_DECLS
