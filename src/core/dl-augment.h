/* dl-augment.h — on-the-fly augmentation of training images: one random affine transform per image
 * (shift, rotation, scale about the image centre), bilinear resampling of the 0–255 source into [0, 1].
 *
 * No GTK here. The random draws come from the caller's DlRng, so a seeded run is reproducible.
 */
#pragma once

#include <glib.h>

#include "dl-data.h"
#include "dl-rng.h"

G_BEGIN_DECLS

/* The ranges of the random draw: shift ±2 px in x and y, rotation ±10°, scale 1 ± 10 %. */
#define DL_AUGMENT_MAX_SHIFT  2.0
#define DL_AUGMENT_MAX_ANGLE 10.0
#define DL_AUGMENT_MAX_SCALE  0.1

typedef struct {
  double dx, dy;   /* shift in pixels: +dx moves the content right, +dy down */
  double angle;    /* rotation in degrees about the image centre: positive turns counter-clockwise as seen */
  double scale;    /* magnification about the centre: 1.1 makes the digit 10 % larger */
} DlAugment;

/* Draws one transform uniformly from the ranges above (four draws from rng). */
void dl_augment_draw (DlRng *rng, DlAugment *t);

/* Applies t to one rows × cols image (0–255) into out (rows × cols floats in [0, 1]). The output pixel
 * at (x, y) samples the source bilinearly at the inverse-transformed point; outside the source is 0.
 * The identity transform and whole-pixel shifts reproduce source pixels exactly (as value / 255). */
void dl_augment_image (const guint8 *src, int rows, int cols, const DlAugment *t, float *out);

/* Like dl_dataset_gather, but each gathered image gets its own random transform from rng. */
void dl_augment_gather (const DlDataset *ds, const int *idx, int n, float *out, DlRng *rng);

G_END_DECLS
