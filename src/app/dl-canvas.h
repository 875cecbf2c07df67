/* dl-canvas.h — a surface to draw digits on with a mouse, touchpad, finger or pen.
 *
 * The strokes are kept as point lists (DlStroke, dl-preprocess.h) in widget coordinates, so the digit
 * can be re-rendered at any scale. Actions: "canvas.clear" (Delete, Escape) and "canvas.undo" (Ctrl+Z).
 * From the keyboard, a pen: "canvas.pen-move" (ii) (the arrows move it by 4 % of the canvas, 0.4 % with
 * Shift) and "canvas.pen-toggle" (Space: down, which begins a stroke, or up). Accessible: role img, a
 * label, and a description saying how many strokes there are and which keys draw.
 * "changed" is emitted whenever the strokes change, also while a stroke is being drawn.
 */
#pragma once

#include <gtk/gtk.h>
#include "dl-preprocess.h"

G_BEGIN_DECLS

#define DL_TYPE_CANVAS (dl_canvas_get_type ())
G_DECLARE_FINAL_TYPE (DlCanvas, dl_canvas, DL, CANVAS, GtkWidget)

GtkWidget      *dl_canvas_new (void);

/* The strokes so far; valid until the next change. */
const DlStroke *dl_canvas_get_strokes (DlCanvas *self, int *n_strokes);
gboolean        dl_canvas_is_empty (DlCanvas *self);
/* The pen's width in widget pixels: MNIST's 3 px of a 20 px digit, for a digit 40 % of the canvas tall. */
double          dl_canvas_get_pen_width (DlCanvas *self);

/* What the gestures call; pressure scales the pen width (1 for a mouse). */
void            dl_canvas_begin_stroke (DlCanvas *self, double x, double y, double pressure);
void            dl_canvas_extend_stroke (DlCanvas *self, double x, double y, double pressure);
void            dl_canvas_end_stroke (DlCanvas *self);
void            dl_canvas_clear (DlCanvas *self);
void            dl_canvas_undo (DlCanvas *self);
/* The keyboard pen: its position in widget pixels and whether it is down (any may be NULL); moved by
 * fractions of the canvas (a move while down extends the stroke); put down (a new stroke) or lifted. */
void            dl_canvas_get_pen (DlCanvas *self, double *x, double *y, gboolean *down);
void            dl_canvas_pen_move (DlCanvas *self, double dx, double dy);
void            dl_canvas_pen_toggle (DlCanvas *self);

G_END_DECLS
