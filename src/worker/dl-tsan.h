/* dl-tsan.h — ThreadSanitizer annotations for the synchronisation it cannot see (private to src/worker).
 *
 * GLib's GMutex and GCond (and so GAsyncQueue) are futex-based, and g_atomic_rc_box's counts live in
 * uninstrumented libglib code: ThreadSanitizer sees neither. These annotations tell it about the
 * happens-before those primitives really provide; they compile to nothing in ordinary builds.
 */
#pragma once

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define TSAN_RELEASE(addr) __tsan_release ((void *) (addr))
#define TSAN_ACQUIRE(addr) __tsan_acquire ((void *) (addr))
#else
#define TSAN_RELEASE(addr) ((void) (addr))
#define TSAN_ACQUIRE(addr) ((void) (addr))
#endif
