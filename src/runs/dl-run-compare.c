/* dl-run-compare.c — the settings that differ among runs, and their results (see dl-run-compare.h). */
#include "dl-run-compare.h"

#ifndef GETTEXT_PACKAGE
#define GETTEXT_PACKAGE "digitlab"
#endif
#include <glib/gi18n-lib.h>

#include <math.h>
#include <string.h>

#include "dl-run-config.h"
#include "dl-run-format.h"

/* A column's or a run's value of one row: what is shown, and what is compared (NULL: not known). */
typedef struct {
  char *text;
  char *id;
} Cell;

typedef void (*CellFunc) (DlRun *run, gconstpointer key, Cell *cell);

typedef struct {
  char      *label;
  GPtrArray *runs;   /* DlRun, referenced */
} Column;

struct _DlRunCompare
{
  GObject     parent_instance;

  GPtrArray  *columns;    /* Column* */
  GListStore *settings;   /* DlRunCompareRow */
  GListStore *results;
};

G_DEFINE_FINAL_TYPE (DlRunCompare, dl_run_compare, G_TYPE_OBJECT)

static void
cell_clear (Cell *cell)
{
  g_clear_pointer (&cell->text, g_free);
  g_clear_pointer (&cell->id, g_free);
}

static void
column_free (gpointer p)
{
  Column *c = p;

  g_free (c->label);
  g_ptr_array_unref (c->runs);
  g_free (c);
}

/* ---- live changes: "lr 0.05 → 0.01; batch 64 → 128" ---- */

typedef struct {
  char   *key;    /* the recipe key it changes ("weight_decay"), or "" when the text does not parse */
  char   *text;   /* "0.05 → 0.01" */
  gint64  step;
  double  x;
} Change;

static void
change_free (gpointer p)
{
  Change *c = p;

  g_free (c->key);
  g_free (c->text);
  g_free (c);
}

/* The names the worker gives changes, as the recipe's keys. */
static const char *
change_key (const char *name)
{
  if (g_str_equal (name, "weight decay"))
    return "weight_decay";
  if (g_str_equal (name, "optimiser"))
    return "optimizer";
  return name;
}

static void
add_change (GPtrArray *changes, const char *part, const DlRunMarker *m)
{
  const char *arrow = strstr (part, " → ");
  g_autofree char *left = arrow != NULL ? g_strndup (part, arrow - part) : NULL;
  const char *space = left != NULL ? strrchr (left, ' ') : NULL;
  Change *c = g_new0 (Change, 1);

  c->step = m->step;
  c->x = m->x;
  if (space == NULL)
    {
      c->key = g_strdup ("");
      c->text = g_strdup (part);
    }
  else
    {
      g_autofree char *name = g_strndup (left, space - left);

      c->key = g_strdup (change_key (name));
      c->text = g_strdup_printf ("%s%s", space + 1, arrow);
    }
  g_ptr_array_add (changes, c);
}

/* Every setting change a run acknowledged while it trained, in order (Change*). */
static GPtrArray *
live_changes (DlRun *run)
{
  GPtrArray *changes = g_ptr_array_new_with_free_func (change_free);

  for (guint i = 0; i < dl_run_get_n_markers (run); i++)
    {
      const DlRunMarker *m = dl_run_get_marker (run, i);
      g_auto (GStrv) parts = g_strsplit (m->text, "; ", -1);

      for (char **p = parts; *p != NULL; p++)
        if (**p != '\0')
          add_change (changes, *p, m);
    }
  return changes;
}

/* "0.05 → 0.01 at step 900 (epoch 1.92); 0.01 → 0.005 at step 1,800 (epoch 3.84)" */
static void
live_cell (DlRun *run, gconstpointer key, Cell *cell)
{
  g_autoptr (GPtrArray) changes = NULL;
  GString *s;

  if (!dl_run_get_loaded (run))
    {
      cell->text = g_strdup (_("not loaded yet"));
      return;
    }
  changes = live_changes (run);
  s = g_string_new (NULL);
  for (guint i = 0; i < changes->len; i++)
    {
      Change *c = changes->pdata[i];
      g_autofree char *step = NULL;

      if (!g_str_equal (c->key, key))
        continue;
      step = g_strdup_printf ("%'" G_GINT64_FORMAT, c->step);
      if (s->len > 0)
        g_string_append (s, "; ");
      /* TRANSLATORS: a setting changed during a run: "0.05 → 0.01 at step 900 (epoch 1.92)". */
      g_string_append_printf (s, _("%s at step %s (epoch %.2f)"), c->text, step, c->x);
    }
  if (s->len == 0)
    g_string_append (s, "—");
  cell->id = g_strdup (s->str);
  cell->text = g_string_free (s, FALSE);
}

