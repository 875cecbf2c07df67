/* dl-distribution-view.h — how every layer's values spread over a run, all layers at a glance: one panel per
 * layer, side by side, each a heatmap with the run's evaluations across (time) and the histogram's bins up
 * (values, 0 in the middle), brighter where more values fall — TensorBoard's distributions for all layers at
 * once, for the parameters, their gradients or the activations (DlLayerStatKind).
 *
 * Each layer's histograms are put on the widest range any of its evaluations needed (dl_histogram_widen:
 * exact), so a column compares bin for bin with every other of its panel. The scrubbed evaluation is marked.
 */
#pragma once

#include <gtk/gtk.h>
#include "dl-run.h"

G_BEGIN_DECLS

#define DL_TYPE_DISTRIBUTION_VIEW (dl_distribution_view_get_type ())
G_DECLARE_FINAL_TYPE (DlDistributionView, dl_distribution_view, DL, DISTRIBUTION_VIEW, GtkWidget)

GtkWidget *dl_distribution_view_new (void);
/* The run whose evaluations to show (followed as evaluations are added); NULL shows nothing. */
void       dl_distribution_view_set_run (DlDistributionView *self, DlRun *run);
void       dl_distribution_view_set_kind (DlDistributionView *self, DlLayerStatKind kind);
/* The evaluation to mark (an index into the run's evaluations), −1 for the latest. */
void       dl_distribution_view_set_current (DlDistributionView *self, int eval_index);
/* The panels drawn, and layer i's common range exponent (−1 when it has no panel), for tests. */
int        dl_distribution_view_get_n_panels (DlDistributionView *self);
int        dl_distribution_view_get_exponent (DlDistributionView *self, int layer);
void       dl_distribution_view_render (DlDistributionView *self, cairo_t *cr, int width, int height);

G_END_DECLS
