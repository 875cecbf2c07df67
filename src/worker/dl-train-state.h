/* dl-train-state.h — where a training run is: one notion of state, registered as a GEnum so that
 * properties, bindings and the run store (which keeps the nicks) share it. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  DL_TRAIN_IDLE,      /* nothing started since the last reset */
  DL_TRAIN_RUNNING,
  DL_TRAIN_PAUSED,
  DL_TRAIN_STOPPED,   /* stopped by the user, or all epochs done; start continues from the current parameters */
} DlTrainState;

#define DL_TYPE_TRAIN_STATE (dl_train_state_get_type ())
GType        dl_train_state_get_type (void) G_GNUC_CONST;

/* "idle", "running", …: the GEnum's nicks, for files and the run store. */
const char  *dl_train_state_to_nick (DlTrainState state);
gboolean     dl_train_state_from_nick (const char *nick, DlTrainState *state);

G_END_DECLS
