/* draw-digits — does the Draw page read handwriting? Each drawing of bench/digit-strokes.h (three styles
 * of every digit) is drawn on a real DlDrawPage with real pointer drags (xdotool: press, a motion event
 * every few pixels along each stroke, release; the pen lifted between strokes), the page's answer is read
 * once it has settled, and the canvas is cleared through draw.clear. Prints a table and "recognised N of
 * M"; --variants N draws N randomly varied copies of each too (shifted, scaled, leaning, turned, with a
 * tremor; seeded); --screenshot renders the page with one well-read digit to a PNG; --sheet draws the set
 * itself (no model or display needed).
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
#include "dl-preprocess.h"
#include "dl-rng.h"
#include "digit-strokes.h"
#include "dl-test-gtk.h"

#define N_DRAWINGS ((int) G_N_ELEMENTS (DIGIT_DRAWINGS))
#define GRID_CENTRE_X 30.0
#define GRID_CENTRE_Y 50.0
#define GRID_HEIGHT   100.0
#define CURVE_STEPS   16      /* samples per Catmull–Rom segment, before resampling by arc length */
#define ARC_STEP_DEG  3.0
#define TREMOR        0.008   /* of the variants, canvas units: ~4 px on a 500 px canvas */

typedef struct {
  double x, y;
} Pt;

/* ---- the stroke syntax (digit-strokes.h) ---- */

static void
append_pt (GArray *out, Pt p)
{
  if (out->len > 0)
    {
      Pt last = g_array_index (out, Pt, out->len - 1);
      if (last.x == p.x && last.y == p.y)
        return;
    }
  g_array_append_val (out, p);
}

/* Catmull–Rom through run[0..n), with the end tangents of a straight continuation. */
static void
append_curve (GArray *out, const Pt *run, int n)
{
  if (n < 3)
    {
      for (int i = 0; i < n; i++)
        append_pt (out, run[i]);
      return;
    }
  for (int i = 0; i + 1 < n; i++)
    {
      Pt p1 = run[i], p2 = run[i + 1];
      Pt p0 = i > 0 ? run[i - 1] : (Pt) { 2 * p1.x - p2.x, 2 * p1.y - p2.y };
      Pt p3 = i + 2 < n ? run[i + 2] : (Pt) { 2 * p2.x - p1.x, 2 * p2.y - p1.y };
      for (int k = 0; k <= CURVE_STEPS; k++)
        {
          double t = (double) k / CURVE_STEPS, t2 = t * t, t3 = t2 * t;
          Pt q = {
            0.5 * (2 * p1.x + (p2.x - p0.x) * t + (2 * p0.x - 5 * p1.x + 4 * p2.x - p3.x) * t2
                   + (3 * p1.x - p0.x - 3 * p2.x + p3.x) * t3),
            0.5 * (2 * p1.y + (p2.y - p0.y) * t + (2 * p0.y - 5 * p1.y + 4 * p2.y - p3.y) * t2
                   + (3 * p1.y - p0.y - 3 * p2.y + p3.y) * t3),
          };
          append_pt (out, q);
        }
    }
}

static void
flush_run (GArray *out, GArray *run, char mode)
{
  if (mode == 's')
    append_curve (out, (Pt *) run->data, run->len);
  else
    for (guint i = 0; i < run->len; i++)
      append_pt (out, g_array_index (run, Pt, i));
  Pt last = out->len > 0 ? g_array_index (out, Pt, out->len - 1) : (Pt) { 0, 0 };
  g_array_set_size (run, 0);
  if (out->len > 0)
    g_array_append_val (run, last);
}

