/* dl-run-filter.c — text and state filter of the Runs page (see dl-run-filter.h). */
#include "dl-run-filter.h"

#include <string.h>

#include "dl-run-format.h"
#include "dl-run-selection.h"

struct _DlRunFilter
{
  GtkFilter         parent_instance;

  char             *text;
  GStrv             words;   /* the text's words, normalised and case-folded */
  DlRunFilterState  state;
  DlRunTree        *tree;
};

G_DEFINE_FINAL_TYPE (DlRunFilter, dl_run_filter, GTK_TYPE_FILTER)

G_DEFINE_ENUM_TYPE (DlRunFilterState, dl_run_filter_state,
  G_DEFINE_ENUM_VALUE (DL_RUN_FILTER_ANY, "any"),
  G_DEFINE_ENUM_VALUE (DL_RUN_FILTER_UNDER_WAY, "under-way"),
  G_DEFINE_ENUM_VALUE (DL_RUN_FILTER_FINISHED, "finished"),
  G_DEFINE_ENUM_VALUE (DL_RUN_FILTER_STOPPED, "stopped"),
  G_DEFINE_ENUM_VALUE (DL_RUN_FILTER_FAILED, "failed"))

enum {
  PROP_0,
  PROP_TEXT,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Case-folded, with accents apart from their letters: "Réseau" matches "reseau". */
static char *
fold (const char *text)
{
  g_autofree char *norm = g_utf8_normalize (text != NULL ? text : "", -1, G_NORMALIZE_NFKD);
  g_autofree char *folded = g_utf8_casefold (norm, -1);
  GString *s = g_string_new (NULL);

  for (const char *p = folded; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_type (c) != G_UNICODE_NON_SPACING_MARK)
        g_string_append_unichar (s, c);
    }
  return g_string_free (s, FALSE);
}

static gboolean
state_matches (DlRunFilterState filter, DlTrainState state)
{
  switch (filter)
    {
    case DL_RUN_FILTER_UNDER_WAY: return dl_train_state_is_live (state);
    case DL_RUN_FILTER_FINISHED:  return state == DL_TRAIN_FINISHED;
    case DL_RUN_FILTER_STOPPED:   return state == DL_TRAIN_STOPPED;
    case DL_RUN_FILTER_FAILED:    return state == DL_TRAIN_FAILED;
    default:                      return TRUE;
    }
}

gboolean
dl_run_filter_match_run (DlRunFilter *self, DlRun *run)
{
  g_autofree char *number = NULL, *haystack = NULL;

  g_return_val_if_fail (DL_IS_RUN_FILTER (self), FALSE);
  if (!state_matches (self->state, dl_run_get_state (run)))
    return FALSE;
  if (self->words == NULL || self->words[0] == NULL)
    return TRUE;
  number = dl_run_format_number (run);
  {
    g_autofree char *all = g_strjoin ("\n", dl_run_get_name (run), dl_run_get_notes (run), dl_run_get_arch (run),
                                      dl_run_get_preset (run) != NULL ? dl_run_get_preset (run) : "", number, NULL);

    haystack = fold (all);
  }
  for (char **w = self->words; *w != NULL; w++)
    if (strstr (haystack, *w) == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
match_descendant (DlRun *run, gpointer self)
{
  return dl_run_filter_match_run (self, run);
}

static gboolean
dl_run_filter_match (GtkFilter *filter, gpointer item)
{
  DlRunFilter *self = DL_RUN_FILTER (filter);
  g_autoptr (DlRun) run = dl_run_selection_run_of (item);

  if (run == NULL)
    return FALSE;
  return dl_run_filter_match_run (self, run)
         || (self->tree != NULL && dl_run_tree_any_descendant (self->tree, run, match_descendant, self));
}

static GtkFilterMatch
dl_run_filter_get_strictness (GtkFilter *filter)
{
  return dl_run_filter_is_empty (DL_RUN_FILTER (filter)) ? GTK_FILTER_MATCH_ALL : GTK_FILTER_MATCH_SOME;
}

gboolean
dl_run_filter_is_empty (DlRunFilter *self)
{
  g_return_val_if_fail (DL_IS_RUN_FILTER (self), TRUE);
  return self->state == DL_RUN_FILTER_ANY && (self->words == NULL || self->words[0] == NULL);
}

/* Every word of `narrow` contains one of `wide`: `narrow` lets fewer runs through. */
static gboolean
stricter (GStrv narrow, GStrv wide)
{
  for (char **w = wide; w != NULL && *w != NULL; w++)
    {
      gboolean covered = FALSE;

      for (char **n = narrow; n != NULL && *n != NULL && !covered; n++)
        covered = strstr (*n, *w) != NULL;
      if (!covered)
        return FALSE;
    }
  return TRUE;
}

void
dl_run_filter_set_text (DlRunFilter *self, const char *text)
{
  g_autofree char *folded = NULL;
  GStrv words, old;
  GtkFilterChange change;

  g_return_if_fail (DL_IS_RUN_FILTER (self));
  if (g_strcmp0 (self->text, text) == 0)
    return;
  g_free (self->text);
  self->text = g_strdup (text);
  folded = fold (text);
  words = g_strsplit_set (g_strstrip (folded), " \t", -1);
  /* Drop the empty words that repeated spaces leave. */
  {
    guint j = 0;

    for (guint i = 0; words[i] != NULL; i++)
      if (*words[i] != '\0')
        words[j++] = words[i];
      else
        g_free (words[i]);
    words[j] = NULL;
  }
  old = self->words;
  self->words = words;
  change = stricter (words, old) ? GTK_FILTER_CHANGE_MORE_STRICT
           : stricter (old, words) ? GTK_FILTER_CHANGE_LESS_STRICT : GTK_FILTER_CHANGE_DIFFERENT;
  g_strfreev (old);
  gtk_filter_changed (GTK_FILTER (self), change);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXT]);
}