/* ---- recipe, data and origin ---- */

static void
recipe_cell (DlRun *run, gconstpointer key, Cell *cell)
{
  g_autoptr (GPtrArray) pairs = dl_run_config_to_pairs (dl_run_get_config (run));

  for (guint i = 0; i + 1 < pairs->len; i += 2)
    if (g_str_equal (pairs->pdata[i], key))
      {
        cell->text = g_strdup (pairs->pdata[i + 1]);
        cell->id = g_strdup (cell->text);
        return;
      }
  cell->text = g_strdup ("—");
  cell->id = g_strdup ("");
}

/* The bytes a data set names: the examples used and each file's checksum. */
static char *
data_id (const DlRunData *data)
{
  GString *s;

  if (data == NULL)
    return g_strdup ("");
  s = g_string_new (NULL);
  g_string_append_printf (s, "%d/%d", data->n_train, data->n_test);
  for (guint i = 0; i < data->files->len; i++)
    {
      const DlRunDataFile *f = data->files->pdata[i];

      g_string_append_printf (s, " %s:%s:%s", f->set, f->kind, f->sha256 != NULL ? f->sha256 : "");
    }
  return g_string_free (s, FALSE);
}

static void
data_cell (DlRun *run, gconstpointer key, Cell *cell)
{
  DlRunData *data = dl_run_get_data (run);
  g_autofree char *text = dl_run_format_data (data);
  g_autofree char *digest = NULL;

  cell->id = data_id (data);
  if (data == NULL || data->files->len == 0)
    {
      cell->text = g_steal_pointer (&text);
      return;
    }
  /* Two copies of a folder can hold other files under the same names: the checksum tells them apart. */
  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, cell->id, -1);
  cell->text = g_strdup_printf ("%s · %.8s", text, digest);
}

static void
origin_cell (DlRun *run, gconstpointer key, Cell *cell)
{
  const char *sha = dl_run_get_origin_model_sha256 (run);
  const char *path = dl_run_get_origin_model_path (run);
  const char *parent = dl_run_get_parent_uuid (run);

  if (parent != NULL)
    {
      g_autofree char *step = g_strdup_printf ("%'" G_GINT64_FORMAT, dl_run_get_parent_step (run));

      cell->id = g_strdup_printf ("parent %s %" G_GINT64_FORMAT, parent, dl_run_get_parent_step (run));
      /* TRANSLATORS: a run branched from another (named by the start of its uuid) at a step. */
      cell->text = g_strdup_printf (_("branch of run %.8s at step %s"), parent, step);
    }
  else if (sha != NULL || path != NULL)
    {
      g_autofree char *base = path != NULL ? g_path_get_basename (path) : g_strdup ("?");

      cell->id = g_strdup_printf ("model %s", sha != NULL ? sha : path);
      cell->text = sha != NULL ? g_strdup_printf (_("model %s (%.8s)"), base, sha) : g_strdup_printf (_("model %s"), base);
    }
  else
    {
      cell->id = g_strdup ("new");
      cell->text = g_strdup (_("a new network"));
    }
}

