/* dl-mistake-list.c — GListModel over a DlMistakes selection, with minimal items-changed. */
#include "dl-mistake-list.h"

#include "dl-mistake-item.h"

struct _DlMistakeList
{
  GObject          parent_instance;

  DlMistakes      *mistakes;
  DlMistakesFilter filter;
  DlMistakesSort   sort;
  int             *order;        /* test indices shown, in order; room for every example */
  int             *scratch;      /* the next order, swapped with `order` on refresh */
  guint            n_shown;
  DlMistakeItem  **items;        /* per test index, created on first use */
};

enum { PROP_0, PROP_SORT, PROP_N_ITEMS, N_PROPS };
static GParamSpec *properties[N_PROPS];

G_DEFINE_ENUM_TYPE (DlMistakesSort, dl_mistakes_sort,
  G_DEFINE_ENUM_VALUE (DL_MISTAKES_SORT_CONFIDENCE, "confidence"),
  G_DEFINE_ENUM_VALUE (DL_MISTAKES_SORT_TRUE_CLASS, "true-class"),
  G_DEFINE_ENUM_VALUE (DL_MISTAKES_SORT_INDEX, "index"),
  G_DEFINE_ENUM_VALUE (DL_MISTAKES_SORT_SUSPECT, "suspect"))

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DlMistakeList, dl_mistake_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static void
item_refresh (DlMistakeList *self, DlMistakeItem *item)
{
  int i = dl_mistake_item_get_index (item), predicted = -1;
  float confidence = 0;
  DlMistakeHistory h;

  dl_mistakes_get_prediction (self->mistakes, i, &predicted, &confidence);
  dl_mistakes_get_history (self->mistakes, i, &h);
  dl_mistake_item_update (item, predicted, confidence, h.suspected);
}

static GType
dl_mistake_list_get_item_type (GListModel *model)
{
  return DL_TYPE_MISTAKE_ITEM;
}

static guint
dl_mistake_list_get_n_items (GListModel *model)
{
  return DL_MISTAKE_LIST (model)->n_shown;
}

static gpointer
dl_mistake_list_get_item (GListModel *model, guint position)
{
  DlMistakeList *self = DL_MISTAKE_LIST (model);

  if (position >= self->n_shown)
    return NULL;
  int i = self->order[position];
  if (self->items[i] == NULL)
    {
      self->items[i] = dl_mistake_item_new (i, dl_mistakes_get_label (self->mistakes, i));
      item_refresh (self, self->items[i]);
    }
  return g_object_ref (self->items[i]);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = dl_mistake_list_get_item_type;
  iface->get_n_items = dl_mistake_list_get_n_items;
  iface->get_item = dl_mistake_list_get_item;
}

/* Recomputes the selection and reports the smallest span that differs from the previous one. */
static void
refresh (DlMistakeList *self)
{
  guint old_n = self->n_shown, new_n = 0;

  if (self->mistakes != NULL)
    {
      int n = dl_mistakes_get_n (self->mistakes);
      new_n = dl_mistakes_select (self->mistakes, &self->filter, self->sort, self->scratch);
      for (int i = 0; i < n; i++)
        if (self->items[i] != NULL)
          item_refresh (self, self->items[i]);
    }

  guint head = 0, tail = 0;
  while (head < old_n && head < new_n && self->order[head] == self->scratch[head])
    head++;
  while (tail < old_n - head && tail < new_n - head
         && self->order[old_n - 1 - tail] == self->scratch[new_n - 1 - tail])
    tail++;

  int *swap = self->order;
  self->order = self->scratch;
  self->scratch = swap;
  self->n_shown = new_n;

  if (old_n - head - tail > 0 || new_n - head - tail > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), head, old_n - head - tail, new_n - head - tail);
  if (old_n != new_n)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
drop_items (DlMistakeList *self)
{
  if (self->mistakes == NULL)
    return;
  for (int i = 0; i < dl_mistakes_get_n (self->mistakes); i++)
    g_clear_object (&self->items[i]);
}

