/* bench-explain — figures of "why this answer" for a saved model on real MNIST: the nearest-neighbour
 * index (build, one query: median of repeated runs), each attribution method's time for one image, the
 * completeness of integrated gradients over test images, and "not a digit": its rate on the held-out
 * test digits and on each kind of generated non-digit, and on drawn digits (bench/digit-strokes.h as
 * defined, gently varied and hurried), all through the Draw page's preprocessing on a 540 px canvas.
 * Single-threaded, as the app's explanation thread is. --verdicts FILE writes every verdict (the
 * held-out test digits', the non-digits', the drawn digits') as tab-separated rows for bench/ood-sweep.py,
 * which sweeps the threshold over them.
 *
 *   build/bench/bench-explain --model cnn.dlm [--verdicts verdicts.tsv] */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dl-attrib.h"
#include "dl-blas.h"
#include "dl-model.h"
#include "dl-neighbours.h"
#include "dl-ood.h"
#include "digit-strokes.h"
#include "dl-test-nondigits.h"

#define CANVAS 540.0
#define PEN (CANVAS * DL_DIGIT_PEN_WIDTH / DL_DIGIT_BOX * 0.4)   /* the canvas's pen (dl-canvas.c) */
#define STEP 4.0

/* --verdicts: the file, or NULL */
static FILE *verdicts;

/* One row of --verdicts: the set, the item within it (a test index, a kind of non-digit's variety, a
 * drawing's style), the true class (-1 for a non-digit), then the verdict; a hinted input (too small to
 * judge) has predicted -1, flagged "hint" and no p-values. */
static void
write_verdict (const char *set, const char *item, int truth, const DlOodVerdict *v)
{
  if (verdicts == NULL)
    return;
  fprintf (verdicts, "%s\t%s\t%d\t%d\t%s", set, item, truth, v ? v->predicted : -1, v ? (v->flagged ? "1" : "0") : "hint");
  for (int k = 0; k < DL_OOD_N_SIGNALS; k++)
    fprintf (verdicts, v ? "\t%.6g" : "\t", v ? v->p[k] : 0.0);
  fprintf (verdicts, v ? "\t%.6g\n" : "\t\n", v ? v->score : 0.0);
}

static void
write_verdicts_header (void)
{
  fprintf (verdicts, "set\titem\tclass\tpredicted\tflagged");
  for (int k = 0; k < DL_OOD_N_SIGNALS; k++)
    fprintf (verdicts, "\tp_%s", dl_ood_signal_name (k));
  fprintf (verdicts, "\tscore\n");
}

