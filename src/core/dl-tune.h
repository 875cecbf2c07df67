/* dl-tune.h — how to run a network fastest on this CPU, measured rather than assumed. No GTK.
 *
 * The fastest team size, split, BLAS kernel and convolution algorithm depend on the CPU (vector width,
 * caches, how two cores share them) as much as on the network: on one 2-core machine a team of 2 trains
 * the mlp preset 1.6× faster than one thread, on another 3 % faster. So on first use of an architecture on
 * a CPU, dl_tune measures the candidates on the network's real training step (its shapes, batch and
 * optimiser, on synthetic images) within a time budget, and caches the choice in
 * ${XDG_CACHE_HOME}/digitlab/tune.ini, keyed by the CPU model, the core count, the BLAS library's version
 * and the candidates Digit Lab knows. An entry is used only when it parses, its checksum holds, its key
 * is this machine's and every value is one that could be chosen here; anything else is measured again.
 *
 * How the search goes (coordinate descent from the defaults, each step a paired comparison: the
 * incumbent and a challenger alternate in short windows of steps, and the challenger wins when its best
 * window is at least 2 % faster and it was faster in most rounds; a window in which the net's threads lost
 * their cores to another program — told by their CPU time — is measured again):
 *   1. team sizes 1 … cores (and for nets with wide dense layers, split by rows or by units);
 *   2. for each conv layer, each convolution algorithm;
 *   3. each BLAS kernel the CPU runs (dl_blas_kernel_candidates);
 *   4. the team size once more, with the rest chosen.
 */
#pragma once

#include <glib.h>

#include "dl-arch.h"
#include "dl-net.h"

G_BEGIN_DECLS

/* Why an entry of the cache was not used (DlTuneResult.cache). */
typedef enum {
  DL_TUNE_CACHE_HIT,       /* used: nothing measured */
  DL_TUNE_CACHE_SESSION,   /* measured earlier by this process (also when too noisy to cache): reused */
  DL_TUNE_CACHE_MISSING,   /* no entry for this key (or no cache file) */
  DL_TUNE_CACHE_CORRUPT,   /* the file or the entry does not parse, its checksum fails, or a value is invalid */
  DL_TUNE_CACHE_FOREIGN,   /* the entry was measured on another CPU, core count or library */
  DL_TUNE_CACHE_IGNORED,   /* the caller asked to measure afresh (DL_TUNE_REMEASURE) */
} DlTuneCache;

typedef enum {
  DL_TUNE_REMEASURE = 1 << 0,  /* measure even when the cache holds a valid entry */
  DL_TUNE_NO_STORE  = 1 << 1,  /* do not write the result to the cache */
  DL_TUNE_STORE_NOISY = 1 << 2, /* cache the result even when the machine was busy while measuring */
  DL_TUNE_IGNORE_SESSION = 1 << 3, /* consult only the cache file, not what this process measured before */
} DlTuneFlags;

/* One configuration measured. */
typedef struct {
  DlNetConfig config;
  char       *label;          /* "2 threads, split by units, SkylakeX, conv im2col/direct" */
  double      step_seconds;   /* its best window's time per training step */
  char       *verdict;        /* what the comparison concluded, e.g. "kept: 1.31× the 1-thread step" */
} DlTuneCandidate;

typedef struct {
  DlNetConfig config;         /* the choice */
  DlTuneCache cache;
  char       *cache_detail;   /* for a corrupt or foreign entry: what was wrong with it; else NULL */
  char       *key;            /* the cache key: architecture, batch, optimiser, threads allowed */
  char       *machine;        /* CPU model, core count, BLAS library */
  GPtrArray  *candidates;     /* DlTuneCandidate, in the order measured (empty on a cache hit) */
  double      step_seconds;   /* the choice's time per step (measured, or as cached) */
  double      seconds;        /* how long tuning took, measuring included */
  gboolean    cancelled;      /* the progress callback stopped it: the best so far, not cached */
  int         skipped;        /* comparisons left out when the time budget ran out (a busy machine) */
  int         windows;        /* timed windows */
  int         disturbed;      /* of them, how many lost a core to another program (and were retried) */
  gboolean    noisy;          /* more than a quarter disturbed: the choice is used but not cached */
} DlTuneResult;

/* Called while measuring, from the tuning thread: `fraction` done (0 … 1) and what is being measured.
 * Return FALSE to stop (the result is then the best configuration measured so far). */
typedef gboolean (*DlTuneProgress) (double fraction, const char *what, gpointer user_data);

#define DL_TUNE_BUDGET_SECONDS 2.0

/* The configuration to train `arch` with on this machine: from the cache, or measured on a scratch net
 * (taking about budget_seconds, ≤ 0 for DL_TUNE_BUDGET_SECONDS) and stored. max_threads bounds the team
 * (0: every core); a caller that fixes the thread count passes min_threads = max_threads. Runs on the
 * calling thread; the progress callback may be NULL. */
DlTuneResult *dl_tune (const DlArch *arch, const DlHyper *hyper, int batch, int min_threads, int max_threads,
                       double budget_seconds, DlTuneFlags flags, DlTuneProgress progress, gpointer user_data);
void          dl_tune_result_free (DlTuneResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlTuneResult, dl_tune_result_free)

/* Every configuration the search chooses among for this network (the product of its choices: team
 * sizes min … max, split, a conv algorithm per conv layer, BLAS kernels), as DlNetConfig; for tests,
 * which check that each computes what the default does. */
GArray       *dl_tune_space (const DlArch *arch, int batch, int min_threads, int max_threads);

/* A configuration in words, as the candidates' labels, e.g. "2 threads, split by units, SkylakeX, conv
 * direct/im2col" (the split only where the architecture has a choice at this batch size). */
char         *dl_tune_describe_config (const DlArch *arch, int batch, const DlNetConfig *config);
/* What the cache said, in words: "cached", "no entry yet", "corrupt entry (…)", … */
char         *dl_tune_describe_cache (const DlTuneResult *result);

/* ${XDG_CACHE_HOME}/digitlab/tune.ini */
char         *dl_tune_cache_path (void);
/* "Intel(R) Xeon(R) Processor (family 6, model 167), 2 cores, OpenBLAS 0.3.21": what an entry is keyed by
 * besides the network. */
char         *dl_tune_machine (void);

G_END_DECLS
