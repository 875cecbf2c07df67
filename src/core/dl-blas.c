/* dl-blas.c — making sure OpenBLAS runs the kernel the CPU deserves, and with how many threads.
 *
 * OpenBLAS (built with DYNAMIC_ARCH, as Debian ships it) picks its kernel once, in a library
 * constructor, from CPUID — or from OPENBLAS_CORETYPE. CPUs newer than the OpenBLAS release are
 * often not recognised and get the generic SSE3 "Prescott" kernel: on an AVX-512 machine with Debian
 * 12's 0.3.21 that is ~25 GFLOP/s instead of ~130 with the SkylakeX kernel. Since the choice is only
 * read at load time, dl_blas_init sets OPENBLAS_CORETYPE and re-executes the program once when the
 * kernel OpenBLAS chose uses narrower vectors than the CPU supports. Loading OpenBLAS with dlopen
 * after setenv would avoid the exec but route every BLAS call in the project through pointers, and
 * patching OpenBLAS's internal kernel table is not an interface; an exec at start-up costs a few
 * milliseconds and only happens on misdetected CPUs.
 *
 * Which of the kernels the CPU can run is fastest for a network's shapes is a measurement, not a rule
 * (on AMD Zen 3, 0.3.21's own "Zen" pick ran Digit Lab's small shapes 5–60 % slower than its "Haswell"
 * kernel; on other CPUs it is the other way round): dl-tune measures the candidates
 * (dl_blas_kernel_candidates) on the network's real training step, each in a private copy of OpenBLAS
 * loaded with dlmopen, where OPENBLAS_CORETYPE can still be chosen (dl_blas_kernel_load), and the net
 * calls the winner through the DlBlasKernel it holds.
 */
#define _GNU_SOURCE  /* dlmopen, dladdr */
#include "config.h"

#include "dl-blas.h"

#include <cblas.h>
#include <dlfcn.h>
#include <errno.h>
#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

G_DEFINE_QUARK (dl-blas-error-quark, dl_blas_error)

/* Set together with OPENBLAS_CORETYPE when we re-execute: "<OpenBLAS's own pick>><our pick>". Its
 * presence means "already chosen", so there is never a second exec. */
#define GUARD_ENV "DIGITLAB_BLAS_KERNEL"

/* The default thread count: one. Digit Lab's matrices are small (batch 64–100 rows). Measured on a
 * 2-core EPYC: with the second core idle, 2 threads made a cnn training step up to 27 % faster but
 * mlp and seed steps 20–85 % slower; with the second core busy (the GUI drawing, another program)
 * OpenBLAS's threads spin and wait for each other, and the cnn ran 3.8× slower at 2 threads. One
 * thread is never far from the best and never collapses. */
#define DEFAULT_THREADS 1

typedef enum { ISA_OTHER, ISA_AVX, ISA_AVX2, ISA_AVX512 } Isa;

static char describe_buf[256];
static char chosen_from[64];   /* OpenBLAS's own pick when we overrode it, else empty */

/* The widest vector kernel family an OpenBLAS core name stands for. */
static Isa
core_isa (const char *core)
{
  static const struct { const char *name; Isa isa; } cores[] = {
    { "SkylakeX", ISA_AVX512 }, { "Cooperlake", ISA_AVX512 }, { "SapphireRapids", ISA_AVX512 },
    { "Haswell", ISA_AVX2 }, { "Zen", ISA_AVX2 },
    { "Sandybridge", ISA_AVX }, { "Bulldozer", ISA_AVX }, { "Piledriver", ISA_AVX },
    { "Steamroller", ISA_AVX }, { "Excavator", ISA_AVX2 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cores); i++)
    if (g_ascii_strcasecmp (core, cores[i].name) == 0)
      return cores[i].isa;
  return ISA_OTHER;
}

/* What the CPU (and the OS, which must save the wider registers) supports. GCC's checks include the
 * XGETBV test for OS support of AVX and AVX-512 state. */
