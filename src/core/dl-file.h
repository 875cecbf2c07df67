/* dl-file.h — opening outside files without hanging, and saving without damaging anything. No GTK.
 *
 * Reading: only regular files are opened, and never with a blocking open — a FIFO would block the reader
 * forever and a device can be endless — so a loader given one fails at once with a message.
 *
 * Saving (dl_file_save): the contents go to a temporary file beside the target, named .NAME.dltmp-XXXXXX
 * and locked (flock) while it is written, are fsynced and renamed over the target, and the directory is
 * fsynced. Symlinks are followed deliberately: the file a link points to is replaced, in that file's own
 * directory, and the link stays a link. A target that exists but is not a regular file — a FIFO, a device,
 * a directory, a socket — is refused with a message and left alone. A temporary file that a killed save
 * left behind holds no lock any more: the next save into the same directory removes it, and so does
 * dl_file_clean_temps, which the programs call on start for the directories they save into.
 *
 * Directories as one unit (dl_file_save_dir): the new contents are written into a temporary directory
 * beside the target, which is then exchanged with the old one in a single rename (renameat2
 * RENAME_EXCHANGE), so that a crash leaves the old directory or the new one, never a mix. Where the file
 * system cannot exchange (or DIGITLAB_NO_RENAME_EXCHANGE is set, for the tests), the old directory is
 * renamed to .NAME.dlold and the complete new one from .NAME.dlnew into place, and dl_file_recover_dir —
 * called before every save and by loaders — finishes or undoes what a crash interrupted.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DL_FILE_ERROR (dl_file_error_quark ())
GQuark dl_file_error_quark (void);

typedef enum {
  DL_FILE_ERROR_IO,           /* open, read, write, rename failed (the message has the system's reason) */
  DL_FILE_ERROR_NOT_REGULAR,  /* a FIFO, device, directory or socket where a file was expected */
  DL_FILE_ERROR_TOO_LARGE,    /* larger than what the caller accepts */
  DL_FILE_ERROR_NO_MEMORY,    /* the contents do not fit in memory */
} DlFileError;

/* Opens a regular file for reading (blocking reads, close-on-exec); its size in *size. -1 with the error
 * for anything else, without ever waiting on a FIFO or touching a device. */
int      dl_file_open_regular (const char *path, goffset *size, GError **error);
/* The whole of a regular file of at most max_size bytes, in memory allocated without aborting (g_free it;
 * one NUL byte follows the contents). */
gboolean dl_file_read_all (const char *path, gsize max_size, guint8 **contents, gsize *length, GError **error);

/* Writes the contents to fd (the temporary file, opened for writing); FALSE with the error on failure. */
typedef gboolean (*DlFileWriteFunc) (int fd, gpointer user_data, GError **error);
/* Writes len bytes to fd, retrying short writes. */
gboolean dl_file_write_all (int fd, const void *data, gsize len, GError **error);

/* Atomically replaces path (see above) with what write writes; TRUE when the new file is in place. */
gboolean dl_file_save (const char *path, DlFileWriteFunc write, gpointer user_data, GError **error);
gboolean dl_file_save_bytes (const char *path, const void *data, gsize len, GError **error);
/* Whether dl_file_save could replace path: FALSE with the error when it exists and is not a regular file
 * (after following symlinks) or its directory does not exist. For checking a command line up front. */
gboolean dl_file_check_target (const char *path, GError **error);

/* Fills a fresh, empty directory with the new contents. */
typedef gboolean (*DlDirWriteFunc) (const char *dir, gpointer user_data, GError **error);
/* Replaces the directory path (created with its parents when missing; a symlink to a directory is
 * followed) by what write puts into a new one, in one rename. Regular files of the old directory that
 * write did not make are kept (hard-linked into the new one). */
gboolean dl_file_save_dir (const char *path, DlDirWriteFunc write, gpointer user_data, GError **error);

/* Finishes or undoes a directory save that a crash interrupted (see above), and removes the temporary
 * files and folders killed saves left beside it; a symlinked folder is followed. */
void     dl_file_recover_dir (const char *path);

/* Removes what killed saves left in dir: temporary files and directories that no process holds locked. */
void     dl_file_clean_temps (const char *dir);
/* Whether name is one of dl_file_save's temporary names. */
gboolean dl_file_is_temp_name (const char *name);

G_END_DECLS