void
dl_run_filter_set_state (DlRunFilter *self, DlRunFilterState state)
{
  DlRunFilterState old;

  g_return_if_fail (DL_IS_RUN_FILTER (self));
  if (self->state == state)
    return;
  old = self->state;
  self->state = state;
  gtk_filter_changed (GTK_FILTER (self), old == DL_RUN_FILTER_ANY ? GTK_FILTER_CHANGE_MORE_STRICT
                                         : state == DL_RUN_FILTER_ANY ? GTK_FILTER_CHANGE_LESS_STRICT
                                                                      : GTK_FILTER_CHANGE_DIFFERENT);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

void
dl_run_filter_set_tree (DlRunFilter *self, DlRunTree *tree)
{
  g_return_if_fail (DL_IS_RUN_FILTER (self));
  if (g_set_object (&self->tree, tree) && !dl_run_filter_is_empty (self))
    gtk_filter_changed (GTK_FILTER (self), GTK_FILTER_CHANGE_DIFFERENT);
}

void
dl_run_filter_refresh (DlRunFilter *self)
{
  g_return_if_fail (DL_IS_RUN_FILTER (self));
  if (!dl_run_filter_is_empty (self))
    gtk_filter_changed (GTK_FILTER (self), GTK_FILTER_CHANGE_DIFFERENT);
}

const char *
dl_run_filter_get_text (DlRunFilter *self)
{
  g_return_val_if_fail (DL_IS_RUN_FILTER (self), NULL);
  return self->text != NULL ? self->text : "";
}

DlRunFilterState
dl_run_filter_get_state (DlRunFilter *self)
{
  g_return_val_if_fail (DL_IS_RUN_FILTER (self), DL_RUN_FILTER_ANY);
  return self->state;
}

static void
dl_run_filter_finalize (GObject *object)
{
  DlRunFilter *self = DL_RUN_FILTER (object);

  g_free (self->text);
  g_strfreev (self->words);
  g_clear_object (&self->tree);
  G_OBJECT_CLASS (dl_run_filter_parent_class)->finalize (object);
}

static void
dl_run_filter_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlRunFilter *self = DL_RUN_FILTER (object);

  switch (prop_id)
    {
    case PROP_TEXT:  g_value_set_string (value, dl_run_filter_get_text (self)); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_run_filter_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlRunFilter *self = DL_RUN_FILTER (object);

  switch (prop_id)
    {
    case PROP_TEXT:  dl_run_filter_set_text (self, g_value_get_string (value)); break;
    case PROP_STATE: dl_run_filter_set_state (self, g_value_get_enum (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_run_filter_class_init (DlRunFilterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkFilterClass *filter_class = GTK_FILTER_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = dl_run_filter_finalize;
  object_class->get_property = dl_run_filter_get_property;
  object_class->set_property = dl_run_filter_set_property;
  filter_class->match = dl_run_filter_match;
  filter_class->get_strictness = dl_run_filter_get_strictness;

  properties[PROP_TEXT] = g_param_spec_string ("text", NULL, NULL, "", rw);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, DL_TYPE_RUN_FILTER_STATE, DL_RUN_FILTER_ANY, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dl_run_filter_init (DlRunFilter *self)
{
}

DlRunFilter *
dl_run_filter_new (void)
{
  return g_object_new (DL_TYPE_RUN_FILTER, NULL);
}
