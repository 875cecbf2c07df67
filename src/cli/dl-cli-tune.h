/* dl-cli-tune.h — digitlab-cli's side of dl-tune: the recipe's network tuned (or its cached choice looked
 * up) with progress on stderr, and `bench --explain`'s table of the candidates. */
#pragma once

#include <stdio.h>
#include <glib.h>

#include "dl-cli-options.h"
#include "dl-tune.h"

G_BEGIN_DECLS

/* The configuration to train r's network with: r->threads fixes the team size when set (else 1 … every
 * core). remeasure: ignore the cache. While measuring, a progress line on stderr when it is a terminal. */
DlTuneResult *dl_cli_tune (const DlCliRecipe *r, gboolean remeasure);

/* The candidates, their times per step and why one won, and what the cache held. */
void          dl_cli_tune_explain (FILE *out, const DlTuneResult *t, int batch);

G_END_DECLS
