/* draw-digits — does the Draw page read handwriting? Each drawing of bench/digit-strokes.h (three styles
 * of every digit) is drawn on a real DlDrawPage with real pointer drags (xdotool: press, a motion event
 * every few pixels along each stroke, release; the pen lifted between strokes), the page's answer is read
 * once it has settled, and the canvas is cleared through draw.clear. Prints a table and "recognised N of
 * M"; --variants N draws N randomly varied copies of each too (shifted, scaled, leaning, turned, with a
 * tremor; seeded), --hurried N copies as drawn in a hurry (turned up to ±22°, squashed, shaky, a loop left
 * open, a stroke broken, small and anywhere: tests/dl-test-strokes.h); --screenshot renders the page with
 * one well-read digit to a PNG; --sheet draws the set itself (no model or display needed); --offline reads
 * the same pointer paths through the page's preprocessing without a page (quick, for trying models).
 *
 * xvfb-run -a -s "-screen 0 1280x1024x24" env GDK_BACKEND=x11 \
 *   build/bench/draw-digits --model cnn.dlm --variants 5 --screenshot draw-page.png */
#include <errno.h>
#include <gdk/x11/gdkx.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dl-blas.h"
#include "dl-canvas.h"
#include "dl-draw-page.h"
#include "dl-model.h"
#include "dl-ood.h"
#include "dl-preprocess.h"
#include "dl-rng.h"
#include "digit-strokes.h"
#include "dl-test-gtk.h"

#define N_DRAWINGS ((int) G_N_ELEMENTS (DIGIT_DRAWINGS))
/* --offline: the canvas side the Draw page gets in draw-digits' 1000 × 850 window. */
#define OFFLINE_SIDE 540.0

/* ---- the contact sheet (--sheet) ---- */

/* Drawing `index` as the canvas shows it, in a tile of side `tile` at (x0, y0). */
static gboolean
paint_tile (cairo_t *cr, double x0, double y0, double tile, int index, const Variant *v, GError **error)
{
  g_autoptr (GPtrArray) strokes = pointer_path (&DIGIT_DRAWINGS[index], v, tile, 1.0, error);
  if (strokes == NULL)
    return FALSE;
  g_autofree DlStroke *ds = g_new (DlStroke, strokes->len);
  g_autoptr (GPtrArray) dl_pts = g_ptr_array_new_with_free_func (g_free);
  for (guint s = 0; s < strokes->len; s++)
    {
      GArray *pts = g_ptr_array_index (strokes, s);
      DlPoint *dp = g_new (DlPoint, pts->len);
      for (guint k = 0; k < pts->len; k++)
        dp[k] = (DlPoint) { g_array_index (pts, Pt, k).x, g_array_index (pts, Pt, k).y, 1 };
      g_ptr_array_add (dl_pts, dp);
      ds[s] = (DlStroke) { dp, pts->len };
    }
  cairo_save (cr);
  cairo_translate (cr, x0, y0);
  cairo_rectangle (cr, 0, 0, tile, tile);
  cairo_set_source_rgb (cr, 0.93, 0.93, 0.93);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 0, 0, 0);
  /* the canvas's pen: 3/20 of a digit 40 % of the canvas tall */
  dl_strokes_draw (cr, ds, strokes->len, tile * DL_DIGIT_PEN_WIDTH / DL_DIGIT_BOX * 0.4);
  cairo_restore (cr);
  return TRUE;
}

/* Without variants: a row per digit, its three styles side by side. With n variants: a row per drawing,
 * as defined and then its variants. */
