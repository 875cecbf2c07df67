/* dl-trainer-stats.c — the layer statistics an evaluation carries (dl-layer-stats.h): the parameters and
 * the last step's gradients as they are, and every layer's outputs on the first DL_LAYER_STATS_PROBE test
 * images, through the re-entrant path with a work of the trainer's own (the net's own buffers still hold
 * the last training batch, which dl_net_health has just measured). Worker thread only.
 *
 * Cost: one pass over the parameters and gradients and a forward pass of 128 images, beside the
 * evaluation's 2,000 (the subset) or 10,000: bench/bench-layer-stats prints it against a training step. */
#include "dl-trainer-private.h"

DlLayerStats *
trainer_layer_stats (DlTrainer *t)
{
  int n_probe = t->test != NULL ? MIN (t->test->n, DL_LAYER_STATS_PROBE) : 0;
  g_autofree float *probe = NULL;
  int idx[DL_LAYER_STATS_PROBE];

  if (t->stats_work == NULL || t->stats_serial != t->run_serial)
    {
      g_clear_pointer (&t->stats_work, dl_net_work_free);
      t->stats_work = dl_net_work_new (t->net, DL_LAYER_STATS_PROBE);
      t->stats_serial = t->run_serial;
    }
  if (n_probe > 0)
    {
      probe = g_new (float, (gsize) n_probe * t->test->rows * t->test->cols);
      for (int i = 0; i < n_probe; i++)
        idx[i] = i;
      dl_dataset_gather (t->test, idx, n_probe, probe);
    }
  return dl_layer_stats_compute (t->net, t->step > 0 ? &t->health : NULL, t->stats_work, probe, n_probe, t->step);
}
