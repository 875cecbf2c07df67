/* fuzz-common.h — what every libFuzzer target shares: inputs written to in-memory files (memfd, so no
 * disk write per execution), a scratch folder in memory, and GLib warnings and criticals made fatal (a
 * precondition failing on outside input is a bug the fuzzer should report). */
#pragma once

#define _GNU_SOURCE
#include <glib.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

/* Fails the run: libFuzzer reports the input that got here. */
#define FUZZ_ASSERT(cond) \
  do { if (!(cond)) { g_printerr ("%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #cond); abort (); } } while (0)

typedef struct {
  int  fd;
  char path[64];
} FuzzFile;

/* An in-memory regular file holding data, opened again by path as any loader would. */
static inline void
fuzz_file_open (FuzzFile *f, const void *data, size_t len)
{
  f->fd = memfd_create ("fuzz-input", MFD_CLOEXEC);
  FUZZ_ASSERT (f->fd >= 0);
  const uint8_t *p = data;
  while (len > 0)
    {
      ssize_t n = write (f->fd, p, len);
      FUZZ_ASSERT (n > 0);
      p += n;
      len -= n;
    }
  g_snprintf (f->path, sizeof f->path, "/proc/self/fd/%d", f->fd);
}

static inline void
fuzz_file_close (FuzzFile *f)
{
  close (f->fd);
}

static char *fuzz_scratch;

static int
fuzz_remove_entry (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  return remove (path);
}

static void
fuzz_remove_scratch (void)
{
  nftw (fuzz_scratch, fuzz_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A scratch folder on a memory file system when there is one (saves fsync to it), made once and removed
 * at exit. */
static inline const char *
fuzz_scratch_dir (void)
{
  char *dir = fuzz_scratch;
  if (dir == NULL)
    {
      const char *base = g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) ? "/dev/shm" : g_get_tmp_dir ();
      g_autofree char *template = g_build_filename (base, "digitlab-fuzz-XXXXXX", NULL);
      dir = fuzz_scratch = g_mkdtemp (g_steal_pointer (&template));
      FUZZ_ASSERT (dir != NULL);
      atexit (fuzz_remove_scratch);
    }
  return dir;
}

static inline void
fuzz_init (void)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