void
dl_mistake_list_set_labels (DlMistakeList *self, const guint8 *labels, int n)
{
  g_return_if_fail (DL_IS_MISTAKE_LIST (self));

  guint old_n = self->n_shown;
  drop_items (self);
  g_clear_pointer (&self->mistakes, dl_mistakes_free);
  g_free (self->order);
  g_free (self->scratch);
  g_free (self->items);

  self->mistakes = dl_mistakes_new (labels, n);
  self->order = g_new0 (int, MAX (n, 1));
  self->scratch = g_new0 (int, MAX (n, 1));
  self->items = g_new0 (DlMistakeItem *, MAX (n, 1));
  self->n_shown = 0;
  if (old_n > 0)
    {
      g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, 0);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
    }
}

gboolean
dl_mistake_list_add_eval (DlMistakeList *self, const DlEval *ev, gboolean end_of_epoch)
{
  g_return_val_if_fail (DL_IS_MISTAKE_LIST (self), FALSE);

  if (self->mistakes == NULL || !dl_mistakes_add_eval (self->mistakes, ev, end_of_epoch))
    return FALSE;
  refresh (self);
  return TRUE;
}

void
dl_mistake_list_clear_history (DlMistakeList *self)
{
  g_return_if_fail (DL_IS_MISTAKE_LIST (self));

  if (self->mistakes == NULL)
    return;
  dl_mistakes_clear (self->mistakes);
  refresh (self);
}

void
dl_mistake_list_set_filter (DlMistakeList *self, const DlMistakesFilter *filter)
{
  g_return_if_fail (DL_IS_MISTAKE_LIST (self));

  if (dl_mistakes_filter_equal (&self->filter, filter))
    return;
  self->filter = *filter;
  refresh (self);
}

void
dl_mistake_list_get_filter (DlMistakeList *self, DlMistakesFilter *filter)
{
  g_return_if_fail (DL_IS_MISTAKE_LIST (self));
  *filter = self->filter;
}

void
dl_mistake_list_set_sort (DlMistakeList *self, DlMistakesSort sort)
{
  g_return_if_fail (DL_IS_MISTAKE_LIST (self));

  if (self->sort == sort)
    return;
  self->sort = sort;
  refresh (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SORT]);
}

DlMistakesSort
dl_mistake_list_get_sort (DlMistakeList *self)
{
  g_return_val_if_fail (DL_IS_MISTAKE_LIST (self), DL_MISTAKES_SORT_CONFIDENCE);
  return self->sort;
}

const DlMistakes *
dl_mistake_list_get_mistakes (DlMistakeList *self)
{
  g_return_val_if_fail (DL_IS_MISTAKE_LIST (self), NULL);
  return self->mistakes;
}

int
dl_mistake_list_get_index (DlMistakeList *self, guint position)
{
  g_return_val_if_fail (DL_IS_MISTAKE_LIST (self), -1);
  return position < self->n_shown ? self->order[position] : -1;
}

static void
dl_mistake_list_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlMistakeList *self = DL_MISTAKE_LIST (object);

  switch (prop_id)
    {
    case PROP_SORT:    g_value_set_enum (value, self->sort); break;
    case PROP_N_ITEMS: g_value_set_uint (value, self->n_shown); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_mistake_list_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlMistakeList *self = DL_MISTAKE_LIST (object);

  switch (prop_id)
    {
    case PROP_SORT: dl_mistake_list_set_sort (self, g_value_get_enum (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_mistake_list_finalize (GObject *object)
{
  DlMistakeList *self = DL_MISTAKE_LIST (object);

  drop_items (self);
  g_clear_pointer (&self->mistakes, dl_mistakes_free);
  g_free (self->order);
  g_free (self->scratch);
  g_free (self->items);
  G_OBJECT_CLASS (dl_mistake_list_parent_class)->finalize (object);
}

static void
dl_mistake_list_class_init (DlMistakeListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = dl_mistake_list_finalize;
  object_class->get_property = dl_mistake_list_get_property;
  object_class->set_property = dl_mistake_list_set_property;

  properties[PROP_SORT] =
    g_param_spec_enum ("sort", NULL, NULL, DL_TYPE_MISTAKES_SORT, DL_MISTAKES_SORT_CONFIDENCE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dl_mistake_list_init (DlMistakeList *self)
{
  dl_mistakes_filter_init (&self->filter);
  self->sort = DL_MISTAKES_SORT_CONFIDENCE;
}

DlMistakeList *
dl_mistake_list_new (void)
{
  return g_object_new (DL_TYPE_MISTAKE_LIST, NULL);
}
