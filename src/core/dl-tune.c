/* dl-tune.c — measuring the fastest way to train a network on this CPU, and the cache (see dl-tune.h). */
#include "config.h"

#include "dl-tune.h"

#include <glib/gi18n-lib.h>

#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "dl-rng.h"
#include "dl-team.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

/* Bumped whenever the candidates or what they mean change: older entries are then foreign. */
#define TUNE_VERSION 2  /* 2: the direct-channels convolution */
/* A challenger must be this much faster to replace the incumbent, and faster in most rounds. */
#define MARGIN 0.98
/* Time per measured window: long enough to average a few steps, short enough for several rounds (and
 * shorter than a scheduler's time slice, so that another program's slice spoils few of them). */
#define WINDOW_SECONDS 0.004
#define ROUNDS 5
/* A window in which the net's threads ran less than this share of the wall time lost its cores to another
 * program: measured again, up to RETRIES times. */
#define UNDISTURBED 0.9
#define RETRIES 3

/* ---- the machine and the key ---- */

static char *
cpu_model (void)
{
#if defined(__x86_64__) || defined(__i386__)
  unsigned regs[12], eax, ebx, ecx, edx;
  if (__get_cpuid (0x80000000, &eax, &ebx, &ecx, &edx) && eax >= 0x80000004)
    {
      for (unsigned i = 0; i < 3; i++)
        __get_cpuid (0x80000002 + i, &regs[4 * i], &regs[4 * i + 1], &regs[4 * i + 2], &regs[4 * i + 3]);
      g_autofree char *brand = g_strndup ((const char *) regs, sizeof regs);
      __get_cpuid (1, &eax, &ebx, &ecx, &edx);
      /* The brand alone can be generic ("Intel(R) Xeon(R) Processor" in a VM): family and model too. */
      unsigned family = (eax >> 8) & 0xf, model = (eax >> 4) & 0xf;
      if (family == 0xf)
        family += (eax >> 20) & 0xff;
      if (family == 0x6 || family >= 0xf)
        model |= ((eax >> 16) & 0xf) << 4;
      return g_strdup_printf ("%s (family %u, model %u)", g_strstrip (brand), family, model);
    }
#endif
  g_autofree char *info = NULL;
  if (g_file_get_contents ("/proc/cpuinfo", &info, NULL, NULL))
    {
      g_auto (GStrv) lines = g_strsplit (info, "\n", -1);
      for (int i = 0; lines[i]; i++)
        if (g_str_has_prefix (lines[i], "model name") && strchr (lines[i], ':'))
          return g_strstrip (g_strdup (strchr (lines[i], ':') + 1));
    }
  return g_strdup ("unknown CPU");
}

char *
dl_tune_machine (void)
{
  g_autofree char *cpu = cpu_model ();
  int cores = (int) g_get_num_processors ();
  return g_strdup_printf ("%s, %d core%s, %s", cpu, cores, cores == 1 ? "" : "s", dl_blas_version ());
}

static char *
make_key (const DlArch *arch, const DlHyper *hyper, int batch, int min_threads, int max_threads)
{
  g_autofree char *spec = dl_arch_to_string (arch);
  return g_strdup_printf ("%s batch %d %s threads %d-%d", spec, batch, dl_optimizer_name (hyper->optimizer),
                          min_threads, max_threads);
}

char *
dl_tune_cache_path (void)
{
  return g_build_filename (g_get_user_cache_dir (), "digitlab", "tune.ini", NULL);
}

/* ---- describing a configuration ---- */

static int
n_conv_layers (const DlArch *arch)
{
  int n = 0;
  for (int i = 0; i < arch->n_layers; i++)
    n += arch->layers[i].kind == DL_LAYER_CONV;
  return n;
}

/* Whether the split matters: a dense layer with more units than the batch has rows, wide enough to
 * share (as dl-net's forward_by_units). */
static gboolean
has_split_choice (const DlArch *arch, int batch)
{
  for (int i = 0; i < arch->n_layers; i++)
    {
      int c, h, w;
      dl_arch_shape (arch, i - 1, &c, &h, &w);
      const DlLayerSpec *l = &arch->layers[i];
      if (l->kind == DL_LAYER_DENSE && l->units > batch && (gint64) l->units * c * h * w >= 8192)
        return TRUE;
    }
  return FALSE;
}

