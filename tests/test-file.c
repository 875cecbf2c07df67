/* test-file.c — dl-file and what goes through it: loaders never wait on a FIFO or read a device (defect
 * 5 of issue 16), saves write through symlinks and never replace a FIFO, a device or a directory
 * (defect 7), and what a killed save leaves is removed by the next save and on start (defect 6). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dl-data.h"
#include "dl-file.h"
#include "dl-model.h"
#include "dl-test-net.h"

static char *tmpdir;

static void
remove_all (const char *path)
{
  GDir *d = g_dir_open (path, 0, NULL);
  if (d != NULL)
    {
      const char *name;
      while ((name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          GStatBuf st;
          if (g_lstat (child, &st) == 0 && S_ISDIR (st.st_mode))
            remove_all (child);
          else
            g_unlink (child);
        }
      g_dir_close (d);
    }
  g_rmdir (path);
}

static void
setup (void)
{
  tmpdir = g_dir_make_tmp ("test-file-XXXXXX", NULL);
  ck_assert_ptr_nonnull (tmpdir);
}

static void
teardown (void)
{
  remove_all (tmpdir);
  g_clear_pointer (&tmpdir, g_free);
}

static char *
path_in (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* Entries of dir whose name dl_file_save uses for its temporary files. */
static int
count_temps (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;
  int n = 0;
  while ((name = g_dir_read_name (d)) != NULL)
    n += dl_file_is_temp_name (name);
  g_dir_close (d);
  return n;
}

static char *
make_fifo (const char *name)
{
  char *path = path_in (name);
  ck_assert_int_eq (mkfifo (path, 0644), 0);
  return path;
}

static void
assert_fifo (const char *path)
{
  GStatBuf st;
  ck_assert_int_eq (g_lstat (path, &st), 0);
  ck_assert_msg (S_ISFIFO (st.st_mode), "%s is no longer a FIFO", path);
}

/* ---- defect 5: a FIFO given as a data or model file ---- */

START_TEST (defect_5_fifo_never_hangs)
{
  /* Each loader would block in open () until a writer came: the test's timeout (alarm) catches that. */
  alarm (20);
  g_autofree char *fifo = make_fifo ("train-images-idx3-ubyte");
  g_autofree char *csv = make_fifo ("data.csv");
  g_autofree char *model = make_fifo ("model.dlm");
  g_autoptr (GError) error = NULL;

  ck_assert_ptr_null (dl_dataset_load_idx (fifo, fifo, &error));
  ck_assert (g_error_matches (error, DL_DATA_ERROR, DL_DATA_ERROR_IO));
  ck_assert_msg (strstr (error->message, "FIFO") && strstr (error->message, fifo), "%s", error->message);
  g_clear_error (&error);

  ck_assert_ptr_null (dl_dataset_load_csv (csv, &error));
  ck_assert (g_error_matches (error, DL_DATA_ERROR, DL_DATA_ERROR_IO));
  ck_assert_msg (strstr (error->message, "not a regular file"), "%s", error->message);
  g_clear_error (&error);

  ck_assert_ptr_null (dl_model_load (model, &error));
  ck_assert (g_error_matches (error, DL_MODEL_ERROR, DL_MODEL_ERROR_IO));
  ck_assert_msg (strstr (error->message, "FIFO"), "%s", error->message);
  g_clear_error (&error);

  /* A device: /dev/zero never ends; read whole it would exhaust memory. */
  ck_assert_ptr_null (dl_model_load ("/dev/zero", &error));
  ck_assert_msg (strstr (error->message, "character device"), "%s", error->message);
  g_clear_error (&error);

  /* Through the directory form too: the images file there is the FIFO. */
  ck_assert_ptr_null (dl_dataset_load_path (csv, TRUE, &error));
  ck_assert_ptr_nonnull (error);
  alarm (0);
}
END_TEST

/* ---- defect 7: saves write through ---- */

