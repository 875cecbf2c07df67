/* dl-unlabeled-item.h — one image of an unlabeled set with the network's answer, for the unlabeled-images
 * browser's list model. Immutable: a new classification makes new items. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define DL_TYPE_UNLABELED_ITEM (dl_unlabeled_item_get_type ())
G_DECLARE_FINAL_TYPE (DlUnlabeledItem, dl_unlabeled_item, DL, UNLABELED_ITEM, GObject)

DlUnlabeledItem *dl_unlabeled_item_new (int index, int predicted, double confidence, double margin);

int    dl_unlabeled_item_get_index (DlUnlabeledItem *self);       /* position in the set, from 0 */
int    dl_unlabeled_item_get_predicted (DlUnlabeledItem *self);
double dl_unlabeled_item_get_confidence (DlUnlabeledItem *self);  /* probability of the predicted class */
double dl_unlabeled_item_get_margin (DlUnlabeledItem *self);      /* it minus the runner-up's */

G_END_DECLS