static char *
describe (const DlArch *arch, int batch, const DlNetConfig *config)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%d thread%s", config->threads, config->threads == 1 ? "" : "s");
  if (config->threads > 1 && has_split_choice (arch, batch))
    g_string_append (s, config->split == DL_SPLIT_UNITS ? ", split by units" : ", split by rows");
  g_string_append_printf (s, ", %s", config->blas->name);
  for (int i = 0, first = 1; i < arch->n_layers; i++)
    if (arch->layers[i].kind == DL_LAYER_CONV)
      {
        g_string_append (s, first ? ", conv " : "/");
        g_string_append (s, dl_conv_algo_name (config->conv[i]));
        first = 0;
      }
  return g_string_free (s, FALSE);
}

char *
dl_tune_describe_config (const DlArch *arch, int batch, const DlNetConfig *config)
{
  return describe (arch, batch, config);
}

char *
dl_tune_describe_cache (const DlTuneResult *r)
{
  switch (r->cache)
    {
    case DL_TUNE_CACHE_HIT:
      return g_strdup (_("from the cache"));
    case DL_TUNE_CACHE_SESSION:
      return g_strdup (_("as measured earlier in this session"));
    case DL_TUNE_CACHE_MISSING:
      return g_strdup (_("measured: no cached entry for this network on this machine"));
    case DL_TUNE_CACHE_CORRUPT:
      return g_strdup_printf (_("measured again: the cached entry is corrupt (%s)"), r->cache_detail);
    case DL_TUNE_CACHE_FOREIGN:
      return g_strdup_printf (_("measured again: the cached entry is not this machine's (%s)"), r->cache_detail);
    case DL_TUNE_CACHE_IGNORED:
    default:
      return g_strdup (_("measured afresh, as asked"));
    }
}

/* ---- the cache ---- */

/* The entry's fields in a fixed order, as the checksum covers them. */
static char *
entry_text (const char *key, const char *machine, int version, const char *kernel, int threads, const char *split,
            const char *conv, double step_us)
{
  return g_strdup_printf ("%s\n%s\n%d\n%s\n%d\n%s\n%s\n%.3f", key, machine, version, kernel, threads, split, conv,
                          step_us);
}

static char *
checksum (const char *text)
{
  return g_strdup_printf ("%08lx", crc32 (0, (const Bytef *) text, (uInt) strlen (text)));
}

static char *
conv_list (const DlArch *arch, const DlNetConfig *config)
{
  GString *s = g_string_new (NULL);
  for (int i = 0; i < arch->n_layers; i++)
    if (arch->layers[i].kind == DL_LAYER_CONV)
      g_string_append_printf (s, "%s%s", s->len ? "," : "", dl_conv_algo_name (config->conv[i]));
  return g_string_free (s, FALSE);
}

static gboolean
parse_conv_list (const DlArch *arch, const char *text, DlNetConfig *config)
{
  g_auto (GStrv) names = g_strsplit (text, ",", -1);
  int j = 0, n = text[0] ? (int) g_strv_length (names) : 0;

  if (n != n_conv_layers (arch))
    return FALSE;
  for (int i = 0; i < arch->n_layers; i++)
    if (arch->layers[i].kind == DL_LAYER_CONV)
      {
        int algo = 0;
        while (algo < DL_CONV_N_ALGOS && strcmp (names[j], dl_conv_algo_name (algo)) != 0)
          algo++;
        if (algo == DL_CONV_N_ALGOS)
          return FALSE;
        config->conv[i] = algo;
        j++;
      }
  return TRUE;
}

typedef struct {
  const DlArch *arch;
  const char   *key, *machine;
  int           min_threads, max_threads;
} Want;

