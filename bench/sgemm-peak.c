/* sgemm-peak — the machine's measured single-precision matrix-multiply speed, through the BLAS kernel
 * Digit Lab chooses (dl_blas_init), at 1 and 2 threads: the ceiling to hold each model's GFLOP/s
 * against. With --shapes, also the speed at the shapes the presets actually multiply.
 *
 *   sgemm-peak [--json] [--shapes] [--size N] [--runs R]
 *
 * The peak is the best of every BLAS kernel this CPU runs (dl_blas_kernel_candidates), at 1 thread, and at
 * 2 either as OpenBLAS's own 2 threads on one product or as 2 threads each multiplying single-threaded
 * (how a team of 2 uses the cores).
 *
 * Each figure is the best of R runs of at least 0.2 s (wall clock): on a shared machine other load only
 * ever slows a run down, so the best run is the closest to what the hardware does. The median is
 * printed next to it as a measure of the noise. At 1 thread the BLAS runs in the calling thread, so
 * the median by that thread's CPU time is printed too: it does not count time the core spent on
 * other programs, and is what the hardware does even on a busy machine.
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "dl-blas.h"

typedef struct {
  const char     *name;
  CBLAS_TRANSPOSE ta, tb;
  int             M, N, K;
} Shape;

/* What dl-net-layers.c (dense: y = x·wᵀ, dw = dyᵀ·x, dx = dy·w) and dl-conv.c (im2col with a bias row, groups
 * of images side by side) multiply in one training step of each preset. */
static const Shape model_shapes[] = {
  { "mlp fc1 forward", CblasNoTrans, CblasTrans, 64, 256, 784 },
  { "mlp fc1 weight grad", CblasTrans, CblasNoTrans, 256, 784, 64 },
  { "mlp fc2 forward", CblasNoTrans, CblasTrans, 64, 128, 256 },
  { "mlp fc2 weight grad", CblasTrans, CblasNoTrans, 128, 256, 64 },
  { "mlp fc2 input grad", CblasNoTrans, CblasNoTrans, 64, 256, 128 },
  { "mlp fc3 forward", CblasNoTrans, CblasTrans, 64, 10, 128 },
  { "mlp fc3 weight grad", CblasTrans, CblasNoTrans, 10, 128, 64 },
  { "mlp fc3 input grad", CblasNoTrans, CblasNoTrans, 64, 128, 10 },
  { "seed fc1 forward", CblasNoTrans, CblasTrans, 100, 30, 784 },
  { "seed fc1 weight grad", CblasTrans, CblasNoTrans, 30, 784, 100 },
  { "seed fc2 forward", CblasNoTrans, CblasTrans, 100, 10, 30 },
  { "seed fc2 input grad", CblasNoTrans, CblasNoTrans, 100, 30, 10 },
  /* dl-conv groups images into at most 1024 im2col columns: conv1 one 28×28 image at a time, conv2
   * ten 10×10 outputs at a time; the ones row of the bias makes C·k·k + 1. */
  { "cnn conv1 forward", CblasNoTrans, CblasNoTrans, 6, 784, 26 },
  { "cnn conv1 weight grad", CblasNoTrans, CblasTrans, 6, 26, 784 },
  { "cnn conv2 forward", CblasNoTrans, CblasNoTrans, 16, 1000, 151 },
  { "cnn conv2 weight grad", CblasNoTrans, CblasTrans, 16, 151, 1000 },
  { "cnn conv2 input grad", CblasTrans, CblasNoTrans, 150, 1000, 16 },
  { "cnn fc1 forward", CblasNoTrans, CblasTrans, 64, 120, 400 },
  { "cnn fc1 weight grad", CblasTrans, CblasNoTrans, 120, 400, 64 },
  { "cnn fc1 input grad", CblasNoTrans, CblasNoTrans, 64, 400, 120 },
};

typedef struct {
  double best, median;   /* GFLOP/s by wall-clock time */
  double cpu_median;     /* GFLOP/s by the calling thread's CPU time (meaningful at 1 thread) */
} Speed;

static double
thread_cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* One thread's share of a measurement: its own operands, so that copies never share a line. */
typedef struct {
  const Shape        *s;
  const DlBlasKernel *k;
  float              *a, *b, *c;
  gint               *go;
  gint64              deadline;
  long                calls;
} Copy;

