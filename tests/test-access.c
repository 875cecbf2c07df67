/* test-access.c — keyboard, wheel and tooltips of the app's pages, in real X11 windows (xvfb-run,
 * GDK_BACKEND=x11) driven by real pointer and key events (xdotool, XTEST):
 *   wheel        a wheel turned over an unfocused slider or spin button of the Train page's sidebar scrolls
 *                the sidebar and leaves the value alone; once focused, the wheel changes it
 *   lr-range     the learning-rate field accepts exactly the rates its slider spans, both ways
 *   canvas-keys  the canvas draws from the keyboard (Space, arrows), Delete clears it
 *   tab-order    Tab reaches the Train page's plots and sliders
 *   tooltips     every control of every page (Train, Draw, Mistakes, Network, Runs, Data), the empty state and
 *                Preferences has a tooltip
 *   page-keys    in the real window (MNIST loaded), Alt + the letter a page's title underlines shows that page
 *                from every other page, even where a control of the page in view underlines the same letter
 *                (the Train page's Momentum, Weight decay, Seeds, Augmentation, Stop, Learning rate)
 */
#include <check.h>
#include <gdk/x11/gdkx.h>
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "dl-application.h"
#include "dl-canvas.h"
#include "dl-data-page.h"
#include "dl-draw-page.h"
#include "dl-empty-state.h"
#include "dl-mistakes-page.h"
#include "dl-network-page.h"
#include "dl-plot.h"
#include "dl-preferences-window.h"
#include "dl-runs-page.h"
#include "dl-test-gtk.h"
#include "dl-train-page.h"
#include "dl-wheel-guard.h"
#include "dl-window.h"

typedef struct {
  GtkWindow *window;
  GtkWidget *child;
} Fixture;

static gboolean
mapped (gpointer data)
{
  Fixture *f = data;

  return gtk_widget_get_mapped (f->child) && gtk_widget_get_width (f->child) > 100;
}

static void
fixture_show (Fixture *f, GtkWidget *child, int width, int height)
{
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, width, height);
  f->child = child;
  gtk_window_set_child (f->window, child);
  gtk_window_present (f->window);
  ck_assert (iterate_until (mapped, f, 5000));
  iterate_until (never, NULL, 200);
}

static void
fixture_close (Fixture *f)
{
  gtk_window_destroy (f->window);
  iterate_until (never, NULL, 50);
}

static GObject *
page_child (gpointer page, const char *id)
{
  GObject *object = gtk_widget_get_template_child (GTK_WIDGET (page), G_OBJECT_TYPE (page), id);

  ck_assert_msg (object != NULL, "no %s in %s", id, G_OBJECT_TYPE_NAME (page));
  return object;
}

/* The GtkRange or GtkSpinButton under root whose adjustment is adj. */
static GtkWidget *
find_adjusted (GtkWidget *root, GtkAdjustment *adj)
{
  if ((GTK_IS_RANGE (root) && gtk_range_get_adjustment (GTK_RANGE (root)) == adj)
      || (GTK_IS_SPIN_BUTTON (root) && gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (root)) == adj))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_adjusted (c, adj);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Runs xdotool with `args` while the main loop keeps running, so GTK sees the events as they come. */
static void
xdotool (const char *const *args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) argv = NULL;

  g_strv_builder_add (b, "xdotool");
  g_strv_builder_addv (b, (const char **) args);
  argv = g_strv_builder_end (b);
  ck_assert_msg (dl_test_spawn_and_iterate (argv, 10000, &error), "xdotool: %s", error ? error->message : "");
  iterate_until (never, NULL, 300);
}

/* The pointer to the centre of widget, in real X events. */
static void
pointer_to (Fixture *f, GtkWidget *widget)
{
  graphene_point_t p;
  double sx, sy;
  char xid[32], x[16], y[16];

  ck_assert (gtk_widget_compute_point (widget, GTK_WIDGET (f->window),
                                       &GRAPHENE_POINT_INIT (gtk_widget_get_width (widget) / 2.0,
                                                             gtk_widget_get_height (widget) / 2.0), &p));
  gtk_native_get_surface_transform (GTK_NATIVE (f->window), &sx, &sy);
  g_snprintf (xid, sizeof xid, "%lu", (gulong) gdk_x11_surface_get_xid (gtk_native_get_surface (GTK_NATIVE (f->window))));
  g_snprintf (x, sizeof x, "%d", (int) (p.x + sx));
  g_snprintf (y, sizeof y, "%d", (int) (p.y + sy));
  xdotool ((const char *[]) { "mousemove", "--window", xid, x, y, NULL });
}