/* Reads and checks the entry for w->key; fills config and *step_us when it can be used. */
static DlTuneCache
cache_read (const Want *w, DlNetConfig *config, double *step_us, char **detail)
{
  g_autofree char *path = dl_tune_cache_path ();
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) error = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return DL_TUNE_CACHE_MISSING;
  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &error))
    {
      *detail = g_strdup_printf ("%s: %s", path, error->message);
      return DL_TUNE_CACHE_CORRUPT;
    }
  if (!g_key_file_has_group (kf, w->key))
    return DL_TUNE_CACHE_MISSING;

  g_autofree char *machine = g_key_file_get_string (kf, w->key, "machine", NULL);
  g_autofree char *kernel = g_key_file_get_string (kf, w->key, "kernel", NULL);
  g_autofree char *split = g_key_file_get_string (kf, w->key, "split", NULL);
  g_autofree char *conv = g_key_file_get_string (kf, w->key, "conv", NULL);
  g_autofree char *sum = g_key_file_get_string (kf, w->key, "checksum", NULL);
  g_autoptr (GError) e1 = NULL, e2 = NULL, e3 = NULL;
  int version = g_key_file_get_integer (kf, w->key, "version", &e1);
  int threads = g_key_file_get_integer (kf, w->key, "threads", &e2);
  double us = g_key_file_get_double (kf, w->key, "step_us", &e3);

  if (!machine || !kernel || !split || !conv || !sum || e1 || e2 || e3)
    {
      *detail = g_strdup (_("a field is missing or not a number"));
      return DL_TUNE_CACHE_CORRUPT;
    }
  g_autofree char *text = entry_text (w->key, machine, version, kernel, threads, split, conv, us);
  g_autofree char *expect = checksum (text);
  if (strcmp (expect, sum) != 0)
    {
      *detail = g_strdup_printf (_("checksum %s, the fields give %s"), sum, expect);
      return DL_TUNE_CACHE_CORRUPT;
    }
  if (strcmp (machine, w->machine) != 0 || version != TUNE_VERSION)
    {
      *detail = version != TUNE_VERSION ? g_strdup_printf (_("made by tuner version %d, this is %d"), version,
                                                           TUNE_VERSION)
                                        : g_strdup_printf (_("measured on %s"), machine);
      return DL_TUNE_CACHE_FOREIGN;
    }
  dl_net_config_init (config);
  config->threads = threads;
  config->split = strcmp (split, "units") == 0 ? DL_SPLIT_UNITS : DL_SPLIT_ROWS;
  config->blas = dl_blas_kernel_load (kernel, NULL);
  if (threads < w->min_threads || threads > w->max_threads || config->blas == NULL
      || (strcmp (split, "units") != 0 && strcmp (split, "rows") != 0) || !parse_conv_list (w->arch, conv, config)
      || !(us > 0.0) || !isfinite (us))
    {
      *detail = g_strdup_printf (_("threads %d, kernel %s, split %s, conv '%s', %g µs per step: not a choice this "
                                   "machine can make"), threads, kernel, split, conv, us);
      return DL_TUNE_CACHE_CORRUPT;
    }
  *step_us = us;
  return DL_TUNE_CACHE_HIT;
}

/* Adds or replaces the entry; other entries stay (a file that no longer parses is started afresh). */
static void
cache_write (const Want *w, const DlNetConfig *config, double step_us)
{
  g_autofree char *path = dl_tune_cache_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *conv = conv_list (w->arch, config);
  const char *split = config->split == DL_SPLIT_UNITS ? "units" : "rows";
  /* Stored as the file will give it back. */
  g_autofree char *us_text = g_strdup_printf ("%.3f", step_us);
  double us = g_ascii_strtod (us_text, NULL);
  g_autofree char *text = entry_text (w->key, w->machine, TUNE_VERSION, config->blas->name, config->threads, split,
                                      conv, us);
  g_autofree char *sum = checksum (text);
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *when = g_date_time_format_iso8601 (now);

  g_key_file_load_from_file (kf, path, G_KEY_FILE_KEEP_COMMENTS, NULL);
  g_key_file_remove_group (kf, w->key, NULL);
  g_key_file_set_string (kf, w->key, "machine", w->machine);
  g_key_file_set_integer (kf, w->key, "version", TUNE_VERSION);
  g_key_file_set_string (kf, w->key, "kernel", config->blas->name);
  g_key_file_set_integer (kf, w->key, "threads", config->threads);
  g_key_file_set_string (kf, w->key, "split", split);
  g_key_file_set_string (kf, w->key, "conv", conv);
  g_key_file_set_string (kf, w->key, "step_us", us_text);
  g_key_file_set_string (kf, w->key, "measured", when);
  g_key_file_set_string (kf, w->key, "checksum", sum);
  if (g_mkdir_with_parents (dir, 0700) != 0 || !g_key_file_save_to_file (kf, path, &error))
    g_warning ("dl-tune: cannot write %s: %s", path, error ? error->message : g_strerror (errno));
}

/* ---- what this process measured: a second run of a network is not measured again ---- */

