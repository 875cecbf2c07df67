/* dl-team-omp.c — the team of dl-team.h on OpenMP (gcc's libgomp) instead of Digit Lab's own threads:
 * dl_team_run is a parallel region of the team's size, dl_team_barrier an orphaned "omp barrier". Built
 * with meson -Dteam=openmp, to measure the two against each other on the presets' steps: the same
 * `digitlab-cli bench --preset P --no-tune --threads 2` from each build, alternating. */
#include "dl-team.h"
#include "dl-fp.h"

#include <omp.h>
#include <time.h>

struct _DlTeam {
  int    n;
  double cpu[DL_TEAM_MAX];  /* each thread's CPU time at the end of its last part */
};

DlTeam *
dl_team_new (int n)
{
  g_return_val_if_fail (n >= 1 && n <= DL_TEAM_MAX, NULL);
  DlTeam *t = g_new0 (DlTeam, 1);
  t->n = n;
  return t;
}

void
dl_team_free (DlTeam *t)
{
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
  if (t == NULL || t->n == 1)
    {
      unsigned fp = dl_fp_enter ();
      fn (t, 0, data);
      dl_fp_leave (fp);
      return;
    }
#pragma omp parallel num_threads (t->n)
  {
    int part = omp_get_thread_num ();
    struct timespec ts;
    unsigned fp = dl_fp_enter ();
    fn (t, part, data);
    dl_fp_leave (fp);
    clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
    t->cpu[part] = ts.tv_sec + ts.tv_nsec * 1e-9;
  }
}

void
dl_team_barrier (DlTeam *t)
{
  if (t == NULL || t->n == 1)
    return;
#pragma omp barrier
}

double
dl_team_cpu_seconds (DlTeam *t)
{
  double s = 0.0;
  for (int i = 1; t && i < t->n; i++)
    s += t->cpu[i];
  return s;
}
