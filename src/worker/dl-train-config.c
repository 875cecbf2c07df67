/* dl-train-config.c — a training run's recipe (see dl-train-config.h). */
#include <string.h>

#include "dl-train-config.h"

G_DEFINE_BOXED_TYPE (DlTrainConfig, dl_train_config, dl_train_config_copy, dl_train_config_free)

void
dl_train_config_init_default (DlTrainConfig *cfg)
{
  memset (cfg, 0, sizeof *cfg);
  dl_hyper_init_default (&cfg->hyper);
  cfg->batch = 64;
  cfg->epochs = 1;
  cfg->seed = 1;
  cfg->eval_every = 200;
}

void
dl_train_config_from_preset (DlTrainConfig *cfg, const DlPreset *preset)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->arch = g_strdup (preset->arch);
  cfg->hyper = preset->hyper;
  cfg->batch = preset->batch;
  cfg->epochs = preset->epochs;
  cfg->seed = 1;
  cfg->schedule = preset->schedule;
  cfg->schedule_gamma = preset->schedule_gamma;
  cfg->schedule_step = preset->schedule_step;
  cfg->schedule_warmup = preset->schedule_warmup;
  cfg->augment = preset->augment;
  cfg->augment_kinds = preset->augment_kinds;
  cfg->eval_every = 200;
}

DlTrainConfig *
dl_train_config_copy (const DlTrainConfig *cfg)
{
  DlTrainConfig *copy = g_new (DlTrainConfig, 1);

  *copy = *cfg;
  copy->arch = g_strdup (cfg->arch);
  return copy;
}

void
dl_train_config_clear (DlTrainConfig *cfg)
{
  g_clear_pointer (&cfg->arch, g_free);
}

void
dl_train_config_free (DlTrainConfig *cfg)
{
  if (cfg == NULL)
    return;
  dl_train_config_clear (cfg);
  g_free (cfg);
}