static void
copy_init (Copy *c, const Shape *s, const DlBlasKernel *k, gint *go)
{
  *c = (Copy) { .s = s, .k = k, .go = go };
  c->a = g_new (float, (size_t) s->M * s->K);
  c->b = g_new (float, (size_t) s->K * s->N);
  c->c = g_new0 (float, (size_t) s->M * s->N);
  for (size_t i = 0; i < (size_t) s->M * s->K; i++)
    c->a[i] = (float) (i % 97) / 97.0f - 0.5f;
  for (size_t i = 0; i < (size_t) s->K * s->N; i++)
    c->b[i] = (float) (i % 89) / 89.0f - 0.5f;
}

static void
call (Copy *c)
{
  const Shape *s = c->s;
  int lda = s->ta == CblasNoTrans ? s->K : s->M, ldb = s->tb == CblasNoTrans ? s->N : s->K;
  c->k->sgemm (CblasRowMajor, s->ta, s->tb, s->M, s->N, s->K, 1.0f, c->a, lda, c->b, ldb, 0.0f, c->c, s->N);
}

static gpointer
copy_main (gpointer data)
{
  Copy *c = data;
  while (!g_atomic_int_get (c->go))
    ;
  for (c->calls = 0; c->calls == 0 || g_get_monotonic_time () < c->deadline; c->calls++)
    call (c);
  return NULL;
}

/* The speed of `copies` threads each multiplying s independently with kernel k (their GFLOP/s added up):
 * what a team whose parts each call single-threaded sgemm can reach. With copies 1 on the calling thread,
 * and its median by that thread's CPU time too. */
static Speed
measure (const Shape *s, const DlBlasKernel *k, int copies, int runs)
{
  Copy c[8];
  gint go = 0;
  double *gflops = g_new (double, runs), *cpu_gflops = g_new (double, runs);
  double flops = 2.0 * s->M * s->N * s->K;
  Speed speed;

  copies = CLAMP (copies, 1, (int) G_N_ELEMENTS (c));
  for (int i = 0; i < copies; i++)
    {
      copy_init (&c[i], s, k, &go);
      for (int w = 0; w < 3; w++)
        call (&c[i]);
    }
  for (int r = 0; r < runs; r++)
    {
      GThread *threads[8];
      gint64 t0 = g_get_monotonic_time ();
      double c0 = thread_cpu_seconds ();
      g_atomic_int_set (&go, 0);
      for (int i = 0; i < copies; i++)
        c[i].deadline = t0 + 200000;
      for (int i = 1; i < copies; i++)
        threads[i] = g_thread_new ("copy", copy_main, &c[i]);
      g_atomic_int_set (&go, 1);
      copy_main (&c[0]);
      double total = c[0].calls;
      for (int i = 1; i < copies; i++)
        {
          g_thread_join (threads[i]);
          total += c[i].calls;
        }
      double t = (g_get_monotonic_time () - t0) * 1e-6;
      gflops[r] = flops * total / t / 1e9;
      cpu_gflops[r] = flops * c[0].calls / (thread_cpu_seconds () - c0) / 1e9;
    }
  qsort (gflops, runs, sizeof *gflops, cmp_double);
  qsort (cpu_gflops, runs, sizeof *cpu_gflops, cmp_double);
  speed.best = gflops[runs - 1];
  speed.median = gflops[runs / 2];
  speed.cpu_median = cpu_gflops[runs / 2];
  for (int i = 0; i < copies; i++)
    {
      g_free (c[i].a);
      g_free (c[i].b);
      g_free (c[i].c);
    }
  g_free (gflops);
  g_free (cpu_gflops);
  return speed;
}

