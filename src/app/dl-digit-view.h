/* dl-digit-view.h — one small greyscale image (a 28 × 28 digit) drawn crisply enlarged.
 *
 * GTK 4.8 has no nearest-neighbour filter for textures in a snapshot, so the image is kept as a cairo
 * A8 mask and painted through a CAIRO_FILTER_NEAREST pattern in the foreground colour: ink follows the
 * light or dark style, and every source pixel stays a sharp square.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DL_TYPE_DIGIT_VIEW (dl_digit_view_get_type ())
G_DECLARE_FINAL_TYPE (DlDigitView, dl_digit_view, DL, DIGIT_VIEW, GtkWidget)

GtkWidget *dl_digit_view_new (void);
/* Copies rows × cols pixels (0–255, ink bright); NULL clears the view. */
void       dl_digit_view_set_image (DlDigitView *self, const guint8 *pixels, int rows, int cols);
/* Screen pixels per image pixel at the natural size (the view scales to whatever it is given). */
void       dl_digit_view_set_pixel_size (DlDigitView *self, int pixel_size);
int        dl_digit_view_get_pixel_size (DlDigitView *self);

G_END_DECLS