static gboolean
write_sheet (const char *path, const Variant *variants, int n, GError **error)
{
  const int tile = n == 0 ? 150 : 110, label_h = n == 0 ? 18 : 16;
  const int cols = n == 0 ? 3 : n + 1, rows = n == 0 ? 10 : N_DRAWINGS;
  int per_digit[10] = { 0 };
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, cols * tile, rows * (tile + label_h));
  cairo_t *cr = cairo_create (surface);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_set_font_size (cr, n == 0 ? 11 : 10);

  for (int i = 0; i < N_DRAWINGS; i++)
    {
      const DigitDrawing *d = &DIGIT_DRAWINGS[i];
      int row = n == 0 ? d->digit : i, col = n == 0 ? per_digit[d->digit]++ : 0;
      double y0 = row * (tile + label_h);
      gboolean ok = col < cols;
      if (!ok)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "more than %d drawings of %d", cols, d->digit);
      ok = ok && paint_tile (cr, col * tile + 5, y0 + 5, tile - 10, i, &AS_DEFINED, error);
      for (int k = 0; k < n && ok; k++)
        ok = paint_tile (cr, (k + 1) * tile + 5, y0 + 5, tile - 10, i, &variants[k * N_DRAWINGS + i], error);
      if (!ok)
        {
          cairo_destroy (cr);
          cairo_surface_destroy (surface);
          return FALSE;
        }
      cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
      cairo_move_to (cr, col * tile + 5, y0 + tile + label_h / 2.0);
      g_autofree char *caption = g_strdup_printf ("%d: %s%s", d->digit, d->style, n > 0 ? ", then its variants" : "");
      cairo_show_text (cr, caption);
    }
  cairo_destroy (cr);
  cairo_status_t status = cairo_surface_write_to_png (surface, path);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", path, cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}

/* ---- the main loop ---- */

/* ---- the window ---- */

typedef struct {
  GtkWindow  *window;
  DlDrawPage *page;
  DlCanvas   *canvas;
  DlSession  *session;   /* no run history; its run the model */
  char        xid[32];
  double      step_px;   /* pointer motion every step_px along a stroke */
  const char *pace;      /* seconds between motion events, for xdotool sleep */
  DlExplainer *explainer;
  gboolean    index_ready;
  DlNet      *offline;   /* --offline: the model, reading the pointer paths without a page */
  DlNeighbours *offline_nb;
  DlOod      *offline_ood;
  DlNetWork  *offline_work;
  double      offline_side;
} Bench;

typedef struct {
  gboolean done;
  GError  *error;
} Loading;

static void
on_event (DlWorker *worker, DlEvent *ev, gpointer data)
{
  Loading *l = data;
  if (ev->type == DL_EVENT_MODEL_LOADED)
    l->done = TRUE;
  else if (ev->type == DL_EVENT_ERROR && l->error == NULL)
    {
      l->error = g_error_copy (ev->error);
      l->done = TRUE;
    }
}

static gboolean
load_model (Bench *b, const char *path, GError **error)
{
  Loading l = { FALSE, NULL };
  b->session = dl_session_new (NULL, "");
  DlWorker *worker = dl_session_get_worker (b->session);
  gulong id = g_signal_connect (worker, "event", G_CALLBACK (on_event), &l);
  g_action_group_activate_action (dl_session_get_actions (b->session), "load-model", g_variant_new_string (path));
  gboolean in_time = iterate_until (is_true, &l.done, 30000);
  g_signal_handler_disconnect (worker, id);
  if (l.error != NULL)
    {
      g_propagate_error (error, l.error);
      return FALSE;
    }
  if (!in_time)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%s: the worker did not load it within 30 s", path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
canvas_ready (gpointer data)
{
  Bench *b = data;
  return gtk_widget_get_mapped (GTK_WIDGET (b->canvas)) && gtk_widget_get_width (GTK_WIDGET (b->canvas)) > 100;
}

/* Where canvas point (x, y) is on the screen, for the pointer. */
static void
screen_point (Bench *b, double x, double y, int *sx, int *sy)
{
  graphene_point_t p;
  double tx, ty;
  if (!gtk_widget_compute_point (GTK_WIDGET (b->canvas), GTK_WIDGET (b->window), &GRAPHENE_POINT_INIT (x, y), &p))
    g_error ("the canvas is not in the window");
  gtk_native_get_surface_transform (GTK_NATIVE (b->window), &tx, &ty);
  *sx = (int) lround (p.x + tx);
  *sy = (int) lround (p.y + ty);
}

static gboolean
show_window (Bench *b, GError **error)
{
  /* The app's own style sheet, as DlApplication installs it, so the page looks as it does in the app. */
  g_autoptr (GtkCssProvider) css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/io/github/digitlab/DigitLab/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  b->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_title (b->window, "Digit Lab — Draw");
  gtk_window_set_default_size (b->window, 1000, 850);
  b->page = DL_DRAW_PAGE (dl_draw_page_new ());
  gtk_window_set_child (b->window, GTK_WIDGET (b->page));
  dl_draw_page_set_session (b->page, b->session);
  dl_draw_page_set_explainer (b->page, b->explainer);
  b->canvas = DL_CANVAS (find_type (GTK_WIDGET (b->page), DL_TYPE_CANVAS));
  gtk_window_present (b->window);
  if (!iterate_until (canvas_ready, b, 5000))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the Draw page's canvas was not shown within 5 s");
      return FALSE;
    }
  iterate_until (never, NULL, 300);

  /* Pointer events off the screen would be clamped to its edge: the whole canvas must be on it. */
  GdkDisplay *display = gtk_widget_get_display (GTK_WIDGET (b->window));
  Window root = gdk_x11_display_get_xrootwindow (display);
  XWindowAttributes attrs;
  XGetWindowAttributes (gdk_x11_display_get_xdisplay (display), root, &attrs);
  int side = gtk_widget_get_width (GTK_WIDGET (b->canvas)), x1, y1, x0, y0, rx, ry;
  Window child;
  screen_point (b, 0, 0, &x0, &y0);
  screen_point (b, side, side, &x1, &y1);
  g_snprintf (b->xid, sizeof b->xid, "%lu",
              (gulong) gdk_x11_surface_get_xid (gtk_native_get_surface (GTK_NATIVE (b->window))));
  XTranslateCoordinates (gdk_x11_display_get_xdisplay (display),
                         gdk_x11_surface_get_xid (gtk_native_get_surface (GTK_NATIVE (b->window))), root,
                         x1, y1, &rx, &ry, &child);
  if (rx >= attrs.width || ry >= attrs.height)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "the canvas ends at (%d, %d) on a %d×%d screen: run xvfb-run with -s \"-screen 0 1280x1024x24\"",
                   rx, ry, attrs.width, attrs.height);
      return FALSE;
    }
  return TRUE;
}

