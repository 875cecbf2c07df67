/* dl-cli-branch.h — `--from RUN[@STEP]` of `train` and `lr-find`: a recorded run's checkpoint to go on from.
 *
 * RUN is what `runs show` takes (a run's number or a unique prefix of its uuid) in --store (default: the
 * user's store); STEP picks the latest checkpoint of the run at or before that step (default: its last).
 * Unless --data, --train or --test say otherwise, the data set is the run's own, as many training examples
 * as it trained on. */
#pragma once

#include <glib.h>
#include "dl-checkpoint.h"
#include "dl-cli-options.h"
#include "dl-run-store.h"

G_BEGIN_DECLS

typedef struct {
  DlRunStore      *store;
  DlRun           *parent;
  DlRunCheckpoint *found;   /* the store's row: step, epoch, file */
  DlCheckpoint    *ckpt;    /* read back, its SHA-256 checked */
} DlCliBranch;

/* Finds and reads the checkpoint o->from names. A malformed --from is a usage error (G_OPTION_ERROR); a run
 * or checkpoint that is not there, or a file that does not read back, a DL_RUN_STORE_ERROR or
 * DL_MODEL_ERROR naming what is missing. Where no data set is given, o's --train/--test become the run's
 * and *limit_train its number of training examples. */
gboolean dl_cli_branch_open (DlCliOptions *o, DlCliBranch *b, int *limit_train, GError **error);
/* Whether the recipe can go on from the checkpoint on this training set: epochs beyond those it has done,
 * the data it was taken on. */
gboolean dl_cli_branch_check (const DlCliBranch *b, const DlCliRecipe *r, const DlDataset *train, GError **error);
/* "run 3 (mlp 12:00) at step 250 (2.00 of 3 epochs)", for the report. */
char    *dl_cli_branch_describe (const DlCliBranch *b);
void     dl_cli_branch_clear (DlCliBranch *b);

G_END_DECLS