/* The held-out test digits' verdicts (the odd-numbered ones, which the calibration left out). */
static void
write_test_verdicts (const DlOod *ood, const DlNet *net, const DlDataset *test)
{
  enum { B = 256 };
  g_autoptr (DlNetWork) work = dl_net_work_new (net, B);
  g_autofree float *x = g_new (float, (gsize) B * test->rows * test->cols);
  DlOodVerdict v[B];
  int idx[B];

  for (int i0 = 0; i0 < test->n / 2; i0 += B)
    {
      const int b = MIN (B, test->n / 2 - i0);
      for (int r = 0; r < b; r++)
        idx[r] = 1 + 2 * (i0 + r);
      dl_dataset_gather (test, idx, b, x);
      dl_ood_judge (ood, net, work, x, b, v);
      for (int r = 0; r < b; r++)
        {
          char item[16];
          g_snprintf (item, sizeof item, "%d", idx[r]);
          write_verdict ("test", item, test->labels[idx[r]], &v[r]);
        }
    }
}

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median (double *v, int n)
{
  qsort (v, n, sizeof (double), compare_doubles);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static void
bench_neighbours (const DlNet *net, const DlNeighbours *nb, const DlDataset *test)
{
  g_autoptr (DlNetWork) work = dl_net_work_new (net, 1);
  double t[101];
  DlNeighbour out[DL_NEIGHBOURS_K];
  float x[784];
  for (int r = 0; r < 101; r++)
    {
      int idx = r * 97;
      dl_dataset_gather (test, &idx, 1, x);
      double t0 = now_ms ();
      dl_neighbours_query_image (nb, net, work, x, DL_NEIGHBOURS_K, out);
      t[r] = now_ms () - t0;
    }
  printf ("neighbour query (one image: forward, %d × %d features, the best %d): median %.2f ms of 101\n",
          dl_neighbours_n (nb), dl_neighbours_dim (nb), DL_NEIGHBOURS_K, median (t, 101));
}

static void
bench_attrib (const DlNet *net, const DlDataset *test)
{
  g_autoptr (DlAttrib) a = dl_attrib_new (net);
  float x[784], map[784], probs[10];
  double t[31], worst64 = 0, worst32 = 0, sum64 = 0;
  const int n_complete = 200;

  for (DlAttribMethod m = 0; m < DL_ATTRIB_N_METHODS; m++)
    {
      for (int r = 0; r < 31; r++)
        {
          int idx = r * 7;
          dl_dataset_gather (test, &idx, 1, x);
          double t0 = now_ms ();
          dl_attrib_compute (a, net, m, x, test->labels[idx], -1, 0, map, NULL);
          t[r] = now_ms () - t0;
        }
      printf ("attribution, %s%s: median %.2f ms of 31\n", dl_attrib_method_name (m),
              m == DL_ATTRIB_INTEGRATED_GRADIENTS ? " (32 steps)" : "", median (t, 31));
    }
  for (int i = 0; i < n_complete; i++)
    {
      DlAttribResult r;
      dl_dataset_gather (test, &i, 1, x);
      g_autoptr (DlNet) copy = NULL;
      int best = 0;
      g_autoptr (DlNetWork) work = dl_net_work_new (net, 1);
      dl_net_forward (net, work, x, 1, probs);
      for (int c = 1; c < 10; c++)
        if (probs[c] > probs[best])
          best = c;
      dl_attrib_compute (a, net, DL_ATTRIB_INTEGRATED_GRADIENTS, x, best, -1, 64, map, &r);
      double e = fabs (r.sum - (r.f_x - r.f_baseline)) / fabs (r.f_x - r.f_baseline);
      worst64 = MAX (worst64, e);
      sum64 += e;
      dl_attrib_compute (a, net, DL_ATTRIB_INTEGRATED_GRADIENTS, x, best, -1, 32, map, &r);
      worst32 = MAX (worst32, fabs (r.sum - (r.f_x - r.f_baseline)) / fabs (r.f_x - r.f_baseline));
    }
  printf ("completeness of integrated gradients, predicted class, first %d test images: mean %.3f %%, worst "
          "%.3f %% at 64 steps; worst %.3f %% at 32\n", n_complete, 100 * sum64 / n_complete, 100 * worst64,
          100 * worst32);
}

/* Preprocesses t as the Draw page does: -1 for a hint (too small), else 1 when flagged, 0 when read. */
static int
judge_strokes (const DlOod *ood, const DlNet *net, DlNetWork *work, DlTestStrokes *t, DlDigitInput *in,
               int *predicted, const char *set, const char *item, int truth)
{
  int r = -1;
  *predicted = -1;
  if (dl_ood_check_strokes (t->strokes, t->n, PEN) == DL_OOD_HINT_NONE && dl_preprocess_strokes (t->strokes, t->n, PEN, in))
    {
      DlOodVerdict v;
      dl_ood_judge (ood, net, work, in->input, 1, &v);
      r = v.flagged;
      *predicted = v.predicted;
      write_verdict (set, item, truth, &v);
    }
  else
    write_verdict (set, item, truth, NULL);
  test_strokes_clear (t);
  return r;
}

/* A non-digit's item in --verdicts: its letter, its number of lines, or its kind. */
static const char *
nondigit_item (NonDigitKind k, int variety, char *buf, gsize size)
{
  if (k == NONDIGIT_LETTER)
    return LETTER_DRAWINGS[variety].style;
  g_snprintf (buf, size, "%d", variety);
  return buf;
}

/* The drawings some of whose variants were not read (flagged, hinted or the wrong class), most missed
 * first: whether the misses are spread over the set or belong to a few ways of writing a digit. */
static void
print_missed_drawings (const int *missed, int n_drawings, int per_drawing)
{
  int shown = 0;

  for (int m = per_drawing; m >= 1; m--)
    for (int j = 0; j < n_drawings; j++)
      if (missed[j] == m)
        printf ("%s %d “%s” %d/%d", shown++ ? "," : "    not read, by drawing:", DIGIT_DRAWINGS[j].digit,
                DIGIT_DRAWINGS[j].style, m, per_drawing);
  if (shown)
    printf ("\n");
}

static void
bench_ood (const DlOod *ood, const DlNet *net, const DlDataset *test, int per_kind)
{
  g_autoptr (DlNetWork) work = dl_net_work_new (net, 1);
  g_autoptr (DlDigitInput) in = dl_digit_input_new ();
  int predicted;

  printf ("not a digit: flags %.2f %% of the held-out test digits (odd-numbered; calibrated on the even ones at "
          "%.1f %%)\n", 100 * dl_ood_held_out_rate (ood, net, test), 100 * DL_OOD_RATE);
  for (NonDigitKind k = 0; k < N_NONDIGIT_KINDS; k++)
    {
      DlRng rng;
      int flagged = 0, hinted = 0, by_variety[N_LETTERS + 4][2] = { { 0 } };
      dl_rng_seed (&rng, 1000 + k);
      for (int i = 0; i < per_kind; i++)
        {
          int variety;
          DlTestStrokes t = nondigit_make (k, &rng, CANVAS, PEN, STEP, &variety);
          char buf[16];
          int r = judge_strokes (ood, net, work, &t, in, &predicted, NONDIGIT_KIND_NAMES[k],
                                 nondigit_item (k, variety, buf, sizeof buf), -1);
          hinted += r < 0;
          flagged += r > 0;
          by_variety[variety][0]++;
          by_variety[variety][1] += r != 0;
        }
      printf ("  %-22s %5.1f %% (%d flagged, %d hinted, of %d)", NONDIGIT_KIND_NAMES[k],
              100.0 * (flagged + hinted) / per_kind, flagged, hinted, per_kind);
      if (k == NONDIGIT_LINES)
        for (int v = 1; v <= 3; v++)
          printf ("%s %d: %d/%d", v == 1 ? ";" : ",", v, by_variety[v][1], by_variety[v][0]);
      if (k == NONDIGIT_LETTER)
        for (int v = 0; v < N_LETTERS; v++)
          printf ("%s %s %d/%d", v == 0 ? ";" : ",", LETTER_DRAWINGS[v].style, by_variety[v][1], by_variety[v][0]);
      printf ("\n");
    }
  const int n_drawings = G_N_ELEMENTS (DIGIT_DRAWINGS), n_var = 5;
  g_autofree Variant *gentle = make_variants (DIGIT_DRAWINGS, n_drawings, n_var, 1, random_variant);
  g_autofree Variant *hurried = make_variants (DIGIT_DRAWINGS, n_drawings, n_var * 2, 1, hurried_variant);
  const struct { const char *name; const Variant *v; int n; } sets[] = {
    { "drawn digits as defined", &AS_DEFINED, 1 }, { "gentle variants", gentle, n_var }, { "hurried variants", hurried, 2 * n_var },
  };
  for (guint s = 0; s < G_N_ELEMENTS (sets); s++)
    {
      int flagged = 0, hinted = 0, right = 0, total = sets[s].n * n_drawings;
      int missed[G_N_ELEMENTS (DIGIT_DRAWINGS)] = { 0 };
      for (int i = 0; i < total; i++)
        {
          const Variant *v = sets[s].n == 1 ? sets[s].v : &sets[s].v[i];
          const DigitDrawing *d = &DIGIT_DRAWINGS[i % n_drawings];
          g_autoptr (GPtrArray) path = pointer_path (d, v, CANVAS, STEP, NULL);
          DlTestStrokes t = test_strokes_from_path (path);
          int r = judge_strokes (ood, net, work, &t, in, &predicted, sets[s].name, d->style, d->digit);
          hinted += r < 0;
          flagged += r > 0;
          right += predicted == d->digit;
          missed[i % n_drawings] += r != 0 || predicted != d->digit;
        }
      printf ("  %-22s flagged %4.1f %% (%d), hinted %d, read right %d, of %d\n", sets[s].name, 100.0 * flagged / total,
              flagged, hinted, right, total);
      print_missed_drawings (missed, n_drawings, sets[s].n);
    }
}

int
main (int argc, char **argv)
{
  g_autofree char *model = NULL, *verdicts_path = NULL;
  int per_kind = 300;
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model, "The model to explain with", "FILE" },
    { "per-kind", 0, 0, G_OPTION_ARG_INT, &per_kind, "Generated non-digits of each kind (default 300)", "N" },
    { "verdicts", 0, 0, G_OPTION_ARG_FILENAME, &verdicts_path, "Write every not-a-digit verdict to FILE (for bench/ood-sweep.py)", "FILE" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- attributions, neighbours and not-a-digit figures");
  g_autoptr (GError) error = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || model == NULL || per_kind < 1)
    {
      fprintf (stderr, "bench-explain: %s\n", error ? error->message : "give --model FILE");
      return 2;
    }
  if (verdicts_path != NULL && (verdicts = fopen (verdicts_path, "w")) == NULL)
    {
      fprintf (stderr, "bench-explain: %s: %s\n", verdicts_path, g_strerror (errno));
      return 1;
    }
  dl_blas_init ();
  dl_blas_set_threads (1);
  g_autoptr (DlNet) net = dl_model_load (model, &error);
  g_autofree char *dir = dl_data_default_dir ();
  g_autoptr (DlDataset) train = net ? dl_dataset_load_dir (dir, TRUE, &error) : NULL;
  g_autoptr (DlDataset) test = train ? dl_dataset_load_dir (dir, FALSE, &error) : NULL;
  if (test == NULL)
    {
      fprintf (stderr, "bench-explain: %s\n", error->message);
      return 1;
    }
  g_autofree char *arch = dl_arch_to_string (dl_net_arch (net));
  printf ("model %s (%s), %s\n", model, arch, dl_blas_describe ());

  double t0 = now_ms ();
  g_autoptr (DlNeighbours) nb = dl_neighbours_build (net, train, NULL);
  printf ("neighbour index: features of %d training images in %.0f ms\n", train->n, now_ms () - t0);
  bench_neighbours (net, nb, test);
  t0 = now_ms ();
  g_autoptr (DlOod) ood = dl_ood_new (net, nb, train, test, NULL);
  printf ("not a digit: reference and calibration in %.0f ms\n", now_ms () - t0);
  bench_attrib (net, test);
  if (verdicts != NULL)
    {
      write_verdicts_header ();
      write_test_verdicts (ood, net, test);
    }
  bench_ood (ood, net, test, per_kind);
  if (verdicts != NULL && fclose (verdicts) != 0)
    {
      fprintf (stderr, "bench-explain: %s: %s\n", verdicts_path, g_strerror (errno));
      return 1;
    }
  return 0;
}
