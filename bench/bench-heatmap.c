/* bench-heatmap — how soon the Draw page's heatmap follows a stroke: a digit of bench/digit-strokes.h is
 * drawn on a real DlDrawPage (with the window's kind of DlExplainer, on a model and real MNIST) through the
 * canvas's own stroke calls, one pointer sample every 4 px and 10 ms as a hand gives them, and for every
 * explanation the page shows, the time from the oldest stroke change it covers to the page having it is
 * recorded (the answer itself is computed on the main loop before the explanation is asked for, so it
 * never waits for one). Prints the median, 90th percentile and maximum for each attribution method. Run it on one core to see
 * the figure the issue asks for:
 *
 *   taskset -c 0 xvfb-run -a env GDK_BACKEND=x11 build/bench/bench-heatmap --model cnn.dlm
 *
 * --screenshot PNG renders the page afterwards with the drawing explained (needs a display either way).
 * GTK renders with cairo unless GSK_RENDERER says otherwise, as the app does where GL is software. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dl-blas.h"
#include "dl-canvas.h"
#include "dl-draw-page.h"
#include "digit-strokes.h"
#include "dl-test-gtk.h"

#define PACE_MS 10
#define STEP_PX 4.0

typedef struct {
  GtkWindow   *window;
  DlDrawPage  *page;
  DlCanvas    *canvas;
  DlSession   *session;     /* no run history; its run the model */
  DlExplainer *explainer;
  GArray      *latency_ms;   /* double: stroke change → explanation on the page */
  GArray      *computed_ms;  /* double: stroke change → explanation computed (on the explainer's thread) */
  guint64      last_serial;
  gboolean     loaded;
  GError      *error;
} Bench;

static void
on_event (DlWorker *worker, DlEvent *ev, Bench *b)
{
  if (ev->type == DL_EVENT_MODEL_LOADED)
    b->loaded = TRUE;
  else if (ev->type == DL_EVENT_ERROR && b->error == NULL)
    b->error = g_error_copy (ev->error);
}

static gboolean
loaded_or_failed (gpointer data)
{
  Bench *b = data;
  return b->loaded || b->error != NULL;
}

static void
on_explanation (DlDrawPage *page, GParamSpec *pspec, Bench *b)
{
  DlExplanation *e = dl_draw_page_get_explanation (page);
  if (e == NULL || e->serial == b->last_serial || b->latency_ms == NULL)
    return;
  b->last_serial = e->serial;
  double ms = (g_get_monotonic_time () - e->origin_us) / 1000.0, computed = (e->done_us - e->origin_us) / 1000.0;
  g_array_append_val (b->latency_ms, ms);
  g_array_append_val (b->computed_ms, computed);
}

static gboolean
canvas_ready (gpointer data)
{
  Bench *b = data;
  return gtk_widget_get_mapped (GTK_WIDGET (b->canvas)) && gtk_widget_get_width (GTK_WIDGET (b->canvas)) > 100;
}

/* Settled on the current drawing, with an index of the snapshot in use. */
static gboolean
explained (gpointer data)
{
  Bench *b = data;
  DlExplanation *e = dl_draw_page_get_complete_explanation (b->page);
  return dl_draw_page_is_settled (b->page) && e != NULL && e->have_index && e->index_step == e->step;
}

static const DigitDrawing *
find_drawing (int digit, const char *style)
{
  for (guint i = 0; i < G_N_ELEMENTS (DIGIT_DRAWINGS); i++)
    if (DIGIT_DRAWINGS[i].digit == digit && (style == NULL || g_str_has_prefix (DIGIT_DRAWINGS[i].style, style)))
      return &DIGIT_DRAWINGS[i];
  return &DIGIT_DRAWINGS[0];
}