START_TEST (defect_7_save_refuses_fifo_and_device)
{
  g_autoptr (DlNet) net = dl_test_make_net ("fc10,softmax", 1);
  g_autoptr (GError) error = NULL;
  g_autofree char *fifo = make_fifo ("model.dlm");

  ck_assert (!dl_model_save (net, fifo, &error));
  ck_assert (g_error_matches (error, DL_MODEL_ERROR, DL_MODEL_ERROR_IO));
  ck_assert_msg (strstr (error->message, "FIFO") && strstr (error->message, "left as it is"), "%s", error->message);
  assert_fifo (fifo);
  g_clear_error (&error);

  /* A symlink to a device (as --save /dev/full once replaced /dev/full): the device is refused and the
   * link left as it is. /dev/null rather than /dev/full, so that a regression cannot harm the machine. */
  g_autofree char *link = path_in ("to-null.dlm");
  ck_assert_int_eq (symlink ("/dev/null", link), 0);
  ck_assert (!dl_model_save (net, link, &error));
  ck_assert_msg (strstr (error->message, "/dev/null is a character device"), "%s", error->message);
  g_autofree char *target = g_file_read_link (link, NULL);
  ck_assert_str_eq (target, "/dev/null");
  g_clear_error (&error);

  /* A directory is not replaced either, and the data savers refuse the same way. */
  g_autofree char *dir = path_in ("a-folder.csv");
  ck_assert_int_eq (g_mkdir (dir, 0755), 0);
  g_autoptr (DlDataset) ds = dl_dataset_new (2, 28, 28);
  ck_assert (!dl_dataset_save_csv (ds, dir, &error));
  ck_assert (g_error_matches (error, DL_DATA_ERROR, DL_DATA_ERROR_IO));
  ck_assert_msg (strstr (error->message, "a directory"), "%s", error->message);
  ck_assert (g_file_test (dir, G_FILE_TEST_IS_DIR));
  g_clear_error (&error);
  g_autofree char *labels = path_in ("labels");
  ck_assert (!dl_dataset_save_idx (ds, fifo, labels, &error));
  assert_fifo (fifo);
  ck_assert_int_eq (count_temps (tmpdir), 0);
}
END_TEST

START_TEST (defect_7_save_follows_symlinks)
{
  g_autoptr (DlNet) a = dl_test_make_net ("fc10,softmax", 1);
  g_autoptr (DlNet) b = dl_test_make_net ("fc12-relu,fc10,softmax", 2);
  g_autofree char *models = path_in ("models");
  g_autofree char *real = path_in ("models/real.dlm");
  g_autofree char *link = path_in ("current.dlm");
  g_autofree char *chain = path_in ("chain.dlm");
  g_autoptr (GError) error = NULL;

  ck_assert_int_eq (g_mkdir (models, 0755), 0);
  ck_assert (dl_model_save (a, real, &error));
  ck_assert_int_eq (chmod (real, 0600), 0);
  ck_assert_int_eq (symlink ("models/real.dlm", link), 0);   /* relative, from the link's folder */
  ck_assert_int_eq (symlink (link, chain), 0);               /* a link to a link */

  /* Saving through the chain replaces the file at its end, in that file's folder; both links stay. */
  ck_assert_msg (dl_model_save (b, chain, &error), "%s", error ? error->message : "");
  GStatBuf st;
  ck_assert_int_eq (g_lstat (link, &st), 0);
  ck_assert (S_ISLNK (st.st_mode));
  ck_assert_int_eq (g_lstat (chain, &st), 0);
  ck_assert (S_ISLNK (st.st_mode));
  ck_assert_int_eq (g_lstat (real, &st), 0);
  ck_assert (S_ISREG (st.st_mode));
  ck_assert_int_eq (st.st_mode & 0777, 0600);   /* the replaced file's permissions are kept */
  g_autoptr (DlNet) back = dl_model_load (real, &error);
  ck_assert_ptr_nonnull (back);
  ck_assert_uint_eq (dl_net_n_params (back), dl_net_n_params (b));
  ck_assert_int_eq (count_temps (models), 0);
  ck_assert_int_eq (count_temps (tmpdir), 0);

  /* A dangling link: the file it names is created. */
  g_autofree char *dangling = path_in ("new.dlm");
  ck_assert_int_eq (symlink ("models/fresh.dlm", dangling), 0);
  ck_assert (dl_model_save (a, dangling, &error));
  g_autofree char *fresh = path_in ("models/fresh.dlm");
  ck_assert (g_file_test (fresh, G_FILE_TEST_IS_REGULAR));
  ck_assert_int_eq (g_lstat (dangling, &st), 0);
  ck_assert (S_ISLNK (st.st_mode));

  /* A loop of links is an error, not a hang. */
  g_autofree char *loop = path_in ("loop.dlm");
  ck_assert_int_eq (symlink ("loop.dlm", loop), 0);
  ck_assert (!dl_model_save (a, loop, &error));
  ck_assert_ptr_nonnull (error);
}
END_TEST

START_TEST (check_target_up_front)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *fifo = make_fifo ("metrics.csv");
  g_autofree char *fine = path_in ("fine.csv");
  g_autofree char *nodir = path_in ("no/such/dir/m.dlm");

  ck_assert (dl_file_check_target (fine, &error));
  ck_assert (!dl_file_check_target (fifo, &error));
  ck_assert (g_error_matches (error, DL_FILE_ERROR, DL_FILE_ERROR_NOT_REGULAR));
  g_clear_error (&error);
  ck_assert (!dl_file_check_target (nodir, &error));
  ck_assert_msg (strstr (error->message, "no directory"), "%s", error->message);
  g_clear_error (&error);
  ck_assert (!dl_file_check_target ("/dev/full", &error));
  ck_assert_msg (strstr (error->message, "character device"), "%s", error->message);
}
END_TEST