/* ---- columns ---- */

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* A column's cell: its runs' distinct values (in the runs' order; compared as a set). A run whose value is
 * not known leaves the column unknown. */
static void
column_cell (Column *column, CellFunc func, gconstpointer key, Cell *out)
{
  g_autoptr (GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  gboolean known = TRUE;

  for (guint i = 0; i < column->runs->len; i++)
    {
      Cell c = { 0 };

      func (column->runs->pdata[i], key, &c);
      known = known && c.id != NULL;
      if (!g_ptr_array_find_with_equal_func (texts, c.text, g_str_equal, NULL))
        g_ptr_array_add (texts, g_steal_pointer (&c.text));
      if (c.id != NULL && !g_ptr_array_find_with_equal_func (ids, c.id, g_str_equal, NULL))
        g_ptr_array_add (ids, g_steal_pointer (&c.id));
      cell_clear (&c);
    }
  g_ptr_array_add (texts, NULL);
  out->text = g_strjoinv (", ", (char **) texts->pdata);
  if (!known)
    return;
  g_ptr_array_sort (ids, compare_strings);
  g_ptr_array_add (ids, NULL);
  out->id = g_strjoinv ("\n", (char **) ids->pdata);
}

/* Adds a settings row when the columns' known values differ. */
static void
add_setting (DlRunCompare *self, DlRunCompareKind kind, const char *key, const char *label, CellFunc func,
             gconstpointer func_key)
{
  guint n = self->columns->len;
  g_autofree Cell *cells = g_new0 (Cell, n);
  g_autoptr (GPtrArray) values = g_ptr_array_new ();
  const char *first_id = NULL;
  gboolean differ = FALSE, unknown = FALSE, changed = FALSE;

  for (guint i = 0; i < n; i++)
    {
      column_cell (self->columns->pdata[i], func, func_key, &cells[i]);
      g_ptr_array_add (values, cells[i].text);
      unknown = unknown || cells[i].id == NULL;
      if (cells[i].id == NULL)
        continue;
      changed = changed || !g_str_equal (cells[i].id, "—");
      if (first_id == NULL)
        first_id = cells[i].id;
      else if (!g_str_equal (first_id, cells[i].id))
        differ = TRUE;
    }
  /* A run changed a setting live and another's changes are not loaded yet: shown, as not known. */
  differ = differ || (kind == DL_RUN_COMPARE_LIVE && unknown && changed);
  g_ptr_array_add (values, NULL);
  if (differ)
    {
      g_autoptr (DlRunCompareRow) row = dl_run_compare_row_new (kind, key, label, (const char *const *) values->pdata);

      g_list_store_append (self->settings, row);
    }
  for (guint i = 0; i < n; i++)
    cell_clear (&cells[i]);
}

/* The recipe's keys in their fixed order. */
static GPtrArray *
recipe_keys (void)
{
  DlTrainConfig config;
  g_autoptr (GPtrArray) pairs = NULL;
  GPtrArray *keys = g_ptr_array_new_with_free_func (g_free);

  dl_train_config_init_default (&config);
  pairs = dl_run_config_to_pairs (&config);
  for (guint i = 0; i + 1 < pairs->len; i += 2)
    g_ptr_array_add (keys, g_strdup (pairs->pdata[i]));
  dl_train_config_clear (&config);
  return keys;
}

/* The settings any of the runs changed live, in the recipe's order, then any the recipe does not have. */
static GPtrArray *
live_keys (DlRunCompare *self, GPtrArray *recipe)
{
  GPtrArray *keys = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);

  for (guint c = 0; c < self->columns->len; c++)
    {
      Column *column = self->columns->pdata[c];

      for (guint r = 0; r < column->runs->len; r++)
        {
          g_autoptr (GPtrArray) changes = live_changes (column->runs->pdata[r]);

          for (guint i = 0; i < changes->len; i++)
            {
              const char *key = ((Change *) changes->pdata[i])->key;

              if (!g_ptr_array_find_with_equal_func (seen, key, g_str_equal, NULL))
                g_ptr_array_add (seen, g_strdup (key));
            }
        }
    }
  for (guint i = 0; i < recipe->len; i++)
    if (g_ptr_array_find_with_equal_func (seen, recipe->pdata[i], g_str_equal, NULL))
      g_ptr_array_add (keys, g_strdup (recipe->pdata[i]));
  for (guint i = 0; i < seen->len; i++)
    if (!g_ptr_array_find_with_equal_func (recipe, seen->pdata[i], g_str_equal, NULL))
      g_ptr_array_add (keys, g_strdup (seen->pdata[i]));
  return keys;
}

static void
add_settings (DlRunCompare *self)
{
  g_autoptr (GPtrArray) recipe = recipe_keys ();
  g_autoptr (GPtrArray) live = NULL;

  if (self->columns->len < 2)
    return;
  for (guint i = 0; i < recipe->len; i++)
    add_setting (self, DL_RUN_COMPARE_RECIPE, recipe->pdata[i], recipe->pdata[i], recipe_cell, recipe->pdata[i]);
  add_setting (self, DL_RUN_COMPARE_DATA, "data", _("data set"), data_cell, NULL);
  add_setting (self, DL_RUN_COMPARE_ORIGIN, "origin", _("started from"), origin_cell, NULL);
  live = live_keys (self, recipe);
  for (guint i = 0; i < live->len; i++)
    {
      const char *key = live->pdata[i];
      /* TRANSLATORS: a setting that was changed while a run trained: "lr (live)". */
      g_autofree char *label = *key != '\0' ? g_strdup_printf (_("%s (live)"), key) : g_strdup (_("live changes"));

      add_setting (self, DL_RUN_COMPARE_LIVE, key, label, live_cell, key);
    }
}

/* ---- the same experiment but for the seed ---- */

static gboolean
same_recipe_but_seed (DlRun *a, DlRun *b)
{
  g_autoptr (GPtrArray) pa = dl_run_config_to_pairs (dl_run_get_config (a));
  g_autoptr (GPtrArray) pb = dl_run_config_to_pairs (dl_run_get_config (b));

  if (pa->len != pb->len)
    return FALSE;
  for (guint i = 0; i + 1 < pa->len; i += 2)
    {
      const char *key = pa->pdata[i];

      if (g_str_equal (key, "seed") || g_str_equal (key, "threads"))
        continue;
      if (!g_str_equal (key, pb->pdata[i]) || !g_str_equal (pa->pdata[i + 1], pb->pdata[i + 1]))
        return FALSE;
    }
  return TRUE;
}

static gboolean
same_cell (DlRun *a, DlRun *b, CellFunc func)
{
  Cell ca = { 0 }, cb = { 0 };
  gboolean same;

  func (a, NULL, &ca);
  func (b, NULL, &cb);
  same = g_strcmp0 (ca.id, cb.id) == 0;
  cell_clear (&ca);
  cell_clear (&cb);
  return same;
}

/* Compared only when both runs' markers are here. */
static gboolean
same_live_changes (DlRun *a, DlRun *b)
{
  if (!dl_run_get_loaded (a) || !dl_run_get_loaded (b))
    return TRUE;
  if (dl_run_get_n_markers (a) != dl_run_get_n_markers (b))
    return FALSE;
  for (guint i = 0; i < dl_run_get_n_markers (a); i++)
    {
      const DlRunMarker *ma = dl_run_get_marker (a, i), *mb = dl_run_get_marker (b, i);

      if (ma->step != mb->step || g_strcmp0 (ma->text, mb->text) != 0)
        return FALSE;
    }
  return TRUE;
}

gboolean
dl_run_compare_same_experiment (DlRun *a, DlRun *b)
{
  g_return_val_if_fail (DL_IS_RUN (a) && DL_IS_RUN (b), FALSE);
  return same_recipe_but_seed (a, b) && dl_run_data_equal (dl_run_get_data (a), dl_run_get_data (b))
         && same_cell (a, b, origin_cell) && same_live_changes (a, b);
}

GPtrArray *
dl_run_compare_group_seeds (DlRun *const *runs, guint n_runs)
{
  GPtrArray *groups = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);

  for (guint i = 0; i < n_runs; i++)
    {
      GPtrArray *group = NULL;

      for (guint g = 0; g < groups->len && group == NULL; g++)
        if (dl_run_compare_same_experiment (((GPtrArray *) groups->pdata[g])->pdata[0], runs[i]))
          group = groups->pdata[g];
      if (group == NULL)
        {
          group = g_ptr_array_new_with_free_func (g_object_unref);
          g_ptr_array_add (groups, group);
        }
      g_ptr_array_add (group, g_object_ref (runs[i]));
    }
  return groups;
}

