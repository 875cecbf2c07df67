/* fuzz-checkpoint-common.h — a checkpoint as the worker takes one mid-epoch, of a small network with
 * dropout (so the dropout stream is part of it), for the targets that need a valid one to start from. */
#pragma once

#include "fuzz-common.h"
#include "dl-checkpoint.h"
#include "dl-event-private.h"   /* dl_checkpoint_new_from_net: as the worker takes one */

static inline DlCheckpoint *
fuzz_make_checkpoint (void)
{
  DlArch arch;
  g_autoptr (GError) error = NULL;

  FUZZ_ASSERT (dl_arch_parse ("fc2-relu,dropout0.25,fc10,softmax", &arch, &error));
  g_autoptr (DlNet) net = dl_net_try_new (&arch, 7, &error);
  FUZZ_ASSERT (net != NULL);
  DlCheckpoint *c = dl_checkpoint_new_from_net (net);
  c->config = g_new0 (DlTrainConfig, 1);
  c->config->arch = dl_arch_to_string (&arch);
  dl_hyper_init_default (&c->config->hyper);
  c->config->batch = 64;
  c->config->epochs = 3;
  c->config->seed = 7;
  c->config->eval_every = 50;
  c->step = 120;
  c->epoch = 1;
  c->pos = 1664;
  c->train_n = 6000;
  c->order_rng.s[0] = c->shuffle_rng.s[1] = c->augment_rng.s[2] = 99;
  c->epoch_loss_sum = 512.5;
  c->epoch_correct = 1500;
  c->last_loss = 0.25f;
  c->good_loss = 0.3f;
  return c;
}
