/* dl-augment.h — on-the-fly augmentation of training images, bilinear resampling of the 0–255 source
 * into [0, 1]. Kinds of augmentation, each switched on by its bit in DlAugmentOptions.kinds, compose:
 *   DL_AUGMENT_AFFINE   a random shift, rotation and scale about the image centre
 *   DL_AUGMENT_HURRIED  how people draw on the Draw page in a hurry (bench/draw-digits --hurried): turned
 *                       further than the affine kind, squashed or widened, slanted
 *   DL_AUGMENT_STROKE   the stroke thinned or thickened by up to a pixel (after the resampling)
 *   DL_AUGMENT_ELASTIC  elastic distortion (Simard, Steinkraus & Platt 2003): a random displacement
 *                       field, smoothed by a Gaussian of elastic_sigma pixels and scaled by elastic_alpha
 * Every kind that moves pixels is a map from output to source coordinates; they are composed into one map
 * (the displacement in the output's frame, then the inverse affine) and the source is sampled once; the
 * stroke kind, which changes pixel values rather than positions, runs after the resampling.
 *
 * No GTK here. The random draws come from the caller's DlRng, so a seeded run is reproducible; in
 * dl_augment_batch each image draws from its own stream seeded from the caller's, so the images can be
 * done in any order, on any number of threads, with the same result.
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
  double stretch;  /* width multiplied by e^stretch (before turning and scaling); 0: none */
  double shear;    /* x moved by −shear · (y − centre): positive leans the top right; 0: none */
  double stroke;   /* −1 … 1: the stroke thinned (erosion) or thickened (dilation) by that share; 0: none */
} DlAugment;

/* Draws one transform uniformly from the ranges above (four draws from rng). */
void dl_augment_draw (DlRng *rng, DlAugment *t);

/* Applies t to one rows × cols image (0–255) into out (rows × cols floats in [0, 1]). The output pixel
 * at (x, y) samples the source bilinearly at the inverse-transformed point; outside the source is 0.
 * The identity transform and whole-pixel shifts reproduce source pixels exactly (as value / 255). */
void dl_augment_image (const guint8 *src, int rows, int cols, const DlAugment *t, float *out);

/* Which resampling loop dl_augment_image uses: "avx2" or "scalar" (FALSE if this CPU cannot run it), or
 * NULL for the widest the CPU runs (the default). They give the same images to the bit; for the tests and
 * bench-data. */
gboolean dl_augment_force_isa (const char *isa);

/* Like dl_dataset_gather, but each gathered image gets its own random affine transform from rng. */
void dl_augment_gather (const DlDataset *ds, const int *idx, int n, float *out, DlRng *rng);

/* ---- composable kinds ---- */

typedef enum {
  DL_AUGMENT_AFFINE  = 1 << 0,  /* shift, rotation ±DL_AUGMENT_MAX_ANGLE, scale: the ranges above */
  DL_AUGMENT_HURRIED = 1 << 1,  /* rotation ±DL_AUGMENT_HURRIED_ANGLE instead, aspect, slant */
  DL_AUGMENT_STROKE  = 1 << 2,  /* the stroke thinned or thickened by up to a pixel */
  DL_AUGMENT_ELASTIC = 1 << 3,
} DlAugmentKind;

#define DL_AUGMENT_HURRIED_ANGLE  22.0
#define DL_AUGMENT_MIN_ASPECT     0.6    /* width multiplied by 0.6 … 1.25 */
#define DL_AUGMENT_MAX_ASPECT     1.25
#define DL_AUGMENT_MAX_SHEAR      0.3    /* the top leaned by up to 0.3 of the height either way */

/* One transform for the kinds given (0 is DL_AUGMENT_AFFINE) at the default ranges: AFFINE's four draws
 * first, as dl_augment_draw makes them, then three for HURRIED and one for STROKE. ELASTIC's field is
 * drawn by dl_augment_one. */
void dl_augment_draw_kinds (DlRng *rng, guint kinds, DlAugment *t);

/* "affine,hurried,stroke,elastic" (any of them, comma-separated) → kinds; FALSE for an unknown name. */
gboolean dl_augment_kinds_parse (const char *text, guint *kinds);
/* The kinds as that list (0: "affine"); newly allocated. */
char    *dl_augment_kinds_to_string (guint kinds);
/* What a recipe's augment and augment_kinds (DlPreset) switch on: 0 when augment is off, else the kinds
 * (0 meaning the affine one). */
guint    dl_augment_kinds_of (gboolean augment, guint augment_kinds);

#define DL_AUGMENT_ELASTIC_ALPHA 34.0  /* Simard et al.'s values for MNIST */
#define DL_AUGMENT_ELASTIC_SIGMA  4.0

typedef struct {
  guint  kinds;                        /* DlAugmentKind bits; 0 applies nothing (a plain gather) */
  double max_shift, max_angle, max_scale;   /* affine: ± ranges of the uniform draws */
  double elastic_alpha, elastic_sigma;      /* elastic: scale of the smoothed field (px), its smoothing (px) */
} DlAugmentOptions;

/* The kinds given, at the default ranges above. */
void  dl_augment_options_init (DlAugmentOptions *o, guint kinds);

/* Floats of scratch dl_augment_one needs for a rows × cols image. */
gsize dl_augment_scratch_floats (int rows, int cols);
/* One image: every kind in o, with the random draws from a stream seeded with `seed`. */
void  dl_augment_one (const DlAugmentOptions *o, guint64 seed, const guint8 *src, int rows, int cols, float *out,
                      float *scratch);
/* The seeds dl_augment_one takes for n images, drawn from rng in order (n draws). */
void  dl_augment_seeds (DlRng *rng, int n, guint64 *seeds);
/* n images of ds: seeds from rng, then dl_augment_one for each, on the calling thread. */
void  dl_augment_batch (const DlAugmentOptions *o, const DlDataset *ds, const int *idx, int n, DlRng *rng,
                        float *out);

G_END_DECLS