/* ---- results ---- */

typedef struct {
  const char *key;
  const char *label;
  /* The run's figure; FALSE when it has none. `detail` (may be NULL) says when it was reached. */
  gboolean  (*value) (DlRun *run, double *v, char **detail);
  char     *(*format) (double v);
  char     *(*format_spread) (double sd);
} Result;

static char *
best_detail (const DlRunBest *best)
{
  g_autofree char *step = best->step >= 0 ? g_strdup_printf ("%'" G_GINT64_FORMAT, best->step) : NULL;

  /* TRANSLATORS: when a best value was reached: its epoch (1-based) and optimiser step. */
  return step != NULL ? g_strdup_printf (_("epoch %d, step %s"), best->epoch + 1, step)
                      : g_strdup_printf (_("epoch %d"), best->epoch + 1);
}

static gboolean
best_accuracy (DlRun *run, double *v, char **detail)
{
  DlRunBest best;

  if (!dl_run_compare_best (run, DL_RUN_SERIES_TEST_ACCURACY, &best))
    return FALSE;
  *v = best.value;
  *detail = best_detail (&best);
  return TRUE;
}

static gboolean
lowest_loss (DlRun *run, double *v, char **detail)
{
  DlRunBest best;

  if (!dl_run_compare_best (run, DL_RUN_SERIES_TEST_LOSS, &best))
    return FALSE;
  *v = best.value;
  *detail = best_detail (&best);
  return TRUE;
}

