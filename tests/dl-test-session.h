/* dl-test-session.h — what the session and app tests share: small real-MNIST subsets (IDX and CSV) in a
 * temporary folder, a private XDG home, waiting on the main loop for a session's state, and activating its
 * actions. */
#pragma once

#include <check.h>
#include <glib/gstdio.h>
#include <string.h>

#include "dl-data.h"
#include "dl-session.h"
#include "dl-test-gtk.h"

/* A fresh temporary directory as XDG_DATA_HOME, XDG_CACHE_HOME and XDG_CONFIG_HOME: never the user's run store
 * or personal set. The MNIST cache is found before it changes (DIGITLAB_DATA, which meson sets). */
G_GNUC_UNUSED static char *
test_session_private_home (void)
{
  char *dir = g_dir_make_tmp ("dl-session-XXXXXX", NULL);
  const char *names[] = { "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME" };

  g_assert (dir != NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *sub = g_build_filename (dir, names[i], NULL);

      g_mkdir_with_parents (sub, 0700);
      g_setenv (names[i], sub, TRUE);
    }
  return dir;
}

/* Whether the real MNIST files are there (DIGITLAB_DATA or the cache). */
G_GNUC_UNUSED static gboolean
test_session_have_mnist (void)
{
  g_autofree char *src = dl_data_default_dir ();
  g_autofree char *probe = g_build_filename (src, "train-images-idx3-ubyte", NULL);

  return g_file_test (probe, G_FILE_TEST_EXISTS);
}

/* The first n_train training and n_test test images of MNIST as IDX files in a new folder under `parent`
 * (GLib's assertions: it runs before the tests, where check's cannot). */
G_GNUC_UNUSED static char *
test_session_subset (const char *parent, int n_train, int n_test)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *src = dl_data_default_dir ();
  char *dir = g_build_filename (parent, "mnist-XXXXXX", NULL);
  g_autoptr (DlDataset) train = NULL, test = NULL, train_sub = NULL, test_sub = NULL;
  g_autofree char *ti = NULL, *tl = NULL, *vi = NULL, *vl = NULL;

  g_assert (g_mkdtemp (dir) != NULL);
  train = dl_dataset_load_dir (src, TRUE, &error);
  g_assert_no_error (error);
  test = dl_dataset_load_dir (src, FALSE, &error);
  g_assert_no_error (error);
  train_sub = dl_dataset_subset (train, n_train);
  test_sub = dl_dataset_subset (test, n_test);
  ti = g_build_filename (dir, "train-images-idx3-ubyte", NULL);
  tl = g_build_filename (dir, "train-labels-idx1-ubyte", NULL);
  vi = g_build_filename (dir, "t10k-images-idx3-ubyte", NULL);
  vl = g_build_filename (dir, "t10k-labels-idx1-ubyte", NULL);
  dl_dataset_save_idx (train_sub, ti, tl, &error);
  g_assert_no_error (error);
  dl_dataset_save_idx (test_sub, vi, vl, &error);
  g_assert_no_error (error);
  return dir;
}

/* The same subset as a CSV file (label, 784 pixels); with `scaled`, every label divided by 255 as the bug
 * report's code did — which the loader refuses, naming the row and column. */
G_GNUC_UNUSED static char *
test_session_csv (const char *dir, const char *name, gboolean train, int n, gboolean scaled)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *src = dl_data_default_dir ();
  g_autoptr (DlDataset) all = dl_dataset_load_dir (src, train, &error);
  g_autoptr (DlDataset) sub = NULL;
  char *path = g_build_filename (dir, name, NULL);
  GString *csv;

  ck_assert_msg (all != NULL, "%s", error ? error->message : "");
  sub = dl_dataset_subset (all, n);
  if (!scaled)
    {
      ck_assert_msg (dl_dataset_save_csv (sub, path, &error), "%s", error ? error->message : "");
      return path;
    }
  csv = g_string_new (NULL);
  for (int i = 0; i < sub->n; i++)
    {
      g_string_append_printf (csv, "%.17g", sub->labels[i] / 255.0);
      for (int p = 0; p < sub->rows * sub->cols; p++)
        g_string_append_printf (csv, ",%u", sub->pixels[(gsize) i * sub->rows * sub->cols + p]);
      g_string_append_c (csv, '\n');
    }
  ck_assert (g_file_set_contents (path, csv->str, csv->len, NULL));
  g_string_free (csv, TRUE);
  return path;
}

/* Runs the main loop until cond (data) holds; fails the test after `seconds`, saying what it waited for. */
G_GNUC_UNUSED static void
test_session_wait (DlTestCond cond, gpointer data, double seconds, const char *what)
{
  ck_assert_msg (iterate_until (cond, data, (int) (seconds * 1000)), "timed out after %.0f s waiting for %s", seconds,
                 what);
}

G_GNUC_UNUSED static void
test_session_activate (DlSession *session, const char *action, GVariant *param)
{
  GActionGroup *actions = dl_session_get_actions (session);

  ck_assert_msg (g_action_group_get_action_enabled (actions, action), "session.%s is disabled", action);
  g_action_group_activate_action (actions, action, param);
}

G_GNUC_UNUSED static gboolean
test_session_enabled (DlSession *session, const char *action)
{
  return g_action_group_get_action_enabled (dl_session_get_actions (session), action);
}

/* A recipe from a preset, for a few quick epochs on a subset. */
G_GNUC_UNUSED static void
test_session_recipe (DlTrainConfig *cfg, const char *preset, int epochs)
{
  dl_train_config_from_preset (cfg, dl_preset_find (preset));
  cfg->epochs = epochs;
  cfg->eval_every = 10;
  cfg->threads = 1;
}
