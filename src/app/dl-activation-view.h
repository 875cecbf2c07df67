/* dl-activation-view.h — what every layer of the network makes of one image: the input, then each layer's
 * output in order — feature maps for conv and pooling layers (dark 0 to bright at the layer's largest
 * output), a strip of cells for dense layers (diverging around 0 when outputs can be negative), and the
 * ten probabilities as bars at the end.
 *
 * The pass runs when the network or the image changes (dl_net_forward on the snapshot's net with the view's
 * own DlNetWork: never the worker's buffers), and its pictures are kept as surfaces; drawing only paints
 * them.
 */
#pragma once

#include <gtk/gtk.h>
#include "dl-classes.h"
#include "dl-event.h"

G_BEGIN_DECLS

#define DL_TYPE_ACTIVATION_VIEW (dl_activation_view_get_type ())
G_DECLARE_FINAL_TYPE (DlActivationView, dl_activation_view, DL, ACTIVATION_VIEW, GtkWidget)

GtkWidget *dl_activation_view_new (void);
/* The network (a reference is kept; NULL clears). */
void       dl_activation_view_set_snapshot (DlActivationView *self, DlSnapshot *snap);
/* A network the caller keeps alive (unchanged) while it is shown, e.g. a checkpoint's; drops any snapshot. */
void       dl_activation_view_set_net (DlActivationView *self, DlNet *net, guint run_serial);
/* The image: 28 × 28 floats in [0, 1], ink bright (copied); NULL shows nothing. */
void       dl_activation_view_set_input (DlActivationView *self, const float *image);
/* Layer i's output of the last pass (n values), or NULL when there is none (tests). */
const float *dl_activation_view_get_output (DlActivationView *self, int layer, int *n);
/* The probabilities of the last pass (10), or NULL. */
const float *dl_activation_view_get_probs (DlActivationView *self);
/* The output's names (copied; NULL: the digits): under the bars cut to three characters, whole in the
 * accessible description, which says the last pass's probabilities ("…: 0 3 %, 1 90 %, …"; NULL without
 * one). */
void       dl_activation_view_set_classes (DlActivationView *self, const DlClasses *classes);
const char *dl_activation_view_get_description (DlActivationView *self);
void       dl_activation_view_render (DlActivationView *self, cairo_t *cr, int width, int height);

G_END_DECLS
