/* dl-file.c — non-blocking opens of regular files, atomic saves that never replace what they should not,
 * and the removal of what a killed save left behind (see dl-file.h). */
#define _GNU_SOURCE
#include "config.h"

#include "dl-file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <glib/gi18n-lib.h>

G_DEFINE_QUARK (dl-file-error-quark, dl_file_error)

#define TEMP_TAG ".dltmp-"
#define TEMP_TAG_LEN 7
#define TEMP_RANDOM_LEN 6
#define MAX_LINKS 40          /* as the kernel's own limit on symlinks in one lookup */
#define MAX_TEMP_BASE 200     /* keeps .NAME.dltmp-XXXXXX within NAME_MAX */

/* "a FIFO (named pipe)", "a directory", … for messages. */
static const char *
describe_kind (mode_t mode)
{
  if (S_ISFIFO (mode))
    return "a FIFO (named pipe)";
  if (S_ISCHR (mode))
    return "a character device";
  if (S_ISBLK (mode))
    return "a block device";
  if (S_ISDIR (mode))
    return "a directory";
  if (S_ISSOCK (mode))
    return "a socket";
  return "not a regular file";
}

static gboolean
io_error (GError **error, int errnum, const char *path, const char *what)
{
  g_set_error (error, DL_FILE_ERROR, DL_FILE_ERROR_IO, "%s: %s: %s", path, what, g_strerror (errnum));
  return FALSE;
}

/* ---- reading ---- */

int
dl_file_open_regular (const char *path, goffset *size, GError **error)
{
  struct stat st;
  int fd;

  /* stat first: opening a FIFO blocks until a writer comes, and opening a device can act on it. */
  if (stat (path, &st) != 0)
    return io_error (error, errno, path, _("cannot open")), -1;
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, DL_FILE_ERROR, DL_FILE_ERROR_NOT_REGULAR, _("%s: cannot open: %s, not a regular file"),
                   path, describe_kind (st.st_mode));
      return -1;
    }
  /* O_NONBLOCK in case the file was swapped for a FIFO since: then the open returns, and fstat says so. */
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    return io_error (error, errno, path, _("cannot open")), -1;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, DL_FILE_ERROR, DL_FILE_ERROR_NOT_REGULAR, _("%s: cannot open: %s, not a regular file"),
                   path, describe_kind (st.st_mode));
      close (fd);
      return -1;
    }
  fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK);
  if (size != NULL)
    *size = st.st_size;
  return fd;
}

gboolean
dl_file_read_all (const char *path, gsize max_size, guint8 **contents, gsize *length, GError **error)
{
  goffset size;
  int fd = dl_file_open_regular (path, &size, error);

  if (fd < 0)
    return FALSE;
  if ((guint64) size > max_size)
    {
      g_set_error (error, DL_FILE_ERROR, DL_FILE_ERROR_TOO_LARGE, _("%s: %lld bytes, more than the %zu such a file can hold"), path,
                   (long long) size, max_size);
      close (fd);
      return FALSE;
    }
  guint8 *buf = g_try_malloc ((gsize) size + 1);
  if (buf == NULL)
    {
      g_set_error (error, DL_FILE_ERROR, DL_FILE_ERROR_NO_MEMORY, _("%s: cannot allocate %lld bytes to read it"), path,
                   (long long) size);
      close (fd);
      return FALSE;
    }
  gsize got = 0;
  while (got < (gsize) size)
    {
      ssize_t n = read (fd, buf + got, MIN ((gsize) size - got, (gsize) 1 << 30));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          if (n < 0)
            io_error (error, errno, path, _("cannot read"));
          else
            g_set_error (error, DL_FILE_ERROR, DL_FILE_ERROR_IO, _("%s: cannot read: the file shrank from %lld to %zu bytes "
                           "while it was read"), path, (long long) size, got);
          g_free (buf);
          close (fd);
          return FALSE;
        }
      got += n;
    }
  close (fd);
  buf[got] = 0;
  *contents = buf;
  *length = got;
  return TRUE;
}