/* One stroke as a dense polyline in grid units. */
static GArray *
parse_stroke (const char *text, int drawing, GError **error)
{
  g_autoptr (GArray) out = g_array_new (FALSE, FALSE, sizeof (Pt));
  g_autoptr (GArray) run = g_array_new (FALSE, FALSE, sizeof (Pt));
  g_auto (GStrv) tokens = g_strsplit_set (text, " \t", -1);
  char mode = 'l';

  for (int t = 0; tokens[t] != NULL; t++)
    {
      const char *tok = tokens[t];
      double v[6];
      int n_v;
      if (*tok == '\0')
        continue;
      if (strcmp (tok, "l") == 0 || strcmp (tok, "s") == 0)
        {
          flush_run (out, run, mode);
          mode = tok[0];
        }
      else if (strcmp (tok, "a") == 0)
        {
          if (tokens[t + 1] == NULL
              || sscanf (tokens[t + 1], "%lf,%lf,%lf,%lf,%lf,%lf%n", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &n_v) != 6
              || tokens[t + 1][n_v] != '\0')
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "drawing %d, stroke “%s”: token %d: expected cx,cy,rx,ry,from,to after “a”",
                           drawing, text, t + 2);
              return NULL;
            }
          flush_run (out, run, mode);
          int steps = MAX (1, (int) ceil (fabs (v[5] - v[4]) / ARC_STEP_DEG));
          for (int k = 0; k <= steps; k++)
            {
              double a = (v[4] + (v[5] - v[4]) * k / steps) * G_PI / 180;
              append_pt (out, (Pt) { v[0] + v[2] * cos (a), v[1] - v[3] * sin (a) });
            }
          flush_run (out, run, mode);
          t++;
        }
      else if (sscanf (tok, "%lf,%lf%n", &v[0], &v[1], &n_v) == 2 && tok[n_v] == '\0')
        g_array_append_val (run, ((Pt) { v[0], v[1] }));
      else
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "drawing %d, stroke “%s”: token %d “%s”: expected x,y, “l”, “s” or “a”",
                       drawing, text, t + 1, tok);
          return NULL;
        }
    }
  flush_run (out, run, mode);
  if (out->len < 2)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "drawing %d, stroke “%s”: fewer than 2 points",
                   drawing, text);
      return NULL;
    }
  return g_steal_pointer (&out);
}

/* How one hand varies a drawing from one time to the next: placed elsewhere, larger or smaller, leaning
 * and turned a little, and a slow tremor along the strokes. */
typedef struct {
  double dx, dy;          /* shift, canvas units */
  double scale;
  double slant;           /* added to the drawing's own */
  double angle;           /* radians, clockwise on screen */
  double wobble;          /* tremor amplitude, canvas units */
  double wavelength[2];   /* of the tremor's two components, canvas units */
  double phase[4];
} Variant;

static const Variant AS_DEFINED = { 0, 0, 1, 0, 0, 0, { 1, 1 }, { 0 } };

static double
uniform (DlRng *rng, double lo, double hi)
{
  return lo + (hi - lo) * dl_rng_uniform (rng);
}

static Variant
random_variant (DlRng *rng)
{
  Variant v = {
    .dx = uniform (rng, -0.12, 0.12), .dy = uniform (rng, -0.12, 0.12),
    .scale = uniform (rng, 0.75, 1.25),
    .slant = uniform (rng, -0.15, 0.15),
    .angle = uniform (rng, -8, 8) * G_PI / 180,
    .wobble = TREMOR,
    .wavelength = { uniform (rng, 0.10, 0.20), uniform (rng, 0.20, 0.35) },
  };
  for (int i = 0; i < 4; i++)
    v.phase[i] = uniform (rng, 0, 2 * G_PI);
  return v;
}

/* The drawing's strokes (GArray of Pt each) in canvas units: the unit square scaled by `side`. */
static GPtrArray *
drawing_strokes (int index, const Variant *v, double side, GError **error)
{
  const DigitDrawing *d = &DIGIT_DRAWINGS[index];
  g_autoptr (GPtrArray) strokes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_auto (GStrv) parts = g_strsplit (d->strokes, "|", -1);

  for (int s = 0; parts[s] != NULL; s++)
    {
      GArray *pts = parse_stroke (parts[s], index, error);
      if (pts == NULL)
        return NULL;
      for (guint i = 0; i < pts->len; i++)
        {
          Pt *p = &g_array_index (pts, Pt, i);
          double gy = (p->y - GRID_CENTRE_Y) / GRID_HEIGHT;
          double gx = (p->x - GRID_CENTRE_X) / GRID_HEIGHT - (d->slant + v->slant) * gy;
          double h = d->height * v->scale;
          p->x = side * (d->cx + v->dx + h * (gx * cos (v->angle) - gy * sin (v->angle)));
          p->y = side * (d->cy + v->dy + h * (gx * sin (v->angle) + gy * cos (v->angle)));
        }
      g_ptr_array_add (strokes, pts);
    }
  return g_steal_pointer (&strokes);
}

