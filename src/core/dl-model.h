/* dl-model.h — model files: a versioned binary format, saved atomically, validated on load. No GTK.
 *
 * Layout (little-endian):
 *   magic "DLMODEL\0" (8 bytes) | u32 version | u32 arch string length L | L bytes arch string (dl-arch.h
 *   syntax) | u64 seed | u64 n_params | n_params × f32 | u32 CRC-32 of everything before it.
 * Version 1: dense layers; version 2 adds conv, pool and dropout. Loading checks magic, version,
 * architecture, parameter count, file length and checksum, and names what is wrong.
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

#define DL_MODEL_VERSION 2

/* Saved through dl_file_save: a locked temporary file beside the target, fsync, rename, so an existing
 * file is replaced whole or not at all; a symlink is followed, and a FIFO, device or directory at path is
 * refused. Loading reads only regular files and checks every field before it allocates by it. */
gboolean dl_model_save (DlNet *net, const char *path, GError **error);
DlNet   *dl_model_load (const char *path, GError **error);

G_END_DECLS
