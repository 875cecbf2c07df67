/* dl-mistake-item.h — one test example in the mistakes browser's list model.
 *
 * Items are stable per test index: when a new evaluation changes an example's prediction, the same
 * item is updated (and notifies), so grid tiles and the selection follow it through re-sorting.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define DL_TYPE_MISTAKE_ITEM (dl_mistake_item_get_type ())
G_DECLARE_FINAL_TYPE (DlMistakeItem, dl_mistake_item, DL, MISTAKE_ITEM, GObject)

DlMistakeItem *dl_mistake_item_new (int index, int true_class);

int      dl_mistake_item_get_index (DlMistakeItem *self);       /* position in the test set */
int      dl_mistake_item_get_true_class (DlMistakeItem *self);
int      dl_mistake_item_get_predicted (DlMistakeItem *self);
double   dl_mistake_item_get_confidence (DlMistakeItem *self);  /* probability of the predicted class */
gboolean dl_mistake_item_get_suspected (DlMistakeItem *self);   /* suspected label error */

/* Sets what the latest evaluation says; notifies only the properties that changed. */
void     dl_mistake_item_update (DlMistakeItem *self, int predicted, double confidence, gboolean suspected);

G_END_DECLS
