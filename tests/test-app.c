/* test-app.c — end to end: the real application on a small real MNIST subset, under Xvfb.
 *
 * Starts DlApplication, waits for the data to load, triggers win.start, waits for an epoch result,
 * moves the learning-rate slider's adjustment, and checks that the worker acknowledged exactly that
 * value and that both plots carry a marker labelled with the change.
 */
#include <check.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>

#include "dl-test-mnist.h"
#include "dl-application.h"
#include "dl-data.h"
#include "dl-train-page.h"
#include "dl-window.h"

#define N_TRAIN 4000
#define N_TEST  1000
#define NEW_LR  0.01

typedef enum { WAIT_DATA, WAIT_EPOCH, WAIT_ACK, DONE } Phase;

typedef struct {
  GApplication *app;
  DlWindow     *window;
  Phase         phase;
  gboolean      saw_progress;
  gboolean      saw_epoch;
  double        acked_lr;
  gint64        acked_step;
  char         *acked_change;
  gboolean      markers_checked;
  guint         timeout_id;
} Fixture;

static char *
write_subset (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *src = dl_data_default_dir ();
  char *dir = g_dir_make_tmp ("digitlab-app-XXXXXX", &error);
  g_autoptr (DlDataset) train = NULL, test = NULL, train_sub = NULL, test_sub = NULL;
  g_autofree char *ti = NULL, *tl = NULL, *vi = NULL, *vl = NULL;

  ck_assert_msg (dir != NULL, "tmp dir: %s", error ? error->message : "");
  train = dl_dataset_load_dir (src, TRUE, &error);
  ck_assert_msg (train != NULL, "%s", error ? error->message : "");
  test = dl_dataset_load_dir (src, FALSE, &error);
  ck_assert_msg (test != NULL, "%s", error ? error->message : "");
  train_sub = dl_dataset_subset (train, N_TRAIN);
  test_sub = dl_dataset_subset (test, N_TEST);
  ti = g_build_filename (dir, "train-images-idx3-ubyte", NULL);
  tl = g_build_filename (dir, "train-labels-idx1-ubyte", NULL);
  vi = g_build_filename (dir, "t10k-images-idx3-ubyte", NULL);
  vl = g_build_filename (dir, "t10k-labels-idx1-ubyte", NULL);
  ck_assert (dl_dataset_save_idx (train_sub, ti, tl, &error));
  ck_assert (dl_dataset_save_idx (test_sub, vi, vl, &error));
  return dir;
}

static void
check_markers_and_close (gpointer user_data)
{
  Fixture *f = user_data;
  DlTrainPage *page = dl_window_get_train_page (f->window);
  DlPlot *plots[] = { dl_train_page_get_loss_plot (page), dl_train_page_get_accuracy_plot (page) };

  for (guint i = 0; i < G_N_ELEMENTS (plots); i++)
    {
      guint n = dl_plot_get_n_markers (plots[i]);
      gboolean found = FALSE;

      for (guint m = 0; m < n; m++)
        found |= strstr (dl_plot_get_marker_label (plots[i], m), "0.01") != NULL;
      ck_assert_msg (found, "plot %u has %u markers, none labelled with lr 0.01", i, n);
    }
  f->markers_checked = TRUE;
  gtk_window_destroy (GTK_WINDOW (f->window));
}

