/* dl-run-config.h — a run's recipe (DlTrainConfig) as text: what the store keeps in run_config, and what a
 * comparison of runs diffs ("the settings that differ"). No GTK. */
#pragma once

#include <glib.h>
#include "dl-train-config.h"

G_BEGIN_DECLS

/* A recipe as (key, value) text pairs, in a fixed order — char*: key, value, key, value, … (arch, optimizer,
 * lr, momentum, weight_decay, average, reduce, beta1, beta2, eps, batch, epochs, seed, schedule, schedule_gamma,
 * schedule_step, augment, eval_every, threads): what the store keeps, and what a comparison of runs diffs.
 * Numbers round-trip exactly. */
GPtrArray  *dl_run_config_to_pairs (const DlTrainConfig *config);
/* Sets the field `key` names; unknown keys (a later version's) are ignored. FALSE when the value is bad. */
gboolean    dl_run_config_set_pair (DlTrainConfig *config, const char *key, const char *value);

G_END_DECLS