static gboolean
final_accuracy (DlRun *run, double *v, char **detail)
{
  *v = dl_run_get_final_test_accuracy (run);
  return !isnan (*v);
}

static gboolean
epochs_done (DlRun *run, double *v, char **detail)
{
  *v = dl_run_get_epochs_done (run);
  return TRUE;
}

static gboolean
train_seconds (DlRun *run, double *v, char **detail)
{
  *v = dl_run_get_train_seconds (run);
  return *v > 0;
}

static char *
format_points (double sd)
{
  return g_strdup_printf ("%.2f", 100.0 * sd);
}

static char *
format_loss (double v)
{
  return g_strdup_printf ("%.4f", v);
}

static char *
format_epochs (double v)
{
  return g_strdup_printf ("%.4g", v);
}

static const Result results[] = {
  { "best_test_accuracy", N_("best test accuracy"), best_accuracy, dl_run_format_accuracy, format_points },
  { "lowest_test_loss", N_("lowest test loss"), lowest_loss, format_loss, format_loss },
  { "final_test_accuracy", N_("final test accuracy"), final_accuracy, dl_run_format_accuracy, format_points },
  { "epochs_done", N_("epochs"), epochs_done, format_epochs, format_epochs },
  { "train_seconds", N_("training time"), train_seconds, dl_run_format_duration, dl_run_format_duration },
};

/* One run: "98.12 % (epoch 7, step 6,566)". A group: "97.95 % ± 0.12 (97.81 %–98.12 %, 3 runs)". */
static char *
result_text (const Result *r, Column *column)
{
  guint n = column->runs->len, have = 0;
  double sum = 0, sum2 = 0, lo = INFINITY, hi = -INFINITY, mean, sd;
  g_autofree char *one = NULL, *detail = NULL, *mean_text = NULL, *sd_text = NULL, *lo_text = NULL, *hi_text = NULL;

  for (guint i = 0; i < n; i++)
    {
      double v;
      g_autofree char *d = NULL;

      if (!r->value (column->runs->pdata[i], &v, &d))
        continue;
      have++;
      sum += v;
      sum2 += v * v;
      lo = MIN (lo, v);
      hi = MAX (hi, v);
      if (detail == NULL)
        detail = g_steal_pointer (&d);
    }
  if (have == 0)
    return g_strdup ("—");
  if (n == 1)
    {
      one = r->format (lo);
      return detail != NULL ? g_strdup_printf ("%s (%s)", one, detail) : g_steal_pointer (&one);
    }
  if (have == 1 || lo == hi)
    {
      one = r->format (lo);
      if (have == n)
        /* TRANSLATORS: the value every run of a group has: "3 (all 3 runs)". */
        return g_strdup_printf (_("%s (all %u runs)"), one, n);
      /* TRANSLATORS: a value shared by the runs of a group that have one: "98.12 % (2 of 3 runs)". */
      return g_strdup_printf (_("%s (%u of %u runs)"), one, have, n);
    }
  mean = sum / have;
  sd = sqrt (MAX (0.0, (sum2 - have * mean * mean) / (have - 1)));
  mean_text = r->format (mean);
  sd_text = r->format_spread (sd);
  lo_text = r->format (lo);
  hi_text = r->format (hi);
  /* TRANSLATORS: a group's mean ± standard deviation, its range and how many runs had the figure. */
  return g_strdup_printf (_("%s ± %s (%s–%s, %u of %u runs)"), mean_text, sd_text, lo_text, hi_text, have, n);
}