/* ---- the wheel ---- */

/* The sidebar scrolled so that widget is in its middle (the child is the viewport: what is in view). */
static void
scroll_to (GtkScrolledWindow *sidebar, GtkWidget *widget)
{
  GtkAdjustment *v = gtk_scrolled_window_get_vadjustment (sidebar);
  GtkWidget *content = gtk_scrolled_window_get_child (sidebar);
  graphene_point_t p;

  ck_assert (gtk_widget_compute_point (widget, content, &GRAPHENE_POINT_INIT (0, 0), &p));
  gtk_adjustment_set_value (v, gtk_adjustment_get_value (v) + p.y - gtk_adjustment_get_page_size (v) / 2);
  iterate_until (never, NULL, 200);
}

static void
check_wheel (Fixture *f, GtkScrolledWindow *sidebar, GtkAdjustment *adj, const char *what)
{
  GtkWidget *control = find_adjusted (f->child, adj);
  GtkAdjustment *v = gtk_scrolled_window_get_vadjustment (sidebar);
  double value = gtk_adjustment_get_value (adj), top;

  ck_assert_msg (control != NULL, "no control for %s", what);
  /* Wheel up (every value here can grow). Unfocused: the wheel scrolls the sidebar, the value stays. */
  gtk_widget_grab_focus (GTK_WIDGET (page_child (f->child, "arch_entry")));
  scroll_to (sidebar, control);
  top = gtk_adjustment_get_value (v);
  ck_assert_msg (top > 30, "the sidebar cannot scroll up from the %s", what);
  ck_assert (dl_wheel_guard_is_blocking (control));
  pointer_to (f, control);
  xdotool ((const char *[]) { "click", "4", NULL });
  ck_assert_msg (gtk_adjustment_get_value (adj) == value, "the wheel changed the unfocused %s: %g → %g", what,
                 value, gtk_adjustment_get_value (adj));
  ck_assert_msg (gtk_adjustment_get_value (v) < top, "the sidebar did not scroll over the %s", what);

  /* Focused: the wheel is the control's (and the sidebar stays). */
  ck_assert (gtk_widget_grab_focus (control));
  iterate_until (never, NULL, 100);
  ck_assert (!dl_wheel_guard_is_blocking (control));
  scroll_to (sidebar, control);
  top = gtk_adjustment_get_value (v);
  pointer_to (f, control);
  xdotool ((const char *[]) { "click", "4", NULL });
  ck_assert_msg (gtk_adjustment_get_value (adj) != value, "the wheel did not change the focused %s", what);
  ck_assert_msg (fabs (gtk_adjustment_get_value (v) - top) < 1, "the sidebar scrolled under the focused %s", what);
}

START_TEST (test_wheel)
{
  Fixture f;
  GtkWidget *page = g_object_new (DL_TYPE_TRAIN_PAGE, NULL);
  GtkScrolledWindow *sidebar = GTK_SCROLLED_WINDOW (find_type (page, GTK_TYPE_SCROLLED_WINDOW));

  fixture_show (&f, page, 1000, 420);
  ck_assert (sidebar != NULL);
  check_wheel (&f, sidebar, GTK_ADJUSTMENT (page_child (page, "momentum_adjustment")), "momentum slider");
  check_wheel (&f, sidebar, GTK_ADJUSTMENT (page_child (page, "weight_decay_adjustment")), "weight decay spin button");
  check_wheel (&f, sidebar, GTK_ADJUSTMENT (page_child (page, "smoothing_adjustment")), "smoothing slider");
  fixture_close (&f);
}
END_TEST

/* ---- the learning rate's range ---- */

static void
type_lr (GtkEntry *entry, const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  g_signal_emit_by_name (entry, "activate");
}