int
main (int argc, char **argv)
{
  gboolean json = FALSE, shapes = FALSE;
  int size = 1024, runs = 7;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
    { "shapes", 0, 0, G_OPTION_ARG_NONE, &shapes, "Also measure the presets' own sgemm shapes", NULL },
    { "size", 0, 0, G_OPTION_ARG_INT, &size, "Side of the square peak product (default 1024)", "N" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Runs per figure, best and median reported (default 7)", "R" },
    { NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- measured sgemm peak GFLOP/s");
  g_autoptr(GError) error = NULL;
  Shape square = { "peak", CblasNoTrans, CblasNoTrans, 0, 0, 0 };
  Speed peak[2];

  dl_blas_init ();
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || size < 16 || runs < 1)
    {
      fprintf (stderr, "sgemm-peak: %s\n", error ? error->message : "--size must be ≥ 16, --runs ≥ 1");
      return 2;
    }
  square.M = square.N = square.K = size;

  /* Every kernel the CPU runs (as dl-tune would load them) on 1 thread and as 2 independent copies (a team
   * of 2 calling single-threaded sgemm), and OpenBLAS's own 2 threads on one product: the peak at n threads
   * is the best of them, the ceiling a training step on n threads is held against. */
  g_auto (GStrv) names = dl_blas_kernel_candidates ();
  int n_kernels = (int) g_strv_length (names), best1 = 0, best2 = 0;
  const DlBlasKernel *kernels[16];
  Speed one[16], two[16], openblas2;
  dl_blas_set_threads (1);
  for (int i = 0; i < n_kernels && i < 16; i++)
    {
      kernels[i] = dl_blas_kernel_load (names[i], NULL);
      if (kernels[i] == NULL)
        kernels[i] = dl_blas_kernel ();
      one[i] = measure (&square, kernels[i], 1, runs);
      two[i] = measure (&square, kernels[i], 2, runs);
      best1 = one[i].best > one[best1].best ? i : best1;
      best2 = two[i].best > two[best2].best ? i : best2;
    }
  dl_blas_set_threads (2);
  openblas2 = measure (&square, dl_blas_kernel (), 1, runs);
  dl_blas_set_threads (1);
  gboolean own2 = openblas2.best > two[best2].best;
  peak[0] = one[best1];
  peak[1] = own2 ? openblas2 : two[best2];
  g_autofree char *how2 = own2 ? g_strdup_printf ("OpenBLAS's 2 threads, %s", dl_blas_kernel ()->name)
                               : g_strdup_printf ("2 single-threaded copies, %s", kernels[best2]->name);

  if (json)
    {
      g_autofree char *blas = g_strdup_printf ("%s; best at 1 thread: %s, at 2: %s", dl_blas_version (),
                                               kernels[best1]->name, how2);
      printf ("{\"blas\":\"%s\",\"size\":%d,\"peak_gflops_1_thread\":%.1f,\"peak_gflops_2_threads\":%.1f,"
              "\"median_gflops_1_thread\":%.1f,\"median_gflops_2_threads\":%.1f,\"cpu_gflops_1_thread\":%.1f,"
              "\"openblas_2_threads\":%.1f,\"kernels\":[", blas, size, peak[0].best, peak[1].best, peak[0].median,
              peak[1].median, peak[0].cpu_median, openblas2.best);
      for (int i = 0; i < n_kernels && i < 16; i++)
        printf ("%s{\"name\":\"%s\",\"gflops_1_thread\":%.1f,\"gflops_2_copies\":%.1f}", i ? "," : "",
                kernels[i]->name, one[i].best, two[i].best);
      printf ("]");
    }
  else
    {
      printf ("%s, sgemm %d×%d×%d, best of %d runs (median)\n", dl_blas_version (), size, size, size, runs);
      for (int i = 0; i < n_kernels && i < 16; i++)
        printf ("  %-12s 1 thread %6.1f GFLOP/s (%.1f; by CPU time %.1f)   2 single-threaded copies %6.1f (%.1f)\n",
                kernels[i]->name, one[i].best, one[i].median, one[i].cpu_median, two[i].best, two[i].median);
      printf ("  OpenBLAS's own 2 threads (%s): %.1f GFLOP/s (%.1f)\n", dl_blas_kernel ()->name, openblas2.best,
              openblas2.median);
      printf ("peak: %.1f GFLOP/s at 1 thread (%s), %.1f at 2 threads (%s)\n", peak[0].best, kernels[best1]->name,
              peak[1].best, how2);
    }

  if (shapes)
    {
      if (json)
        printf (",\"shapes\":[");
      else
        printf ("\n%-24s %20s  %12s  %8s  %11s  (%s)\n", "preset shape, 1 thread", "M×N×K", "best GFLOP/s", "median",
                "by CPU time", kernels[best1]->name);
      for (gsize i = 0; i < G_N_ELEMENTS (model_shapes); i++)
        {
          const Shape *s = &model_shapes[i];
          Speed sp = measure (s, kernels[best1], 1, runs);

          if (json)
            printf ("%s{\"name\":\"%s\",\"m\":%d,\"n\":%d,\"k\":%d,\"best_gflops\":%.1f,\"median_gflops\":%.1f,"
                    "\"cpu_gflops\":%.1f}", i ? "," : "", s->name, s->M, s->N, s->K, sp.best, sp.median, sp.cpu_median);
          else
            {
              g_autofree char *dims = g_strdup_printf ("%d×%d×%d", s->M, s->N, s->K);
              /* × is 2 bytes in UTF-8 but one column: widen the field to keep columns aligned. */
              printf ("%-24s %*s  %12.1f  %8.1f  %11.1f\n", s->name, 20 + 2 * 2, dims, sp.best, sp.median,
                      sp.cpu_median);
            }
          fflush (stdout);
        }
      if (json)
        printf ("]");
    }
  if (json)
    printf ("}\n");
  return 0;
}