static void
add_results (DlRunCompare *self)
{
  for (gsize k = 0; k < G_N_ELEMENTS (results); k++)
    {
      g_autoptr (GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (DlRunCompareRow) row = NULL;

      for (guint i = 0; i < self->columns->len; i++)
        g_ptr_array_add (values, result_text (&results[k], self->columns->pdata[i]));
      g_ptr_array_add (values, NULL);
      row = dl_run_compare_row_new (DL_RUN_COMPARE_RESULT, results[k].key, _(results[k].label),
                                    (const char *const *) values->pdata);
      g_list_store_append (self->results, row);
    }
}

/* ---- the object ---- */

static char *
run_label (DlRun *run)
{
  g_autofree char *number = dl_run_format_number (run);

  return *number != '\0' ? g_strdup_printf ("%s %s", number, dl_run_get_name (run)) : g_strdup (dl_run_get_name (run));
}

static void
add_column (DlRunCompare *self, GPtrArray *runs)
{
  Column *c = g_new0 (Column, 1);
  g_autofree char *first = run_label (runs->pdata[0]);

  c->runs = g_ptr_array_ref (runs);
  /* TRANSLATORS: a column of runs that differ only in their seed: the first one's name, and how many. */
  c->label = runs->len > 1 ? g_strdup_printf (_("%s (%u seeds)"), first, runs->len) : g_steal_pointer (&first);
  g_ptr_array_add (self->columns, c);
}

static void
dl_run_compare_finalize (GObject *object)
{
  DlRunCompare *self = DL_RUN_COMPARE (object);

  g_ptr_array_unref (self->columns);
  g_object_unref (self->settings);
  g_object_unref (self->results);
  G_OBJECT_CLASS (dl_run_compare_parent_class)->finalize (object);
}

static void
dl_run_compare_class_init (DlRunCompareClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dl_run_compare_finalize;
}

static void
dl_run_compare_init (DlRunCompare *self)
{
  self->columns = g_ptr_array_new_with_free_func (column_free);
  self->settings = g_list_store_new (DL_TYPE_RUN_COMPARE_ROW);
  self->results = g_list_store_new (DL_TYPE_RUN_COMPARE_ROW);
}

DlRunCompare *
dl_run_compare_new (DlRun *const *runs, guint n_runs, gboolean group_seeds)
{
  DlRunCompare *self = g_object_new (DL_TYPE_RUN_COMPARE, NULL);

  g_return_val_if_fail (runs != NULL || n_runs == 0, self);
  if (group_seeds)
    {
      g_autoptr (GPtrArray) groups = dl_run_compare_group_seeds (runs, n_runs);

      for (guint g = 0; g < groups->len; g++)
        add_column (self, groups->pdata[g]);
    }
  else
    for (guint i = 0; i < n_runs; i++)
      {
        g_autoptr (GPtrArray) one = g_ptr_array_new_with_free_func (g_object_unref);

        g_ptr_array_add (one, g_object_ref (runs[i]));
        add_column (self, one);
      }
  add_settings (self);
  add_results (self);
  return self;
}

guint
dl_run_compare_get_n_columns (DlRunCompare *self)
{
  g_return_val_if_fail (DL_IS_RUN_COMPARE (self), 0);
  return self->columns->len;
}

const char *
dl_run_compare_get_column_label (DlRunCompare *self, guint column)
{
  g_return_val_if_fail (DL_IS_RUN_COMPARE (self), NULL);
  g_return_val_if_fail (column < self->columns->len, NULL);
  return ((Column *) self->columns->pdata[column])->label;
}

GPtrArray *
dl_run_compare_get_column_runs (DlRunCompare *self, guint column)
{
  g_return_val_if_fail (DL_IS_RUN_COMPARE (self), NULL);
  g_return_val_if_fail (column < self->columns->len, NULL);
  return ((Column *) self->columns->pdata[column])->runs;
}

GListModel *
dl_run_compare_get_settings (DlRunCompare *self)
{
  g_return_val_if_fail (DL_IS_RUN_COMPARE (self), NULL);
  return G_LIST_MODEL (self->settings);
}

GListModel *
dl_run_compare_get_results (DlRunCompare *self)
{
  g_return_val_if_fail (DL_IS_RUN_COMPARE (self), NULL);
  return G_LIST_MODEL (self->results);
}
