/* dl-network-page.h — inside the network: its layers in order (kind, shape, parameters, activation, the
 * diagnostics' dead or saturated share), and for the layer chosen its weights as pictures, live while it
 * trains; every layer's output for the digit being drawn or a test image; and how each layer's parameters,
 * gradients and activations spread at every evaluation of the run, all layers in one picture, with the
 * dead/saturated shares as curves. A slider over the run's evaluations shows the layers' figures and
 * distributions as they were then.
 *
 * Properties: "worker" (DlWorker: the page reads its newest snapshot, at most three times a second and only
 * while the page is shown, for the view in sight), "run" (DlRun: the evaluations, with their layer
 * statistics). The window gives it the test set and the drawing.
 */
#pragma once

#include <gtk/gtk.h>
#include "dl-activation-view.h"
#include "dl-distribution-view.h"
#include "dl-layer-diagram.h"
#include "dl-run.h"
#include "dl-weight-tiles.h"
#include "dl-worker.h"

G_BEGIN_DECLS

#define DL_TYPE_NETWORK_PAGE (dl_network_page_get_type ())
G_DECLARE_FINAL_TYPE (DlNetworkPage, dl_network_page, DL, NETWORK_PAGE, GtkWidget)

GtkWidget  *dl_network_page_new (void);
void        dl_network_page_set_worker (DlNetworkPage *self, DlWorker *worker);
DlWorker   *dl_network_page_get_worker (DlNetworkPage *self);
void        dl_network_page_set_run (DlNetworkPage *self, DlRun *run);
DlRun      *dl_network_page_get_run (DlNetworkPage *self);
/* The test images to show activations of (a reference is kept). */
void        dl_network_page_set_test_set (DlNetworkPage *self, DlDataset *test);
/* The drawing: 28 × 28 floats in [0, 1], as the network sees it (copied); NULL when the canvas is empty. */
void        dl_network_page_set_input (DlNetworkPage *self, const float *image);
/* Reads the worker's newest snapshot now, as the page's timer does (tests). */
void        dl_network_page_refresh (DlNetworkPage *self);
/* The evaluation shown (an index into those with layer statistics), or the latest while live. */
void        dl_network_page_set_position (DlNetworkPage *self, guint position);
guint       dl_network_page_get_n_positions (DlNetworkPage *self);
/* The run's evaluation shown by the diagram (−1: none). */
int         dl_network_page_get_shown_eval (DlNetworkPage *self);
/* "weights", "activations" or "distributions". */
void        dl_network_page_show_view (DlNetworkPage *self, const char *name);

DlLayerDiagram     *dl_network_page_get_layer_diagram (DlNetworkPage *self);
DlWeightTiles      *dl_network_page_get_weight_tiles (DlNetworkPage *self);
DlActivationView   *dl_network_page_get_activation_view (DlNetworkPage *self);
DlDistributionView *dl_network_page_get_distribution_view (DlNetworkPage *self);

G_END_DECLS
