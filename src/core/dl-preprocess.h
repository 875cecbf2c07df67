/* dl-preprocess.h — turning a drawn digit into the 28×28 input MNIST's own images were made as. No GTK.
 *
 * MNIST (LeCun et al.): the binary NIST digit was scaled so its longer side fits a 20×20 box, keeping the
 * aspect ratio, with anti-aliasing (hence grey levels); then it was placed in a 28×28 field so that its
 * intensity-weighted centre of mass sits at the centre. Measured on the 60,000 training images, with
 * pixel centres at integer indices, the centre of mass is uniformly spread over [13.5, 14.5) in both
 * axes (mean 14.00, standard deviation 0.289 = 1/√12): the shift was an integer translation that puts
 * the centre of mass within half a pixel of (14, 14). We do exactly that — an integer shift, no
 * resampling — so the input has the crispness and the centre-of-mass spread the network was trained on;
 * a sub-pixel bilinear shift would blur every digit by up to half a pixel, which MNIST never did.
 *
 * Pipeline: render (strokes) or take (greyscale image) ink bright on black → crop to the ink's bounding
 * box → area-average (box filter) down so the longer side is 20 px → paste into 28×28 → integer shift of
 * the centre of mass to (14, 14). Values are in [0, 1], as dl_dataset_gather gives the network.
 *
 * Strokes are re-rendered from their points with a pen that is DL_DIGIT_PEN_WIDTH pixels wide after
 * fitting, whatever size the digit was drawn at: the pen of the canvas only decides what the user sees
 * and what counts as a dot.
 */
#pragma once

#include <glib.h>
#include <cairo.h>
#include "dl-data.h"
#include "dl-net.h"

G_BEGIN_DECLS

#define DL_DIGIT_SIDE        28     /* the network's input field */
#define DL_DIGIT_BOX         20     /* the digit's longer side after fitting */
#define DL_DIGIT_CENTRE      14.0f  /* where the centre of mass goes (pixel centres at integer indices) */
/* MNIST's stroke width in 28×28 pixels: with it, drawn 0s and 1s carry the ink of MNIST's (mean ink
 * 136 and 60 pixel units for classes 0 and 1 over the training set). */
#define DL_DIGIT_PEN_WIDTH   3.0f
#define DL_DIGIT_OVERSAMPLE  8      /* strokes render at 8× and are box-filtered down */
/* Strokes whose centre lines span less than one canvas pen width are a dot (a click, a jiggle), not a
 * digit; anything longer is read, however small, since the strokes are re-rendered at MNIST's size. */
#define DL_DIGIT_MIN_EXTENT_PENS 1.0f

/* One sample of a stroke, in canvas units. pressure scales the pen width: 1 for a mouse, the stylus
 * pressure mapped around 1 for a pen. */
typedef struct {
  float x, y;
  float pressure;
} DlPoint;

typedef struct {
  DlPoint *points;
  int      n_points;
} DlStroke;

/* The result and its intermediate stages, all ink bright on black in [0, 1], row-major. */
typedef struct {
  gboolean empty;            /* nothing or only a dot: no prediction */
  int      crop_w, crop_h;   /* the ink's bounding box (high resolution for strokes) */
  float   *crop;
  int      fit_w, fit_h;     /* longer side DL_DIGIT_BOX */
  float    fit[DL_DIGIT_BOX * DL_DIGIT_BOX];
  float    input[DL_DIGIT_SIDE * DL_DIGIT_SIDE];  /* what the network sees */
  int      offset_x, offset_y;  /* where fit's top-left corner landed in input */
  float    com_x, com_y;        /* centre of mass of input */
} DlDigitInput;

DlDigitInput *dl_digit_input_new (void);
void          dl_digit_input_free (DlDigitInput *in);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlDigitInput, dl_digit_input_free)

/* Strokes as drawn with a pen `pen_width` canvas units wide. Returns FALSE (and out->empty) when there is
 * no stroke or the centre lines span less than DL_DIGIT_MIN_EXTENT_PENS pen widths. */
gboolean dl_preprocess_strokes (const DlStroke *strokes, int n_strokes, float pen_width, DlDigitInput *out);

/* A greyscale image, w × h floats in [0, 1], ink bright. Returns FALSE (and out->empty) when no pixel
 * holds ink or the ink's bounding box is shorter than `min_extent` pixels on both sides. */
gboolean dl_preprocess_image (const float *image, int w, int h, float min_extent, DlDigitInput *out);

/* Adds the strokes to cr as smooth curves (quadratic through the midpoints between samples) and strokes
 * them with round caps and joins, `width` user units wide times each sample's pressure, in cr's source. */
void dl_strokes_draw (cairo_t *cr, const DlStroke *strokes, int n_strokes, double width);

/* Classifies the input: fills probs (10) and returns the predicted class, or -1 without touching the
 * net when the input is empty — an empty canvas gets no guess. */
int  dl_digit_classify (DlNet *net, const DlDigitInput *in, float *probs);

G_END_DECLS
