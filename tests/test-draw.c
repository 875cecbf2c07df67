/* test-draw.c — the Draw page in a real window (X11, e.g. under xvfb-run with GDK_BACKEND=x11): a
 * digit dragged with real pointer events (xdotool, XTEST) is classified while the button is still down,
 * and the answer shows on the page; no answer for an empty canvas or an untrained model, a hint for a dot
 * or a dash; undo, clear, and saving to the personal set; with an explainer, the heatmap, the nearest
 * training images and the verdict on whether it looks like a digit. */
#include <check.h>
#include <gdk/x11/gdkx.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dl-canvas.h"
#include "dl-draw-page.h"
#include "dl-model.h"
#include "dl-personal.h"
#include "dl-rng.h"
#include "dl-test-gtk.h"
#include "dl-test-mnist.h"

static char *tmp_dir;
static char *train_model (void);
static char *model_path;   /* an mlp trained one epoch on MNIST, for the MNIST suite */

/* ---- helpers ---- */

static GtkWidget *
find_named (GtkWidget *widget, const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_named (c, name);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static const char *
label_text (DlDrawPage *page, const char *name)
{
  GtkWidget *label = find_named (GTK_WIDGET (page), name);
  ck_assert_msg (label != NULL, "no label named %s", name);
  return gtk_label_get_text (GTK_LABEL (label));
}

static void
on_event (DlWorker *worker, DlEvent *ev, gpointer data)
{
  if (ev->type == DL_EVENT_MODEL_LOADED)
    *(gboolean *) data = TRUE;
  ck_assert_msg (ev->type != DL_EVENT_ERROR, "worker: %s", ev->error ? ev->error->message : "?");
}

/* A session without a run history, its run the saved model (as session.load-model opens it). */
static DlSession *
session_with_model (void)
{
  DlSession *session = dl_session_new (NULL, "");
  DlWorker *worker = dl_session_get_worker (session);
  gboolean loaded = FALSE;
  gulong id = g_signal_connect (worker, "event", G_CALLBACK (on_event), &loaded);
  if (model_path == NULL)
    model_path = train_model ();   /* once, inside the first test that needs it (it asserts) */
  g_action_group_activate_action (dl_session_get_actions (session), "load-model", g_variant_new_string (model_path));
  ck_assert (iterate_until (is_true, &loaded, 10000));
  g_signal_handler_disconnect (worker, id);
  g_autoptr (DlSnapshot) snap = dl_session_dup_snapshot (session);
  ck_assert (snap != NULL && snap->trained);
  return session;
}

typedef struct {
  GtkWindow  *window;
  DlDrawPage *page;
  DlCanvas   *canvas;
} Fixture;

static gboolean
canvas_ready (gpointer data)
{
  Fixture *f = data;
  return gtk_widget_get_mapped (GTK_WIDGET (f->canvas)) && gtk_widget_get_width (GTK_WIDGET (f->canvas)) > 100;
}

static void
fixture_show (Fixture *f, DlSession *session)
{
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_title (f->window, "Draw test");
  gtk_window_set_default_size (f->window, 900, 640);
  f->page = DL_DRAW_PAGE (dl_draw_page_new ());
  gtk_window_set_child (f->window, GTK_WIDGET (f->page));
  if (session != NULL)
    g_object_set (f->page, "session", session, NULL);
  f->canvas = DL_CANVAS (find_type (GTK_WIDGET (f->page), DL_TYPE_CANVAS));
  ck_assert (f->canvas != NULL);
  gtk_window_present (f->window);
  ck_assert (iterate_until (canvas_ready, f, 5000));
}

static void
fixture_close (Fixture *f)
{
  gtk_window_destroy (f->window);
  iterate_until (never, NULL, 50);
}

static gboolean
has_prediction (gpointer data)
{
  return dl_draw_page_get_prediction (data) >= 0;
}

static gboolean canvas_empty (gpointer data);
static void wait_for_frame (DlDrawPage *page);

/* A 7 as a person draws it, in the unit square: the bar, then the stem. */
static const double SEVEN[][2] = {
  { 0.22, 0.20 }, { 0.40, 0.19 }, { 0.58, 0.20 }, { 0.76, 0.20 },
  { 0.70, 0.34 }, { 0.62, 0.50 }, { 0.54, 0.66 }, { 0.47, 0.82 },
};

/* ---- xdotool ---- */

/* Runs xdotool with `args` while the main loop keeps running, so GTK sees the events as they come. */
static void
xdotool (GStrv args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) argv = NULL;

  g_strv_builder_add (b, "xdotool");
  g_strv_builder_addv (b, (const char **) args);
  argv = g_strv_builder_end (b);
  ck_assert_msg (dl_test_spawn_and_iterate (argv, 10000, &error), "xdotool: %s", error ? error->message : "");
}