/* Points every `step` along the polyline (and its end), as a pointer reports a steady hand. */
static GArray *
resample (GArray *pts, double step)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (Pt));
  Pt prev = g_array_index (pts, Pt, 0);
  double carry = 0;
  g_array_append_val (out, prev);
  for (guint i = 1; i < pts->len; i++)
    {
      Pt p = g_array_index (pts, Pt, i);
      double len = hypot (p.x - prev.x, p.y - prev.y);
      double at = step - carry;
      for (; at <= len; at += step)
        g_array_append_val (out, ((Pt) { prev.x + (p.x - prev.x) * at / len, prev.y + (p.y - prev.y) * at / len }));
      carry = len - (at - step);
      prev = p;
    }
  Pt last = g_array_index (out, Pt, out->len - 1);
  if (last.x != prev.x || last.y != prev.y)
    g_array_append_val (out, prev);
  return out;
}

/* The tremor along a stroke, `at` canvas units from the drawing's first point. */
static void
wobble (const Variant *v, double side, double at, Pt *p)
{
  double a = 2 * G_PI * at / side;
  p->x += side * v->wobble * (0.6 * sin (a / v->wavelength[0] + v->phase[0]) + 0.4 * sin (a / v->wavelength[1] + v->phase[1]));
  p->y += side * v->wobble * (0.6 * sin (a / v->wavelength[0] + v->phase[2]) + 0.4 * sin (a / v->wavelength[1] + v->phase[3]));
}

/* What the pointer does: each stroke resampled every `step` and with the variant's tremor, in canvas
 * units scaled by `side`. */
static GPtrArray *
pointer_path (int index, const Variant *v, double side, double step, GError **error)
{
  g_autoptr (GPtrArray) strokes = drawing_strokes (index, v, side, error);
  if (strokes == NULL)
    return NULL;
  GPtrArray *path = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  double at = 0;
  for (guint s = 0; s < strokes->len; s++)
    {
      GArray *pts = resample (g_ptr_array_index (strokes, s), step);
      for (guint i = 0; i < pts->len; i++, at += step)
        wobble (v, side, at, &g_array_index (pts, Pt, i));
      g_ptr_array_add (path, pts);
    }
  return path;
}

/* Whether the varied drawing stays on the canvas with a margin: the pointer must not leave it. */
static gboolean
fits (int index, const Variant *v)
{
  g_autoptr (GPtrArray) strokes = drawing_strokes (index, v, 1, NULL);
  if (strokes == NULL)
    return TRUE;   /* drag_drawing reports what is wrong with it */
  double margin = 0.04 + v->wobble;
  for (guint s = 0; s < strokes->len; s++)
    {
      GArray *pts = g_ptr_array_index (strokes, s);
      for (guint k = 0; k < pts->len; k++)
        {
          Pt p = g_array_index (pts, Pt, k);
          if (p.x < margin || p.x > 1 - margin || p.y < margin || p.y > 1 - margin)
            return FALSE;
        }
    }
  return TRUE;
}

/* n seeded variants of every drawing that stay on the canvas: [k * N_DRAWINGS + i] is drawing i's k-th. */
static Variant *
make_variants (int n, guint64 seed)
{
  Variant *vs = g_new (Variant, (gsize) n * N_DRAWINGS);
  DlRng rng;
  dl_rng_seed (&rng, seed);
  for (int k = 0; k < n; k++)
    for (int i = 0; i < N_DRAWINGS; i++)
      do
        vs[k * N_DRAWINGS + i] = random_variant (&rng);
      while (!fits (i, &vs[k * N_DRAWINGS + i]));
  return vs;
}

/* ---- the contact sheet (--sheet) ---- */