/* ---- targets ---- */

/* Where path leads once every symlink at its end is followed (a relative link from its own directory);
 * the end need not exist. NULL with the error for a chain of links that does not end. */
static char *
follow_links (const char *path, GError **error)
{
  char *p = g_strdup (path);

  for (int i = 0; i < MAX_LINKS; i++)
    {
      struct stat st;
      if (lstat (p, &st) != 0 || !S_ISLNK (st.st_mode))
        return p;
      g_autofree char *link = g_file_read_link (p, NULL);
      if (link == NULL)
        {
          io_error (error, errno, path, _("cannot read the symbolic link"));
          g_free (p);
          return NULL;
        }
      char *next;
      if (g_path_is_absolute (link))
        next = g_steal_pointer (&link);
      else
        {
          g_autofree char *dir = g_path_get_dirname (p);
          next = g_build_filename (dir, link, NULL);
        }
      g_free (p);
      p = next;
    }
  g_set_error (error, DL_FILE_ERROR, DL_FILE_ERROR_IO, _("%s: more than %d symbolic links in a row"), path, MAX_LINKS);
  g_free (p);
  return NULL;
}

/* The file a save to path replaces: symlinks followed. NULL with the error when the end of the chain
 * exists and is not a regular file, or the chain does not end. */
static char *
resolve_target (const char *path, GError **error)
{
  g_autoptr (GError) local = NULL;
  char *p = follow_links (path, &local);
  struct stat st;

  if (p == NULL)
    {
      g_set_error (error, DL_FILE_ERROR, DL_FILE_ERROR_IO, _("cannot save: %s"), local->message);
      return NULL;
    }
  if (lstat (p, &st) != 0)
    {
      if (errno == ENOENT)
        return p;   /* a new file (its directory's existence is for the save to find out) */
      io_error (error, errno, path, _("cannot save"));
      g_free (p);
      return NULL;
    }
  if (S_ISREG (st.st_mode))
    return p;
  if (strcmp (p, path) == 0)
    g_set_error (error, DL_FILE_ERROR, DL_FILE_ERROR_NOT_REGULAR, _("%s: cannot save: it is %s, not a "
                   "regular file, and is left as it is"), path, describe_kind (st.st_mode));
  else
    g_set_error (error, DL_FILE_ERROR, DL_FILE_ERROR_NOT_REGULAR, _("%s: cannot save: the link's target "
                   "%s is %s, not a regular file, and is left as it is"), path, p, describe_kind (st.st_mode));
  g_free (p);
  return NULL;
}

gboolean
dl_file_check_target (const char *path, GError **error)
{
  g_autofree char *target = resolve_target (path, error);
  if (target == NULL)
    return FALSE;
  g_autofree char *dir = g_path_get_dirname (target);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, DL_FILE_ERROR, DL_FILE_ERROR_IO, _("%s: cannot save: no directory %s"), path, dir);
      return FALSE;
    }
  return TRUE;
}

/* ---- temporary files ---- */

gboolean
dl_file_is_temp_name (const char *name)
{
  gsize len = strlen (name);

  return len >= 1 + TEMP_TAG_LEN + TEMP_RANDOM_LEN && name[0] == '.'
         && memcmp (name + len - TEMP_RANDOM_LEN - TEMP_TAG_LEN, TEMP_TAG, TEMP_TAG_LEN) == 0;
}

/* dir/.BASE.dltmp-XXXXXX, the base cut so the name stays within NAME_MAX. */
static char *
temp_template (const char *dir, const char *base)
{
  g_autofree char *name = g_strdup_printf (".%.*s" TEMP_TAG "XXXXXX", MAX_TEMP_BASE, base);
  return g_build_filename (dir, name, NULL);
}

/* Whether fd is still what path names: a cleaner may have removed a temporary file between its creation
 * and its lock. */