typedef struct {
  DlNetConfig config;
  double      step_seconds;
} Memo;

static GMutex memo_lock;
static GHashTable *memo;  /* key → Memo */

static gboolean
memo_get (const char *key, DlNetConfig *config, double *step_seconds)
{
  g_mutex_lock (&memo_lock);
  Memo *m = memo ? g_hash_table_lookup (memo, key) : NULL;
  if (m)
    *config = m->config, *step_seconds = m->step_seconds;
  g_mutex_unlock (&memo_lock);
  return m != NULL;
}

static void
memo_put (const char *key, const DlNetConfig *config, double step_seconds)
{
  Memo *m = g_new (Memo, 1);
  *m = (Memo) { *config, step_seconds };
  g_mutex_lock (&memo_lock);
  if (memo == NULL)
    memo = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_replace (memo, g_strdup (key), m);
  g_mutex_unlock (&memo_lock);
}

/* ---- measuring ---- */

typedef struct {
  const DlArch *arch;
  DlNet        *nets[2];   /* the incumbent's and the challenger's: no rebuilding between windows */
  DlHyper       hyper;
  int           batch;
  float        *x;
  guint8       *y;
  int           window;     /* steps per timed window */
  int           rounds;
  gint64        deadline;
  double        planned, done;  /* comparisons, for the progress fraction */
  DlTuneProgress progress;
  gpointer      user_data;
  gboolean      stopped;   /* by the progress callback */
  int           windows, disturbed;
  int           skipped;   /* comparisons left out when the budget ran out */
  int           next;      /* which of the batches the next step trains on */
  GPtrArray    *candidates;
} Bench;

#define N_BATCHES 2

/* Synthetic images as sparse as MNIST's (about a fifth of the pixels lit): the timings only depend on the
 * shapes, as long as nothing turns denormal or infinite. */
static void
make_data (Bench *b, int in_size)
{
  DlRng rng;
  gsize n = (gsize) N_BATCHES * b->batch * in_size;

  dl_rng_seed (&rng, 42);
  b->x = g_new (float, n);
  b->y = g_new (guint8, N_BATCHES * b->batch);
  for (gsize i = 0; i < n; i++)
    b->x[i] = dl_rng_uniform (&rng) < 0.2 ? (float) dl_rng_uniform (&rng) : 0.0f;
  for (int i = 0; i < N_BATCHES * b->batch; i++)
    b->y[i] = (guint8) dl_rng_below (&rng, 10);
}

static void
steps (Bench *b, DlNet *net, int n)
{
  int in_size = b->arch->in_c * b->arch->in_h * b->arch->in_w;

  for (int i = 0; i < n; i++, b->next = (b->next + 1) % N_BATCHES)
    dl_net_train_step (net, b->x + (gsize) b->next * b->batch * in_size, b->y + b->next * b->batch, b->batch,
                       &b->hyper, NULL);
}

static gboolean
same_config (const DlNetConfig *a, const DlNetConfig *b)
{
  return a->threads == b->threads && a->split == b->split && a->blas == b->blas
         && memcmp (a->conv, b->conv, sizeof a->conv) == 0;
}