/* Drawing `index` as the canvas shows it, in a tile of side `tile` at (x0, y0). */
static gboolean
paint_tile (cairo_t *cr, double x0, double y0, double tile, int index, const Variant *v, GError **error)
{
  g_autoptr (GPtrArray) strokes = pointer_path (index, v, tile, 1.0, error);
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
  g_autoptr (GPtrArray) strokes = pointer_path (index, v, side, b->step_px, error);
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
 * preprocessing and classification of the canvas's strokes with the same snapshot. */
typedef struct {
  int    predicted;
  float  probs[DL_N_CLASSES];
  int    n_strokes;
  int    n_samples;
} Reading;

static gboolean
read_page (Bench *b, Reading *r, GError **error)
{
  g_autoptr (DlDigitInput) in = dl_digit_input_new ();
  g_autoptr (DlSnapshot) snap = dl_session_dup_snapshot (b->session);
  gint64 deadline = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;

  for (;;)
    {
      iterate_until (never, NULL, 150);   /* several frames: the page classifies on the next tick */
      const DlStroke *strokes = dl_canvas_get_strokes (b->canvas, &r->n_strokes);
      r->n_samples = 0;
      for (int s = 0; s < r->n_strokes; s++)
        r->n_samples += strokes[s].n_points;
      dl_preprocess_strokes (strokes, r->n_strokes, dl_canvas_get_pen_width (b->canvas), in);
      int mine = dl_digit_classify (snap->net, in, r->probs);
      r->predicted = dl_draw_page_get_prediction (b->page);
      if (r->predicted == mine && mine >= 0)
        return TRUE;
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "the page shows %d but its strokes classify as %d", r->predicted, mine);
          return FALSE;
        }
    }
}

/* The window as it is on screen, rendered by its own renderer; written atomically. */
static gboolean
save_screenshot (Bench *b, const char *path, GError **error)
{
  GtkWidget *w = GTK_WIDGET (b->window);
  int width = gtk_widget_get_width (w), height = gtk_widget_get_height (w);
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (w);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  g_autoptr (GskRenderNode) node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the window drew nothing");
      return FALSE;
    }
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (b->window));
  g_autoptr (GdkTexture) texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_autofree char *tmp = g_strdup_printf ("%s.tmp-%d", path, (int) getpid ());
  if (!gdk_texture_save_to_png (texture, tmp))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: could not write the PNG", tmp);
      return FALSE;
    }
  if (g_rename (tmp, path) != 0)
    {
      int e = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), "%s: %s", path, g_strerror (e));
      g_unlink (tmp);
      return FALSE;
    }
  return TRUE;
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

/* Drags drawing `index` (varied by v), reads the page's answer, clears through draw.clear. */
static gboolean
read_drawing (Bench *b, int index, const Variant *v, Reading *r, GError **error)
{
  const DigitDrawing *d = &DIGIT_DRAWINGS[index];
  int dragged;
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
      gboolean ok = r->predicted == d->digit;
      int other = top_other (r->probs, r->predicted);
      right += ok;
      right_per_digit[d->digit] += ok;
      of_digit[d->digit]++;
      printf ("%5d  %-30s %7d  %7d  %9d  %9.2f %%  %6.2f %%  %d (%.2f %%)%s\n", d->digit, d->style, r->n_strokes,
              r->n_samples, r->predicted, 100 * r->probs[r->predicted], 100 * r->probs[d->digit], other,
              100 * r->probs[other], ok ? "" : "   ✗");
    }
  print_tally (right_per_digit, of_digit, right, N_DRAWINGS);
  return TRUE;
}

/* `n` random variants of every drawing (seeded): only the misreadings get a row. */
static gboolean
read_variants (Bench *b, int n, guint64 seed, GError **error)
{
  int right = 0, right_per_digit[10] = { 0 }, of_digit[10] = { 0 };
  g_autofree Variant *variants = make_variants (n, seed);

  printf ("\n%d variants of each drawing (seed %" G_GUINT64_FORMAT "): shifted ±0.12 of the canvas, scaled 0.75–1.25, "
          "slant ±0.15 more, turned ±8°, a tremor of %.1f %% of the canvas; misread ones:\n",
          n, seed, 100 * TREMOR);
  printf ("digit  style                          variant  shift (x, y)    scale  slant  turn  predicted  p(digit)\n");
  for (int k = 0; k < n; k++)
    for (int i = 0; i < N_DRAWINGS; i++)
      {
        const DigitDrawing *d = &DIGIT_DRAWINGS[i];
        const Variant *v = &variants[k * N_DRAWINGS + i];
        Reading r;
        if (!read_drawing (b, i, v, &r, error))
          return FALSE;
        gboolean ok = r.predicted == d->digit;
        right += ok;
        right_per_digit[d->digit] += ok;
        of_digit[d->digit]++;
        if (!ok)
          printf ("%5d  %-30s %7d  (%+.2f, %+.2f)  %5.2f  %+5.2f  %+3.0f°  %9d  %6.2f %%\n", d->digit, d->style, k + 1,
                  v->dx, v->dy, v->scale, v->slant, v->angle * 180 / G_PI, r.predicted, 100 * r.probs[d->digit]);
      }
  print_tally (right_per_digit, of_digit, right, n * N_DRAWINGS);
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
        if (readings[i].predicted == d->digit && (pass == 1 || d->digit == digit)
            && (best < 0 || readings[i].probs[d->digit] > readings[best].probs[DIGIT_DRAWINGS[best].digit]))
          best = i;
      }
  if (best < 0)
    best = 0;
  Reading r;
  int dragged;
  if (!drag_drawing (b, best, &AS_DEFINED, &dragged, error) || !read_page (b, &r, error)
      || !save_screenshot (b, path, error))
    return FALSE;
  printf ("\nscreenshot %s: %d (%s) read as %d, %.1f %%\n", path, DIGIT_DRAWINGS[best].digit,
          DIGIT_DRAWINGS[best].style, r.predicted, 100 * r.probs[r.predicted]);
  return TRUE;
}

