/* dl-team.h — a fork-join team of threads that splits one training step. No GTK.
 *
 * dl_team_run runs fn(team, part, data) for every part 0 … n − 1 at once, the calling thread taking
 * part 0, and returns when all parts are done; inside fn, dl_team_barrier waits until every part has
 * reached it. A training step lasts a few hundred microseconds, less than one sleep and wake-up of a
 * thread costs, so the threads spin between barriers and between steps, and sleep only once no step
 * has come for a couple of milliseconds (training paused, or the data loading).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DL_TEAM_MAX 64

typedef struct _DlTeam DlTeam;
typedef void (*DlTeamFunc) (DlTeam *team, int part, gpointer data);

DlTeam *dl_team_new (int n);   /* n parts (1 … DL_TEAM_MAX): n − 1 threads beside the caller */
void    dl_team_free (DlTeam *team);
int     dl_team_size (const DlTeam *team);
void    dl_team_run (DlTeam *team, DlTeamFunc fn, gpointer data);
void    dl_team_barrier (DlTeam *team);

/* CPU seconds the members (not the caller, part 0) have run so far. Members spin while they wait, so over
 * a stretch of steps this is (size − 1) × the wall time unless the system took their cores away: how dl-tune
 * tells a measurement another program disturbed. */
double  dl_team_cpu_seconds (DlTeam *team);

/* [*lo, *hi) of the part's share of n items, shares in multiples of `align` items (the last takes the rest). */
static inline void
dl_team_share (int part, int n_parts, int n, int align, int *lo, int *hi)
{
  int chunks = (n + align - 1) / align;
  *lo = MIN (n, (int) ((gint64) chunks * part / n_parts) * align);
  *hi = part == n_parts - 1 ? n : MIN (n, (int) ((gint64) chunks * (part + 1) / n_parts) * align);
}

G_END_DECLS