/* ---- defect 6: what killed saves leave ---- */

typedef struct {
  int stop_after;   /* bytes written before the writer stops: by SIGKILL, or by sleeping (locked) */
  gboolean hold;
} Interrupt;

static gboolean
write_then_stop (int fd, gpointer data, GError **error)
{
  Interrupt *in = data;
  char buf[4096] = { 0 };
  for (int n = 0; n < in->stop_after; n += sizeof buf)
    ck_assert (dl_file_write_all (fd, buf, sizeof buf, error));
  if (in->hold)
    for (;;)
      pause ();
  raise (SIGKILL);
  return TRUE;
}

/* A child process saving path through write_then_stop; returns its pid (killed already unless hold). */
static pid_t
interrupted_save (const char *path, gboolean hold)
{
  Interrupt in = { 1 << 20, hold };
  pid_t pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      dl_file_save (path, write_then_stop, &in, NULL);
      _exit (0);
    }
  if (!hold)
    {
      int status;
      ck_assert_int_eq (waitpid (pid, &status, 0), pid);
      ck_assert (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
    }
  return pid;
}

START_TEST (defect_6_killed_save_leaves_temp_removed_by_next_save)
{
  g_autofree char *path = path_in ("m.dlm");
  g_autoptr (DlNet) net = dl_test_make_net ("fc10,softmax", 1);

  ck_assert (dl_model_save (net, path, NULL));
  interrupted_save (path, FALSE);
  ck_assert_int_eq (count_temps (tmpdir), 1);           /* what a kill -9 leaves: nothing can stop that */
  interrupted_save (path, FALSE);
  ck_assert_int_eq (count_temps (tmpdir), 1);           /* the second save swept the first one's */
  g_autoptr (DlNet) old = dl_model_load (path, NULL);  /* … and the old file is whole */
  ck_assert_ptr_nonnull (old);
  ck_assert (dl_model_save (net, path, NULL));         /* the next save into the folder sweeps them */
  ck_assert_int_eq (count_temps (tmpdir), 0);

  /* On start (the CLI for --save and --metrics, the Draw page for the personal set): the same sweep. */
  interrupted_save (path, FALSE);
  ck_assert_int_eq (count_temps (tmpdir), 1);
  dl_file_clean_temps (tmpdir);
  ck_assert_int_eq (count_temps (tmpdir), 0);
}
END_TEST

START_TEST (save_in_progress_is_not_swept)
{
  g_autofree char *path = path_in ("m.dlm");
  g_autofree char *other = path_in ("other.dlm");
  g_autoptr (DlNet) net = dl_test_make_net ("fc10,softmax", 1);

  /* Another process is still writing (it holds the temporary file's lock): a save beside it leaves its
   * file alone; once that process is gone, its file is fair game. */
  pid_t pid = interrupted_save (path, TRUE);
  for (int i = 0; i < 500 && count_temps (tmpdir) == 0; i++)
    g_usleep (10000);
  ck_assert_int_eq (count_temps (tmpdir), 1);
  /* The lock is taken right after the file is made: wait until the writer has it. */
  for (int i = 0; i < 500; i++)
    {
      GDir *d = g_dir_open (tmpdir, 0, NULL);
      const char *name;
      gboolean locked = FALSE;
      while ((name = g_dir_read_name (d)) != NULL)
        if (dl_file_is_temp_name (name))
          {
            g_autofree char *p = path_in (name);
            int fd = open (p, O_RDONLY);
            locked = fd >= 0 && flock (fd, LOCK_EX | LOCK_NB) != 0;
            if (fd >= 0)
              close (fd);
          }
      g_dir_close (d);
      if (locked)
        break;
      g_usleep (10000);
    }
  ck_assert (dl_model_save (net, other, NULL));
  ck_assert_int_eq (count_temps (tmpdir), 1);
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  ck_assert (dl_model_save (net, other, NULL));
  ck_assert_int_eq (count_temps (tmpdir), 0);
}
END_TEST

/* ---- folders as one unit ---- */

static gboolean
write_two (const char *dir, gpointer data, GError **error)
{
  const char *text = data;
  g_autofree char *a = g_build_filename (dir, "a", NULL);
  g_autofree char *b = g_build_filename (dir, "b", NULL);
  return dl_file_save_bytes (a, text, strlen (text), error) && dl_file_save_bytes (b, text, strlen (text), error);
}

static char *
read_text (const char *dir, const char *name)
{
  g_autofree char *p = g_build_filename (dir, name, NULL);
  char *text = NULL;
  g_file_get_contents (p, &text, NULL, NULL);
  return text;
}

