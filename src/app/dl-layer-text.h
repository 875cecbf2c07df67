/* dl-layer-text.h — how the Network page names a layer: its kind and size, its output shape, its health
 * figure. Plain functions; the strings are translatable. */
#pragma once

#include <glib.h>
#include "dl-layer-stats.h"

G_BEGIN_DECLS

/* "conv 6 × 5×5, pad 2", "max-pool 2×2", "dense 256", "dropout 0.25" (newly allocated). */
char *dl_layer_text_kind (const DlArch *arch, int i);
/* "6 × 28 × 28" (or "256" for a flat output). */
char *dl_layer_text_shape (const DlArch *arch, int i);
/* "ReLU", "tanh", "sigmoid", "linear" or "" for a layer without an activation. */
const char *dl_layer_text_activation (const DlArch *arch, int i);
/* The layer's health as the diagnostics measured it: "dead 67 %" (ReLU), "saturated 12 %" (tanh, sigmoid),
 * NULL for other layers or without stats. */
char *dl_layer_text_health (const DlArch *arch, const DlLayerStats *stats, int i);
/* The health share shown (dead for ReLU, saturated for tanh and sigmoid), or NaN. */
double dl_layer_health_share (const DlArch *arch, const DlLayerStats *stats, int i);

G_END_DECLS
