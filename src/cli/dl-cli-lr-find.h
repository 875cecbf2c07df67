/* dl-cli-lr-find.h — `digitlab-cli lr-find`: the learning-rate finder on a fresh network from the recipe, or
 * on a copy of a recorded run's checkpoint (--from), through the worker thread (dl_worker_find_lr), and its
 * curve and suggestions as text or JSON. */
#pragma once

#include <glib.h>
#include "dl-data.h"
#include "dl-cli-options.h"
#include "dl-cli-branch.h"

G_BEGIN_DECLS

/* Sweeps `steps` batches of `train` (100 … 300) with the recipe r — on a fresh network, or with `branch` on
 * the network and optimiser state of its checkpoint (nothing is recorded, the run stays as it was) — prints
 * the result (JSON on stdout when `json`, else text), and fails with the worker's error. */
gboolean dl_cli_lr_find (const DlCliRecipe *r, const DlCliBranch *branch, DlDataset *train, DlDataset *test,
                         int steps, gboolean json, GError **error);

G_END_DECLS