/* Runs xdotool while the main loop keeps running, so the page sees the events as they come. */
static gboolean
xdotool (GStrvBuilder *args, GError **error)
{
  g_auto (GStrv) argv = g_strv_builder_end (args);

  return dl_test_spawn_and_iterate (argv, 60000, error);
}

static void
add_move (Bench *b, GStrvBuilder *args, double x, double y, gboolean pause)
{
  int sx, sy;
  char cx[16], cy[16];
  screen_point (b, x, y, &sx, &sy);
  g_snprintf (cx, sizeof cx, "%d", sx);
  g_snprintf (cy, sizeof cy, "%d", sy);
  g_strv_builder_add_many (args, "mousemove", "--window", b->xid, cx, cy, NULL);
  if (pause)
    g_strv_builder_add_many (args, "sleep", b->pace, NULL);
}

/* Each stroke: move there, press, move along it, release; a short pause between strokes. */
static gboolean
drag_drawing (Bench *b, int index, const Variant *v, int *n_strokes, GError **error)
{
  double side = gtk_widget_get_width (GTK_WIDGET (b->canvas));
  g_autoptr (GPtrArray) strokes = pointer_path (&DIGIT_DRAWINGS[index], v, side, b->step_px, error);
  if (strokes == NULL)
    return FALSE;
  for (guint s = 0; s < strokes->len; s++)
    {
      GArray *pts = g_ptr_array_index (strokes, s);
      g_autoptr (GStrvBuilder) args = g_strv_builder_new ();
      g_strv_builder_add (args, "xdotool");
      add_move (b, args, g_array_index (pts, Pt, 0).x, g_array_index (pts, Pt, 0).y, TRUE);
      g_strv_builder_add_many (args, "mousedown", "1", "sleep", b->pace, NULL);
      for (guint i = 1; i < pts->len; i++)
        add_move (b, args, g_array_index (pts, Pt, i).x, g_array_index (pts, Pt, i).y, TRUE);
      g_strv_builder_add_many (args, "mouseup", "1", "sleep", "0.1", NULL);
      if (!xdotool (args, error))
        return FALSE;
    }
  *n_strokes = strokes->len;
  return TRUE;
}

/* The page's answer once it has settled, with the probabilities the page computed it from: the same
 * preprocessing and classification of the canvas's strokes with the same snapshot. `flagged`: the page
 * says the drawing does not look like a digit (predicted is then the digit it reads it most like). */
