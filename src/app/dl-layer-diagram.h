/* dl-layer-diagram.h — the layers of a network in order, as a selectable list: the input, then each layer's
 * kind and size, output shape, parameter count and activation, and the share of its units that are dead
 * (ReLU) or saturated (tanh, sigmoid) — the diagnostics' figures, from the DlLayerStats given — with a bar.
 *
 * Property "selected" (int: the layer index, −1 for none; notified when the user picks a row).
 */
#pragma once

#include <gtk/gtk.h>
#include "dl-layer-stats.h"

G_BEGIN_DECLS

#define DL_TYPE_LAYER_DIAGRAM (dl_layer_diagram_get_type ())
G_DECLARE_FINAL_TYPE (DlLayerDiagram, dl_layer_diagram, DL, LAYER_DIAGRAM, GtkWidget)

GtkWidget *dl_layer_diagram_new (void);
/* The layers to show (copied); NULL empties the list. The selection is kept when it still exists. */
void       dl_layer_diagram_set_arch (DlLayerDiagram *self, const DlArch *arch);
/* The figures to show on each layer (a reference is kept); NULL shows none. */
void       dl_layer_diagram_set_stats (DlLayerDiagram *self, DlLayerStats *stats);
int        dl_layer_diagram_get_selected (DlLayerDiagram *self);
void       dl_layer_diagram_set_selected (DlLayerDiagram *self, int layer);
/* The health text layer i's row shows now ("dead 67 %"), or NULL (tests). */
const char *dl_layer_diagram_get_health_text (DlLayerDiagram *self, int layer);

G_END_DECLS
