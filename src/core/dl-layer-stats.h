/* dl-layer-stats.h — what each layer of a network looks like at one moment of its training: histograms
 * of its parameters, of their last gradient and of its outputs on a fixed set of probe images, and the
 * share of its units that are dead (ReLU) or saturated (tanh, sigmoid). No GTK.
 *
 * The dead and saturated shares are the diagnostics' own figures (DlHealth, from dl_net_health: the last
 * training batch), copied, never measured again, so the Network page and the diagnosis can never disagree.
 * The histograms use dl-histogram's lattice, so one layer's histograms at different evaluations compare
 * bin for bin. Immutable once made and reference-counted: the worker makes one at each evaluation and the
 * event, the run and the store share it across threads.
 */
#pragma once

#include <glib.h>
#include "dl-histogram.h"
#include "dl-net.h"

G_BEGIN_DECLS

typedef enum {
  DL_LAYER_STAT_PARAMS,   /* the layer's weights and biases: counts add up to its parameter count */
  DL_LAYER_STAT_GRADS,    /* their gradient in the last training step (as applied, after reduce) */
  DL_LAYER_STAT_ACTS,     /* the layer's outputs, after the activation, on the probe images */
  DL_LAYER_N_STATS
} DlLayerStatKind;

#define DL_LAYER_STATS_PROBE 128   /* probe images: the first of the test set */

typedef struct {
  gsize       n_params;                      /* weights + biases; 0 for pooling and dropout */
  guint       present;                       /* bit k: hist[k] holds something */
  DlHistogram hist[DL_LAYER_N_STATS];
  float       dead;                          /* DlHealth.dead: share of ReLU units zero on the whole batch */
  float       saturated;                     /* DlHealth.saturated */
} DlLayerStat;

typedef struct {
  gint64      step;                          /* the optimiser step the parameters are of */
  int         n_layers;
  int         n_probe;                       /* images the activations were measured on */
  DlLayerStat layers[DL_MAX_LAYERS];
} DlLayerStats;

/* Layer i's parameters in dl_net_params (): weights at *offset, n_w of them, then n_b biases (a batch-
 * normalised layer's β, then its γ), then for such a layer its running means and variances; the layers'
 * blocks follow each other in order. */
void          dl_layer_param_range (const DlArch *arch, int i, gsize *offset, gsize *n_w, gsize *n_b);

/* The stats of `net` now. health: its dl_net_health (NULL: shares 0); probe: n_probe images (≤ the work's
 * batch), run through dl_net_forward with `work` (NULL or n_probe 0: no activation histograms). Reads the
 * net's parameters and gradients only. */
DlLayerStats *dl_layer_stats_compute (DlNet *net, const DlHealth *health, DlNetWork *work,
                                      const float *probe, int n_probe, gint64 step);
DlLayerStats *dl_layer_stats_ref (DlLayerStats *stats);
void          dl_layer_stats_unref (DlLayerStats *stats);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlLayerStats, dl_layer_stats_unref)

gboolean      dl_layer_stats_has (const DlLayerStats *stats, int layer, DlLayerStatKind kind);

/* As the store keeps them: little-endian, versioned ("DLLS", version 1). from_bytes names what is wrong
 * (DL_LAYER_STATS_ERROR) in a blob that is cut short, of another version or out of range. */
#define DL_LAYER_STATS_ERROR (dl_layer_stats_error_quark ())
GQuark        dl_layer_stats_error_quark (void);
typedef enum { DL_LAYER_STATS_ERROR_FORMAT } DlLayerStatsError;

GBytes       *dl_layer_stats_to_bytes (const DlLayerStats *stats);
DlLayerStats *dl_layer_stats_from_bytes (GBytes *bytes, GError **error);

G_END_DECLS