typedef struct {
  int      predicted;
  gboolean flagged;
  float    probs[DL_N_CLASSES];
  int      n_strokes;
  int      n_samples;
} Reading;

/* The page has answered and its explanation (with "not a digit") covers the drawing, from an index of
 * the snapshot in use. */
static gboolean
page_settled (Bench *b)
{
  if (!dl_draw_page_is_settled (b->page))
    return FALSE;
  DlExplanation *e = dl_draw_page_get_complete_explanation (b->page);
  return e == NULL || (e->have_index && e->index_step == e->step);
}

static gboolean
read_page (Bench *b, Reading *r, GError **error)
{
  g_autoptr (DlDigitInput) in = dl_digit_input_new ();
  g_autoptr (DlSnapshot) snap = dl_session_dup_snapshot (b->session);
  /* The first drawing waits for the index (the training set's features) to be built. */
  gint64 deadline = g_get_monotonic_time () + (b->index_ready ? 3 : 120) * G_USEC_PER_SEC;

  for (;;)
    {
      iterate_until (never, NULL, 150);   /* several frames: the page classifies on the next tick */
      const DlStroke *strokes = dl_canvas_get_strokes (b->canvas, &r->n_strokes);
      r->n_samples = 0;
      for (int s = 0; s < r->n_strokes; s++)
        r->n_samples += strokes[s].n_points;
      dl_preprocess_strokes (strokes, r->n_strokes, dl_canvas_get_pen_width (b->canvas), in);
      int mine = dl_digit_classify (snap->net, in, r->probs);
      r->flagged = dl_draw_page_get_not_a_digit (b->page);
      r->predicted = r->flagged ? mine : dl_draw_page_get_prediction (b->page);
      if (page_settled (b) && r->predicted == mine && mine >= 0)
        {
          b->index_ready = TRUE;
          return TRUE;
        }
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the page shows %d%s but its strokes classify as %d",
                       r->predicted, page_settled (b) ? "" : " (not settled)", mine);
          return FALSE;
        }
    }
}

static int
top_other (const float *probs, int not)
{
  int best = not == 0 ? 1 : 0;
  for (int c = 0; c < DL_N_CLASSES; c++)
    if (c != not && probs[c] > probs[best])
      best = c;
  return best;
}

/* --offline: the pointer path the page would get, preprocessed and classified as the page does, with
 * the canvas's pen on a canvas of offline_side pixels. */
static gboolean
read_offline (Bench *b, int index, const Variant *v, Reading *r, GError **error)
{
  g_autoptr (GPtrArray) path = pointer_path (&DIGIT_DRAWINGS[index], v, b->offline_side, b->step_px, error);
  if (path == NULL)
    return FALSE;
  g_autoptr (DlDigitInput) in = dl_digit_input_new ();
  DlTestStrokes t = test_strokes_from_path (path);
  dl_preprocess_strokes (t.strokes, t.n, MAX (4.0, b->offline_side * DL_DIGIT_PEN_WIDTH / DL_DIGIT_BOX * 0.4), in);
  r->predicted = dl_digit_classify (b->offline, in, r->probs);
  r->flagged = FALSE;
  if (r->predicted >= 0 && b->offline_ood != NULL)
    {
      DlOodVerdict v;
      dl_ood_judge (b->offline_ood, b->offline, b->offline_work, in->input, 1, &v);
      r->flagged = v.flagged;
    }
  r->n_strokes = t.n;
  r->n_samples = 0;
  for (int s = 0; s < t.n; s++)
    r->n_samples += t.strokes[s].n_points;
  test_strokes_clear (&t);
  return TRUE;
}

