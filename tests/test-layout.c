/* test-layout.c — every page of the real application fits a small screen: under Xvfb, with a private XDG
 * home and a small real MNIST subset, after a short run (so that the plots, the mistakes and the data report
 * have something to show) and with the subset's test images opened as unlabeled images (so that the Unlabeled
 * page is there too), each page in turn is shown at 800 × 600 and at 1920 × 1080:
 *   - the window's minimum width with that page shown is at most 800 px, and its minimum height at that
 *     width at most 600 px (what does not fit scrolls);
 *   - the window is then exactly that size (nothing forced it wider);
 *   - a screenshot of the window is written to OUTDIR/PAGE-WxH.png (the 800 × 600 ones are the README's).
 * With a LANGUAGE (de: German words are the longest; fr), the app speaks it and only 800 × 600 is checked, the
 * screenshots named PAGE-WxH-LANGUAGE.png.
 *
 *   test-layout OUTDIR [LANGUAGE]
 */
#include <check.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "dl-application.h"
#include "dl-i18n.h"
#include "dl-train-page.h"
#include "dl-unlabeled-page.h"
#include "dl-window.h"
#include "dl-test-session.h"

#define N_TRAIN 3000
#define N_TEST  1000
#define MIN_W   800
#define MIN_H   600

static const char *outdir;
static char *subset;
static const char *language;   /* NULL: the untranslated text */
static GApplication *app;
static DlWindow *window;
static gboolean done;

typedef struct {
  int width, height;
} Size;

static const Size sizes[] = { { 800, 600 }, { 1920, 1080 } };

/* The X window's size: the widget's and its client-side decoration's (a border without a compositor). */
static gboolean
window_is (gpointer data)
{
  Size *s = data;
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));

  return gdk_surface_get_width (surface) == s->width && gdk_surface_get_height (surface) == s->height;
}

static gboolean
ready (gpointer data)
{
  DlSession *session = dl_window_get_session (window);

  return test_session_enabled (session, "start") && gtk_widget_is_drawable (GTK_WIDGET (dl_window_get_train_page (window)));
}

static gboolean
run_ended (gpointer data)
{
  DlRun *live = dl_session_get_live_run (dl_window_get_session (window));

  return live != NULL && dl_run_get_state (live) == DL_TRAIN_FINISHED
         && test_session_enabled (dl_window_get_session (window), "start");
}

static gboolean
unlabeled_answered (gpointer data)
{
  DlUnlabeledPage *page = dl_window_get_unlabeled_page (window);

  return g_list_model_get_n_items (dl_unlabeled_page_get_answers (page)) > 0 && !dl_unlabeled_page_get_classifying (page);
}

/* The window as it is drawn, into a PNG file. */
static void
screenshot (const char *path)
{
  int w = gtk_widget_get_width (GTK_WIDGET (window)), h = gtk_widget_get_height (GTK_WIDGET (window));
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (GTK_WIDGET (window));
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;

  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  ck_assert (node != NULL);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  ck_assert_msg (gdk_texture_save_to_png (texture, path), "could not write %s", path);
  g_print ("%s\n", path);
}

