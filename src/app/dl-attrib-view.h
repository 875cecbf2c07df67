/* dl-attrib-view.h — an attribution map over the 28 × 28 image the network saw: each pixel coloured by
 * how much it pulled the answer, warm for the class and blue against it (a diverging scale, symmetric
 * about zero, its ends at the 99th percentile of |value|), over the image in grey; a legend under it.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DL_TYPE_ATTRIB_VIEW (dl_attrib_view_get_type ())
G_DECLARE_FINAL_TYPE (DlAttribView, dl_attrib_view, DL, ATTRIB_VIEW, GtkWidget)

GtkWidget *dl_attrib_view_new (void);
/* image and map: 28 × 28 floats (image in [0, 1]); copied. NULL map: the image alone; NULL image: blank. */
void       dl_attrib_view_set (DlAttribView *self, const float *image, const float *map);
/* The colour scale's end (the value drawn at full strength), 0 when there is no map. */
float      dl_attrib_view_get_scale (DlAttribView *self);

G_END_DECLS