START_TEST (test_lr_range)
{
  GtkWidget *page = g_object_ref_sink (g_object_new (DL_TYPE_TRAIN_PAGE, NULL));
  GtkAdjustment *adj = GTK_ADJUSTMENT (page_child (page, "lr_adjustment"));
  GtkEntry *entry = GTK_ENTRY (page_child (page, "lr_entry"));
  const char *accepted[] = { "1e-06", "0.0001", "0.05", "1", "5", "10" };
  const char *refused[] = { "1e-07", "0", "-0.1", "10.5", "20", "abc" };

  ck_assert_double_eq_tol (gtk_adjustment_get_lower (adj), log10 (DL_TRAIN_LR_MIN), 1e-9);
  ck_assert_double_eq_tol (gtk_adjustment_get_upper (adj), log10 (DL_TRAIN_LR_MAX), 1e-9);
  /* Every rate the field takes, the slider shows where it is. */
  for (gsize i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      type_lr (entry, accepted[i]);
      ck_assert_msg (!gtk_widget_has_css_class (GTK_WIDGET (entry), "error"), "%s refused", accepted[i]);
      ck_assert_double_eq_tol (gtk_adjustment_get_value (adj), log10 (g_ascii_strtod (accepted[i], NULL)), 1e-9);
    }
  /* And nothing outside it. */
  type_lr (entry, "0.05");
  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      type_lr (entry, refused[i]);
      ck_assert_msg (gtk_widget_has_css_class (GTK_WIDGET (entry), "error"), "%s accepted", refused[i]);
      ck_assert_double_eq_tol (gtk_adjustment_get_value (adj), log10 (0.05), 1e-9);
    }
  /* Both ends of the slider write a rate the field takes. */
  for (int end = 0; end < 2; end++)
    {
      g_autofree char *shown = NULL;

      gtk_adjustment_set_value (adj, end == 0 ? gtk_adjustment_get_lower (adj) : gtk_adjustment_get_upper (adj));
      shown = g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry)));
      type_lr (entry, shown);
      ck_assert_msg (!gtk_widget_has_css_class (GTK_WIDGET (entry), "error"), "the slider's %s refused", shown);
    }
  g_object_unref (page);
}
END_TEST

/* ---- the canvas from the keyboard ---- */

START_TEST (test_canvas_keys)
{
  Fixture f;
  DlCanvas *canvas = DL_CANVAS (dl_canvas_new ());
  const DlStroke *strokes;
  double x0, y0, x1, y1;
  gboolean down;
  int n;

  fixture_show (&f, GTK_WIDGET (canvas), 400, 400);
  ck_assert (gtk_widget_get_focusable (GTK_WIDGET (canvas)));
  ck_assert (gtk_widget_grab_focus (GTK_WIDGET (canvas)));
  pointer_to (&f, GTK_WIDGET (canvas));
  dl_canvas_get_pen (canvas, &x0, &y0, &down);
  ck_assert (!down);

  /* Pen down, a corner of arrows, pen up: one stroke through the points the pen went. */
  xdotool ((const char *[]) { "key", "space", "Right", "Right", "Right", "Down", "Down", "shift+Left", "space", NULL });
  strokes = dl_canvas_get_strokes (canvas, &n);
  ck_assert_int_eq (n, 1);
  ck_assert_int_eq (strokes[0].n_points, 7);
  dl_canvas_get_pen (canvas, &x1, &y1, &down);
  ck_assert (!down);
  ck_assert_double_eq_tol (x1 - x0, gtk_widget_get_width (GTK_WIDGET (canvas)) * 0.116, 0.5);
  ck_assert_double_eq_tol (y1 - y0, gtk_widget_get_height (GTK_WIDGET (canvas)) * 0.08, 0.5);
  ck_assert_double_eq_tol (strokes[0].points[6].x, x1, 1e-3);

  /* Moves with the pen up draw nothing; Delete clears. */
  xdotool ((const char *[]) { "key", "Up", "Up", NULL });
  dl_canvas_get_strokes (canvas, &n);
  ck_assert_int_eq (n, 1);
  xdotool ((const char *[]) { "key", "Delete", NULL });
  ck_assert (dl_canvas_is_empty (canvas));
  fixture_close (&f);
}
END_TEST

/* ---- Tab ---- */