static gboolean
still_named (int fd, const char *path)
{
  struct stat a, b;
  return fstat (fd, &a) == 0 && lstat (path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Removes a directory's regular files and symlinks, then the directory (a temporary set: files only). */
static void
remove_tree (int parent, const char *name)
{
  int fd = openat (parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return;
  DIR *d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return;
    }
  struct dirent *e;
  while ((e = readdir (d)) != NULL)
    if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
      unlinkat (dirfd (d), e->d_name, 0);
  closedir (d);
  unlinkat (parent, name, AT_REMOVEDIR);
}

void
dl_file_clean_temps (const char *dir)
{
  int dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return;
  DIR *d = fdopendir (dup (dfd));
  if (d == NULL)
    {
      close (dfd);
      return;
    }
  struct dirent *e;
  while ((e = readdir (d)) != NULL)
    {
      if (!dl_file_is_temp_name (e->d_name))
        continue;
      /* A save in progress holds its temporary file locked: only what nobody holds is left over. */
      int fd = openat (dfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
      struct stat st;
      if (fd < 0)
        continue;
      if (fstat (fd, &st) == 0 && (S_ISREG (st.st_mode) || S_ISDIR (st.st_mode))
          && flock (fd, LOCK_EX | LOCK_NB) == 0)
        {
          if (S_ISDIR (st.st_mode))
            remove_tree (dfd, e->d_name);
          else
            unlinkat (dfd, e->d_name, 0);
        }
      close (fd);
    }
  closedir (d);
  close (dfd);
}

/* Creates and locks a temporary file beside target; its path in *tmp. */
static int
create_temp (const char *dir, const char *base, char **tmp, GError **error)
{
  for (int attempt = 0; attempt < 3; attempt++)
    {
      char *path = temp_template (dir, base);
      int fd = g_mkstemp_full (path, O_RDWR | O_CLOEXEC, 0666);
      if (fd < 0)
        {
          int e = errno;
          g_set_error (error, DL_FILE_ERROR, DL_FILE_ERROR_IO, _("%s/%s: cannot create a temporary file in %s: %s"),
                       dir, base, dir, g_strerror (e));
          g_free (path);
          return -1;
        }
      if (flock (fd, LOCK_EX) == 0 && still_named (fd, path))
        {
          *tmp = path;
          return fd;
        }
      close (fd);
      g_free (path);
    }
  g_set_error (error, DL_FILE_ERROR, DL_FILE_ERROR_IO, _("%s/%s: cannot keep a temporary file in %s"), dir, base, dir);
  return -1;
}

static void
fsync_dir (const char *dir)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

gboolean
dl_file_write_all (int fd, const void *data, gsize len, GError **error)
{
  const guint8 *p = data;

  while (len > 0)
    {
      ssize_t n = write (fd, p, MIN (len, (gsize) 1 << 30));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int e = n < 0 ? errno : ENOSPC;
          g_set_error (error, DL_FILE_ERROR, DL_FILE_ERROR_IO, _("cannot write: %s"), g_strerror (e));
          return FALSE;
        }
      p += n;
      len -= n;
    }
  return TRUE;
}

gboolean
dl_file_save (const char *path, DlFileWriteFunc write_func, gpointer user_data, GError **error)
{
  g_autofree char *target = resolve_target (path, error);
  if (target == NULL)
    return FALSE;
  g_autofree char *dir = g_path_get_dirname (target);
  g_autofree char *base = g_path_get_basename (target);
  g_autofree char *tmp = NULL;
  g_autoptr (GError) local = NULL;
  struct stat old;

  dl_file_clean_temps (dir);
  int fd = create_temp (dir, base, &tmp, error);
  if (fd < 0)
    return FALSE;
  /* A replaced file keeps its permissions; a new one gets 0666 less the umask, as any new file. */
  if (stat (target, &old) == 0)
    fchmod (fd, old.st_mode & 07777);

  gboolean ok = write_func (fd, user_data, &local);
  if (ok && fsync (fd) != 0)
    ok = (g_set_error (&local, DL_FILE_ERROR, DL_FILE_ERROR_IO, _("cannot write: %s"), g_strerror (errno)), FALSE);
  /* The rename while the lock is still held: a cleaner never sees the file complete but unlocked. */
  if (ok && rename (tmp, target) != 0)
    ok = (g_set_error (&local, DL_FILE_ERROR, DL_FILE_ERROR_IO, _("cannot rename the temporary file into place: %s"),
                       g_strerror (errno)), FALSE);
  if (!ok)
    g_unlink (tmp);
  close (fd);
  if (!ok)
    {
      g_set_error (error, DL_FILE_ERROR, local->domain == DL_FILE_ERROR ? local->code : DL_FILE_ERROR_IO,
                   "%s: %s", path, local->message);
      return FALSE;
    }
  fsync_dir (dir);
  return TRUE;
}

typedef struct {
  const void *data;
  gsize       len;
} Bytes;

static gboolean
write_bytes (int fd, gpointer user_data, GError **error)
{
  Bytes *b = user_data;
  return dl_file_write_all (fd, b->data, b->len, error);
}

gboolean
dl_file_save_bytes (const char *path, const void *data, gsize len, GError **error)
{
  Bytes b = { data, len };
  return dl_file_save (path, write_bytes, &b, error);
}

/* ---- directories ---- */

static char *
sibling (const char *dir, const char *base, const char *suffix)
{
  g_autofree char *name = g_strdup_printf (".%.*s%s", MAX_TEMP_BASE, base, suffix);
  g_autofree char *parent = g_path_get_dirname (dir);
  return g_build_filename (parent, name, NULL);
}

static void
remove_dir (const char *path)
{
  g_autofree char *parent = g_path_get_dirname (path);
  g_autofree char *name = g_path_get_basename (path);
  int pfd = open (parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (pfd >= 0)
    {
      remove_tree (pfd, name);
      close (pfd);
    }
}

/* Where a folder really is: symlinks followed, and the canonical path when it exists. */
static char *
real_dir (const char *path, GError **error)
{
  g_autofree char *end = follow_links (path, error);
  if (end == NULL)
    return NULL;
  char *real = realpath (end, NULL);
  return real != NULL ? real : g_steal_pointer (&end);
}

/* What recover does, on the real folder. */
static void
recover_real_dir (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *fresh = sibling (path, base, ".dlnew");
  g_autofree char *old = sibling (path, base, ".dlold");
  g_autofree char *parent = g_path_get_dirname (path);

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      /* Killed between the two renames of a save without exchange: the new directory is complete. */
      if (g_rename (fresh, path) != 0)
        g_rename (old, path);
    }
  /* With the directory in place, a .dlnew was never committed and a .dlold was replaced. */
  remove_dir (fresh);
  remove_dir (old);
  dl_file_clean_temps (parent);
}

void
dl_file_recover_dir (const char *path)
{
  g_autofree char *real = real_dir (path, NULL);
  if (real != NULL)
    recover_real_dir (real);
}

/* Hard-links into `fresh` the regular files of `old` that the writer did not make, so a save keeps them. */
static gboolean
keep_other_files (const char *old, const char *fresh, GError **error)
{
  g_autoptr (GDir) d = g_dir_open (old, 0, NULL);
  const char *name;

  if (d == NULL)
    return TRUE;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *from = g_build_filename (old, name, NULL);
      g_autofree char *to = g_build_filename (fresh, name, NULL);
      struct stat st;
      if (dl_file_is_temp_name (name) || lstat (to, &st) == 0 || lstat (from, &st) != 0)
        continue;
      if (!S_ISREG (st.st_mode) && !S_ISLNK (st.st_mode))
        {
          g_set_error (error, DL_FILE_ERROR, DL_FILE_ERROR_NOT_REGULAR, _("%s: cannot save: it holds %s, which is "
                         "%s; a save replaces the folder as a whole and keeps only files"), old, name,
                       describe_kind (st.st_mode));
          return FALSE;
        }
      if (link (from, to) != 0)
        return io_error (error, errno, old, _("cannot save: cannot keep one of its files"));
    }
  return TRUE;
}

/* Puts the complete directory `fresh` in place of `path`. */
static gboolean
commit_dir (const char *fresh, const char *path, GError **error)
{
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      if (rename (fresh, path) == 0)
        return TRUE;
      return io_error (error, errno, path, _("cannot save: cannot rename the new folder into place"));
    }
  if (g_getenv ("DIGITLAB_NO_RENAME_EXCHANGE") == NULL
      && renameat2 (AT_FDCWD, fresh, AT_FDCWD, path, RENAME_EXCHANGE) == 0)
    {
      remove_dir (fresh);   /* now the old directory */
      return TRUE;
    }
  if (g_getenv ("DIGITLAB_NO_RENAME_EXCHANGE") == NULL && errno != EINVAL && errno != ENOSYS
      && errno != EOPNOTSUPP)
    return io_error (error, errno, path, _("cannot save: cannot exchange the new folder with the old one"));

  /* No exchange here: new → .dlnew, old → .dlold, .dlnew → path; dl_file_recover_dir mends a crash between. */
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *ready = sibling (path, base, ".dlnew");
  g_autofree char *old = sibling (path, base, ".dlold");
  if (rename (fresh, ready) != 0)
    return io_error (error, errno, path, _("cannot save: cannot rename the new folder"));
  if (rename (path, old) != 0)
    {
      int e = errno;
      remove_dir (ready);
      return io_error (error, e, path, _("cannot save: cannot move the old folder aside"));
    }
  if (rename (ready, path) != 0)
    {
      int e = errno;
      dl_file_recover_dir (path);
      return io_error (error, e, path, _("cannot save: cannot rename the new folder into place"));
    }
  remove_dir (old);
  return TRUE;
}

