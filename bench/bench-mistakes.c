/* bench-mistakes — how long the Mistakes page takes to absorb one evaluation of the full MNIST-sized
 * test set: the core history update, each selection order, and the page end to end (list update, grid
 * rebinding and the next frame) for a trained net (~5 % wrong) and a collapsed one (~90 % wrong).
 * Synthetic predictions over real test labels when MNIST is cached, else over random labels.
 * Needs a display: xvfb-run -a env GDK_BACKEND=x11 build/bench/bench-mistakes */
#include <gtk/gtk.h>
#include <time.h>

#include "dl-data.h"
#include "dl-eval.h"
#include "dl-mistakes-page.h"
#include "dl-mistakes.h"
#include "dl-rng.h"

#define N 10000

/* An evaluation that gets each example right with probability `p_right`; with `prev`, each example
 * keeps its previous answer with probability `keep` (successive evaluations of one training run). */
static DlEval *
synthetic_eval_from (const guint8 *labels, double p_right, guint64 seed, const DlEval *prev, double keep)
{
  DlEval *ev = g_new0 (DlEval, 1);
  DlRng rng;

  dl_rng_seed (&rng, seed);
  ev->n = N;
  ev->predicted = g_new (guint8, N);
  ev->confidence = g_new (float, N);
  ev->probs = g_new0 (float, N * DL_N_CLASSES);
  for (int i = 0; i < N; i++)
    {
      int p = dl_rng_uniform (&rng) < p_right ? labels[i] : (labels[i] + 1 + dl_rng_below (&rng, 9)) % 10;
      if (prev != NULL && dl_rng_uniform (&rng) < keep)
        p = prev->predicted[i];
      float c = 0.3f + 0.7f * (float) dl_rng_uniform (&rng);
      for (int k = 0; k < DL_N_CLASSES; k++)
        ev->probs[i * DL_N_CLASSES + k] = k == p ? c : (1 - c) / 9;
      ev->predicted[i] = p;
      ev->confidence[i] = c;
      ev->correct += p == labels[i];
      ev->confusion[labels[i]][p]++;
    }
  ev->accuracy = (double) ev->correct / N;
  return ev;
}

static DlEval *
synthetic_eval (const guint8 *labels, double p_right, guint64 seed)
{
  return synthetic_eval_from (labels, p_right, seed, NULL, 0);
}

static double
ms_since (gint64 t0)
{
  return (g_get_monotonic_time () - t0) / 1000.0;
}

/* CPU time of this process in ms: the machine may be shared, so wall time alone overstates. */
static double
cpu_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Runs the main loop until a frame has been drawn after the change and nothing is pending. */
static void
settle (GtkWidget *win)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (win);
  gint64 frame = gdk_frame_clock_get_frame_counter (clock);

  while (gdk_frame_clock_get_frame_counter (clock) <= frame + 1)
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
bench_core (const guint8 *labels)
{
  g_autoptr (DlMistakes) m = dl_mistakes_new (labels, N);
  g_autofree int *out = g_new (int, N);
  static const char *names[] = { "confidence", "true class", "index", "suspect score" };
  DlMistakesFilter f;
  const int reps = 20;

  for (int k = 0; k < 3; k++)
    {
      g_autoptr (DlEval) ev = synthetic_eval (labels, 0.95, 100 + k);
      gint64 t0 = g_get_monotonic_time ();
      dl_mistakes_add_eval (m, ev, TRUE);
      g_print ("core add_eval (10,000 examples, end of epoch %d): %.2f ms\n", k + 1, ms_since (t0));
    }
  dl_mistakes_filter_init (&f);
  for (int s = 0; s < 4; s++)
    {
      gint64 t0 = g_get_monotonic_time ();
      int n = 0;
      for (int r = 0; r < reps; r++)
        n = dl_mistakes_select (m, &f, (DlMistakesSort) s, out);
      g_print ("core select, %d mistakes by %s: %.3f ms\n", n, names[s], ms_since (t0) / reps);
    }
}