static void
on_event (Fixture *f, DlEvent *ev)
{
  switch (ev->type)
    {
    case DL_EVENT_DATA_LOADED:
      ck_assert_int_eq (ev->train->n, N_TRAIN);
      ck_assert_int_eq (ev->test->n, N_TEST);
      break;
    case DL_EVENT_PROGRESS:
      f->saw_progress = TRUE;
      break;
    case DL_EVENT_EVAL:
      if (ev->end_of_epoch && f->phase == WAIT_EPOCH)
        {
          GtkAdjustment *lr = dl_train_page_get_lr_adjustment (dl_window_get_train_page (f->window));

          ck_assert_int_eq (ev->eval->n, N_TEST);
          ck_assert_msg (ev->test_accuracy > 0.5, "after one epoch on %d images: %.3f", N_TRAIN, ev->test_accuracy);
          f->saw_epoch = TRUE;
          f->phase = WAIT_ACK;
          /* What dragging the slider does: the adjustment holds log10 of the rate. */
          gtk_adjustment_set_value (lr, log10 (NEW_LR));
        }
      break;
    case DL_EVENT_HYPER_APPLIED:
      if (f->phase == WAIT_ACK && fabs (ev->hyper.lr - NEW_LR) < 1e-7)
        {
          f->acked_lr = ev->hyper.lr;
          f->acked_step = ev->step;
          f->acked_change = g_strdup (ev->change);
          f->phase = DONE;
          gtk_widget_activate_action (GTK_WIDGET (f->window), "win.stop", NULL);
          /* The plots see the same event after us: check them on the next turn of the loop. */
          g_timeout_add_once (300, check_markers_and_close, f);
        }
      break;
    case DL_EVENT_ERROR:
      ck_abort_msg ("worker error: %s", ev->message);
      break;
    default:
      break;
    }
}

static gboolean
on_timeout (gpointer user_data)
{
  Fixture *f = user_data;

  ck_abort_msg ("timed out in phase %d (progress seen: %d, epoch seen: %d)", f->phase, f->saw_progress, f->saw_epoch);
  return G_SOURCE_REMOVE;
}

static gboolean
start_when_loaded (gpointer user_data)
{
  Fixture *f = user_data;

  if (!gtk_widget_get_visible (GTK_WIDGET (dl_window_get_train_page (f->window)))
      || !gtk_widget_is_drawable (GTK_WIDGET (dl_window_get_train_page (f->window))))
    return G_SOURCE_CONTINUE;
  f->phase = WAIT_EPOCH;
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.start", NULL);
  return G_SOURCE_REMOVE;
}

/* After DlApplication's own activate handler has made and presented the window. */
static void
on_activated (Fixture *f)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (f->app));

  f->window = DL_WINDOW (window);
  g_signal_connect_swapped (dl_window_get_worker (f->window), "event", G_CALLBACK (on_event), f);
  g_timeout_add (50, start_when_loaded, f);
}

START_TEST (test_app_trains_and_marks_lr_change)
{
  g_autofree char *src = dl_data_default_dir ();
  g_autofree char *dir = NULL;
  Fixture f = { 0 };
  int status;

  DL_TEST_WATCHDOG ();
  dir = write_subset ();
  g_setenv ("DIGITLAB_DATA", dir, TRUE);

  f.app = G_APPLICATION (dl_application_new ());
  g_signal_connect_data (f.app, "activate", G_CALLBACK (on_activated), &f, NULL, G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  f.timeout_id = g_timeout_add_seconds (240, on_timeout, &f);
  status = g_application_run (f.app, 0, NULL);

  ck_assert_int_eq (status, 0);
  ck_assert_int_eq (f.phase, DONE);
  ck_assert (f.saw_progress);
  ck_assert (f.markers_checked);
  ck_assert_msg (fabs (f.acked_lr - NEW_LR) < 1e-7, "acknowledged lr %g", f.acked_lr);
  ck_assert_int_gt (f.acked_step, 0);
  ck_assert_msg (f.acked_change != NULL && strstr (f.acked_change, "0.01") != NULL,
                 "change description: %s", f.acked_change);

  g_source_remove (f.timeout_id);
  g_free (f.acked_change);
  g_object_unref (f.app);
  g_setenv ("DIGITLAB_DATA", src, TRUE);
  for (const char *const *name = (const char *const[]) { "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                                          "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", NULL };
       *name != NULL; name++)
    {
      g_autofree char *path = g_build_filename (dir, *name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}
END_TEST

static Suite *
app_suite (void)
{
  Suite *s = suite_create ("app");
  TCase *tc = tcase_create ("end-to-end");
  tcase_add_test (tc, test_app_trains_and_marks_lr_change);
  suite_add_tcase (s, tc);
  return s;
}

/* Every test here needs MNIST: meson runs it as "test-app mnist" (exit 77 when MNIST is absent). GTK
 * must run in the process that owns the display connection: CK_NOFORK. */
int
main (int argc, char **argv)
{
  return dl_test_main (argc, argv, app_suite, app_suite, CK_NOFORK);
}