static Isa
cpu_isa (void)
{
  __builtin_cpu_init ();
  /* OpenBLAS's SkylakeX kernels use AVX-512 F, BW, DQ and VL; forcing them elsewhere is SIGILL. */
  if (__builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512bw")
      && __builtin_cpu_supports ("avx512dq") && __builtin_cpu_supports ("avx512vl"))
    return ISA_AVX512;
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    return ISA_AVX2;
  if (__builtin_cpu_supports ("avx"))
    return ISA_AVX;
  return ISA_OTHER;
}

/* The OpenBLAS core to run instead of `current` on this CPU, or NULL to keep it. */
static const char *
better_core (const char *current)
{
  Isa have = cpu_isa ();

  if (core_isa (current) < have)
    switch (have)
      {
      case ISA_AVX512:
        return "SkylakeX";
      case ISA_AVX2:
        return "Haswell";
      case ISA_AVX:
        return "Sandybridge";
      case ISA_OTHER:
      default:
        return NULL;
      }
  return NULL;
}

/* Re-executes this program with its own arguments; returns only if that failed. */
static void
reexec_self (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *cmdline = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  gsize len = 0;

  if (!exe || !g_file_get_contents ("/proc/self/cmdline", &cmdline, &len, NULL) || len == 0)
    return;
  /* NUL-separated arguments, the last one NUL-terminated too. */
  for (gsize i = 0; i < len; i += strlen (cmdline + i) + 1)
    g_ptr_array_add (argv, cmdline + i);
  g_ptr_array_add (argv, NULL);
  execv (exe, (char **) argv->pdata);
  g_debug ("dl-blas: re-executing %s failed: %s", exe, g_strerror (errno));
}

static void
update_description (void)
{
  const char *version = dl_blas_version ();
  int threads = openblas_get_num_threads ();

  if (chosen_from[0])
    g_snprintf (describe_buf, sizeof describe_buf, "%s %s kernel (chosen over %s), %d thread%s",
                version, openblas_get_corename (), chosen_from, threads, threads == 1 ? "" : "s");
  else
    g_snprintf (describe_buf, sizeof describe_buf, "%s %s kernel, %d thread%s",
                version, openblas_get_corename (), threads, threads == 1 ? "" : "s");
}

void
dl_blas_init (void)
{
  const char *guard = g_getenv (GUARD_ENV);
  const char *core = openblas_get_corename ();

  if (guard)
    {
      /* Second run: remember what OpenBLAS would have picked, for dl_blas_describe. */
      const char *gt = strchr (guard, '>');
      g_strlcpy (chosen_from, guard, MIN (sizeof chosen_from, gt ? (gsize) (gt - guard + 1) : 1));
    }
  else if (!g_getenv ("OPENBLAS_CORETYPE") && strstr (openblas_get_config (), "DYNAMIC_ARCH"))
    {
      const char *want = better_core (core);

      if (want)
        {
          g_autofree char *value = g_strdup_printf ("%s>%s", core, want);

          g_setenv ("OPENBLAS_CORETYPE", want, TRUE);
          g_setenv (GUARD_ENV, value, TRUE);
          reexec_self ();
          /* Still here: carry on with OpenBLAS's own pick. */
          g_unsetenv ("OPENBLAS_CORETYPE");
          g_unsetenv (GUARD_ENV);
        }
    }

  /* A user who set a thread count knows their machine. */
  if (g_getenv ("OPENBLAS_NUM_THREADS") || g_getenv ("OMP_NUM_THREADS"))
    update_description ();
  else
    dl_blas_set_threads (0);
}

/* Measured on the 2-core EPYC, best 50-batch windows of each (the machine is noisy): on a team of 2 the
 * mlp preset trains at 118k samples/s against 72k on one thread, cnn at 21k against 11k; on BLAS's own
 * 2 threads mlp reached 1.57× and cnn no more than one thread. */
