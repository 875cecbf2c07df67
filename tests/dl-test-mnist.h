/* dl-test-mnist.h — real MNIST for the suites that need it, and the main () they share.
 *
 * A program whose tests need MNIST runs them as their own meson test, given the argument "mnist": it exits
 * 77 (meson's "skipped") only when none of the four MNIST files is in $DIGITLAB_DATA; when any of them is
 * there, the tests load them with assertions, so a file that is present but does not load fails them.
 *
 * Timeouts that name the test: a forking runner (CK_FORK) names a test that overruns its timeout itself
 * (meson.build sets CK_DEFAULT_TIMEOUT below each meson timeout); a CK_NOFORK runner cannot, so its tests
 * call dl_test_watchdog, which names the test and ends the program when it overruns that timeout.
 */
#pragma once

#include <check.h>
#include <glib.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dl-data.h"

static const char *const dl_test_mnist_files[] = {
  "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
};

/* Whether any of the four files (plain or .gz) is in dir. */
static inline gboolean
dl_test_mnist_any (const char *dir)
{
  for (gsize i = 0; i < G_N_ELEMENTS (dl_test_mnist_files); i++)
    {
      g_autofree char *plain = g_build_filename (dir, dl_test_mnist_files[i], NULL);
      g_autofree char *gz = g_strconcat (plain, ".gz", NULL);
      if (g_file_test (plain, G_FILE_TEST_EXISTS) || g_file_test (gz, G_FILE_TEST_EXISTS))
        return TRUE;
    }
  return FALSE;
}

/* The training (train) or test set, asserted to load. */
static inline DlDataset *
dl_test_mnist_load (gboolean train)
{
  g_autofree char *dir = dl_data_default_dir ();
  g_autoptr (GError) error = NULL;
  DlDataset *ds = dl_dataset_load_dir (dir, train, &error);
  ck_assert_msg (ds != NULL, "MNIST is in %s but does not load: %s", dir, error ? error->message : "");
  return ds;
}

/* ---- naming a test that hangs under CK_NOFORK ---- */

static char dl_test_watchdog_name[128];

static void
dl_test_watchdog_fire (int sig)
{
  static const char head[] = "\nTIMEOUT: the test ";
  static const char tail[] = " did not finish within CK_DEFAULT_TIMEOUT\n";
  if (write (2, head, sizeof head - 1) < 0 || write (2, dl_test_watchdog_name, strlen (dl_test_watchdog_name)) < 0
      || write (2, tail, sizeof tail - 1) < 0)
    _exit (124);
  _exit (124);
}

/* $CK_TIMEOUT_MULTIPLIER (default 1): how much longer than usual everything may take here (sanitizers,
 * a loaded machine); waits and watchdogs scale by it as check's own timeouts do. */
static inline double
dl_test_timeout_multiplier (void)
{
  const char *mul = g_getenv ("CK_TIMEOUT_MULTIPLIER");
  return mul != NULL && g_ascii_strtod (mul, NULL) > 0 ? g_ascii_strtod (mul, NULL) : 1.0;
}

/* Ends the program, naming the test, if it runs longer than $CK_DEFAULT_TIMEOUT seconds (default 60)
 * times dl_test_timeout_multiplier (), as check's own timeout would for a forked test. */
static inline void
dl_test_watchdog (const char *test)
{
  const char *env = g_getenv ("CK_DEFAULT_TIMEOUT");
  double seconds = env != NULL && g_ascii_strtod (env, NULL) > 0 ? g_ascii_strtod (env, NULL) : 60;
  seconds *= dl_test_timeout_multiplier ();
  g_strlcpy (dl_test_watchdog_name, test, sizeof dl_test_watchdog_name);
  signal (SIGALRM, dl_test_watchdog_fire);
  alarm ((unsigned) MAX (1.0, seconds));
}
#define DL_TEST_WATCHDOG() dl_test_watchdog (__func__)

/* ---- main () ---- */

/* Runs the suite, or with "mnist" as the first argument the MNIST suite (exit 77 when MNIST is absent). */
static inline int
dl_test_main (int argc, char **argv, Suite *(*suite) (void), Suite *(*mnist_suite) (void), enum fork_status fork)
{
  gboolean mnist = argc > 1 && strcmp (argv[1], "mnist") == 0;
  if (mnist)
    {
      g_autofree char *dir = dl_data_default_dir ();
      if (!dl_test_mnist_any (dir))
        {
          g_print ("MNIST not found in %s ($DIGITLAB_DATA): skipped (fetch it with build-aux/fetch-mnist.sh)\n", dir);
          return 77;
        }
    }
  SRunner *sr = srunner_create (mnist ? mnist_suite () : suite ());
  srunner_set_fork_status (sr, fork);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
