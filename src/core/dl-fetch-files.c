/* dl-fetch-files.c — the file side of a fetch: unpacking with libarchive, checking pinned checksums,
 * moving verified files into place. Blocking; dl-fetch.c runs these on a worker thread. */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sys/file.h>
#include <unistd.h>

#include "dl-fetch-private.h"

#define BLOCK (256 * 1024)

static gboolean
io_error (GError **error, int err, const char *path, const char *what)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err), "%s: %s: %s", path, what, g_strerror (err));
  return FALSE;
}

/* A byte count for a message (G_GUINT64_FORMAT cannot go inside a msgid). */
static char *
count_str (guint64 n)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT, n);
}

static gboolean
write_all (int fd, const guint8 *data, gsize len, const char *path, GError **error)
{
  while (len > 0)
    {
      gssize n = write (fd, data, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return io_error (error, errno, path, _("cannot write"));
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

static gboolean
checksum_matches (const DlFetchFile *file, GChecksum *sha, const char *from, GError **error)
{
  const char *got = g_checksum_get_string (sha);

  if (g_str_equal (got, file->sha256))
    return TRUE;
  g_set_error (error, DL_FETCH_ERROR, DL_FETCH_ERROR_CHECKSUM,
               _("%s from %s has the wrong SHA-256: expected %s, got %s"), file->name, from, file->sha256, got);
  return FALSE;
}

/* Writes the archive's current entry to staging/file->name, hashing it; checks size and checksum. */
static gboolean
unpack_entry (struct archive *a, const DlFetchFile *file, const char *tarball_name, const char *staging,
              GCancellable *cancellable, GError **error)
{
  g_autofree char *path = g_build_filename (staging, file->name, NULL);
  g_autoptr (GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buf = g_malloc (BLOCK);
  guint64 written = 0;
  gboolean ok = TRUE;
  la_ssize_t n;
  int fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

  if (fd < 0)
    return io_error (error, errno, path, _("cannot create"));
  while (ok && (n = archive_read_data (a, buf, BLOCK)) > 0)
    {
      g_checksum_update (sha, buf, n);
      written += (guint64) n;
      ok = !g_cancellable_set_error_if_cancelled (cancellable, error)
           && write_all (fd, buf, (gsize) n, path, error);
    }
  if (ok && n < 0)
    {
      g_set_error (error, DL_FETCH_ERROR, DL_FETCH_ERROR_ARCHIVE, _("%s is damaged inside %s: %s"),
                   tarball_name, file->name, archive_error_string (a));
      ok = FALSE;
    }
  if (ok && written != file->size)
    {
      g_autofree char *got = count_str (written);
      g_autofree char *want = count_str (file->size);
      g_set_error (error, DL_FETCH_ERROR, DL_FETCH_ERROR_ARCHIVE, _("%s in %s ends after %s of its %s bytes"),
                   file->name, tarball_name, got, want);
      ok = FALSE;
    }
  /* fsync before the rename that publishes it, so a crash cannot leave a short file under the real name. */
  if (ok && fsync (fd) != 0)
    ok = io_error (error, errno, path, _("cannot write"));
  close (fd);
  return ok && checksum_matches (file, sha, tarball_name, error);
}

static const DlFetchFile *
wanted_file (const DlFetchSource *source, const char *member)
{
  gsize dir_len = strlen (source->member_dir);

  if (strncmp (member, source->member_dir, dir_len) != 0)
    return NULL;
  for (int i = 0; i < DL_FETCH_N_FILES; i++)
    if (g_str_equal (member + dir_len, source->files[i].name))
      return &source->files[i];
  return NULL;
}

static gboolean
unpack_members (struct archive *a, const DlFetchSource *source, const char *tarball_name,
                const char *staging, GCancellable *cancellable, GError **error)
{
  gboolean seen[DL_FETCH_N_FILES] = { FALSE };
  struct archive_entry *entry;
  int r;

  while ((r = archive_read_next_header (a, &entry)) == ARCHIVE_OK)
    {
      const DlFetchFile *file = wanted_file (source, archive_entry_pathname (entry));
      int i = file != NULL ? (int) (file - source->files) : -1;

      if (file == NULL)
        continue;
      /* A second copy of a member (tar keeps the last one) is refused rather than trusted. */
      if (seen[i])
        {
          g_set_error (error, DL_FETCH_ERROR, DL_FETCH_ERROR_ARCHIVE, _("%s holds %s%s twice"), tarball_name,
                       source->member_dir, file->name);
          return FALSE;
        }
      if (archive_entry_filetype (entry) != AE_IFREG || archive_entry_size (entry) != (la_int64_t) file->size)
        {
          g_autofree char *want = count_str (file->size);
          g_set_error (error, DL_FETCH_ERROR, DL_FETCH_ERROR_ARCHIVE,
                       _("%s holds %s%s, but not as the pinned file of %s bytes"), tarball_name,
                       source->member_dir, file->name, want);
          return FALSE;
        }
      seen[i] = TRUE;
      if (!unpack_entry (a, file, tarball_name, staging, cancellable, error))
        return FALSE;
    }
  if (r != ARCHIVE_EOF)
    {
      g_set_error (error, DL_FETCH_ERROR, DL_FETCH_ERROR_ARCHIVE, _("%s is not a readable tarball: %s"),
                   tarball_name, archive_error_string (a));
      return FALSE;
    }
  for (int i = 0; i < DL_FETCH_N_FILES; i++)
    if (!seen[i])
      {
        g_set_error (error, DL_FETCH_ERROR, DL_FETCH_ERROR_ARCHIVE, _("%s holds no %s%s"), tarball_name,
                     source->member_dir, source->files[i].name);
        return FALSE;
      }
  return TRUE;
}

gboolean
dl_fetch_unpack (const DlFetchSource *source, const char *tarball, const char *tarball_name,
                 const char *staging, GCancellable *cancellable, GError **error)
{
  struct archive *a = archive_read_new ();
  gboolean ok;

  archive_read_support_filter_gzip (a);
  archive_read_support_format_tar (a);
  if (archive_read_open_filename (a, tarball, BLOCK) != ARCHIVE_OK)
    {
      g_set_error (error, DL_FETCH_ERROR, DL_FETCH_ERROR_ARCHIVE, _("%s is not a gzip-compressed tarball: %s"),
                   tarball_name, archive_error_string (a));
      ok = FALSE;
    }
  else
    ok = unpack_members (a, source, tarball_name, staging, cancellable, error);
  archive_read_free (a);
  return ok;
}

gboolean
dl_fetch_install (const DlFetchSource *source, const char *staging, const char *dest, GError **error)
{
  for (int i = 0; i < DL_FETCH_N_FILES; i++)
    {
      g_autofree char *from = g_build_filename (staging, source->files[i].name, NULL);
      g_autofree char *to = g_build_filename (dest, source->files[i].name, NULL);

      if (g_rename (from, to) != 0)
        return io_error (error, errno, to, _("cannot move the verified file into place"));
    }
  return TRUE;
}

void
dl_fetch_remove_staging (const char *staging)
{
  g_autoptr (GDir) dir = g_dir_open (staging, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (staging, name, NULL);
      g_unlink (path);
    }
  g_rmdir (staging);
}

int
dl_fetch_lock_staging (const char *staging)
{
  int fd = g_open (staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);

  if (fd >= 0 && flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

void
dl_fetch_remove_stale_staging (const char *dest)
{
  g_autoptr (GDir) dir = g_dir_open (dest, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      int fd;

      if (!g_str_has_prefix (name, DL_FETCH_STAGING_PREFIX))
        continue;
      path = g_build_filename (dest, name, NULL);
      fd = dl_fetch_lock_staging (path);
      if (fd < 0)
        continue;   /* a run in progress (or not a folder) */
      dl_fetch_remove_staging (path);
      close (fd);
    }
}

gboolean
dl_fetch_verify_file (const DlFetchFile *file, const char *path, GCancellable *cancellable, GError **error)
{
  g_autoptr (GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buf = NULL;
  GStatBuf st;
  gssize n;
  int fd;

  if (g_stat (path, &st) != 0)
    return io_error (error, errno, path, _("cannot read"));
  if ((guint64) st.st_size != file->size)
    {
      g_autofree char *got = count_str ((guint64) st.st_size);
      g_autofree char *want = count_str (file->size);
      g_set_error (error, DL_FETCH_ERROR, DL_FETCH_ERROR_CHECKSUM, _("%s is %s bytes, expected %s"), path, got,
                   want);
      return FALSE;
    }
  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    return io_error (error, errno, path, _("cannot read"));
  buf = g_malloc (BLOCK);
  while ((n = read (fd, buf, BLOCK)) > 0 && !g_cancellable_is_cancelled (cancellable))
    g_checksum_update (sha, buf, n);
  close (fd);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (n < 0)
    return io_error (error, errno, path, _("cannot read"));
  return checksum_matches (file, sha, path, error);
}

gboolean
dl_fetch_source_verify_dir (const DlFetchSource *source, const char *dir, GCancellable *cancellable,
                            GError **error)
{
  for (int i = 0; i < DL_FETCH_N_FILES; i++)
    {
      g_autofree char *path = g_build_filename (dir, source->files[i].name, NULL);

      if (!dl_fetch_verify_file (&source->files[i], path, cancellable, error))
        return FALSE;
    }
  return TRUE;
}
