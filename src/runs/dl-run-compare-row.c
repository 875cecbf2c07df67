/* dl-run-compare-row.c — one row of a comparison of runs (see dl-run-compare-row.h). */
#include "dl-run-compare-row.h"

struct _DlRunCompareRow
{
  GObject           parent_instance;

  DlRunCompareKind  kind;
  char             *key;
  char             *label;
  GStrv             values;
};

G_DEFINE_FINAL_TYPE (DlRunCompareRow, dl_run_compare_row, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (DlRunCompareKind, dl_run_compare_kind,
  G_DEFINE_ENUM_VALUE (DL_RUN_COMPARE_RECIPE, "recipe"),
  G_DEFINE_ENUM_VALUE (DL_RUN_COMPARE_DATA, "data"),
  G_DEFINE_ENUM_VALUE (DL_RUN_COMPARE_ORIGIN, "origin"),
  G_DEFINE_ENUM_VALUE (DL_RUN_COMPARE_LIVE, "live"),
  G_DEFINE_ENUM_VALUE (DL_RUN_COMPARE_RESULT, "result"))

enum {
  PROP_0,
  PROP_KIND,
  PROP_KEY,
  PROP_LABEL,
  PROP_VALUES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

gboolean
dl_run_compare_kind_is_setting (DlRunCompareKind kind)
{
  return kind != DL_RUN_COMPARE_RESULT;
}

static void
dl_run_compare_row_finalize (GObject *object)
{
  DlRunCompareRow *self = DL_RUN_COMPARE_ROW (object);

  g_free (self->key);
  g_free (self->label);
  g_strfreev (self->values);
  G_OBJECT_CLASS (dl_run_compare_row_parent_class)->finalize (object);
}

static void
dl_run_compare_row_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlRunCompareRow *self = DL_RUN_COMPARE_ROW (object);

  switch (prop_id)
    {
    case PROP_KIND:   g_value_set_enum (value, self->kind); break;
    case PROP_KEY:    g_value_set_string (value, self->key); break;
    case PROP_LABEL:  g_value_set_string (value, self->label); break;
    case PROP_VALUES: g_value_set_boxed (value, self->values); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_run_compare_row_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlRunCompareRow *self = DL_RUN_COMPARE_ROW (object);

  switch (prop_id)
    {
    case PROP_KIND:   self->kind = g_value_get_enum (value); break;
    case PROP_KEY:    self->key = g_value_dup_string (value); break;
    case PROP_LABEL:  self->label = g_value_dup_string (value); break;
    case PROP_VALUES: self->values = g_value_dup_boxed (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_run_compare_row_class_init (DlRunCompareRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags co = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = dl_run_compare_row_finalize;
  object_class->get_property = dl_run_compare_row_get_property;
  object_class->set_property = dl_run_compare_row_set_property;

  properties[PROP_KIND] = g_param_spec_enum ("kind", NULL, NULL, DL_TYPE_RUN_COMPARE_KIND,
                                             DL_RUN_COMPARE_RECIPE, co);
  properties[PROP_KEY] = g_param_spec_string ("key", NULL, NULL, NULL, co);
  properties[PROP_LABEL] = g_param_spec_string ("label", NULL, NULL, NULL, co);
  properties[PROP_VALUES] = g_param_spec_boxed ("values", NULL, NULL, G_TYPE_STRV, co);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dl_run_compare_row_init (DlRunCompareRow *self)
{
}

DlRunCompareRow *
dl_run_compare_row_new (DlRunCompareKind kind, const char *key, const char *label, const char *const *values)
{
  g_return_val_if_fail (key != NULL && label != NULL && values != NULL, NULL);
  return g_object_new (DL_TYPE_RUN_COMPARE_ROW, "kind", kind, "key", key, "label", label, "values", values, NULL);
}

DlRunCompareKind
dl_run_compare_row_get_kind (DlRunCompareRow *self)
{
  g_return_val_if_fail (DL_IS_RUN_COMPARE_ROW (self), DL_RUN_COMPARE_RECIPE);
  return self->kind;
}

const char *
dl_run_compare_row_get_key (DlRunCompareRow *self)
{
  g_return_val_if_fail (DL_IS_RUN_COMPARE_ROW (self), NULL);
  return self->key;
}

const char *
dl_run_compare_row_get_label (DlRunCompareRow *self)
{
  g_return_val_if_fail (DL_IS_RUN_COMPARE_ROW (self), NULL);
  return self->label;
}

guint
dl_run_compare_row_get_n_values (DlRunCompareRow *self)
{
  g_return_val_if_fail (DL_IS_RUN_COMPARE_ROW (self), 0);
  return self->values != NULL ? g_strv_length (self->values) : 0;
}

const char *
dl_run_compare_row_get_value (DlRunCompareRow *self, guint i)
{
  g_return_val_if_fail (DL_IS_RUN_COMPARE_ROW (self), NULL);
  return i < dl_run_compare_row_get_n_values (self) ? self->values[i] : "";
}

const char *const *
dl_run_compare_row_get_values (DlRunCompareRow *self)
{
  g_return_val_if_fail (DL_IS_RUN_COMPARE_ROW (self), NULL);
  return (const char *const *) self->values;
}
