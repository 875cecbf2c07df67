/* test-confusion.c — DlConfusionView: hit-testing at corners, borders and outside; a click sets the
 * browser's filter for exactly that cell; rendering colours the largest cell the deepest. Needs a
 * display (the suite runs under xvfb-run). */
#include <check.h>
#include <gtk/gtk.h>

#include "dl-test-mnist.h"
#include "dl-confusion-view.h"
#include "dl-mistakes.h"

#define W 520
#define H 440

START_TEST (test_layout_hit)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  DlConfusionLayout l;
  int t, p;

  dl_confusion_layout_compute (&l, W, H);
  ck_assert (l.cell >= 20);
  double x1 = l.x0 + 10 * l.cell, y1 = l.y0 + 10 * l.cell;
  ck_assert (x1 <= W && y1 <= H);
  ck_assert (l.acc_x >= x1);

  /* The four corners of the grid. */
  ck_assert (dl_confusion_layout_cell_at (&l, l.x0, l.y0, &t, &p));
  ck_assert_int_eq (t, 0); ck_assert_int_eq (p, 0);
  ck_assert (dl_confusion_layout_cell_at (&l, x1 - 0.01, l.y0, &t, &p));
  ck_assert_int_eq (t, 0); ck_assert_int_eq (p, 9);
  ck_assert (dl_confusion_layout_cell_at (&l, l.x0, y1 - 0.01, &t, &p));
  ck_assert_int_eq (t, 9); ck_assert_int_eq (p, 0);
  ck_assert (dl_confusion_layout_cell_at (&l, x1 - 0.01, y1 - 0.01, &t, &p));
  ck_assert_int_eq (t, 9); ck_assert_int_eq (p, 9);

  /* A border between two cells belongs to the right / lower one. */
  ck_assert (dl_confusion_layout_cell_at (&l, l.x0 + 3 * l.cell, l.y0 + 5 * l.cell, &t, &p));
  ck_assert_int_eq (t, 5); ck_assert_int_eq (p, 3);
  ck_assert (dl_confusion_layout_cell_at (&l, l.x0 + 3 * l.cell - 0.01, l.y0 + 5 * l.cell - 0.01, &t, &p));
  ck_assert_int_eq (t, 4); ck_assert_int_eq (p, 2);

  /* Outside: just left, above, at the right and bottom edges, in the accuracy column, negative. */
  t = p = 77;
  ck_assert (!dl_confusion_layout_cell_at (&l, l.x0 - 0.01, l.y0 + 1, &t, &p));
  ck_assert (!dl_confusion_layout_cell_at (&l, l.x0 + 1, l.y0 - 0.01, &t, &p));
  ck_assert (!dl_confusion_layout_cell_at (&l, x1, l.y0 + 1, &t, &p));
  ck_assert (!dl_confusion_layout_cell_at (&l, l.x0 + 1, y1, &t, &p));
  ck_assert (!dl_confusion_layout_cell_at (&l, l.acc_x + 10, l.y0 + 1, &t, &p));
  ck_assert (!dl_confusion_layout_cell_at (&l, -5, -5, &t, &p));
  ck_assert_int_eq (t, 77);   /* untouched when outside */

  /* Every cell's rectangle hit-tests back to that cell. */
  for (int tt = 0; tt < 10; tt++)
    for (int pp = 0; pp < 10; pp++)
      {
        graphene_rect_t r;
        dl_confusion_layout_cell_rect (&l, tt, pp, &r);
        ck_assert (dl_confusion_layout_cell_at (&l, r.origin.x + r.size.width / 2,
                                                r.origin.y + r.size.height / 2, &t, &p));
        ck_assert_int_eq (t, tt); ck_assert_int_eq (p, pp);
      }

  /* A tiny widget still yields a usable (if small) grid. */
  dl_confusion_layout_compute (&l, 10, 10);
  ck_assert (l.cell >= 1);
}
END_TEST

typedef struct { int t, p, count; } Activation;

static void
activated_cb (DlConfusionView *view, int t, int p, Activation *a)
{
  a->t = t;
  a->p = p;
  a->count++;
}

static GtkWidget *
show_in_window (GtkWidget *child)
{
  GtkWidget *win = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (win), W, H);
  gtk_window_set_child (GTK_WINDOW (win), child);
  gtk_window_present (GTK_WINDOW (win));
  for (int i = 0; i < 2000 && gtk_widget_get_width (child) == 0; i++)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
  ck_assert_int_gt (gtk_widget_get_width (child), 0);
  return win;
}