/* Drags drawing `index` (varied by v), reads the page's answer, clears through draw.clear. */
static gboolean
read_drawing (Bench *b, int index, const Variant *v, Reading *r, GError **error)
{
  const DigitDrawing *d = &DIGIT_DRAWINGS[index];
  int dragged;
  if (b->offline != NULL)
    return read_offline (b, index, v, r, error);
  if (!drag_drawing (b, index, v, &dragged, error) || !read_page (b, r, error))
    {
      g_prefix_error (error, "drawing %d (%d, %s): ", index, d->digit, d->style);
      return FALSE;
    }
  if (r->n_strokes != dragged)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "drawing %d (%d, %s): %d strokes dragged, the canvas has %d",
                   index, d->digit, d->style, dragged, r->n_strokes);
      return FALSE;
    }
  gtk_widget_activate_action (GTK_WIDGET (b->page), "draw.clear", NULL);
  iterate_until (never, NULL, 50);
  if (!dl_canvas_is_empty (b->canvas))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "draw.clear left the canvas drawn on");
      return FALSE;
    }
  return TRUE;
}

static void
print_tally (const int *right, const int *of, int total_right, int total)
{
  printf ("\nper digit:");
  for (int c = 0; c < 10; c++)
    printf (" %d: %d/%d%s", c, right[c], of[c], c < 9 ? "," : "\n");
  printf ("recognised %d of %d\n", total_right, total);
}

/* The set as defined: a row per drawing. */
static gboolean
read_set (Bench *b, Reading *readings, GError **error)
{
  int right = 0, right_per_digit[10] = { 0 }, of_digit[10] = { 0 };

  printf ("digit  style                          strokes  samples  predicted  probability  p(digit)  runner-up\n");
  for (int i = 0; i < N_DRAWINGS; i++)
    {
      const DigitDrawing *d = &DIGIT_DRAWINGS[i];
      Reading *r = &readings[i];
      if (!read_drawing (b, i, &AS_DEFINED, r, error))
        return FALSE;
      gboolean ok = r->predicted == d->digit && !r->flagged;
      int other = top_other (r->probs, r->predicted);
      right += ok;
      right_per_digit[d->digit] += ok;
      of_digit[d->digit]++;
      printf ("%5d  %-30s %7d  %7d  %9d  %9.2f %%  %6.2f %%  %d (%.2f %%)%s%s\n", d->digit, d->style, r->n_strokes,
              r->n_samples, r->predicted, 100 * r->probs[r->predicted], 100 * r->probs[d->digit], other,
              100 * r->probs[other], r->flagged ? "   not a digit" : "", ok ? "" : "   ✗");
    }
  print_tally (right_per_digit, of_digit, right, N_DRAWINGS);
  return TRUE;
}

/* `n` random variants of every drawing (seeded), gentle or hurried: only the misreadings get a row. */
static gboolean
read_variants (Bench *b, int n, guint64 seed, gboolean hurried, GError **error)
{
  int right = 0, flagged = 0, flagged_right = 0, right_per_digit[10] = { 0 }, of_digit[10] = { 0 };
  g_autofree Variant *variants = make_variants (DIGIT_DRAWINGS, N_DRAWINGS, n, seed,
                                                hurried ? hurried_variant : random_variant);

  if (hurried)
    printf ("\n%d hurried variants of each drawing (seed %" G_GUINT64_FORMAT "): placed anywhere, scaled 0.5–1.25, "
            "aspect 0.6–1.25, slant ±0.2 more, turned ±22°, a tremor of 0.6–1.4 %% of the canvas, half with the "
            "last stroke's end left off (5–15 %%), half with a stroke broken; misread ones:\n", n, seed);
  else
    printf ("\n%d variants of each drawing (seed %" G_GUINT64_FORMAT "): shifted ±0.12 of the canvas, scaled 0.75–1.25, "
            "slant ±0.15 more, turned ±8°, a tremor of %.1f %% of the canvas; misread ones:\n",
            n, seed, 100 * TREMOR);
  printf ("digit  style                          variant  shift (x, y)    scale  aspect  slant  turn  trim  break  "
          "predicted  p(digit)\n");
  for (int k = 0; k < n; k++)
    for (int i = 0; i < N_DRAWINGS; i++)
      {
        const DigitDrawing *d = &DIGIT_DRAWINGS[i];
        const Variant *v = &variants[k * N_DRAWINGS + i];
        Reading r;
        if (!read_drawing (b, i, v, &r, error))
          return FALSE;
        gboolean ok = r.predicted == d->digit && !r.flagged;
        right += ok;
        flagged += r.flagged;
        flagged_right += r.flagged && r.predicted == d->digit;
        right_per_digit[d->digit] += ok;
        of_digit[d->digit]++;
        if (!ok)
          printf ("%5d  %-30s %7d  (%+.2f, %+.2f)  %5.2f  %6.2f  %+5.2f  %+3.0f°  %4.2f  %5.2f  %9d  %6.2f %%%s\n",
                  d->digit, d->style, k + 1, v->dx, v->dy, v->scale, v->aspect, v->slant, v->angle * 180 / G_PI,
                  v->trim, v->break_at, r.predicted, 100 * r.probs[d->digit], r.flagged ? "  not a digit" : "");
      }
  print_tally (right_per_digit, of_digit, right, n * N_DRAWINGS);
  printf ("%d said not to look like a digit, %d of them read right behind that: %d of %d read right, the "
          "verdict aside\n", flagged, flagged_right, right + flagged_right, n * N_DRAWINGS);
  return TRUE;
}