gboolean
dl_file_save_dir (const char *path, DlDirWriteFunc write_func, gpointer user_data, GError **error)
{
  /* A symlinked folder is followed (even one whose target is not there yet): its target is replaced and
   * the link kept. */
  g_autoptr (GError) local = NULL;
  g_autofree char *real = real_dir (path, &local);
  if (real == NULL)
    {
      g_set_error (error, DL_FILE_ERROR, DL_FILE_ERROR_IO, _("cannot save: %s"), local->message);
      return FALSE;
    }
  g_autofree char *parent = g_path_get_dirname (real);
  g_autofree char *base = g_path_get_basename (real);

  if (g_file_test (real, G_FILE_TEST_EXISTS) && !g_file_test (real, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, DL_FILE_ERROR, DL_FILE_ERROR_NOT_REGULAR, _("%s: cannot save: it is not a folder"), path);
      return FALSE;
    }
  if (g_mkdir_with_parents (parent, 0755) != 0)
    return io_error (error, errno, parent, _("cannot create the folder"));
  recover_real_dir (real);

  g_autofree char *tmp = temp_template (parent, base);
  if (g_mkdtemp_full (tmp, 0755) == NULL)
    return io_error (error, errno, path, _("cannot save: cannot create a temporary folder"));
  /* Locked like a temporary file, so that a cleaner in another process leaves it alone. */
  int lock = open (tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (lock < 0 || flock (lock, LOCK_EX) != 0 || !still_named (lock, tmp))
    {
      int e = errno;
      if (lock >= 0)
        close (lock);
      remove_dir (tmp);
      return io_error (error, e, path, _("cannot save: cannot keep a temporary folder"));
    }

  gboolean ok = write_func (tmp, user_data, error) && keep_other_files (real, tmp, error);
  if (ok)
    {
      fsync (lock);
      ok = commit_dir (tmp, real, error);
    }
  if (!ok)
    remove_dir (tmp);
  close (lock);
  if (ok)
    fsync_dir (parent);
  return ok;
}
