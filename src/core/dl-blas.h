/* dl-blas.h — choosing the BLAS kernel and thread count for the CPU Digit Lab runs on. No GTK.
 *
 * Debian's OpenBLAS picks its kernel from the CPU when it loads, and on CPUs it does not know (AVX-512
 * machines newer than the release, for one) falls back to a generic SSE3 kernel at a fifth of the
 * speed. dl_blas_init checks the pick against the CPU's instruction sets and, when a faster kernel the
 * CPU supports exists, restarts the program once with OPENBLAS_CORETYPE set — the only way OpenBLAS
 * takes a kernel choice, and only at load time. Users never set environment variables themselves.
 */
#pragma once

#include <cblas.h>
#include <glib.h>

G_BEGIN_DECLS

/* Call first thing in main, before any BLAS call and before creating threads: may re-execute the
 * program (same arguments, same environment plus the kernel choice) and then does not return.
 * Respects an OPENBLAS_CORETYPE the user set. Sets the default thread count. */
void        dl_blas_init (void);

/* BLAS threads for the calling program: n ≥ 1, or 0 for the default (what measured fastest). */
void        dl_blas_set_threads (int n);

/* The thread count that trains fastest on an otherwise idle machine (for dl_net_set_threads): every
 * core, each batch split over a team of threads (on 2 cores, best windows: mlp 1.6×, cnn 1.9× one
 * thread's speed). */
int         dl_blas_default_threads (void);

/* Human-readable library, kernel and threads, e.g. "OpenBLAS 0.3.21 Zen kernel, 1 thread", for
 * --json output and the About dialog. Static string, valid until the next dl_blas_set_threads. */
const char *dl_blas_describe (void);

/* "OpenBLAS 0.3.21": what the tuning cache is keyed by, with the CPU. */
const char *dl_blas_version (void);

/* ---- kernels ----
 * A DlBlasKernel is one OpenBLAS kernel set to call sgemm and sgemv through: the linked library's (what
 * dl_blas_init left it on), or a private copy of the same library file running another core, loaded once
 * and kept for the life of the process. Both are safe to call from several threads at once; each runs
 * single-threaded. */
typedef void (*DlSgemmFunc) (CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, blasint M, blasint N, blasint K,
                             float alpha, const float *A, blasint lda, const float *B, blasint ldb, float beta,
                             float *C, blasint ldc);
typedef void (*DlSgemvFunc) (CBLAS_ORDER, CBLAS_TRANSPOSE, blasint M, blasint N, float alpha, const float *A,
                             blasint lda, const float *x, blasint incx, float beta, float *y, blasint incy);

typedef struct {
  const char  *name;     /* OpenBLAS's core name, e.g. "SkylakeX" */
  DlSgemmFunc  sgemm;
  DlSgemvFunc  sgemv;
  gboolean     linked;   /* the program's own copy */
} DlBlasKernel;

#define DL_BLAS_ERROR (dl_blas_error_quark ())
GQuark dl_blas_error_quark (void);
typedef enum { DL_BLAS_ERROR_UNAVAILABLE } DlBlasError;

/* The linked library's kernel. */
const DlBlasKernel *dl_blas_kernel (void);
/* The kernel named `core` (OpenBLAS's core name, case-insensitive): the linked one when it runs that
 * core, else a private copy, loaded on first use. NULL with an error when OpenBLAS cannot run it here
 * (not a DYNAMIC_ARCH build, an unknown name, a CPU without its instructions, a sanitizer build). */
const DlBlasKernel *dl_blas_kernel_load (const char *core, GError **error);
/* The names worth measuring on this CPU, the linked kernel first; NULL-terminated, g_strfreev. */
char      **dl_blas_kernel_candidates (void);

G_END_DECLS