static void
bench_page (DlDataset *test)
{
  GtkWidget *win = gtk_window_new ();
  GtkWidget *page = dl_mistakes_page_new ();

  gtk_window_set_default_size (GTK_WINDOW (win), 1280, 820);
  gtk_window_set_child (GTK_WINDOW (win), page);
  gtk_window_present (GTK_WINDOW (win));
  dl_mistakes_page_set_test_set (DL_MISTAKES_PAGE (page), test);
  settle (win);

  for (int k = 0; k < 5; k++)
    {
      g_autoptr (DlEval) ev = synthetic_eval (test->labels, 0.95, 200 + k);
      gint64 t0 = g_get_monotonic_time ();
      double c0 = cpu_ms ();
      dl_mistakes_page_add_eval (DL_MISTAKES_PAGE (page), ev, NULL, TRUE);
      double t_add = ms_since (t0), c_add = cpu_ms () - c0;
      settle (win);
      g_print ("page add_eval, %d new mistakes: %.1f ms (cpu %.1f), to the next frame drawn: %.1f ms (cpu %.1f)\n",
               ev->n - ev->correct, t_add, c_add, ms_since (t0), cpu_ms () - c0);
    }

  /* Successive evaluations of one run: most mistakes stay mistakes. */
  DlEval *prev = synthetic_eval (test->labels, 0.95, 250);
  dl_mistakes_page_add_eval (DL_MISTAKES_PAGE (page), prev, NULL, TRUE);
  settle (win);
  for (int k = 0; k < 5; k++)
    {
      DlEval *ev = synthetic_eval_from (test->labels, 0.95, 260 + k, prev, 0.97);
      gint64 t0 = g_get_monotonic_time ();
      double c0 = cpu_ms ();
      dl_mistakes_page_add_eval (DL_MISTAKES_PAGE (page), ev, NULL, TRUE);
      settle (win);
      g_print ("page add_eval, %d mistakes, 97 %% of answers unchanged: %.1f ms to the next frame (cpu %.1f)\n",
               ev->n - ev->correct, ms_since (t0), cpu_ms () - c0);
      dl_eval_free (prev);
      prev = ev;
    }
  dl_eval_free (prev);

  g_autoptr (DlEval) collapsed = synthetic_eval (test->labels, 0.10, 300);
  gint64 t0 = g_get_monotonic_time ();
  dl_mistakes_page_add_eval (DL_MISTAKES_PAGE (page), collapsed, NULL, TRUE);
  settle (win);
  g_print ("page add_eval, %d mistakes (near-collapsed net): %.1f ms to the next frame\n",
           collapsed->n - collapsed->correct, ms_since (t0));

  t0 = g_get_monotonic_time ();
  gtk_widget_activate_action (page, "mistakes.show-cell", "(ii)", 4, 9);
  settle (win);
  g_print ("confusion cell (4, 9) filter: %.1f ms to the next frame\n", ms_since (t0));
  t0 = g_get_monotonic_time ();
  gtk_widget_activate_action (page, "mistakes.show-cell", "(ii)", -1, -1);
  settle (win);
  g_print ("back to all mistakes: %.1f ms to the next frame\n", ms_since (t0));

  gtk_window_destroy (GTK_WINDOW (win));
}

int
main (void)
{
  g_autofree char *dir = dl_data_default_dir ();
  DlDataset *test = dl_dataset_load_dir (dir, FALSE, NULL);

  gtk_init ();
  if (test == NULL || test->n < N)
    {
      DlRng rng;
      g_clear_pointer (&test, dl_dataset_unref);
      test = dl_dataset_new (N, 28, 28);
      dl_rng_seed (&rng, 1);
      for (int i = 0; i < N; i++)
        {
          test->labels[i] = dl_rng_below (&rng, 10);
          for (int p = 0; p < 784; p++)
            test->pixels[i * 784 + p] = dl_rng_below (&rng, 256);
        }
      dl_dataset_recount (test);
      g_print ("(MNIST not found in %s: random labels and pixels)\n", dir);
    }
  bench_core (test->labels);
  bench_page (test);
  dl_dataset_unref (test);
  return 0;
}