/* Where the canvas point (u, v) of the unit square is, in the X window's coordinates. */
static void
window_point (Fixture *f, double u, double v, int *x, int *y)
{
  graphene_point_t p;
  double sx, sy;
  double side = gtk_widget_get_width (GTK_WIDGET (f->canvas));
  ck_assert (gtk_widget_compute_point (GTK_WIDGET (f->canvas), GTK_WIDGET (f->window),
                                       &GRAPHENE_POINT_INIT (u * side, v * side), &p));
  gtk_native_get_surface_transform (GTK_NATIVE (f->window), &sx, &sy);
  *x = (int) (p.x + sx);
  *y = (int) (p.y + sy);
}

static void
add_coords (GStrvBuilder *b, int x, int y)
{
  char sx[16], sy[16];
  g_snprintf (sx, sizeof sx, "%d", x);
  g_snprintf (sy, sizeof sy, "%d", y);
  g_strv_builder_add_many (b, sx, sy, NULL);
}

/* A move, then a pause longer than a frame. */
static void
add_move (GStrvBuilder *b, const char *xid, int x, int y)
{
  g_strv_builder_add_many (b, "mousemove", "--window", xid, NULL);
  add_coords (b, x, y);
  g_strv_builder_add_many (b, "sleep", "0.02", NULL);
}

/* ---- tests ---- */

/* Real pointer events along a 7: the page answers while the button is still down, and after release
 * the label shows "7". Escape (a real key press) clears the canvas and the answer. */
START_TEST (test_drag_classifies_live)
{
  DL_TEST_WATCHDOG ();
  g_autoptr (DlSession) session = session_with_model ();
  Fixture f;
  fixture_show (&f, session);
  ck_assert_str_eq (label_text (f.page, "prediction"), "–");
  ck_assert_int_eq (dl_draw_page_get_prediction (f.page), -1);

  char xid[32];
  g_snprintf (xid, sizeof xid, "%lu", (gulong) gdk_x11_surface_get_xid (gtk_native_get_surface (GTK_NATIVE (f.window))));
  g_autoptr (GStrvBuilder) down = g_strv_builder_new ();
  int x, y;
  window_point (&f, SEVEN[0][0], SEVEN[0][1], &x, &y);
  add_move (down, xid, x, y);
  g_strv_builder_add_many (down, "mousedown", "1", NULL);
  /* Sample the polyline every few pixels, as a real pointer would report it. */
  for (guint i = 1; i < G_N_ELEMENTS (SEVEN); i++)
    for (int k = 1; k <= 4; k++)
      {
        double t = k / 4.0;
        window_point (&f, SEVEN[i - 1][0] + t * (SEVEN[i][0] - SEVEN[i - 1][0]),
                      SEVEN[i - 1][1] + t * (SEVEN[i][1] - SEVEN[i - 1][1]), &x, &y);
        add_move (down, xid, x, y);
      }
  g_auto (GStrv) down_args = g_strv_builder_end (down);
  xdotool (down_args);

  /* Still drawing: the answer is already there. */
  ck_assert (iterate_until (has_prediction, f.page, 3000));
  ck_assert (!dl_canvas_is_empty (f.canvas));
  xdotool ((char *[]) { "mouseup", "1", NULL });
  iterate_until (never, NULL, 100);

  guint n_strokes;
  g_object_get (f.canvas, "n-strokes", &n_strokes, NULL);
  ck_assert_uint_eq (n_strokes, 1);
  printf ("drawn 7 read as %s, %s\n", label_text (f.page, "prediction"), label_text (f.page, "status"));
  ck_assert_str_eq (label_text (f.page, "prediction"), "7");
  ck_assert_int_eq (dl_draw_page_get_prediction (f.page), 7);
  ck_assert (g_str_has_suffix (label_text (f.page, "status"), "sure"));

  /* Escape, as a real key press with the pointer over the canvas, which took focus on the press. */
  ck_assert (gtk_widget_has_focus (GTK_WIDGET (f.canvas)));
  xdotool ((char *[]) { "key", "Escape", NULL });
  ck_assert (iterate_until (canvas_empty, f.canvas, 3000));
  wait_for_frame (f.page);
  ck_assert_int_eq (dl_draw_page_get_prediction (f.page), -1);
  ck_assert_str_eq (label_text (f.page, "prediction"), "–");
  ck_assert_str_eq (label_text (f.page, "status"), "Draw a digit");

  /* A fast stroke, all its motion sent at once: GDK merges the motion events, and the samples it merged
   * come back from the events' history, so the stroke keeps (nearly) every one. */
  g_autoptr (GStrvBuilder) fast = g_strv_builder_new ();
  window_point (&f, 0.5, 0.15, &x, &y);
  g_strv_builder_add_many (fast, "mousemove", "--window", xid, NULL);
  add_coords (fast, x, y);
  g_strv_builder_add_many (fast, "mousedown", "1", NULL);
  for (int k = 1; k <= 30; k++)
    {
      window_point (&f, 0.5 + 0.1 * sin (k / 5.0), 0.15 + 0.7 * k / 30, &x, &y);
      g_strv_builder_add_many (fast, "mousemove", "--window", xid, NULL);
      add_coords (fast, x, y);
    }
  g_strv_builder_add_many (fast, "mouseup", "1", NULL);
  g_auto (GStrv) fast_args = g_strv_builder_end (fast);
  xdotool (fast_args);
  iterate_until (never, NULL, 200);
  int n;
  const DlStroke *strokes = dl_canvas_get_strokes (f.canvas, &n);
  ck_assert_int_eq (n, 1);
  printf ("fast stroke: 31 pointer positions sent, %d samples kept\n", strokes[0].n_points);
  ck_assert_int_ge (strokes[0].n_points, 28);
  fixture_close (&f);
}
END_TEST