/* The drawing, sample by sample as a pointer gives them. */
static void
draw (Bench *b, const DigitDrawing *d)
{
  double side = gtk_widget_get_width (GTK_WIDGET (b->canvas));
  g_autoptr (GPtrArray) path = pointer_path (d, &AS_DEFINED, side, STEP_PX, NULL);
  for (guint s = 0; s < path->len; s++)
    {
      GArray *pts = g_ptr_array_index (path, s);
      for (guint i = 0; i < pts->len; i++)
        {
          Pt p = g_array_index (pts, Pt, i);
          if (i == 0)
            dl_canvas_begin_stroke (b->canvas, p.x, p.y, 1);
          else
            dl_canvas_extend_stroke (b->canvas, p.x, p.y, 1);
          iterate_until (never, NULL, PACE_MS);
        }
      dl_canvas_end_stroke (b->canvas);
    }
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
percentile (GArray *v, double q)
{
  g_array_sort (v, compare_doubles);
  return g_array_index (v, double, MIN (v->len - 1, (guint) floor (q * (v->len - 1) + 0.5)));
}

static gboolean
setup (Bench *b, const char *model, GError **error)
{
  g_autofree char *dir = dl_data_default_dir ();
  g_autoptr (DlDataset) train = dl_dataset_load_dir (dir, TRUE, error);
  g_autoptr (DlDataset) test = train != NULL ? dl_dataset_load_dir (dir, FALSE, error) : NULL;
  if (test == NULL)
    return FALSE;
  b->session = dl_session_new (NULL, "");
  DlWorker *worker = dl_session_get_worker (b->session);
  gulong id = g_signal_connect (worker, "event", G_CALLBACK (on_event), b);
  g_action_group_activate_action (dl_session_get_actions (b->session), "load-model", g_variant_new_string (model));
  gboolean in_time = iterate_until (loaded_or_failed, b, 30000);
  g_signal_handler_disconnect (worker, id);
  if (!in_time || b->error != NULL)
    {
      if (b->error != NULL)
        g_propagate_error (error, g_steal_pointer (&b->error));
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%s: not loaded within 30 s", model);
      return FALSE;
    }
  b->explainer = dl_explainer_new ();
  dl_explainer_set_data (b->explainer, train, test);

  g_autoptr (GtkCssProvider) css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/io/github/digitlab/DigitLab/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  b->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_title (b->window, "Digit Lab — Draw");
  gtk_window_set_default_size (b->window, 1000, 960);
  b->page = DL_DRAW_PAGE (dl_draw_page_new ());
  gtk_window_set_child (b->window, GTK_WIDGET (b->page));
  dl_draw_page_set_session (b->page, b->session);
  dl_draw_page_set_explainer (b->page, b->explainer);
  g_signal_connect (b->page, "notify::explanation", G_CALLBACK (on_explanation), b);
  b->canvas = DL_CANVAS (find_type (GTK_WIDGET (b->page), DL_TYPE_CANVAS));
  gtk_window_present (b->window);
  if (!iterate_until (canvas_ready, b, 5000))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the canvas was not shown within 5 s");
      return FALSE;
    }
  return TRUE;
}

static gboolean
run (Bench *b, const char *model, int repeats, const char *shot, GError **error)
{
  const DigitDrawing *seven = find_drawing (7, "plain");

  if (!setup (b, model, error))
    return FALSE;
  GtkDropDown *method = GTK_DROP_DOWN (find_type (GTK_WIDGET (b->page), GTK_TYPE_DROP_DOWN));
  /* First the index (the training set's features) is built for the model. */
  draw (b, seven);
  if (!iterate_until (explained, b, 180000))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no explanation with an index within 180 s");
      return FALSE;
    }
  printf ("model %s; canvas %d px; a sample every %.0f px and %d ms; %s\n", model,
          gtk_widget_get_width (GTK_WIDGET (b->canvas)), STEP_PX, PACE_MS, dl_blas_describe ());
  for (guint m = 0; m < DL_ATTRIB_N_METHODS; m++)
    {
      gtk_drop_down_set_selected (method, m);
      g_autoptr (GArray) lat = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr (GArray) computed = g_array_new (FALSE, FALSE, sizeof (double));
      b->latency_ms = lat;
      b->computed_ms = computed;
      for (int r = 0; r < repeats; r++)
        {
          gtk_widget_activate_action (GTK_WIDGET (b->page), "draw.clear", NULL);
          iterate_until (never, NULL, 50);
          draw (b, seven);
          iterate_until (explained, b, 5000);
        }
      b->latency_ms = NULL;
      if (lat->len == 0)
        continue;
      printf ("%-22s stroke change → heatmap on the page: median %6.1f ms, 90th percentile %6.1f ms, max %6.1f ms "
              "(%u explanations; computed after a median %.1f ms)\n", dl_attrib_method_name (m), percentile (lat, 0.5),
              percentile (lat, 0.9), percentile (lat, 1.0), lat->len, percentile (computed, 0.5));
    }
  if (shot != NULL)
    {
      gtk_drop_down_set_selected (method, DL_ATTRIB_INTEGRATED_GRADIENTS);
      iterate_until (explained, b, 5000);
      iterate_until (never, NULL, 300);
      if (!dl_test_save_window_png (b->window, shot, error))
        return FALSE;
      printf ("screenshot %s\n", shot);
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autofree char *model = NULL, *shot = NULL;
  int repeats = 5;
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model, "The model to explain with", "FILE" },
    { "repeats", 0, 0, G_OPTION_ARG_INT, &repeats, "Drawings per method (default 5)", "N" },
    { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, &shot, "Render the page afterwards to a PNG", "PNG" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- the Draw page's heatmap latency");
  g_autoptr (GError) error = NULL;
  Bench b = { 0 };

  setvbuf (stdout, NULL, _IOLBF, 0);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || model == NULL || repeats < 1)
    {
      fprintf (stderr, "bench-heatmap: %s\n", error ? error->message : "give --model FILE; --repeats ≥ 1");
      return 2;
    }
  dl_blas_init ();
  dl_blas_set_threads (1);
  /* The renderer the app picks where GL is software (llvmpipe, as under Xvfb: DlApplication's
   * avoid_software_gl); GTK's GL renderer would rasterise every frame on the CPU this measures. */
  if (g_getenv ("GSK_RENDERER") == NULL)
    g_setenv ("GSK_RENDERER", "cairo", TRUE);
  gtk_init ();
  gboolean ok = run (&b, model, repeats, shot, &error);
  if (b.window != NULL)
    gtk_window_destroy (b.window);
  g_clear_object (&b.explainer);
  g_clear_object (&b.session);
  if (!ok)
    {
      fprintf (stderr, "bench-heatmap: %s\n", error->message);
      return 1;
    }
  return 0;
}
