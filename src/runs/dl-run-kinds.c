/* dl-run-kinds.c — the kinds of a run's series (their keys, titles and looks), evaluations' nicks and the
 * final states (see dl-run.h). */
#include "dl-run-private.h"

#ifndef GETTEXT_PACKAGE
#define GETTEXT_PACKAGE "digitlab"
#endif
#include <glib/gi18n-lib.h>

static const struct {
  const char *key;
  const char *title;   /* the series' name, as a plot's legend shows it (translated when the run is made) */
  const char *color;
  gboolean    smooth, markers;
} series_info[DL_RUN_N_SERIES] = {
  [DL_RUN_SERIES_LOSS] = { "loss", N_("train loss (per batch)"), "blue", TRUE, FALSE },
  [DL_RUN_SERIES_LR] = { "lr", N_("learning rate"), "gray", FALSE, FALSE },
  [DL_RUN_SERIES_SUBSET_LOSS] = { "subset_loss", N_("test loss (2,000-image subset)"), "yellow", FALSE, FALSE },
  [DL_RUN_SERIES_SUBSET_ACCURACY] = { "subset_accuracy", N_("test accuracy (2,000-image subset)"), "yellow", FALSE, FALSE },
  [DL_RUN_SERIES_TEST_LOSS] = { "test_loss", N_("test loss"), "orange", FALSE, TRUE },
  [DL_RUN_SERIES_TEST_ACCURACY] = { "test_accuracy", N_("test accuracy"), "orange", FALSE, TRUE },
  [DL_RUN_SERIES_TRAIN_LOSS] = { "train_loss", N_("train loss (epoch)"), "teal", FALSE, TRUE },
  [DL_RUN_SERIES_TRAIN_ACCURACY] = { "train_accuracy", N_("train accuracy (epoch)"), "blue", FALSE, TRUE },
};

DlSeries *
_dl_run_series_new (DlRunSeriesKind kind)
{
  DlSeries *s = dl_series_new (_(series_info[kind].title), series_info[kind].color);

  dl_series_set_smooth (s, series_info[kind].smooth);
  dl_series_set_markers (s, series_info[kind].markers);
  return s;
}

const char *
dl_run_series_key (DlRunSeriesKind kind)
{
  g_return_val_if_fail (kind < DL_RUN_N_SERIES, NULL);
  return series_info[kind].key;
}

gboolean
dl_run_series_from_key (const char *key, DlRunSeriesKind *kind)
{
  for (int k = 0; k < DL_RUN_N_SERIES; k++)
    if (g_strcmp0 (key, series_info[k].key) == 0)
      {
        *kind = k;
        return TRUE;
      }
  return FALSE;
}

gboolean
dl_run_series_is_accuracy (DlRunSeriesKind kind)
{
  return kind == DL_RUN_SERIES_SUBSET_ACCURACY || kind == DL_RUN_SERIES_TEST_ACCURACY
         || kind == DL_RUN_SERIES_TRAIN_ACCURACY;
}

static const char *
enum_nick (GType type, int value)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, value);

  g_type_class_unref (klass);
  return v != NULL ? v->value_nick : NULL;
}

static gboolean
enum_from_nick (GType type, const char *nick, int *value)
{
  GEnumClass *klass = g_type_class_ref (type);
  GEnumValue *v = nick != NULL ? g_enum_get_value_by_nick (klass, nick) : NULL;

  if (v != NULL)
    *value = v->value;
  g_type_class_unref (klass);
  return v != NULL;
}

const char *
dl_run_eval_kind_nick (DlEvalKind kind)
{
  return enum_nick (DL_TYPE_EVAL_KIND, kind);
}

gboolean
dl_run_eval_kind_from_nick (const char *nick, DlEvalKind *kind)
{
  int v;

  if (!enum_from_nick (DL_TYPE_EVAL_KIND, nick, &v))
    return FALSE;
  *kind = v;
  return TRUE;
}

gboolean
dl_run_state_is_final (DlTrainState state)
{
  return state == DL_TRAIN_FINISHED || state == DL_TRAIN_STOPPED || state == DL_TRAIN_FAILED;
}