static gboolean
run (const char *model, int variants, guint64 seed, const char *screenshot, int shot_digit, Bench *b, GError **error)
{
  Reading readings[N_DRAWINGS];

  if (!load_model (b, model, error) || !show_window (b, error))
    return FALSE;
  printf ("model %s; canvas %d px, pointer motion every %.0f px, %s s apart\n\n", model,
          gtk_widget_get_width (GTK_WIDGET (b->canvas)), b->step_px, b->pace);
  return read_set (b, readings, error)
         && (variants == 0 || read_variants (b, variants, seed, error))
         && (screenshot == NULL || screenshot_page (b, readings, shot_digit, screenshot, error));
}

int
main (int argc, char **argv)
{
  g_autofree char *model = NULL, *screenshot = NULL, *sheet = NULL, *pace = NULL;
  int shot_digit = 5, variants = 0;
  gint64 seed = 1;
  double step = 4;
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model, "The model to read the drawings with", "FILE" },
    { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, &screenshot, "Render the page with a well-read digit to a PNG", "PNG" },
    { "screenshot-digit", 0, 0, G_OPTION_ARG_INT, &shot_digit, "The digit to show there if it was read (default 5)", "D" },
    { "sheet", 0, 0, G_OPTION_ARG_FILENAME, &sheet, "Draw the set (and its --variants) to a PNG (no model needed)", "PNG" },
    { "variants", 0, 0, G_OPTION_ARG_INT, &variants, "Also draw N randomly varied copies of each drawing (default 0)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of the variants (default 1)", "S" },
    { "step", 0, 0, G_OPTION_ARG_DOUBLE, &step, "Pointer motion every STEP px along a stroke (default 4)", "STEP" },
    { "pace", 0, 0, G_OPTION_ARG_STRING, &pace, "Seconds between motion events (default 0.01)", "S" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- drawn digits on the Draw page, read by a model");
  g_autoptr (GError) error = NULL;
  Bench b = { 0 };

  setvbuf (stdout, NULL, _IOLBF, 0);   /* a row as soon as it is read: a run takes minutes */
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || step < 1 || variants < 0 || (model == NULL && sheet == NULL))
    {
      fprintf (stderr, "draw-digits: %s\n", error ? error->message : "give --model FILE (and/or --sheet PNG); --step ≥ 1, --variants ≥ 0");
      return 2;
    }
  if (sheet != NULL)
    {
      g_autofree Variant *vs = make_variants (variants, (guint64) seed);
      if (!write_sheet (sheet, vs, variants, &error))
        {
          fprintf (stderr, "draw-digits: %s\n", error->message);
          return 1;
        }
      printf ("the %d drawings%s: %s\n", N_DRAWINGS, variants > 0 ? " and their variants" : "", sheet);
      if (model == NULL)
        return 0;
    }

  dl_blas_init ();
  dl_blas_set_threads (1);
  gtk_init ();
  b.step_px = step;
  b.pace = pace != NULL ? pace : "0.01";
  gboolean ok = run (model, variants, (guint64) seed, screenshot, shot_digit, &b, &error);
  if (b.window != NULL)
    gtk_window_destroy (b.window);
  g_clear_object (&b.session);
  if (!ok)
    {
      fprintf (stderr, "draw-digits: %s\n", error->message);
      return 1;
    }
  return 0;
}
