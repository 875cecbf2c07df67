/* dl-model.h — model files: a versioned binary format, saved atomically, validated on load. No GTK.
 *
 * Layout (little-endian):
 *   magic "DLMODEL\0" (8 bytes) | u32 version | u32 arch string length L | L bytes arch string (dl-arch.h
 *   syntax) | u64 seed | u64 n_params | n_params × f32 | [training-state section] | u32 CRC-32 of everything
 *   before it.
 * Version 1: dense layers; version 2 adds conv, pool and dropout; version 3 adds the optional
 * training-state section, which makes the file a checkpoint (a plain version 3 model is laid out as
 * version 2); version 4 adds the std layer (dl-arch.h), laid out as version 3; version 5 adds batch-
 * normalised dense layers (fcN-bn, their γ and running mean and variance after the biases, dl-layer-stats.h),
 * laid out as version 3. A file is written with the oldest version that holds its architecture: 5 only for a
 * network with -bn, 4 for one with std, so that older Digit Labs
 * still read every other file, and name a newer version rather than an unknown layer. Loading checks magic, version, architecture, parameter count, file length and checksum, and
 * names what is wrong.
 *
 * The training-state section: tag "DLSTATE\0" (8 bytes) | u64 length S of what follows | u32 opt_started
 * | u32 opt_last (DlOptimizer) | i64 Adam's step | 4 × u64 dropout stream | i64 steps of weight
 * averaging (0: no average) | u64 n_opt (= 4 × n_params) | n_opt × f32 (velocity, Adam m, Adam v, the
 * weight average) | u64 length T | T bytes of the training loop's own record (what
 * src/worker/dl-checkpoint.c keeps beyond the network: step, epoch, the position in its shuffled order, the
 * random streams, the recipe; opaque here). S = 72 + 4 n_opt + T. Version 6 added the average (its step
 * count and fourth block); a checkpoint is written as version 6, and the sections of versions 3–5 (no
 * average fields, n_opt = 3 × n_params, S = 64 + 4 n_opt + T) still load, as state without an average.
 * A checkpoint's parameters are the last step's, which training goes on from; a plain model file's are
 * the model's (dl_net_model_params: the average when the net averages its weights).
 */
#pragma once

#include <glib.h>
#include "dl-net.h"

G_BEGIN_DECLS

#define DL_MODEL_ERROR (dl_model_error_quark ())
GQuark dl_model_error_quark (void);

typedef enum {
  DL_MODEL_ERROR_IO,
  DL_MODEL_ERROR_FORMAT,     /* bad magic, unknown version, bad architecture, wrong length */
  DL_MODEL_ERROR_CHECKSUM,   /* contents altered */
} DlModelError;

#define DL_MODEL_VERSION 6

/* Saved through dl_file_save: a locked temporary file beside the target, fsync, rename, so an existing
 * file is replaced whole or not at all; a symlink is followed, and a FIFO, device or directory at path is
 * refused. Loading reads only regular files and checks every field before it allocates by it. */
gboolean dl_model_save (DlNet *net, const char *path, GError **error);
DlNet   *dl_model_load (const char *path, GError **error);

/* ---- checkpoints: model files with the training-state section ---- */

/* What the training-state section holds beyond the parameters. */
typedef struct {
  DlNetTrainState net;          /* the optimiser's counters and the dropout stream */
  gsize           n_opt_state;  /* dl_net_opt_state_floats: 4 × n_params */
  float          *opt_state;    /* velocity, Adam m, Adam v, the weight average */
  GBytes         *trainer;      /* the training loop's record, opaque to the model file */
} DlModelState;

void     dl_model_state_clear (DlModelState *state);   /* frees opt_state and trainer; not the struct */
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DlModelState, dl_model_state_clear)

/* A model given by its parts instead of a DlNet (a checkpoint's own copy of the parameters). */
typedef struct {
  const char         *arch;      /* dl-arch.h syntax */
  guint64             seed;
  gsize               n_params;
  const float        *params;
  const DlModelState *state;     /* the training-state section; NULL writes a plain model */
} DlModelParts;

/* Saved as dl_model_save saves; *sha256 (when non-NULL) gets the hex SHA-256 of the bytes written, for
 * whoever refers to the file by its contents. */
gboolean dl_model_save_parts (const DlModelParts *parts, const char *path, char **sha256, GError **error);
/* dl_model_load, and the training-state section into *state (cleared first; all zero when the file has
 * none, which *has_state says). */
DlNet   *dl_model_load_state (const char *path, DlModelState *state, gboolean *has_state, GError **error);

G_END_DECLS
