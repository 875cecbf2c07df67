/* dl-mistakes.c — latest predictions, per-example history and label-error suspicion. */
#include "dl-mistakes.h"

#include <string.h>

typedef struct {
  int    n_evals, n_right;
  int    first_right, first_right_epoch;
  int    n_flips;
  gint8  last_right;          /* -1 before the first evaluation covering it */
  int    confident_run;
  int    window_len, window_pos;
  float  window[DL_MISTAKES_SCORE_WINDOW];
  float  score;
} ExampleHistory;

/* One past evaluation: info plus 2 × n bytes (predicted class, then true-class probability × 255). */
typedef struct {
  DlMistakesEvalInfo info;
  guint8            *predicted;
  guint8            *p_true;
} PastEval;

struct _DlMistakes {
  int             n;
  guint8         *labels;
  /* The latest evaluation. */
  int             n_evaluated;
  int             n_wrong;
  int             n_suspected;
  int             confusion[DL_N_CLASSES][DL_N_CLASSES];
  guint8         *predicted;
  float          *confidence;
  float          *probs;          /* n × 10 */
  ExampleHistory *history;
  GArray         *evals;          /* PastEval */
  int             epochs_done;
};

void
dl_mistakes_filter_init (DlMistakesFilter *f)
{
  f->true_class = -1;
  f->predicted = -1;
  f->show = DL_MISTAKES_SHOW_WRONG;
  f->suspected_only = FALSE;
}

void
dl_mistakes_filter_for_cell (DlMistakesFilter *f, int true_class, int predicted)
{
  dl_mistakes_filter_init (f);
  f->true_class = true_class;
  f->predicted = predicted;
  f->show = true_class == predicted ? DL_MISTAKES_SHOW_RIGHT : DL_MISTAKES_SHOW_WRONG;
}

gboolean
dl_mistakes_filter_equal (const DlMistakesFilter *a, const DlMistakesFilter *b)
{
  return a->true_class == b->true_class && a->predicted == b->predicted && a->show == b->show
         && !a->suspected_only == !b->suspected_only;
}

static void
past_eval_clear (gpointer data)
{
  PastEval *pe = data;
  g_free (pe->predicted);
}

static void
history_reset (DlMistakes *m)
{
  for (int i = 0; i < m->n; i++)
    {
      ExampleHistory *h = &m->history[i];
      memset (h, 0, sizeof *h);
      h->first_right = -1;
      h->first_right_epoch = -1;
      h->last_right = -1;
    }
}

DlMistakes *
dl_mistakes_new (const guint8 *labels, int n)
{
  g_return_val_if_fail (n >= 0 && (labels != NULL || n == 0), NULL);

  DlMistakes *m = g_new0 (DlMistakes, 1);
  m->n = n;
  m->labels = g_memdup2 (labels, n);
  m->predicted = g_new0 (guint8, n);
  m->confidence = g_new0 (float, n);
  m->probs = g_new0 (float, (gsize) n * DL_N_CLASSES);
  m->history = g_new0 (ExampleHistory, n);
  m->evals = g_array_new (FALSE, TRUE, sizeof (PastEval));
  g_array_set_clear_func (m->evals, past_eval_clear);
  history_reset (m);
  return m;
}

void
dl_mistakes_free (DlMistakes *m)
{
  if (m == NULL)
    return;
  g_free (m->labels);
  g_free (m->predicted);
  g_free (m->confidence);
  g_free (m->probs);
  g_free (m->history);
  g_array_unref (m->evals);
  g_free (m);
}

void
dl_mistakes_clear (DlMistakes *m)
{
  m->n_evaluated = m->n_wrong = m->n_suspected = 0;
  m->epochs_done = 0;
  memset (m->confusion, 0, sizeof m->confusion);
  g_array_set_size (m->evals, 0);
  history_reset (m);
}

/* Suspicion only looks at end-of-epoch evaluations: periodic ones come many per epoch and would let a
 * few minutes of training look like "consistently, across epochs". */
