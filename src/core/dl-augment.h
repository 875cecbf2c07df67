/* dl-augment.h — on-the-fly augmentation of training images: one random affine transform per image
 * (shift, rotation, scale about the image centre; with the hurried kind also a squash and a slant),
 * bilinear resampling of the 0–255 source into [0, 1], and optionally a thinner or thicker stroke.
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

/* The kinds of augmentation, each switched on by its own bit (a preset's augment_kinds; 0 means
 * DL_AUGMENT_AFFINE). DL_AUGMENT_HURRIED and DL_AUGMENT_STROKE are matched to how people draw on the
 * Draw page in a hurry (bench/draw-digits --hurried): turned further, squashed or widened, slanted, and
 * with a pen thinner or thicker than the writer's. */
typedef enum {
  DL_AUGMENT_AFFINE  = 1 << 0,  /* shift, rotation ±DL_AUGMENT_MAX_ANGLE, scale: the ranges above */
  DL_AUGMENT_HURRIED = 1 << 1,  /* rotation ±DL_AUGMENT_HURRIED_ANGLE instead, aspect, slant */
  DL_AUGMENT_STROKE  = 1 << 2,  /* the stroke thinned or thickened by up to a pixel */
} DlAugmentKind;

#define DL_AUGMENT_HURRIED_ANGLE  22.0
#define DL_AUGMENT_MIN_ASPECT     0.6    /* width multiplied by 0.6 … 1.25 */
#define DL_AUGMENT_MAX_ASPECT     1.25
#define DL_AUGMENT_MAX_SHEAR      0.3    /* the top leaned by up to 0.3 of the height either way */

typedef struct {
  double dx, dy;   /* shift in pixels: +dx moves the content right, +dy down */
  double angle;    /* rotation in degrees about the image centre: positive turns counter-clockwise as seen */
  double scale;    /* magnification about the centre: 1.1 makes the digit 10 % larger */
  double stretch;  /* width multiplied by e^stretch (before turning and scaling); 0: none */
  double shear;    /* x moved by −shear · (y − centre): positive leans the top right; 0: none */
  double stroke;   /* −1 … 1: the stroke thinned (erosion) or thickened (dilation) by that share; 0: none */
} DlAugment;

/* Draws one transform uniformly from the ranges above (four draws from rng). */
void dl_augment_draw (DlRng *rng, DlAugment *t);
/* The same for the kinds given (DlAugmentKind bits; 0 is DL_AUGMENT_AFFINE): AFFINE's four draws first,
 * as dl_augment_draw makes them, then three for HURRIED and one for STROKE. */
void dl_augment_draw_kinds (DlRng *rng, guint kinds, DlAugment *t);

/* Applies t to one rows × cols image (0–255) into out (rows × cols floats in [0, 1]). The output pixel
 * at (x, y) samples the source bilinearly at the inverse-transformed point; outside the source is 0.
 * The identity transform and whole-pixel shifts reproduce source pixels exactly (as value / 255). */
void dl_augment_image (const guint8 *src, int rows, int cols, const DlAugment *t, float *out);

/* Like dl_dataset_gather, but each gathered image gets its own random transform from rng. */
void dl_augment_gather (const DlDataset *ds, const int *idx, int n, float *out, DlRng *rng);
/* The same with the kinds given (dl_augment_draw_kinds). */
void dl_augment_gather_kinds (const DlDataset *ds, const int *idx, int n, float *out, DlRng *rng, guint kinds);
/* "affine,hurried,stroke" (any of them, comma-separated) → kinds; FALSE for an unknown name. */
gboolean dl_augment_kinds_parse (const char *text, guint *kinds);
/* The kinds as that list (0: "affine"); newly allocated. */
char    *dl_augment_kinds_to_string (guint kinds);

G_END_DECLS