static gboolean
on_frame (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
canvas_empty (gpointer data)
{
  return dl_canvas_is_empty (data);
}

/* Returns once the widget's frame clock has ticked: the tick callbacks added before this one have run. */
static void
wait_for_frame (DlDrawPage *page)
{
  gboolean ticked = FALSE;
  gtk_widget_add_tick_callback (GTK_WIDGET (page), on_frame, &ticked, NULL);
  ck_assert_msg (iterate_until (is_true, &ticked, 5000), "the page's frame clock did not tick");
}

static void
draw_polyline (DlCanvas *canvas, const double (*pts)[2], int n)
{
  double side = gtk_widget_get_width (GTK_WIDGET (canvas));
  dl_canvas_begin_stroke (canvas, pts[0][0] * side, pts[0][1] * side, 1);
  for (int i = 1; i < n; i++)
    dl_canvas_extend_stroke (canvas, pts[i][0] * side, pts[i][1] * side, 1);
  dl_canvas_end_stroke (canvas);
}

/* Nothing drawn: no guess. A dot or a dash: no guess either, but a hint instead of silence. An untrained
 * model: it says so instead of answering. */
START_TEST (test_no_guess)
{
  DL_TEST_WATCHDOG ();
  g_autoptr (DlSession) session = dl_session_new (NULL, "");   /* no network yet */
  Fixture f;
  fixture_show (&f, session);
  ck_assert_str_eq (label_text (f.page, "status"), "Draw a digit");

  /* The page reads the canvas on its next frame: a tick callback added after the drawing runs after the
   * page's, so when it has run the page has looked at the dot. */
  double dot[][2] = { { 0.5, 0.5 } };
  draw_polyline (f.canvas, dot, 1);
  wait_for_frame (f.page);
  ck_assert (!dl_canvas_is_empty (f.canvas));
  ck_assert_int_eq (dl_draw_page_get_prediction (f.page), -1);
  ck_assert_str_eq (label_text (f.page, "status"), "Too small to read");

  /* A dash 1.5 pens long (the canvas's pen is 6 % of its side). */
  gtk_widget_activate_action (GTK_WIDGET (f.page), "draw.clear", NULL);
  double dash[][2] = { { 0.45, 0.5 }, { 0.54, 0.5 } };
  draw_polyline (f.canvas, dash, 2);
  iterate_until (never, NULL, 100);
  ck_assert_int_eq (dl_draw_page_get_prediction (f.page), -1);
  ck_assert_str_eq (label_text (f.page, "status"), "Too short to read");
  gtk_widget_activate_action (GTK_WIDGET (f.page), "draw.clear", NULL);

  draw_polyline (f.canvas, SEVEN, G_N_ELEMENTS (SEVEN));
  wait_for_frame (f.page);
  ck_assert_int_eq (dl_draw_page_get_prediction (f.page), -1);
  ck_assert_str_eq (label_text (f.page, "prediction"), "?");
  ck_assert_str_eq (label_text (f.page, "status"), "The model is untrained");
  fixture_close (&f);
}
END_TEST

/* Settled on the drawing, with an index of the snapshot in use. */
static gboolean
explained (gpointer data)
{
  DlDrawPage *page = data;
  DlExplanation *e = dl_draw_page_get_complete_explanation (page);
  return dl_draw_page_is_settled (page) && e != NULL && e->have_index && e->index_step == e->step;
}

/* With an explainer, a drawn 7 gets its heatmap (integrated gradients adding up to the score's change
 * from a black image), its 8 nearest training images, and the "and not" class asked for; whatever the
 * verdict on a drawing, the labels say it (a digit with its probability, or "this doesn't look like a
 * digit" and no class shown). */
START_TEST (test_explains)
{
  DL_TEST_WATCHDOG ();
  g_autoptr (DlSession) session = session_with_model ();
  g_autoptr (DlDataset) train = dl_test_mnist_load (TRUE);
  g_autoptr (DlDataset) test = dl_test_mnist_load (FALSE);
  g_autoptr (DlDataset) train_part = dl_dataset_subset (train, 10000);
  g_autoptr (DlExplainer) explainer = dl_explainer_new ();
  dl_explainer_set_data (explainer, train_part, test);
  Fixture f;
  fixture_show (&f, session);
  dl_draw_page_set_explainer (f.page, explainer);

  draw_polyline (f.canvas, SEVEN, G_N_ELEMENTS (SEVEN));
  ck_assert (iterate_until (explained, f.page, 90000));
  DlExplanation *e = dl_draw_page_get_complete_explanation (f.page);
  ck_assert_int_eq (e->predicted, 7);
  ck_assert_int_eq (e->target, 7);
  ck_assert_int_eq (e->method, DL_ATTRIB_INTEGRATED_GRADIENTS);
  ck_assert (e->attrib.max_abs > 0);
  ck_assert_float_eq_tol (e->attrib.sum, e->attrib.f_x - e->attrib.f_baseline,
                          0.02 * fabs (e->attrib.f_x - e->attrib.f_baseline));
  int sevens = 0;
  for (int k = 0; k < DL_NEIGHBOURS_K; k++)
    sevens += e->neighbours[k].label == 7;
  printf ("drawn 7: %d of its %d nearest training images are 7s; %s\n", sevens, DL_NEIGHBOURS_K,
          e->verdict.flagged ? "flagged" : "a digit");
  ck_assert_int_ge (sevens, DL_NEIGHBOURS_K / 2);
  if (e->verdict.flagged)
    ck_assert_str_eq (label_text (f.page, "status"), "This doesn't look like a digit");
  else
    ck_assert (g_str_has_suffix (label_text (f.page, "status"), "sure"));
  ck_assert_int_eq (dl_draw_page_get_prediction (f.page), e->verdict.flagged ? -1 : 7);
  ck_assert (dl_draw_page_get_not_a_digit (f.page) == e->verdict.flagged);

  /* Why 7 and not 1: the "and not" list holds "–" then 0 … 9. */
  GtkDropDown *contrast = GTK_DROP_DOWN (gtk_widget_get_template_child (GTK_WIDGET (f.page), DL_TYPE_DRAW_PAGE,
                                                                        "contrast_dropdown"));
  gtk_drop_down_set_selected (contrast, 1 + 1);
  ck_assert (iterate_until (explained, f.page, 10000));
  e = dl_draw_page_get_complete_explanation (f.page);
  ck_assert_int_eq (e->contrast, 1);
  GtkLabel *heading = GTK_LABEL (gtk_widget_get_template_child (GTK_WIDGET (f.page), DL_TYPE_DRAW_PAGE, "why_heading"));
  ck_assert_str_eq (gtk_label_get_text (heading), "Why 7 and not 1");

  /* A dense scribble: whatever the verdict, the labels follow it. */
  gtk_widget_activate_action (GTK_WIDGET (f.page), "draw.clear", NULL);
  double scribble[24][2];
  for (int i = 0; i < 24; i++)
    {
      scribble[i][0] = 0.3 + 0.4 * fabs (sin (i * 1.7));
      scribble[i][1] = 0.3 + 0.4 * fabs (cos (i * 2.3));
    }
  draw_polyline (f.canvas, scribble, 24);
  ck_assert (iterate_until (explained, f.page, 10000));
  e = dl_draw_page_get_complete_explanation (f.page);
  printf ("scribble read as %d (%.0f %%): %s\n", e->predicted, 100 * e->probs[e->predicted],
          e->verdict.flagged ? "this doesn't look like a digit" : "a digit");
  ck_assert (dl_draw_page_get_not_a_digit (f.page) == e->verdict.flagged);
  if (e->verdict.flagged)
    ck_assert_str_eq (label_text (f.page, "status"), "This doesn't look like a digit");
  fixture_close (&f);
}
END_TEST

static gboolean
shows_digit (gpointer data)
{
  return dl_draw_page_get_prediction (data) >= 0;
}

/* Undo and clear through the actions; a digit saved with a corrected label lands in the personal set. */
START_TEST (test_undo_clear_save)
{
  DL_TEST_WATCHDOG ();
  g_autoptr (DlSession) session = session_with_model ();
  Fixture f;
  fixture_show (&f, session);
  GtkWidget *canvas = GTK_WIDGET (f.canvas);
  guint n;

  const double bar[][2] = { { 0.2, 0.2 }, { 0.8, 0.2 } };
  const double stem[][2] = { { 0.8, 0.2 }, { 0.45, 0.85 } };
  draw_polyline (f.canvas, bar, 2);
  draw_polyline (f.canvas, stem, 2);
  g_object_get (canvas, "n-strokes", &n, NULL);
  ck_assert_uint_eq (n, 2);
  ck_assert (gtk_widget_activate_action (canvas, "canvas.undo", NULL));
  g_object_get (canvas, "n-strokes", &n, NULL);
  ck_assert_uint_eq (n, 1);
  ck_assert (gtk_widget_activate_action (canvas, "canvas.clear", NULL));
  ck_assert (dl_canvas_is_empty (f.canvas));

  /* The page preselects the prediction as the label; one click on another digit corrects it. */
  draw_polyline (f.canvas, SEVEN, G_N_ELEMENTS (SEVEN));
  ck_assert (iterate_until (shows_digit, f.page, 3000));
  int label;
  g_object_get (f.page, "label", &label, NULL);
  ck_assert_int_eq (label, dl_draw_page_get_prediction (f.page));
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (f.page), "draw.label", "i", 1));
  iterate_until (never, NULL, 50);
  g_object_get (f.page, "label", &label, NULL);
  ck_assert_int_eq (label, 1);
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (f.page), "draw.save", NULL));
  ck_assert (dl_canvas_is_empty (f.canvas));

  g_autofree char *dir = dl_personal_default_dir ();
  ck_assert (g_str_has_prefix (dir, tmp_dir));
  g_autoptr (GError) error = NULL;
  g_autoptr (DlDataset) set = dl_personal_load (dir, &error);
  ck_assert_msg (set != NULL, "%s", error ? error->message : "");
  ck_assert_int_eq (set->n, 1);
  ck_assert_int_eq (set->labels[0], 1);
  int ink = 0;
  for (int i = 0; i < 28 * 28; i++)
    ink += set->pixels[i];
  ck_assert_int_gt (ink, 40 * 255);
  printf ("after saving: %s\n", label_text (f.page, "personal"));
  ck_assert (strstr (label_text (f.page, "personal"), "Saved as “1”") != NULL);
  ck_assert (strstr (label_text (f.page, "personal"), "1 digit saved") != NULL);
  fixture_close (&f);
}
END_TEST