static void
update_suspicion (ExampleHistory *h, gboolean right, float p_pred, float p_true)
{
  float s = (!right && p_true < DL_MISTAKES_TRUE_P_BELOW) ? p_pred : 0.0f;

  h->window[h->window_pos] = s;
  h->window_pos = (h->window_pos + 1) % DL_MISTAKES_SCORE_WINDOW;
  h->window_len = MIN (h->window_len + 1, DL_MISTAKES_SCORE_WINDOW);

  float sum = 0;
  for (int k = 0; k < h->window_len; k++)
    sum += h->window[k];
  h->score = sum / h->window_len;

  h->confident_run = (!right && p_pred >= DL_MISTAKES_SUSPECT_P) ? h->confident_run + 1 : 0;
}

static void
update_history (DlMistakes *m, int i, int ordinal, gboolean right, gboolean end_of_epoch,
                float p_pred, float p_true)
{
  ExampleHistory *h = &m->history[i];

  if (h->last_right >= 0 && h->last_right != right)
    h->n_flips++;
  if (right && h->first_right < 0)
    {
      h->first_right = ordinal;
      /* An end-of-epoch evaluation has already been counted in epochs_done. */
      h->first_right_epoch = end_of_epoch ? m->epochs_done - 1 : m->epochs_done;
    }
  h->last_right = right;
  h->n_evals++;
  h->n_right += right;

  if (end_of_epoch)
    update_suspicion (h, right, p_pred, p_true);
}

gboolean
dl_mistakes_add_eval (DlMistakes *m, const DlEval *ev, gboolean end_of_epoch)
{
  g_return_val_if_fail (m != NULL && ev != NULL, FALSE);
  if (ev->n > m->n || ev->n < 0)
    return FALSE;

  int ordinal = m->evals->len;
  if (end_of_epoch)
    m->epochs_done++;

  PastEval pe = { 0 };
  pe.info.n = ev->n;
  pe.info.end_of_epoch = end_of_epoch;
  pe.info.epochs_done = m->epochs_done;
  pe.predicted = g_malloc ((gsize) ev->n * 2 + 1);
  pe.p_true = pe.predicted + ev->n;

  m->n_evaluated = ev->n;
  m->n_wrong = 0;
  m->n_suspected = 0;
  memset (m->confusion, 0, sizeof m->confusion);
  memcpy (m->predicted, ev->predicted, ev->n);
  memcpy (m->confidence, ev->confidence, sizeof (float) * ev->n);
  memcpy (m->probs, ev->probs, sizeof (float) * DL_N_CLASSES * ev->n);

  for (int i = 0; i < ev->n; i++)
    {
      int t = m->labels[i], p = ev->predicted[i];
      float p_true = ev->probs[(gsize) i * DL_N_CLASSES + t];
      gboolean right = t == p;

      m->confusion[t][p]++;
      m->n_wrong += !right;
      update_history (m, i, ordinal, right, end_of_epoch, ev->confidence[i], p_true);
      pe.predicted[i] = p;
      pe.p_true[i] = (guint8) (CLAMP (p_true, 0.0f, 1.0f) * 255.0f + 0.5f);
    }
  pe.info.correct = ev->n - m->n_wrong;

  for (int i = 0; i < m->n; i++)
    m->n_suspected += m->history[i].confident_run >= DL_MISTAKES_SUSPECT_RUN;

  g_array_append_val (m->evals, pe);
  return TRUE;
}

int dl_mistakes_get_n (const DlMistakes *m)           { return m->n; }
int dl_mistakes_get_n_evaluated (const DlMistakes *m) { return m->n_evaluated; }
int dl_mistakes_get_n_wrong (const DlMistakes *m)     { return m->n_wrong; }
int dl_mistakes_get_n_suspected (const DlMistakes *m) { return m->n_suspected; }
int dl_mistakes_get_n_evals (const DlMistakes *m)     { return m->evals->len; }

const DlMistakesEvalInfo *
dl_mistakes_get_eval_info (const DlMistakes *m, int e)
{
  g_return_val_if_fail (e >= 0 && (guint) e < m->evals->len, NULL);
  return &g_array_index (m->evals, PastEval, e).info;
}

