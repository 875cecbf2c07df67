/* dl-run-store-migration-layer-stats.c — schema version 3: each evaluation's layer statistics (the
 * Network page's histograms of parameters, gradients and activations, and the diagnostics' dead and
 * saturated shares per layer), as dl_layer_stats_to_bytes writes them; NULL for evaluations recorded
 * before, or by a build that did not measure them. Applied in dl-run-store-schema.c's list. */
#include "dl-run-store-private.h"

const char dl_run_store_migration_layer_stats[] =
  "ALTER TABLE evaluations ADD COLUMN layer_stats BLOB;\n";