static double
thread_cpu_seconds (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Seconds per step of one window on `net`. A window whose threads did not keep their cores is measured
 * again; the best of the tries counts. */
static double
window (Bench *b, DlNet *net)
{
  double best = INFINITY;
  int threads = dl_net_get_threads (net);

  for (int attempt = 0; attempt < RETRIES; attempt++)
    {
      double c0 = thread_cpu_seconds () + dl_net_team_cpu_seconds (net);
      gint64 t0 = g_get_monotonic_time ();
      steps (b, net, b->window);
      double wall = (g_get_monotonic_time () - t0) / 1e6;
      double cpu = thread_cpu_seconds () + dl_net_team_cpu_seconds (net) - c0;
      best = MIN (best, wall / b->window);
      b->windows++;
      if (cpu >= UNDISTURBED * threads * wall)
        break;
      b->disturbed++;
      /* Past the budget a disturbed window stands: a busy machine does not get to stretch the tuning. */
      if (g_get_monotonic_time () > b->deadline)
        break;
    }
  return best;
}

/* nets[k] set up as `config` and warmed up by a step (new buffers, maybe a new team, cold caches). */
static void
configure (Bench *b, int k, const DlNetConfig *config)
{
  DlNetConfig cur;

  dl_net_get_config (b->nets[k], &cur);
  if (!same_config (&cur, config))
    dl_net_set_config (b->nets[k], config);
  steps (b, b->nets[k], 1);
}

static DlTuneCandidate *
add_candidate (Bench *b, const DlNetConfig *config, double seconds)
{
  DlTuneCandidate *c = g_new0 (DlTuneCandidate, 1);
  c->config = *config;
  c->label = describe (b->arch, b->batch, config);
  c->step_seconds = seconds;
  g_ptr_array_add (b->candidates, c);
  return c;
}

static void
candidate_free (gpointer p)
{
  DlTuneCandidate *c = p;
  g_free (c->label);
  g_free (c->verdict);
  g_free (c);
}

/* Reports progress; FALSE once the caller asked to stop. */
static gboolean
report (Bench *b, const char *what)
{
  if (b->progress && !b->stopped)
    b->stopped = !b->progress (MIN (b->planned > 0 ? b->done / b->planned : 1.0, 1.0), what, b->user_data);
  return !b->stopped;
}

/* The paired comparison: incumbent and challenger alternate, `rounds` windows each; the challenger
 * replaces the incumbent when its best window is at least 2 % faster. *best_time is the incumbent's best
 * (from this comparison) on return. */
static gboolean
challenge (Bench *b, DlNetConfig *incumbent, double *best_time, DlTuneCandidate **incumbent_c,
           const DlNetConfig *challenger)
{
  g_autofree char *label = describe (b->arch, b->batch, challenger);
  double ti = INFINITY, tc = INFINITY;

  if (g_get_monotonic_time () > b->deadline)
    {
      b->skipped++;
      return FALSE;
    }
  if (!report (b, label))
    return FALSE;
  configure (b, 1, challenger);
  int wins = 0;
  for (int r = 0; r < b->rounds; r++)
    {
      double a, c;
      if (r % 2 == 0)
        a = window (b, b->nets[0]), c = window (b, b->nets[1]);
      else
        c = window (b, b->nets[1]), a = window (b, b->nets[0]);
      ti = MIN (ti, a), tc = MIN (tc, c);
      wins += c < a;
    }
  b->done++;
  (*incumbent_c)->step_seconds = MIN ((*incumbent_c)->step_seconds, ti);
  DlTuneCandidate *c = add_candidate (b, challenger, tc);
  g_autofree char *inc_label = g_strdup ((*incumbent_c)->label);
  if (tc < ti * MARGIN && 2 * wins > b->rounds)
    {
      c->verdict = g_strdup_printf (_("faster: %.2f× the speed of %s, paired"), ti / tc, inc_label);
      DlNet *swap = b->nets[0];
      b->nets[0] = b->nets[1], b->nets[1] = swap;
      *incumbent = *challenger;
      *incumbent_c = c;
      *best_time = tc;
      return TRUE;
    }
  if (tc >= ti)
    c->verdict = g_strdup_printf (_("%.2f× the speed of %s, paired"), ti / tc, inc_label);
  else if (tc >= ti * MARGIN)
    c->verdict = g_strdup_printf (_("%.2f× the speed of %s, paired (within the 2 %% margin: not enough to switch)"),
                                  ti / tc, inc_label);
  else
    c->verdict = g_strdup_printf (_("%.2f× the speed of %s, paired (but slower in most rounds)"), ti / tc, inc_label);
  *best_time = ti;
  return FALSE;
}

/* The team sizes worth trying: every one up to 8, then doubling, and the maximum. */
static int
thread_counts (int lo, int hi, int *out)
{
  int n = 0;
  for (int t = lo; t <= hi && n < 32; t = t < 8 ? t + 1 : t * 2)
    out[n++] = t;
  if (n > 0 && out[n - 1] != hi)
    out[n++] = hi;
  return n;
}

GArray *
dl_tune_space (const DlArch *arch, int batch, int min_threads, int max_threads)
{
  GArray *space = g_array_new (FALSE, FALSE, sizeof (DlNetConfig));
  int counts[40], n_counts = thread_counts (MAX (min_threads, 1), MAX (max_threads, 1), counts);
  g_auto (GStrv) kernels = dl_blas_kernel_candidates ();
  int conv[DL_MAX_LAYERS], n_conv = 0;
  DlNetConfig c;

  for (int i = 0; i < arch->n_layers; i++)
    if (arch->layers[i].kind == DL_LAYER_CONV)
      conv[n_conv++] = i;
  dl_net_config_init (&c);
  for (int k = 0; kernels[k]; k++)
    if ((c.blas = dl_blas_kernel_load (kernels[k], NULL)) != NULL)
      for (int t = 0; t < n_counts; t++)
        for (int split = 0; split <= (counts[t] > 1 && has_split_choice (arch, batch)); split++)
          /* Every combination of the conv layers' algorithms, counted in base DL_CONV_N_ALGOS. */
          for (int combo = 0, n = (int) pow (DL_CONV_N_ALGOS, n_conv); combo < n; combo++)
            {
              c.threads = counts[t];
              c.split = split ? DL_SPLIT_ROWS : DL_SPLIT_UNITS;
              for (int j = 0, rest = combo; j < n_conv; j++, rest /= DL_CONV_N_ALGOS)
                c.conv[conv[j]] = rest % DL_CONV_N_ALGOS;
              g_array_append_val (space, c);
            }
  return space;
}

static void
search (Bench *b, const Want *w, DlNetConfig *best, double *best_time)
{
  int counts[40], n_counts = thread_counts (w->min_threads, w->max_threads, counts);
  g_auto (GStrv) kernels = dl_blas_kernel_candidates ();
  gboolean split = has_split_choice (b->arch, b->batch);
  DlNetConfig cand;

  /* Everything the search may compare, for the progress fraction. */
  b->planned = 2.0 * (n_counts - 1) + split + (double) n_conv_layers (b->arch) * (DL_CONV_N_ALGOS - 1)
               + g_strv_length (kernels) - 1;
  /* Start from every core (the untuned default), timed by plan_windows. */
  dl_net_get_config (b->nets[0], best);
  DlTuneCandidate *inc = add_candidate (b, best, *best_time);
  inc->verdict = g_strdup (_("the starting point"));

  for (int i = n_counts - 2; i >= 0 && !b->stopped; i--)
    {
      cand = *best;
      cand.threads = counts[i];
      challenge (b, best, best_time, &inc, &cand);
    }
  if (split && best->threads > 1 && !b->stopped)
    {
      cand = *best;
      cand.split = best->split == DL_SPLIT_UNITS ? DL_SPLIT_ROWS : DL_SPLIT_UNITS;
      challenge (b, best, best_time, &inc, &cand);
    }
  for (int i = 0; i < b->arch->n_layers && !b->stopped; i++)
    for (int algo = 0; algo < DL_CONV_N_ALGOS && b->arch->layers[i].kind == DL_LAYER_CONV && !b->stopped; algo++)
      if (algo != (int) best->conv[i])
        {
          cand = *best;
          cand.conv[i] = algo;
          challenge (b, best, best_time, &inc, &cand);
        }
  for (int i = 1; kernels[i] && !b->stopped; i++)
    {
      cand = *best;
      if ((cand.blas = dl_blas_kernel_load (kernels[i], NULL)) != NULL)
        challenge (b, best, best_time, &inc, &cand);
    }
  /* The team size once more: the other choices change how well a step shares. */
  for (int i = n_counts - 1; i >= 0 && !b->stopped; i--)
    if (counts[i] != best->threads)
      {
        cand = *best;
        cand.threads = counts[i];
        challenge (b, best, best_time, &inc, &cand);
      }
  g_autofree char *last = g_steal_pointer (&inc->verdict);
  inc->verdict = last ? g_strdup_printf (_("chosen: %s"), last) : g_strdup (_("chosen"));
}

/* How many steps a window and how many rounds, so that the whole search fits the budget. Times the
 * starting configuration (every core, the defaults) into *step. */
static void
plan_windows (Bench *b, const Want *w, double budget, double *step_time)
{
  int counts[40], n_counts = thread_counts (w->min_threads, w->max_threads, counts);
  g_auto (GStrv) kernels = dl_blas_kernel_candidates ();
  double comparisons = 2.0 * (n_counts - 1) + has_split_choice (b->arch, b->batch)
                       + (double) n_conv_layers (b->arch) * (DL_CONV_N_ALGOS - 1) + g_strv_length (kernels) - 1;
  DlNetConfig start;

  dl_net_config_init (&start);
  start.threads = w->max_threads;
  dl_net_set_config (b->nets[0], &start);
  steps (b, b->nets[0], 2);
  gint64 t0 = g_get_monotonic_time ();
  steps (b, b->nets[0], 2);
  double step = MAX ((g_get_monotonic_time () - t0) / 2e6, 1e-6);
  *step_time = step;

  b->rounds = ROUNDS;
  b->window = CLAMP ((int) lround (WINDOW_SECONDS / step), 1, 1000);
  /* Each comparison: 2 × rounds windows and the challenger's first step; with a margin for retries. */
  double per = 1.25 * (2.0 * b->rounds * b->window + 1) * step;
  if (comparisons * per > budget)
    b->rounds = CLAMP ((int) ((budget / comparisons / 1.25 / step - 1) / (2.0 * b->window)), 3, ROUNDS);
}

DlTuneResult *
dl_tune (const DlArch *arch, const DlHyper *hyper, int batch, int min_threads, int max_threads, double budget_seconds,
         DlTuneFlags flags, DlTuneProgress progress, gpointer user_data)
{
  gint64 start = g_get_monotonic_time ();
  int cores = (int) g_get_num_processors ();
  DlTuneResult *r = g_new0 (DlTuneResult, 1);
  double step_us = 0.0;

  max_threads = CLAMP (max_threads > 0 ? max_threads : cores, 1, DL_TEAM_MAX);
  min_threads = CLAMP (min_threads, 1, max_threads);
  if (budget_seconds <= 0)
    budget_seconds = DL_TUNE_BUDGET_SECONDS;
  r->key = make_key (arch, hyper, batch, min_threads, max_threads);
  r->machine = dl_tune_machine ();
  r->candidates = g_ptr_array_new_with_free_func (candidate_free);

  Want w = { arch, r->key, r->machine, min_threads, max_threads };
  if (!(flags & (DL_TUNE_REMEASURE | DL_TUNE_IGNORE_SESSION)) && memo_get (r->key, &r->config, &r->step_seconds))
    {
      r->cache = DL_TUNE_CACHE_SESSION;
      r->seconds = (g_get_monotonic_time () - start) / 1e6;
      return r;
    }
  r->cache = (flags & DL_TUNE_REMEASURE) ? DL_TUNE_CACHE_IGNORED : cache_read (&w, &r->config, &step_us, &r->cache_detail);
  if (r->cache == DL_TUNE_CACHE_HIT)
    {
      memo_put (r->key, &r->config, step_us / 1e6);
      r->step_seconds = step_us / 1e6;
      r->seconds = (g_get_monotonic_time () - start) / 1e6;
      return r;
    }

  Bench b = {
    .arch = arch, .hyper = *hyper, .batch = batch, .progress = progress, .user_data = user_data,
    .candidates = r->candidates, .deadline = start + (gint64) (budget_seconds * 1e6),
  };
  /* A rate far below the recipe's: the scratch net only has to stay finite. */
  b.hyper.lr = hyper->lr * 1e-3f;
  b.nets[0] = dl_net_new (arch, 1);
  b.nets[1] = dl_net_new (arch, 1);
  make_data (&b, arch->in_c * arch->in_h * arch->in_w);
  plan_windows (&b, &w, budget_seconds, &r->step_seconds);
  search (&b, &w, &r->config, &r->step_seconds);
  r->skipped = b.skipped;
  r->windows = b.windows;
  r->disturbed = b.disturbed;
  if (progress && !b.stopped)
    progress (1.0, _("done"), user_data);
  r->cancelled = b.stopped;
  if (!r->cancelled)
    memo_put (r->key, &r->config, r->step_seconds);
  /* A choice made while other programs kept taking the cores is not kept for next time. */
  r->noisy = b.disturbed * 4 > b.windows;
  if (!r->cancelled && (!r->noisy || (flags & DL_TUNE_STORE_NOISY)) && !(flags & DL_TUNE_NO_STORE))
    cache_write (&w, &r->config, r->step_seconds * 1e6);
  dl_net_free (b.nets[0]);
  dl_net_free (b.nets[1]);
  g_free (b.x);
  g_free (b.y);
  r->seconds = (g_get_monotonic_time () - start) / 1e6;
  return r;
}

void
dl_tune_result_free (DlTuneResult *r)
{
  if (r == NULL)
    return;
  g_free (r->cache_detail);
  g_free (r->key);
  g_free (r->machine);
  g_ptr_array_unref (r->candidates);
  g_free (r);
}