static void
check_save_dir (gboolean exchange)
{
  g_autofree char *dir = path_in ("set");
  g_autofree char *elsewhere = path_in ("elsewhere");
  g_autofree char *link = path_in ("linked");
  g_autoptr (GError) error = NULL;

  if (!exchange)
    g_setenv ("DIGITLAB_NO_RENAME_EXCHANGE", "1", TRUE);
  ck_assert_msg (dl_file_save_dir (dir, write_two, "one", &error), "%s", error ? error->message : "");
  g_autofree char *a1 = read_text (dir, "a");
  ck_assert_str_eq (a1, "one");
  /* A file of the user's in the folder survives a save; the writer's files are replaced. */
  g_autofree char *note = g_build_filename (dir, "README", NULL);
  ck_assert (g_file_set_contents (note, "mine", -1, NULL));
  ck_assert (dl_file_save_dir (dir, write_two, "two", &error));
  g_autofree char *b2 = read_text (dir, "b");
  ck_assert_str_eq (b2, "two");
  g_autofree char *kept = read_text (dir, "README");
  ck_assert_str_eq (kept, "mine");
  ck_assert_int_eq (count_temps (tmpdir), 0);

  /* A symlinked folder is followed: the link stays, its target holds the new files. */
  ck_assert_int_eq (g_mkdir (elsewhere, 0755), 0);
  ck_assert_int_eq (symlink ("elsewhere", link), 0);
  ck_assert (dl_file_save_dir (link, write_two, "three", &error));
  GStatBuf st;
  ck_assert_int_eq (g_lstat (link, &st), 0);
  ck_assert (S_ISLNK (st.st_mode));
  g_autofree char *a3 = read_text (elsewhere, "a");
  ck_assert_str_eq (a3, "three");
  g_unsetenv ("DIGITLAB_NO_RENAME_EXCHANGE");
}

START_TEST (save_dir_exchange)   { check_save_dir (TRUE); }  END_TEST
START_TEST (save_dir_two_renames) { check_save_dir (FALSE); } END_TEST

/* The states a crash between the two renames can leave are finished or undone. */
START_TEST (recover_dir_after_crash)
{
  g_autofree char *dir = path_in ("set");
  g_autofree char *fresh = path_in (".set.dlnew");
  g_autofree char *old = path_in (".set.dlold");

  /* Killed after the old folder was moved aside: the complete new one goes into place. */
  ck_assert_int_eq (g_mkdir (fresh, 0755), 0);
  ck_assert_int_eq (g_mkdir (old, 0755), 0);
  g_autofree char *fresh_a = g_build_filename (fresh, "a", NULL);
  ck_assert (g_file_set_contents (fresh_a, "new", -1, NULL));
  dl_file_recover_dir (dir);
  g_autofree char *a = read_text (dir, "a");
  ck_assert_str_eq (a, "new");
  ck_assert (!g_file_test (old, G_FILE_TEST_EXISTS));
  /* Killed before the commit: the new folder is dropped and the old one stays. */
  ck_assert_int_eq (g_mkdir (fresh, 0755), 0);
  ck_assert (g_file_set_contents (fresh_a, "newer", -1, NULL));
  dl_file_recover_dir (dir);
  g_autofree char *still = read_text (dir, "a");
  ck_assert_str_eq (still, "new");
  ck_assert (!g_file_test (fresh, G_FILE_TEST_EXISTS));
}
END_TEST

START_TEST (read_all_limits)
{
  g_autofree char *path = path_in ("ten");
  guint8 *data = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;

  ck_assert (g_file_set_contents (path, "0123456789", 10, NULL));
  ck_assert (dl_file_read_all (path, 10, &data, &len, &error));
  ck_assert_uint_eq (len, 10);
  ck_assert_int_eq (data[10], 0);
  g_free (data);
  ck_assert (!dl_file_read_all (path, 9, &data, &len, &error));
  ck_assert (g_error_matches (error, DL_FILE_ERROR, DL_FILE_ERROR_TOO_LARGE));
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("file");
  TCase *tc = tcase_create ("file");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, defect_5_fifo_never_hangs);
  tcase_add_test (tc, defect_7_save_refuses_fifo_and_device);
  tcase_add_test (tc, defect_7_save_follows_symlinks);
  tcase_add_test (tc, check_target_up_front);
  tcase_add_test (tc, defect_6_killed_save_leaves_temp_removed_by_next_save);
  tcase_add_test (tc, save_in_progress_is_not_swept);
  tcase_add_test (tc, save_dir_exchange);
  tcase_add_test (tc, save_dir_two_renames);
  tcase_add_test (tc, recover_dir_after_crash);
  tcase_add_test (tc, read_all_limits);
  suite_add_tcase (s, tc);
  SRunner *sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? 1 : 0;
}
