/* dl-cli-options.h — digitlab-cli's options: the command-line text as given, turned into a training recipe
 * (a preset with every override applied) and into data sets. Usage errors are G_OPTION_ERROR (exit 2);
 * anything else (data, files) exits 1. */
#pragma once

#include <glib.h>
#include "dl-arch.h"
#include "dl-data.h"
#include "dl-train-config.h"

G_BEGIN_DECLS

/* Exit statuses. */
enum { DL_EXIT_OK = 0, DL_EXIT_FAILURE = 1, DL_EXIT_USAGE = 2, DL_EXIT_INTERRUPTED = 130 };

typedef struct {
  /* Data. */
  char    *data_dir, *train_path, *test_path;
  char    *limit_train;        /* --limit-train N: the first N training images */
  /* Recipe: NULL or 0 when not given (the preset's value stays). */
  char    *preset, *arch, *optimizer, *reduce, *schedule;
  char    *lr, *momentum, *weight_decay, *schedule_gamma, *schedule_warmup, *average;
  char    *batch, *epochs, *schedule_step, *seed, *threads;
  gboolean augment, no_augment;
  char    *augment_kinds;
  /* Output and models. */
  gboolean json;
  char    *save, *metrics, *model, *metrics_every;
  /* bench */
  char    *batches, *warmup;
  gboolean explain, no_tune, to_accuracy;
  char    *target;
  /* Run history: train records into --store (default: the user's store) unless --no-record. */
  char    *run_name, *store, *output;
  char    *from;               /* --from RUN[@STEP]: branch from a recorded run's checkpoint (dl-cli-branch.h) */
  gboolean no_record, all, purge;
} DlCliOptions;

void dl_cli_options_clear (DlCliOptions *o);

/* The recipe in force: the preset (default "mlp") with every override; arch_owned holds p->arch. */
typedef struct {
  DlPreset p;
  char    *arch_owned;
  char    *name_owned;     /* p.name of a branch: its parent's preset */
  DlArch   arch;
  guint64  seed;
  int      threads;        /* 0: the BLAS library's default */
  gboolean tune;           /* the worker tunes the run's network (DlTrainConfig.tune): not with --no-tune */
} DlCliRecipe;

gboolean dl_cli_recipe_resolve (const DlCliOptions *o, DlCliRecipe *r, GError **error);
/* The recipe of a branch: `base` (a checkpoint's, every live change in it) with the overrides of the
 * command line; `preset` names the parent's preset (NULL: a custom recipe). The network and the seed are
 * the checkpoint's: --preset, --arch and --seed are usage errors. */
gboolean dl_cli_recipe_resolve_from (const DlCliOptions *o, const DlTrainConfig *base, const char *preset,
                                     DlCliRecipe *r, GError **error);
void     dl_cli_recipe_clear (DlCliRecipe *r);

/* Integer option text → value in [min, max]; a usage error naming the option otherwise. */
gboolean dl_cli_parse_int (const char *option, const char *text, gint64 min, gint64 max, gint64 *out,
                           GError **error);

/* A fraction in (0, 1]: "0.98". */
gboolean dl_cli_parse_fraction (const char *option, const char *text, float *out, GError **error);

/* Loads the training set (when `train` is non-NULL; its first `limit_train` images when > 0) and the test
 * set: --train/--test, else --data DIR, else dl_data_default_dir(). Checks the images are 28×28. */
gboolean dl_cli_load_data (const DlCliOptions *o, int limit_train, DlDataset **train, DlDataset **test,
                           GError **error);

G_END_DECLS