START_TEST (test_tab_order)
{
  Fixture f;
  GtkWidget *page = g_object_new (DL_TYPE_TRAIN_PAGE, NULL);
  GtkWidget *momentum = NULL;
  g_autoptr (GHashTable) reached = g_hash_table_new (NULL, NULL);
  DlPlot *loss, *accuracy;

  fixture_show (&f, page, 1200, 800);
  momentum = find_adjusted (page, GTK_ADJUSTMENT (page_child (page, "momentum_adjustment")));
  loss = DL_PLOT (page_child (page, "loss_plot"));
  accuracy = DL_PLOT (page_child (page, "accuracy_plot"));
  /* Round the whole window once, as Tab does. */
  for (int i = 0; i < 200; i++)
    {
      GtkWidget *focus;

      gtk_widget_child_focus (GTK_WIDGET (f.window), GTK_DIR_TAB_FORWARD);
      focus = gtk_root_get_focus (GTK_ROOT (f.window));
      if (focus != NULL)
        {
          if (g_hash_table_contains (reached, focus) && g_hash_table_size (reached) > 10)
            break;
          g_hash_table_add (reached, focus);
        }
    }
  ck_assert_msg (g_hash_table_contains (reached, loss), "Tab never reaches the loss plot");
  ck_assert_msg (g_hash_table_contains (reached, accuracy), "Tab never reaches the accuracy plot");
  ck_assert_msg (g_hash_table_contains (reached, momentum), "Tab never reaches the momentum slider");
  fixture_close (&f);
}
END_TEST

/* ---- tooltips ---- */

static gboolean
is_control (GtkWidget *w)
{
  return GTK_IS_BUTTON (w) || GTK_IS_MENU_BUTTON (w) || GTK_IS_RANGE (w) || GTK_IS_SPIN_BUTTON (w)
         || GTK_IS_DROP_DOWN (w) || GTK_IS_SWITCH (w) || GTK_IS_ENTRY (w) || GTK_IS_SEARCH_ENTRY (w)
         || GTK_IS_CHECK_BUTTON (w);
}

/* The controls under root without a tooltip, as "GtkType 'label'" lines (a control's own parts are not
 * looked into: a spin button's +/- are GTK's). */
static void
untipped (GtkWidget *root, GString *out)
{
  /* A scrolled window's scrollbars, a header bar's window buttons and an info bar's close button are
   * GTK's own. */
  if (GTK_IS_SCROLLBAR (root) || GTK_IS_WINDOW_CONTROLS (root)
      || (GTK_IS_BUTTON (root) && gtk_widget_get_ancestor (root, GTK_TYPE_INFO_BAR) != NULL
          && g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (root)), "window-close-symbolic") == 0))
    return;
  if (is_control (root))
    {
      if (!gtk_widget_get_has_tooltip (root))
        {
          const char *label = GTK_IS_BUTTON (root) ? gtk_button_get_label (GTK_BUTTON (root)) : NULL;
          g_string_append_printf (out, "\n  %s '%s' in %s", G_OBJECT_TYPE_NAME (root),
                                  label ? label : gtk_widget_get_name (root),
                                  G_OBJECT_TYPE_NAME (gtk_widget_get_parent (root)));
        }
      return;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    untipped (c, out);
}

START_TEST (test_tooltips)
{
  GtkWidget *roots[] = {
    g_object_ref_sink (g_object_new (DL_TYPE_TRAIN_PAGE, NULL)),
    g_object_ref_sink (dl_draw_page_new ()),
    g_object_ref_sink (dl_mistakes_page_new ()),
    g_object_ref_sink (dl_network_page_new ()),
    g_object_ref_sink (dl_data_page_new ()),
    g_object_ref_sink (dl_runs_page_new ()),
    g_object_ref_sink (g_object_new (DL_TYPE_EMPTY_STATE, NULL)),
    GTK_WIDGET (dl_preferences_window_new (NULL, NULL)),
  };

  for (gsize i = 0; i < G_N_ELEMENTS (roots); i++)
    {
      g_autoptr (GString) missing = g_string_new (NULL);

      untipped (roots[i], missing);
      ck_assert_msg (missing->len == 0, "controls of %s without a tooltip:%s", G_OBJECT_TYPE_NAME (roots[i]),
                     missing->str);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (roots); i++)
    if (GTK_IS_WINDOW (roots[i]))
      gtk_window_destroy (GTK_WINDOW (roots[i]));
    else
      g_object_unref (roots[i]);
}
END_TEST

