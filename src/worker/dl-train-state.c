/* dl-train-state.c — the train state as a GEnum (see dl-train-state.h). */
#include "dl-train-state.h"

G_DEFINE_ENUM_TYPE (DlTrainState, dl_train_state,
  G_DEFINE_ENUM_VALUE (DL_TRAIN_READY, "ready"),
  G_DEFINE_ENUM_VALUE (DL_TRAIN_RUNNING, "running"),
  G_DEFINE_ENUM_VALUE (DL_TRAIN_PAUSED, "paused"),
  G_DEFINE_ENUM_VALUE (DL_TRAIN_DIVERGED, "diverged"),
  G_DEFINE_ENUM_VALUE (DL_TRAIN_FINISHED, "finished"),
  G_DEFINE_ENUM_VALUE (DL_TRAIN_STOPPED, "stopped"),
  G_DEFINE_ENUM_VALUE (DL_TRAIN_FAILED, "failed"))

/* Kept for the life of the program: enum classes are never unloaded anyway. */
static GEnumClass *
state_class (void)
{
  static GEnumClass *klass;

  if (g_once_init_enter (&klass))
    g_once_init_leave (&klass, g_type_class_ref (DL_TYPE_TRAIN_STATE));
  return klass;
}

const char *
dl_train_state_to_nick (DlTrainState state)
{
  GEnumValue *value = g_enum_get_value (state_class (), state);

  return value != NULL ? value->value_nick : NULL;
}

gboolean
dl_train_state_from_nick (const char *nick, DlTrainState *state)
{
  GEnumValue *value;

  g_return_val_if_fail (nick != NULL, FALSE);
  value = g_enum_get_value_by_nick (state_class (), nick);
  if (value == NULL)
    return FALSE;
  *state = value->value;
  return TRUE;
}

gboolean
dl_train_state_is_live (DlTrainState state)
{
  return state == DL_TRAIN_RUNNING || state == DL_TRAIN_PAUSED || state == DL_TRAIN_DIVERGED;
}

gboolean
dl_train_state_can_continue (DlTrainState state)
{
  return state == DL_TRAIN_FINISHED || state == DL_TRAIN_STOPPED;
}

gboolean
dl_train_state_takes_live_changes (DlTrainState state)
{
  return dl_train_state_is_live (state) || dl_train_state_can_continue (state);
}
