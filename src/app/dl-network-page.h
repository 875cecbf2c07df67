/* dl-network-page.h — inside the network: its layers in order (kind, shape, parameters, activation, the
 * diagnostics' dead or saturated share), and for the layer chosen its weights as pictures, live while it
 * trains; every layer's output for the digit being drawn or a test image; and how each layer's parameters,
 * gradients and activations spread at every evaluation of the run, all layers in one picture, with the
 * dead/saturated shares as curves. A slider over the run's evaluations shows the layers' figures and
 * distributions as they were then, and the network itself where the run kept that evaluation's checkpoint.
 *
 * Property "session" (DlSession): the page shows the session's run ("run", read-only: the live one, or a
 * past one opened from the store) — its evaluations with their layer statistics, its checkpoints (the
 * worker's for the live run, the store's for a past one) — and its newest parameters (dl_session_dup_snapshot,
 * read at most three times a second, only while the page is shown, for the view in sight), with activations
 * of the session's test images. The window gives it the drawing.
 */
#pragma once

#include <gtk/gtk.h>
#include "dl-activation-view.h"
#include "dl-distribution-view.h"
#include "dl-layer-diagram.h"
#include "dl-run.h"
#include "dl-session.h"
#include "dl-weight-tiles.h"

G_BEGIN_DECLS

#define DL_TYPE_NETWORK_PAGE (dl_network_page_get_type ())
G_DECLARE_FINAL_TYPE (DlNetworkPage, dl_network_page, DL, NETWORK_PAGE, GtkWidget)

GtkWidget  *dl_network_page_new (void);
void        dl_network_page_set_session (DlNetworkPage *self, DlSession *session);
DlSession  *dl_network_page_get_session (DlNetworkPage *self);
DlRun      *dl_network_page_get_run (DlNetworkPage *self);
/* The drawing: 28 × 28 floats in [0, 1], as the network sees it (copied); NULL when the canvas is empty. */
void        dl_network_page_set_input (DlNetworkPage *self, const float *image);
/* Reads the session's newest snapshot now, as the page's timer does (tests). */
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