/* ---- the pages' keys ---- */

static gboolean
shows_pages (gpointer window)
{
  GtkStack *main_stack = GTK_STACK (gtk_widget_get_template_child (window, DL_TYPE_WINDOW, "main_stack"));

  return g_strcmp0 (gtk_stack_get_visible_child_name (main_stack), "pages") == 0;
}

START_TEST (test_page_keys)
{
  g_autoptr (GApplication) app = G_APPLICATION (dl_application_new ());
  g_autoptr (GError) error = NULL;
  GtkWidget *window;
  GtkStack *pages;
  g_autoptr (GtkSelectionModel) model = NULL;
  Fixture f;
  guint n;

  ck_assert_msg (g_application_register (app, NULL, &error), "%s", error ? error->message : "");
  g_application_activate (app);
  window = GTK_WIDGET (gtk_application_get_active_window (GTK_APPLICATION (app)));
  ck_assert (DL_IS_WINDOW (window));
  ck_assert_msg (iterate_until (shows_pages, window, 60000), "the window never showed its pages (no MNIST?)");
  pages = GTK_STACK (gtk_widget_get_template_child (window, DL_TYPE_WINDOW, "pages"));
  f = (Fixture) { GTK_WINDOW (window), GTK_WIDGET (pages) };
  ck_assert (iterate_until (mapped, &f, 5000));
  pointer_to (&f, GTK_WIDGET (pages));
  model = gtk_stack_get_pages (pages);
  n = g_list_model_get_n_items (G_LIST_MODEL (model));
  /* No control of a page underlines a letter that shows a page: Alt + it would never reach the control. */
  {
    g_autoptr (GArray) keys = page_keyvals (pages);
    g_autoptr (GString) shadowed = g_string_new (NULL);

    ck_assert (keys != NULL);
    shadowed_mnemonics (GTK_WIDGET (pages), keys, shadowed);
    ck_assert_msg (shadowed->len == 0, "labels underlining a page's key:%s", shadowed->str);
  }

  for (guint from = 0; from < n; from++)
    for (guint to = 0; to < n; to++)
      {
        g_autoptr (GObject) item_a = g_list_model_get_item (G_LIST_MODEL (model), from);
        g_autoptr (GObject) item_b = g_list_model_get_item (G_LIST_MODEL (model), to);
        GtkStackPage *a = GTK_STACK_PAGE (item_a), *b = GTK_STACK_PAGE (item_b);
        const char *u = strchr (gtk_stack_page_get_title (b), '_');
        char key[16];

        if (from == to || !gtk_stack_page_get_visible (a) || !gtk_stack_page_get_visible (b))
          continue;
        ck_assert (u != NULL);
        gtk_stack_set_visible_child (pages, gtk_stack_page_get_child (a));
        iterate_until (never, NULL, 100);
        g_snprintf (key, sizeof key, "alt+%c", g_ascii_tolower (u[1]));
        xdotool ((const char *[]) { "key", key, NULL });
        ck_assert_msg (gtk_stack_get_visible_child (pages) == gtk_stack_page_get_child (b),
                       "%s on the %s page showed the %s page, not %s", key, gtk_stack_page_get_name (a),
                       gtk_stack_get_visible_child_name (pages), gtk_stack_page_get_name (b));
      }
  gtk_window_destroy (GTK_WINDOW (window));
  iterate_until (never, NULL, 50);
}
END_TEST

int
main (int argc, char **argv)
{
  Suite *s = suite_create ("access");
  TCase *tc = tcase_create ("access");
  SRunner *sr;
  int failed;

  gtk_init ();
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_lr_range);
  tcase_add_test (tc, test_tooltips);
  tcase_add_test (tc, test_tab_order);
  tcase_add_test (tc, test_canvas_keys);
  tcase_add_test (tc, test_wheel);
  tcase_add_test (tc, test_page_keys);
  suite_add_tcase (s, tc);
  sr = srunner_create (s);
  /* GTK must run in the process that owns the display connection. */
  srunner_set_fork_status (sr, CK_NOFORK);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