const int (*dl_mistakes_get_confusion (const DlMistakes *m))[DL_N_CLASSES]
{
  return (const int (*)[DL_N_CLASSES]) m->confusion;
}

int
dl_mistakes_get_label (const DlMistakes *m, int i)
{
  g_return_val_if_fail (i >= 0 && i < m->n, -1);
  return m->labels[i];
}

gboolean
dl_mistakes_get_prediction (const DlMistakes *m, int i, int *predicted, float *confidence)
{
  if (i < 0 || i >= m->n_evaluated)
    return FALSE;
  if (predicted)
    *predicted = m->predicted[i];
  if (confidence)
    *confidence = m->confidence[i];
  return TRUE;
}

const float *
dl_mistakes_get_probs (const DlMistakes *m, int i)
{
  if (i < 0 || i >= m->n_evaluated)
    return NULL;
  return m->probs + (gsize) i * DL_N_CLASSES;
}

void
dl_mistakes_get_history (const DlMistakes *m, int i, DlMistakeHistory *out)
{
  g_return_if_fail (i >= 0 && i < m->n);
  const ExampleHistory *h = &m->history[i];

  out->n_evals = h->n_evals;
  out->n_right = h->n_right;
  out->first_right = h->first_right;
  out->first_right_epoch = h->first_right_epoch;
  out->n_flips = h->n_flips;
  out->confident_run = h->confident_run;
  out->suspect_score = h->score;
  out->suspected = h->confident_run >= DL_MISTAKES_SUSPECT_RUN;
}

gboolean
dl_mistakes_get_past (const DlMistakes *m, int e, int i, int *predicted, float *p_true)
{
  if (e < 0 || (guint) e >= m->evals->len)
    return FALSE;
  const PastEval *pe = &g_array_index (m->evals, PastEval, e);
  if (i < 0 || i >= pe->info.n)
    return FALSE;
  if (predicted)
    *predicted = pe->predicted[i];
  if (p_true)
    *p_true = pe->p_true[i] / 255.0f;
  return TRUE;
}

static gboolean
filter_accepts (const DlMistakes *m, const DlMistakesFilter *f, int i)
{
  int t = m->labels[i], p = m->predicted[i];

  if (f->true_class >= 0 && t != f->true_class)
    return FALSE;
  if (f->predicted >= 0 && p != f->predicted)
    return FALSE;
  if ((t == p) != (f->show == DL_MISTAKES_SHOW_RIGHT))
    return FALSE;
  if (f->suspected_only && m->history[i].confident_run < DL_MISTAKES_SUSPECT_RUN)
    return FALSE;
  return TRUE;
}

typedef struct {
  const DlMistakes *m;
  DlMistakesSort    sort;
} SortContext;

static int
cmp_desc (float a, float b)
{
  return (a < b) - (a > b);
}

static int
compare_examples (gconstpointer pa, gconstpointer pb, gpointer data)
{
  const SortContext *ctx = data;
  const DlMistakes *m = ctx->m;
  int a = *(const int *) pa, b = *(const int *) pb;
  int c = 0;

  switch (ctx->sort)
    {
    case DL_MISTAKES_SORT_CONFIDENCE:
      c = cmp_desc (m->confidence[a], m->confidence[b]);
      break;
    case DL_MISTAKES_SORT_TRUE_CLASS:
      c = (int) m->labels[a] - (int) m->labels[b];
      break;
    case DL_MISTAKES_SORT_SUSPECT:
      c = cmp_desc (m->history[a].score, m->history[b].score);
      break;
    case DL_MISTAKES_SORT_INDEX:
      break;
    }
  return c != 0 ? c : (a > b) - (a < b);
}

int
dl_mistakes_select (const DlMistakes *m, const DlMistakesFilter *f, DlMistakesSort sort, int *out)
{
  int count = 0;

  for (int i = 0; i < m->n_evaluated; i++)
    if (filter_accepts (m, f, i))
      out[count++] = i;

  if (sort != DL_MISTAKES_SORT_INDEX)
    {
      SortContext ctx = { m, sort };
      g_qsort_with_data (out, count, sizeof (int), compare_examples, &ctx);
    }
  return count;
}