int
dl_blas_default_threads (void)
{
  return MAX (1, (int) g_get_num_processors ());
}

void
dl_blas_set_threads (int n)
{
  openblas_set_num_threads (n > 0 ? n : DEFAULT_THREADS);
  update_description ();
}

const char *
dl_blas_describe (void)
{
  if (!describe_buf[0])
    update_description ();
  return describe_buf;
}

/* ---- kernels: the linked OpenBLAS, and private copies running another core ---- */

/* Under the sanitizers a second C library (which a dlmopen namespace brings) escapes their interceptors:
 * only the linked copy is offered there. */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define PRIVATE_COPIES 0
#else
#define PRIVATE_COPIES 1
#endif

#define MAX_KERNELS 8  /* each copy is a link-map namespace, of which glibc has 16 */

static DlBlasKernel linked_kernel;
static DlBlasKernel *loaded[MAX_KERNELS];
static int n_loaded;
static GMutex kernels_lock;

const DlBlasKernel *
dl_blas_kernel (void)
{
  static gsize once;

  if (g_once_init_enter (&once))
    {
      linked_kernel.sgemm = cblas_sgemm;
      linked_kernel.sgemv = cblas_sgemv;
      linked_kernel.linked = TRUE;
      linked_kernel.name = g_strdup (openblas_get_corename ());
      /* Single-threaded like the private copies: the team splits a pass. OpenBLAS starts with a thread per
       * core, so a program that used the kernel without choosing threads (the core's tests) ran sgemm on
       * OpenBLAS's pool, whose synchronisation ThreadSanitizer cannot see (test-infer failed so on AMD
       * Zen 5). */
      dl_blas_set_threads (1);
      g_once_init_leave (&once, 1);
    }
  return &linked_kernel;
}

/* The environment a private copy starts with: ours, with its core and one thread (the team threads are
 * Digit Lab's; a copy's own thread pool would only spin beside them). Kept for the copy's lifetime: its C
 * library's environ points into it. */
static char **
copy_environment (const char *core)
{
  char **env = g_get_environ ();
  env = g_environ_setenv (env, "OPENBLAS_CORETYPE", core, TRUE);
  env = g_environ_setenv (env, "OPENBLAS_NUM_THREADS", "1", TRUE);
  return g_environ_unsetenv (env, "OMP_NUM_THREADS");
}

extern char **environ;

/* Loads the OpenBLAS file the program is linked with once more, in a namespace of its own, where its
 * constructor reads OPENBLAS_CORETYPE afresh. The caller holds kernels_lock. */
static DlBlasKernel *
load_copy (const char *core, GError **error)
{
  Dl_info info;
  if (!dladdr ((void *) cblas_sgemm, &info) || info.dli_fname == NULL)
    {
      g_set_error (error, DL_BLAS_ERROR, DL_BLAS_ERROR_UNAVAILABLE, _("cannot tell which file OpenBLAS was loaded from"));
      return NULL;
    }
  /* The new namespace's C library takes `environ` as it finds it at this call: another thread's getenv
   * meanwhile sees a complete environment either way. */
  char **env = copy_environment (core), **saved = environ;
  environ = env;
  void *handle = dlmopen (LM_ID_NEWLM, info.dli_fname, RTLD_NOW | RTLD_LOCAL);
  environ = saved;
  if (handle == NULL)
    {
      g_set_error (error, DL_BLAS_ERROR, DL_BLAS_ERROR_UNAVAILABLE, _("loading a second copy of %s: %s"), info.dli_fname,
                   dlerror ());
      g_strfreev (env);
      return NULL;
    }
  const char *(*corename) (void) = (const char *(*) (void)) dlsym (handle, "openblas_get_corename");
  DlBlasKernel *k = g_new0 (DlBlasKernel, 1);
  k->sgemm = (DlSgemmFunc) dlsym (handle, "cblas_sgemm");
  k->sgemv = (DlSgemvFunc) dlsym (handle, "cblas_sgemv");
  k->name = corename ? g_strdup (corename ()) : NULL;
  /* OpenBLAS falls back to its own pick when it does not know the name or the CPU cannot run it. */
  if (k->sgemm == NULL || k->sgemv == NULL || k->name == NULL || g_ascii_strcasecmp (k->name, core) != 0)
    {
      g_set_error (error, DL_BLAS_ERROR, DL_BLAS_ERROR_UNAVAILABLE, _("OpenBLAS does not run its %s kernel here%s%s"), core,
                   k->name ? _("; it chose ") : "", k->name ? k->name : "");
      /* Not closed: unloading a namespace with its own C library is not reliably clean. */
      g_free ((char *) k->name);
      g_free (k);
      return NULL;
    }
  return k;
}