/* A damaged personal set: the page says what is wrong with which file, and does not write over it. */
START_TEST (test_damaged_personal_set)
{
  DL_TEST_WATCHDOG ();
  g_autofree char *dir = dl_personal_default_dir ();
  g_autofree char *labels = g_build_filename (dir, "train-labels-idx1-ubyte", NULL);
  g_autofree char *images = g_build_filename (dir, "train-images-idx3-ubyte", NULL);
  ck_assert_int_eq (g_mkdir_with_parents (dir, 0755), 0);
  ck_assert (g_file_set_contents (labels, "not an IDX file", -1, NULL));
  if (!g_file_test (images, G_FILE_TEST_EXISTS))
    ck_assert (g_file_set_contents (images, "", 0, NULL));

  Fixture f;
  fixture_show (&f, NULL);
  const char *text = label_text (f.page, "personal");
  printf ("damaged set: %s\n", text);
  ck_assert (g_str_has_prefix (text, "Your personal set could not be read: "));
  ck_assert (strstr (text, dir) != NULL);
  ck_assert (gtk_widget_has_css_class (find_named (GTK_WIDGET (f.page), "personal"), "error"));

  draw_polyline (f.canvas, SEVEN, G_N_ELEMENTS (SEVEN));
  ck_assert (gtk_widget_activate_action (GTK_WIDGET (f.page), "draw.label", "i", 7));
  iterate_until (never, NULL, 100);
  gtk_widget_activate_action (GTK_WIDGET (f.page), "draw.save", NULL);
  ck_assert (!dl_canvas_is_empty (f.canvas));   /* not saved, the drawing is kept */
  g_autofree char *kept = NULL;
  ck_assert (g_file_get_contents (labels, &kept, NULL, NULL));
  ck_assert_str_eq (kept, "not an IDX file");
  fixture_close (&f);
}
END_TEST

