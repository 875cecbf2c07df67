/* dl-weight-tiles.h — one layer's weights as pictures, on a diverging scale centred at 0 (blue negative,
 * red positive, the ends at the 99.5th percentile of the layer's magnitudes, the few beyond drawn at the
 * ends): a dense layer fed by the image (dl_arch_fed_by_image: first, or after std) shows each unit's
 * weights as a tile of the image's shape (256 tiles of 28×28 for the mlp's first dense layer), a conv
 * layer its filters (one row of tiles per filter, one tile per input channel: 16 rows of 6 for the cnn's
 * second), other dense layers their weight matrix (a row per unit). Or, instead of the weights, their gradient at the training step that made them (the snapshot's), or
 * how much each changed since the previous snapshot shown (what the optimiser did in between).
 *
 * The tiles are computed when a snapshot is given (dl_weight_tiles_set_snapshot), into a cairo surface of
 * one pixel per weight; drawing only scales that surface, so a frame never walks the parameters.
 */
#pragma once

#include <gtk/gtk.h>
#include "dl-event.h"

G_BEGIN_DECLS

#define DL_TYPE_WEIGHT_TILES (dl_weight_tiles_get_type ())
G_DECLARE_FINAL_TYPE (DlWeightTiles, dl_weight_tiles, DL, WEIGHT_TILES, GtkWidget)

GtkWidget *dl_weight_tiles_new (void);
/* The parameters to show (a reference is kept; NULL clears). */
void       dl_weight_tiles_set_snapshot (DlWeightTiles *self, DlSnapshot *snap);
/* A network the caller keeps alive (unchanged) while it is shown, e.g. a checkpoint's, of that step and run;
 * drops any snapshot. */
void       dl_weight_tiles_set_net (DlWeightTiles *self, DlNet *net, gint64 step, guint run_serial);
void       dl_weight_tiles_set_layer (DlWeightTiles *self, int layer);
int        dl_weight_tiles_get_layer (DlWeightTiles *self);
typedef enum {
  DL_WEIGHT_TILES_WEIGHTS,
  DL_WEIGHT_TILES_GRADIENTS,   /* nothing to show for a net without one (dl_weight_tiles_set_net, or a
                                * snapshot with no grads) */
  DL_WEIGHT_TILES_CHANGE,      /* since the previous snapshot shown */
} DlWeightTilesShow;

void       dl_weight_tiles_set_show (DlWeightTiles *self, DlWeightTilesShow show);
/* Tiles drawn (0: the layer has no weights, or nothing to show), their size and the grid's columns. */
int        dl_weight_tiles_get_n_tiles (DlWeightTiles *self, int *tile_w, int *tile_h, int *cols);
/* The magnitude at the ends of the scale; the step of the parameters shown (-1: none). */
double     dl_weight_tiles_get_scale (DlWeightTiles *self);
gint64     dl_weight_tiles_get_step (DlWeightTiles *self);
/* Where tile i lies when drawn at width × height. */
gboolean   dl_weight_tiles_tile_rect (DlWeightTiles *self, int width, int height, int i, graphene_rect_t *rect);
/* Draws into cr at width × height, as the widget does (tests, exports). */
void       dl_weight_tiles_render (DlWeightTiles *self, cairo_t *cr, int width, int height);

G_END_DECLS