START_TEST (test_click_sets_filter)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  GtkWidget *view = dl_confusion_view_new ();
  GtkWidget *win = show_in_window (view);
  Activation a = { -1, -1, 0 };
  DlConfusionLayout l;
  graphene_rect_t r;
  DlMistakesFilter f;

  g_signal_connect (view, "cell-activated", G_CALLBACK (activated_cb), &a);
  dl_confusion_layout_compute (&l, gtk_widget_get_width (view), gtk_widget_get_height (view));

  /* Off the diagonal: true 4 answered 9 → the mistakes of exactly that pair. */
  dl_confusion_layout_cell_rect (&l, 4, 9, &r);
  ck_assert (dl_confusion_view_click (DL_CONFUSION_VIEW (view), r.origin.x + 2, r.origin.y + 2));
  ck_assert_int_eq (a.count, 1);
  ck_assert_int_eq (a.t, 4); ck_assert_int_eq (a.p, 9);
  dl_mistakes_filter_for_cell (&f, a.t, a.p);
  ck_assert_int_eq (f.true_class, 4);
  ck_assert_int_eq (f.predicted, 9);
  ck_assert_int_eq (f.show, DL_MISTAKES_SHOW_WRONG);

  /* On the diagonal: the correct ones of that class. */
  dl_confusion_layout_cell_rect (&l, 3, 3, &r);
  ck_assert (dl_confusion_view_click (DL_CONFUSION_VIEW (view), r.origin.x + r.size.width - 1.5,
                                      r.origin.y + r.size.height - 1.5));
  ck_assert_int_eq (a.count, 2);
  ck_assert_int_eq (a.t, 3); ck_assert_int_eq (a.p, 3);
  dl_mistakes_filter_for_cell (&f, a.t, a.p);
  ck_assert_int_eq (f.show, DL_MISTAKES_SHOW_RIGHT);

  /* Outside the grid: nothing. */
  ck_assert (!dl_confusion_view_click (DL_CONFUSION_VIEW (view), l.x0 - 3, l.y0 - 3));
  ck_assert_int_eq (a.count, 2);

  /* Selection outline state. */
  int t, p;
  dl_confusion_view_set_selected (DL_CONFUSION_VIEW (view), 4, 9);
  ck_assert (dl_confusion_view_get_selected (DL_CONFUSION_VIEW (view), &t, &p));
  ck_assert_int_eq (t, 4); ck_assert_int_eq (p, 9);
  dl_confusion_view_set_selected (DL_CONFUSION_VIEW (view), -1, -1);
  ck_assert (!dl_confusion_view_get_selected (DL_CONFUSION_VIEW (view), NULL, NULL));

  /* The keyboard path: arrows move the outlined cell from the top-left one, Enter activates it. */
  GListModel *controllers = gtk_widget_observe_controllers (view);
  GtkEventController *keys = NULL;
  for (guint k = 0; k < g_list_model_get_n_items (controllers); k++)
    {
      g_autoptr (GtkEventController) c = g_list_model_get_item (controllers, k);
      if (GTK_IS_EVENT_CONTROLLER_KEY (c))
        keys = c;
    }
  ck_assert_ptr_nonnull (keys);
  static const guint presses[] = { GDK_KEY_Down, GDK_KEY_Down, GDK_KEY_Right, GDK_KEY_Right, GDK_KEY_Right,
                                   GDK_KEY_Up, GDK_KEY_Down, GDK_KEY_Left, GDK_KEY_Right, GDK_KEY_Return };
  for (guint k = 0; k < G_N_ELEMENTS (presses); k++)
    {
      gboolean handled = FALSE;
      g_signal_emit_by_name (keys, "key-pressed", presses[k], 0, (GdkModifierType) 0, &handled);
      ck_assert (handled);
    }
  ck_assert_int_eq (a.count, 3);
  ck_assert_int_eq (a.t, 2); ck_assert_int_eq (a.p, 3);
  g_object_unref (controllers);

  gtk_window_destroy (GTK_WINDOW (win));
}
END_TEST

static double
luminance_at (cairo_surface_t *s, double x, double y)
{
  guint8 *data = cairo_image_surface_get_data (s);
  int stride = cairo_image_surface_get_stride (s);
  guint32 px = *(guint32 *) (data + (int) y * stride + (int) x * 4);
  return 0.299 * ((px >> 16) & 0xff) + 0.587 * ((px >> 8) & 0xff) + 0.114 * (px & 0xff);
}

/* Renders the matrix and returns each cell's luminance, sampled near the cell's top-left corner
 * (inside the fill, away from the count drawn in the middle). */