/* Draws the surest correct reading of `digit` (else of any digit) again and renders the page. */
static gboolean
screenshot_page (Bench *b, const Reading *readings, int digit, const char *path, GError **error)
{
  int best = -1;
  for (int pass = 0; pass < 2 && best < 0; pass++)
    for (int i = 0; i < N_DRAWINGS; i++)
      {
        const DigitDrawing *d = &DIGIT_DRAWINGS[i];
        if (readings[i].predicted == d->digit && !readings[i].flagged && (pass == 1 || d->digit == digit)
            && (best < 0 || readings[i].probs[d->digit] > readings[best].probs[DIGIT_DRAWINGS[best].digit]))
          best = i;
      }
  if (best < 0)
    best = 0;
  Reading r;
  int dragged;
  if (!drag_drawing (b, best, &AS_DEFINED, &dragged, error) || !read_page (b, &r, error)
      || !dl_test_save_window_png (b->window, path, error))
    return FALSE;
  printf ("\nscreenshot %s: %d (%s) read as %d, %.1f %%\n", path, DIGIT_DRAWINGS[best].digit,
          DIGIT_DRAWINGS[best].style, r.predicted, 100 * r.probs[r.predicted]);
  return TRUE;
}

typedef struct {
  int      variants, hurried;
  guint64  seed;
  const char *screenshot;
  int      shot_digit;
} Plan;

/* MNIST from the cache, for the explainer's index (the nearest training images, "not a digit"). */
static gboolean
load_mnist (DlDataset **train, DlDataset **test, GError **error)
{
  g_autofree char *dir = dl_data_default_dir ();
  *train = dl_dataset_load_dir (dir, TRUE, error);
  *test = *train != NULL ? dl_dataset_load_dir (dir, FALSE, error) : NULL;
  return *test != NULL;
}

static gboolean
run_offline (const char *model, const Plan *plan, Bench *b, GError **error)
{
  g_autoptr (DlDataset) train = NULL, test = NULL;
  b->offline = dl_model_load (model, error);
  if (b->offline == NULL || !load_mnist (&train, &test, error))
    return FALSE;
  b->offline_nb = dl_neighbours_build (b->offline, train, NULL);
  b->offline_ood = dl_ood_new (b->offline, b->offline_nb, train, test, NULL);
  b->offline_work = dl_net_work_new (b->offline, 1);
  b->offline_side = OFFLINE_SIDE;
  printf ("model %s; offline: the pointer paths of a %.0f px canvas preprocessed and classified without a page, "
          "a point every %.0f px\n\n", model, b->offline_side, b->step_px);
  Reading readings[N_DRAWINGS];
  return read_set (b, readings, error)
         && (plan->variants == 0 || read_variants (b, plan->variants, plan->seed, FALSE, error))
         && (plan->hurried == 0 || read_variants (b, plan->hurried, plan->seed, TRUE, error));
}

static gboolean
run (const char *model, const Plan *plan, Bench *b, GError **error)
{
  Reading readings[N_DRAWINGS];
  g_autoptr (DlDataset) train = NULL, test = NULL;

  if (!load_model (b, model, error) || !load_mnist (&train, &test, error))
    return FALSE;
  b->explainer = dl_explainer_new ();
  dl_explainer_set_data (b->explainer, train, test);
  if (!show_window (b, error))
    return FALSE;
  printf ("model %s; canvas %d px, pointer motion every %.0f px, %s s apart\n\n", model,
          gtk_widget_get_width (GTK_WIDGET (b->canvas)), b->step_px, b->pace);
  return read_set (b, readings, error)
         && (plan->variants == 0 || read_variants (b, plan->variants, plan->seed, FALSE, error))
         && (plan->hurried == 0 || read_variants (b, plan->hurried, plan->seed, TRUE, error))
         && (plan->screenshot == NULL || screenshot_page (b, readings, plan->shot_digit, plan->screenshot, error));
}

