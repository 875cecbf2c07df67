/* dl-cairo.h — cairo paths the app's drawn widgets share. */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

void dl_cairo_rounded_rect (cairo_t *cr, double x, double y, double w, double h, double r);

G_END_DECLS
