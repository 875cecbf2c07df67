/* dl-mistake-item.c — a test example's latest prediction, as a GObject for list models. */
#include "dl-mistake-item.h"

struct _DlMistakeItem
{
  GObject  parent_instance;

  int      index;
  int      true_class;
  int      predicted;
  double   confidence;
  gboolean suspected;
};

enum { PROP_0, PROP_INDEX, PROP_TRUE_CLASS, PROP_PREDICTED, PROP_CONFIDENCE, PROP_SUSPECTED, N_PROPS };
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (DlMistakeItem, dl_mistake_item, G_TYPE_OBJECT)

static void
dl_mistake_item_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlMistakeItem *self = DL_MISTAKE_ITEM (object);

  switch (prop_id)
    {
    case PROP_INDEX:      g_value_set_int (value, self->index); break;
    case PROP_TRUE_CLASS: g_value_set_int (value, self->true_class); break;
    case PROP_PREDICTED:  g_value_set_int (value, self->predicted); break;
    case PROP_CONFIDENCE: g_value_set_double (value, self->confidence); break;
    case PROP_SUSPECTED:  g_value_set_boolean (value, self->suspected); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_mistake_item_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlMistakeItem *self = DL_MISTAKE_ITEM (object);

  switch (prop_id)
    {
    case PROP_INDEX:      self->index = g_value_get_int (value); break;
    case PROP_TRUE_CLASS: self->true_class = g_value_get_int (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_mistake_item_class_init (DlMistakeItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags co = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = dl_mistake_item_get_property;
  object_class->set_property = dl_mistake_item_set_property;

  properties[PROP_INDEX] = g_param_spec_int ("index", NULL, NULL, 0, G_MAXINT, 0, co);
  properties[PROP_TRUE_CLASS] = g_param_spec_int ("true-class", NULL, NULL, 0, 9, 0, co);
  properties[PROP_PREDICTED] = g_param_spec_int ("predicted", NULL, NULL, -1, 9, -1, ro);
  properties[PROP_CONFIDENCE] = g_param_spec_double ("confidence", NULL, NULL, 0, 1, 0, ro);
  properties[PROP_SUSPECTED] = g_param_spec_boolean ("suspected", NULL, NULL, FALSE, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dl_mistake_item_init (DlMistakeItem *self)
{
  self->predicted = -1;
}

DlMistakeItem *
dl_mistake_item_new (int index, int true_class)
{
  return g_object_new (DL_TYPE_MISTAKE_ITEM, "index", index, "true-class", true_class, NULL);
}

int      dl_mistake_item_get_index (DlMistakeItem *self)      { return self->index; }
int      dl_mistake_item_get_true_class (DlMistakeItem *self) { return self->true_class; }
int      dl_mistake_item_get_predicted (DlMistakeItem *self)  { return self->predicted; }
double   dl_mistake_item_get_confidence (DlMistakeItem *self) { return self->confidence; }
gboolean dl_mistake_item_get_suspected (DlMistakeItem *self)  { return self->suspected; }

void
dl_mistake_item_update (DlMistakeItem *self, int predicted, double confidence, gboolean suspected)
{
  g_return_if_fail (DL_IS_MISTAKE_ITEM (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (self->predicted != predicted)
    {
      self->predicted = predicted;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PREDICTED]);
    }
  if (self->confidence != confidence)
    {
      self->confidence = confidence;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONFIDENCE]);
    }
  if (self->suspected != suspected)
    {
      self->suspected = suspected;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUSPECTED]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}
