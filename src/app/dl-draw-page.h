/* dl-draw-page.h — the Draw page: draw a digit and watch the network classify it live.
 *
 * Properties: "session" (DlSession, read-write: the page classifies with the snapshot of the run it shows
 * and follows its "snapshot-changed"), "prediction" (int, read-only: the class shown, -1 when there is none), "label"
 * (int, read-write: the true label chosen for saving to the personal set, -1 for none).
 * Actions: "draw.clear" (Delete, Escape), "draw.undo" (Ctrl+Z), "draw.save" (Ctrl+S), "draw.label" (the
 * label toggles, stateful).
 */
#pragma once

#include <gtk/gtk.h>
#include "dl-session.h"

G_BEGIN_DECLS

#define DL_TYPE_DRAW_PAGE (dl_draw_page_get_type ())
G_DECLARE_FINAL_TYPE (DlDrawPage, dl_draw_page, DL, DRAW_PAGE, GtkWidget)

GtkWidget *dl_draw_page_new (void);
void       dl_draw_page_set_session (DlDrawPage *self, DlSession *session);
DlSession *dl_draw_page_get_session (DlDrawPage *self);
int        dl_draw_page_get_prediction (DlDrawPage *self);
/* The 28 × 28 image the network sees (floats in [0, 1]), NULL while the canvas is empty; "input-changed"
 * is emitted when it changes. */
const float *dl_draw_page_get_input (DlDrawPage *self);

G_END_DECLS
