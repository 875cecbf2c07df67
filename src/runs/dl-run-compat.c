/* dl-run-compat.c — DL_TYPE_TRAIN_STATE and DL_TYPE_EVAL_KIND until the worker registers them (see
 * dl-run-compat.h). */
#include "dl-run-compat.h"

GType
dl_run_train_state_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { DL_TRAIN_READY, "DL_TRAIN_READY", "ready" },
    { DL_TRAIN_RUNNING, "DL_TRAIN_RUNNING", "running" },
    { DL_TRAIN_PAUSED, "DL_TRAIN_PAUSED", "paused" },
    { DL_TRAIN_DIVERGED, "DL_TRAIN_DIVERGED", "diverged" },
    { DL_TRAIN_FINISHED, "DL_TRAIN_FINISHED", "finished" },
    { DL_TRAIN_STOPPED, "DL_TRAIN_STOPPED", "stopped" },
    { DL_TRAIN_FAILED, "DL_TRAIN_FAILED", "failed" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static (g_intern_static_string ("DlRunTrainState"), values));
  return type;
}

GType
dl_run_eval_kind_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { DL_EVAL_SUBSET, "DL_EVAL_SUBSET", "subset" },
    { DL_EVAL_EPOCH, "DL_EVAL_EPOCH", "epoch" },
    { DL_EVAL_REQUESTED, "DL_EVAL_REQUESTED", "requested" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static (g_intern_static_string ("DlRunEvalKind"), values));
  return type;
}