static void
render_cells (DlConfusionView *view, const int (*m)[10], double lum[10][10])
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, W, H);
  cairo_t *cr = cairo_create (s);
  DlConfusionLayout l;

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  dl_confusion_view_set_matrix (view, m);
  dl_confusion_view_render (view, cr, W, H);
  cairo_destroy (cr);
  cairo_surface_flush (s);

  dl_confusion_layout_compute (&l, W, H);
  for (int t = 0; t < 10; t++)
    for (int p = 0; p < 10; p++)
      {
        graphene_rect_t r;
        dl_confusion_layout_cell_rect (&l, t, p, &r);
        lum[t][p] = luminance_at (s, r.origin.x + r.size.width * 0.15, r.origin.y + r.size.height * 0.15);
      }
  cairo_surface_destroy (s);
}

static void
extreme_cells (double lum[10][10], int *min_t, int *min_p, int *max_t, int *max_p)
{
  *min_t = *min_p = *max_t = *max_p = 0;
  for (int t = 0; t < 10; t++)
    for (int p = 0; p < 10; p++)
      {
        if (lum[t][p] < lum[*min_t][*min_p])
          *min_t = t, *min_p = p;
        if (lum[t][p] > lum[*max_t][*max_p])
          *max_t = t, *max_p = p;
      }
}

START_TEST (test_render_max_darkest)
{
  DL_TEST_WATCHDOG ();   /* CK_NOFORK: check cannot name a test that hangs */
  int m[10][10] = { 0 };
  double lum[10][10];
  int min_t, min_p, max_t, max_p;

  /* A typical trained net: big diagonal (largest at class 1), a few confusions, one large one. */
  for (int c = 0; c < 10; c++)
    m[c][c] = 900 + 10 * c;
  m[1][1] = 1120;
  m[4][9] = 35;
  m[7][2] = 12;
  m[5][3] = 1;

  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", FALSE, NULL);
  /* In a window, so the theme's colours apply (an unrooted widget has no style). */
  GtkWidget *view = dl_confusion_view_new ();
  GtkWidget *win = gtk_window_new ();
  gtk_window_set_child (GTK_WINDOW (win), view);
  render_cells (DL_CONFUSION_VIEW (view), (const int (*)[10]) m, lum);
  extreme_cells (lum, &min_t, &min_p, &max_t, &max_p);
  ck_assert_int_eq (min_t, 1);
  ck_assert_int_eq (min_p, 1);
  /* Larger counts are darker; empty cells are the lightest; even a single confusion shows. */
  ck_assert (lum[4][9] < lum[7][2]);
  ck_assert (lum[7][2] < lum[5][3]);
  ck_assert (lum[5][3] < lum[0][5] - 10);
  ck_assert (lum[0][5] == lum[max_t][max_p]);

  /* A collapsed net answering 0 for everything: the largest cell is off the diagonal, still darkest. */
  int c0[10][10] = { 0 };
  for (int t = 0; t < 10; t++)
    c0[t][0] = 900 + 20 * t;
  render_cells (DL_CONFUSION_VIEW (view), (const int (*)[10]) c0, lum);
  extreme_cells (lum, &min_t, &min_p, &max_t, &max_p);
  ck_assert_int_eq (min_t, 9);
  ck_assert_int_eq (min_p, 0);

  /* Dark style: the largest cell is the brightest instead (deepest against a dark background). */
  gtk_window_destroy (GTK_WINDOW (win));
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", TRUE, NULL);
  view = dl_confusion_view_new ();
  win = gtk_window_new ();
  gtk_window_set_child (GTK_WINDOW (win), view);
  render_cells (DL_CONFUSION_VIEW (view), (const int (*)[10]) m, lum);
  extreme_cells (lum, &min_t, &min_p, &max_t, &max_p);
  ck_assert_int_eq (max_t, 1);
  ck_assert_int_eq (max_p, 1);
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", FALSE, NULL);

  gtk_window_destroy (GTK_WINDOW (win));
}
END_TEST

static Suite *
confusion_suite (void)
{
  Suite *s = suite_create ("confusion");
  TCase *tc = tcase_create ("view");

  tcase_add_test (tc, test_layout_hit);
  tcase_add_test (tc, test_click_sets_filter);
  tcase_add_test (tc, test_render_max_darkest);
  suite_add_tcase (s, tc);
  return s;
}

int
main (int argc, char **argv)
{
  gtk_init ();
  SRunner *sr = srunner_create (confusion_suite ());
  /* GTK is initialised once in this process; check must not fork. */
  srunner_set_fork_status (sr, CK_NOFORK);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