int
main (int argc, char **argv)
{
  g_autofree char *model = NULL, *screenshot = NULL, *sheet = NULL, *pace = NULL;
  int shot_digit = 5, variants = 0, hurried = 0;
  gboolean offline = FALSE;
  gint64 seed = 1;
  double step = 4;
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model, "The model to read the drawings with", "FILE" },
    { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, &screenshot, "Render the page with a well-read digit to a PNG", "PNG" },
    { "screenshot-digit", 0, 0, G_OPTION_ARG_INT, &shot_digit, "The digit to show there if it was read (default 5)", "D" },
    { "sheet", 0, 0, G_OPTION_ARG_FILENAME, &sheet, "Draw the set (and its --variants or --hurried ones) to a PNG (no model needed)", "PNG" },
    { "variants", 0, 0, G_OPTION_ARG_INT, &variants, "Also draw N randomly varied copies of each drawing (default 0)", "N" },
    { "hurried", 0, 0, G_OPTION_ARG_INT, &hurried, "Also draw N hurried copies of each drawing (default 0)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of the variants (default 1)", "S" },
    { "step", 0, 0, G_OPTION_ARG_DOUBLE, &step, "Pointer motion every STEP px along a stroke (default 4)", "STEP" },
    { "pace", 0, 0, G_OPTION_ARG_STRING, &pace, "Seconds between motion events (default 0.01)", "S" },
    { "offline", 0, 0, G_OPTION_ARG_NONE, &offline, "Preprocess and classify the pointer paths without a page or display "
      "(quick; the figures that count come from the page)", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- drawn digits on the Draw page, read by a model");
  g_autoptr (GError) error = NULL;
  Bench b = { 0 };

  setvbuf (stdout, NULL, _IOLBF, 0);   /* a row as soon as it is read: a run takes minutes */
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || step < 1 || variants < 0 || hurried < 0
      || (model == NULL && sheet == NULL))
    {
      fprintf (stderr, "draw-digits: %s\n", error ? error->message
                                                  : "give --model FILE (and/or --sheet PNG); --step ≥ 1, --variants and --hurried ≥ 0");
      return 2;
    }
  if (sheet != NULL)
    {
      int n = hurried > 0 ? hurried : variants;
      g_autofree Variant *vs = make_variants (DIGIT_DRAWINGS, N_DRAWINGS, n, (guint64) seed,
                                              hurried > 0 ? hurried_variant : random_variant);
      if (!write_sheet (sheet, vs, n, &error))
        {
          fprintf (stderr, "draw-digits: %s\n", error->message);
          return 1;
        }
      printf ("the %d drawings%s: %s\n", N_DRAWINGS, n == 0 ? "" : hurried > 0 ? " and their hurried variants"
                                                                               : " and their variants", sheet);
      if (model == NULL)
        return 0;
    }

  Plan plan = { variants, hurried, (guint64) seed, screenshot, shot_digit };
  dl_blas_init ();
  dl_blas_set_threads (1);
  b.step_px = step;
  b.pace = pace != NULL ? pace : "0.01";
  gboolean ok;
  if (offline)
    ok = run_offline (model, &plan, &b, &error);
  else
    {
      gtk_init ();
      ok = run (model, &plan, &b, &error);
    }
  if (b.window != NULL)
    gtk_window_destroy (b.window);
  g_clear_object (&b.explainer);
  g_clear_object (&b.session);
  g_clear_pointer (&b.offline_ood, dl_ood_free);
  g_clear_pointer (&b.offline_nb, dl_neighbours_free);
  g_clear_pointer (&b.offline_work, dl_net_work_free);
  g_clear_pointer (&b.offline, dl_net_free);
  if (!ok)
    {
      fprintf (stderr, "draw-digits: %s\n", error->message);
      return 1;
    }
  return 0;
}
