/* dl-blas.h — choosing the BLAS kernel and thread count for the CPU Digit Lab runs on. No GTK.
 *
 * Debian's OpenBLAS picks its kernel from the CPU when it loads, and on CPUs it does not know (AVX-512
 * machines newer than the release, for one) falls back to a generic SSE3 kernel at a fifth of the
 * speed. dl_blas_init checks the pick against the CPU's instruction sets and, when a faster kernel the
 * CPU supports exists, restarts the program once with OPENBLAS_CORETYPE set — the only way OpenBLAS
 * takes a kernel choice, and only at load time. Users never set environment variables themselves.
 */
#pragma once

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

G_END_DECLS
