/* dl-team.c — the fork-join team (see dl-team.h).
 *
 * Hand-rolled rather than OpenMP because it measured faster: against libgomp (dl-team-omp.c, meson
 * -Dteam=openmp), `digitlab-cli bench --preset P --threads 2 --no-tune --batches 400` from each build,
 * alternating, medians of 3 on a quiet 2-vCPU Intel Xeon (family 6 model 167), 2026-12-01: mlp 86,825
 * against 80,461 samples/s, seed 608,162 against 521,887, cnn 20,968 against 21,771. Measure again when
 * this file or the presets' steps change. */
#include "dl-team.h"
#include "dl-fp.h"

#include <pthread.h>
#include <sched.h>
#include <time.h>

/* How long an idle thread spins for the next job before it sleeps. */
#define SPIN_US 2000

struct _DlTeam {
  int         n;
  GThread    *threads[DL_TEAM_MAX];
  DlTeamFunc  fn;
  gpointer    data;
  gint        generation;   /* bumped to start a job (or to quit); fn and data are set before */
  gint        quit;
  gint        done;         /* parts other than 0 that finished the current job */
  gint        arrived;      /* barrier: parts waiting */
  gint        passed;       /* barrier: bumped each time every part arrived */
  gint        sleepers;
  GMutex      lock;
  GCond       wake;
  clockid_t   clocks[DL_TEAM_MAX];  /* each member's CPU-time clock, set when it starts */
  gint        started;              /* members whose clock is set */
};

typedef struct {
  DlTeam *team;
  int     part;
} Member;

static inline void
relax (unsigned spins)
{
  /* Spinning is right while the other parts run; if they cannot run (more threads than free cores),
   * give them the core. */
  if (spins % 4096 == 4095)
    sched_yield ();
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#endif
}

/* Waits for the generation to move past *seen: spins for SPIN_US, then sleeps on the condition. */
static void
wait_for_job (DlTeam *t, int *seen)
{
  gint64 deadline = 0;

  for (unsigned i = 0;; i++)
    {
      int g = g_atomic_int_get (&t->generation);
      if (g != *seen)
        {
          *seen = g;
          return;
        }
      if (i % 256 == 255)
        {
          gint64 now = g_get_monotonic_time ();
          if (deadline == 0)
            deadline = now + SPIN_US;
          else if (now > deadline)
            break;
        }
      relax (i);
    }

  /* Sleep. The sleeper count goes up before the generation is read again and dl_team_run bumps the
   * generation before it reads the count (both sequentially consistent), so one of them sees the other:
   * no wake-up is lost. */
  g_mutex_lock (&t->lock);
  g_atomic_int_inc (&t->sleepers);
  while (g_atomic_int_get (&t->generation) == *seen)
    g_cond_wait (&t->wake, &t->lock);
  g_atomic_int_add (&t->sleepers, -1);
  *seen = g_atomic_int_get (&t->generation);
  g_mutex_unlock (&t->lock);
}

static gpointer
member_main (gpointer user_data)
{
  Member *m = user_data;
  DlTeam *t = m->team;
  int seen = 0;

  /* A member computes only parts of passes: it keeps their mode for life. */
  dl_fp_enter ();
  if (pthread_getcpuclockid (pthread_self (), &t->clocks[m->part]) != 0)
    t->clocks[m->part] = (clockid_t) -1;
  g_atomic_int_inc (&t->started);
  for (;;)
    {
      wait_for_job (t, &seen);
      if (g_atomic_int_get (&t->quit))
        break;
      t->fn (t, m->part, t->data);
      g_atomic_int_inc (&t->done);
    }
  g_free (m);
  return NULL;
}

static void
start (DlTeam *t)
{
  g_atomic_int_inc (&t->generation);
  if (g_atomic_int_get (&t->sleepers) > 0)
    {
      g_mutex_lock (&t->lock);
      g_cond_broadcast (&t->wake);
      g_mutex_unlock (&t->lock);
    }
}

DlTeam *
dl_team_new (int n)
{
  g_return_val_if_fail (n >= 1 && n <= DL_TEAM_MAX, NULL);
  DlTeam *t = g_new0 (DlTeam, 1);
  t->n = n;
  g_mutex_init (&t->lock);
  g_cond_init (&t->wake);
  for (int i = 1; i < n; i++)
    {
      Member *m = g_new (Member, 1);
      *m = (Member) { t, i };
      t->threads[i] = g_thread_new ("dl-team", member_main, m);
    }
  return t;
}

void
dl_team_free (DlTeam *t)
{
  if (t == NULL)
    return;
  g_atomic_int_set (&t->quit, 1);
  start (t);
  for (int i = 1; i < t->n; i++)
    g_thread_join (t->threads[i]);
  g_mutex_clear (&t->lock);
  g_cond_clear (&t->wake);
  g_free (t);
}

int
dl_team_size (const DlTeam *t)
{
  return t ? t->n : 1;
}

void
dl_team_run (DlTeam *t, DlTeamFunc fn, gpointer data)
{
  unsigned fp = dl_fp_enter ();
  if (t == NULL || t->n == 1)
    {
      fn (t, 0, data);
      dl_fp_leave (fp);
      return;
    }
  t->fn = fn;
  t->data = data;
  g_atomic_int_set (&t->done, 0);
  start (t);
  fn (t, 0, data);
  for (unsigned i = 0; g_atomic_int_get (&t->done) < t->n - 1; i++)
    relax (i);
  dl_fp_leave (fp);
}

void
dl_team_barrier (DlTeam *t)
{
  if (t == NULL || t->n == 1)
    return;
  int passed = g_atomic_int_get (&t->passed);
  if (g_atomic_int_add (&t->arrived, 1) == t->n - 1)
    {
      /* The last to arrive resets the count before releasing the others, who may reach the next
       * barrier at once. */
      g_atomic_int_set (&t->arrived, 0);
      g_atomic_int_inc (&t->passed);
      return;
    }
  for (unsigned i = 0; g_atomic_int_get (&t->passed) == passed; i++)
    relax (i);
}

double
dl_team_cpu_seconds (DlTeam *t)
{
  double s = 0.0;

  if (t == NULL)
    return 0.0;
  /* A member only just created may not have read its clock yet. */
  for (unsigned i = 0; g_atomic_int_get (&t->started) < t->n - 1; i++)
    relax (i);
  for (int i = 1; i < t->n; i++)
    {
      struct timespec ts;
      if (t->clocks[i] != (clockid_t) -1 && clock_gettime (t->clocks[i], &ts) == 0)
        s += ts.tv_sec + ts.tv_nsec * 1e-9;
    }
  return s;
}