/* On a failure, what asks for the width: the visible widgets at least 60 px wide at their minimum, as a tree. */
static void
print_widths (GtkWidget *w, int depth)
{
  int min, nat;

  if (!gtk_widget_get_child_visible (w) || !gtk_widget_get_visible (w))
    return;
  gtk_widget_measure (w, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  if (min < 60)
    return;
  g_printerr ("%*s%s min %d nat %d\n", depth, "", G_OBJECT_TYPE_NAME (w), min, nat);
  for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
    print_widths (c, depth + 1);
}

static void
check_page (GtkStack *pages, const char *name, int width, int height)
{
  int min_w, min_h, nat;
  Size size = { width, height };
  g_autofree char *file = language ? g_strdup_printf ("%s-%dx%d-%s.png", name, width, height, language)
                                   : g_strdup_printf ("%s-%dx%d.png", name, width, height);
  g_autofree char *path = g_build_filename (outdir, file, NULL);

  gtk_stack_set_visible_child_name (pages, name);
  iterate_until (never, NULL, 600);
  gtk_widget_measure (GTK_WIDGET (window), GTK_ORIENTATION_HORIZONTAL, -1, &min_w, &nat, NULL, NULL);
  gtk_widget_measure (GTK_WIDGET (window), GTK_ORIENTATION_VERTICAL, MIN_W, &min_h, &nat, NULL, NULL);
  if (min_w > MIN_W)
    print_widths (GTK_WIDGET (window), 0);
  ck_assert_msg (min_w <= MIN_W, "with the %s page (%s), the window is at least %d px wide", name,
                 language ? language : "C", min_w);
  ck_assert_msg (min_h <= MIN_H, "with the %s page (%s), the window %d px wide is at least %d px tall", name,
                 language ? language : "C", MIN_W, min_h);
  ck_assert_msg (iterate_until (window_is, &size, 5000), "the %s page keeps the window at %d × %d, not %d × %d",
                 name, gdk_surface_get_width (gtk_native_get_surface (GTK_NATIVE (window))),
                 gdk_surface_get_height (gtk_native_get_surface (GTK_NATIVE (window))), width, height);
  screenshot (path);
}

static gboolean
run_checks (gpointer data)
{
  DlSession *session = dl_window_get_session (window);
  GtkStack *pages = GTK_STACK (gtk_widget_get_template_child (GTK_WIDGET (window), DL_TYPE_WINDOW, "pages"));
  g_autoptr (GtkSelectionModel) model = NULL;

  if (!ready (NULL))
    return G_SOURCE_CONTINUE;
  /* One short epoch on the subset: curves, a whole-set evaluation and its mistakes. */
  dl_train_page_set_preset (dl_window_get_train_page (window), "mlp");
  gtk_adjustment_set_value (GTK_ADJUSTMENT (gtk_widget_get_template_child (
                              GTK_WIDGET (dl_window_get_train_page (window)), DL_TYPE_TRAIN_PAGE, "epochs_adjustment")), 1);
  test_session_activate (session, "start", NULL);
  test_session_wait (run_ended, NULL, 120, "the run's end");
  {
    g_autofree char *images = g_build_filename (subset, "t10k-images-idx3-ubyte", NULL);

    dl_window_open_unlabeled (window, images);
    test_session_wait (unlabeled_answered, NULL, 60, "the unlabeled images' answers");
  }

  model = gtk_stack_get_pages (pages);
  for (gsize s = 0; s < (language ? 1 : G_N_ELEMENTS (sizes)); s++)
    {
      gtk_window_set_default_size (GTK_WINDOW (window), sizes[s].width, sizes[s].height);
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (model)); i++)
        {
          g_autoptr (GObject) item = g_list_model_get_item (G_LIST_MODEL (model), i);
          GtkStackPage *page = GTK_STACK_PAGE (item);

          if (gtk_stack_page_get_visible (page))
            check_page (pages, gtk_stack_page_get_name (page), sizes[s].width, sizes[s].height);
        }
    }
  done = TRUE;
  g_application_quit (app);
  return G_SOURCE_REMOVE;
}

static void
on_activated (gpointer data)
{
  window = DL_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  gtk_window_set_default_size (GTK_WINDOW (window), sizes[0].width, sizes[0].height);
  g_timeout_add (100, run_checks, NULL);
}

START_TEST (test_layout)
{
  app = G_APPLICATION (dl_application_new ());
  g_signal_connect_data (app, "activate", G_CALLBACK (on_activated), NULL, NULL, G_CONNECT_AFTER);
  ck_assert_int_eq (g_application_run (app, 0, NULL), 0);
  ck_assert_msg (done, "the application quit before the pages were checked");
  g_object_unref (app);
}
END_TEST

int
main (int argc, char **argv)
{
  Suite *s = suite_create ("layout");
  TCase *tc = tcase_create ("layout");
  g_autofree char *home = NULL;
  SRunner *sr;
  int failed;

  if (argc != 2 && argc != 3)
    {
      g_printerr ("usage: %s OUTDIR [LANGUAGE]\n", argv[0]);
      return 2;
    }
  if (argc == 3)
    {
      /* LANGUAGE counts only when the locale is not "C". */
      language = argv[2];
      g_setenv ("LC_ALL", "C.UTF-8", TRUE);
      g_setenv ("LANGUAGE", language, TRUE);
      dl_i18n_init ();
    }
  if (!test_session_have_mnist ())
    {
      g_printerr ("SKIP: no MNIST (run build-aux/fetch-mnist.sh)\n");
      return 77;
    }
  outdir = argv[1];
  g_mkdir_with_parents (outdir, 0755);
  home = test_session_private_home ();
  subset = test_session_subset (home, N_TRAIN, N_TEST);
  g_setenv ("DIGITLAB_DATA", subset, TRUE);
  tcase_set_timeout (tc, 280);
  tcase_add_test (tc, test_layout);
  suite_add_tcase (s, tc);
  sr = srunner_create (s);
  /* GTK must run in the process that owns the display connection. */
  srunner_set_fork_status (sr, CK_NOFORK);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
