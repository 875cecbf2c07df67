/* dl-unlabeled-item.c — an unlabeled image's answer, as a GObject for list models. */
#include "dl-unlabeled-item.h"

struct _DlUnlabeledItem
{
  GObject parent_instance;

  int     index, predicted;
  double  confidence, margin;
};

G_DEFINE_FINAL_TYPE (DlUnlabeledItem, dl_unlabeled_item, G_TYPE_OBJECT)

static void
dl_unlabeled_item_class_init (DlUnlabeledItemClass *klass)
{
}

static void
dl_unlabeled_item_init (DlUnlabeledItem *self)
{
}

DlUnlabeledItem *
dl_unlabeled_item_new (int index, int predicted, double confidence, double margin)
{
  DlUnlabeledItem *self = g_object_new (DL_TYPE_UNLABELED_ITEM, NULL);

  self->index = index;
  self->predicted = predicted;
  self->confidence = confidence;
  self->margin = margin;
  return self;
}

int
dl_unlabeled_item_get_index (DlUnlabeledItem *self)
{
  g_return_val_if_fail (DL_IS_UNLABELED_ITEM (self), -1);
  return self->index;
}

int
dl_unlabeled_item_get_predicted (DlUnlabeledItem *self)
{
  g_return_val_if_fail (DL_IS_UNLABELED_ITEM (self), -1);
  return self->predicted;
}

double
dl_unlabeled_item_get_confidence (DlUnlabeledItem *self)
{
  g_return_val_if_fail (DL_IS_UNLABELED_ITEM (self), 0);
  return self->confidence;
}

double
dl_unlabeled_item_get_margin (DlUnlabeledItem *self)
{
  g_return_val_if_fail (DL_IS_UNLABELED_ITEM (self), 0);
  return self->margin;
}