/* ---- set-up ---- */

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  if (dir != NULL)
    {
      const char *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_dir_close (dir);
    }
  g_remove (path);
}

static char *
train_model (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DlDataset) train = dl_test_mnist_load (TRUE);
  const DlPreset *preset = dl_preset_find ("mlp");
  DlArch arch;
  g_assert (dl_arch_parse (preset->arch, &arch, NULL));
  g_autoptr (DlNet) net = dl_net_new (&arch, 3);
  DlRng rng;
  dl_rng_seed (&rng, 3);
  g_autofree int *idx = g_new (int, train->n);
  for (int i = 0; i < train->n; i++)
    idx[i] = i;
  dl_rng_shuffle (&rng, idx, train->n);
  int batch = preset->batch;
  g_autofree float *x = g_new (float, (gsize) batch * 28 * 28);
  g_autofree guint8 *y = g_new (guint8, batch);
  for (int i = 0; i + batch <= train->n; i += batch)
    {
      dl_dataset_gather (train, idx + i, batch, x);
      for (int j = 0; j < batch; j++)
        y[j] = train->labels[idx[i + j]];
      dl_net_train_step (net, x, y, batch, &preset->hyper, NULL);
    }
  char *path = g_build_filename (tmp_dir, "mlp.dlm", NULL);
  g_assert (dl_model_save (net, path, &error));
  return path;
}

static Suite *
draw_suite (void)
{
  Suite *s = suite_create ("draw");
  TCase *tc = tcase_create ("page");
  tcase_add_test (tc, test_no_guess);
  tcase_add_test (tc, test_damaged_personal_set);   /* last: it damages the personal set */
  suite_add_tcase (s, tc);
  return s;
}

/* The tests that read digits with a model trained on MNIST. */
static Suite *
mnist_suite (void)
{
  Suite *s = suite_create ("draw-mnist");
  TCase *tc = tcase_create ("page");
  tcase_add_test (tc, test_drag_classifies_live);
  tcase_add_test (tc, test_undo_clear_save);
  tcase_add_test (tc, test_explains);
  suite_add_tcase (s, tc);
  return s;
}

int
main (int argc, char **argv)
{
  tmp_dir = g_dir_make_tmp ("test-draw-XXXXXX", NULL);
  g_autofree char *data_home = g_build_filename (tmp_dir, "data", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);   /* the personal set goes here, not into $HOME */
  gtk_init ();
  /* One process for all tests: one GTK display connection. */
  int status = dl_test_main (argc, argv, draw_suite, mnist_suite, CK_NOFORK);
  remove_tree (tmp_dir);
  return status;
}