const DlBlasKernel *
dl_blas_kernel_load (const char *core, GError **error)
{
  const DlBlasKernel *linked = dl_blas_kernel ();
  const DlBlasKernel *found = NULL;

  if (g_ascii_strcasecmp (core, linked->name) == 0)
    return linked;
  if (!PRIVATE_COPIES || !strstr (openblas_get_config (), "DYNAMIC_ARCH"))
    {
      g_set_error (error, DL_BLAS_ERROR, DL_BLAS_ERROR_UNAVAILABLE, _("only the linked OpenBLAS kernel (%s) is available"),
                   linked->name);
      return NULL;
    }
  g_mutex_lock (&kernels_lock);
  for (int i = 0; i < n_loaded && !found; i++)
    if (g_ascii_strcasecmp (loaded[i]->name, core) == 0)
      found = loaded[i];
  if (!found && n_loaded == MAX_KERNELS)
    g_set_error (error, DL_BLAS_ERROR, DL_BLAS_ERROR_UNAVAILABLE, _("%d OpenBLAS copies are loaded already"),
                 MAX_KERNELS);
  else if (!found && (loaded[n_loaded] = load_copy (core, error)) != NULL)
    found = loaded[n_loaded++];
  g_mutex_unlock (&kernels_lock);
  return found;
}

char **
dl_blas_kernel_candidates (void)
{
  GPtrArray *names = g_ptr_array_new ();
  const char *linked = dl_blas_kernel ()->name;

  g_ptr_array_add (names, g_strdup (linked));
  if (PRIVATE_COPIES && strstr (openblas_get_config (), "DYNAMIC_ARCH"))
    {
      /* Every kernel this CPU can run that could be fastest at small shapes, widest vectors first. */
      const char *all[] = { "SkylakeX", "Cooperlake", "Haswell", "Zen", "Sandybridge" };
      Isa have = cpu_isa ();
      __builtin_cpu_init ();
      for (gsize i = 0; i < G_N_ELEMENTS (all); i++)
        {
          Isa need = core_isa (all[i]);
          if (need > have || need < have - 1 || g_ascii_strcasecmp (all[i], linked) == 0)
            continue;
          /* Cooperlake's kernels use AVX-512 BF16. */
          if (g_ascii_strcasecmp (all[i], "Cooperlake") == 0 && !__builtin_cpu_supports ("avx512bf16"))
            continue;
          g_ptr_array_add (names, g_strdup (all[i]));
        }
    }
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}

const char *
dl_blas_version (void)
{
  static gsize once;
  static char version[64];

  if (g_once_init_enter (&once))
    {
      /* The config string starts "OpenBLAS 0.3.21 …". */
      const char *config = openblas_get_config ();
      const char *sp = strchr (config, ' ') ? strchr (strchr (config, ' ') + 1, ' ') : NULL;
      g_strlcpy (version, config, sp ? MIN ((gsize) (sp - config + 1), sizeof version) : sizeof version);
      g_once_init_leave (&once, 1);
    }
  return version;
}
