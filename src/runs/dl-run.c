/* dl-run.c — a run and what it produced (see dl-run.h). */
#include "dl-run-private.h"

#include <math.h>

struct _DlRun
{
  GObject        parent_instance;

  /* Frozen. */
  char          *uuid;
  gint64         created_at;
  DlTrainConfig *config;
  char          *preset;
  DlRunData     *data;
  char          *program;
  char          *origin_model_path, *origin_model_sha256;
  char          *parent_uuid;
  gint64         parent_step;

  /* Mutable. */
  gint64         number;
  char          *name, *notes;
  DlTrainState   state;
  gint64         started_at, ended_at;
  double         train_seconds;
  gint64         steps;
  double         epochs_done;
  double         best_test_accuracy;
  int            best_epoch;
  double         final_test_accuracy;
  char          *final_model_path;
  gint64         deleted_at;
  gboolean       loaded;

  DlSeries      *series[DL_RUN_N_SERIES];
  GArray        *markers;   /* DlRunMarker */
  GArray        *evals;     /* DlRunEval */
};

G_DEFINE_FINAL_TYPE (DlRun, dl_run, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_UUID,
  PROP_CREATED_AT,
  PROP_CONFIG,
  PROP_PRESET,
  PROP_DATA,
  PROP_PROGRAM,
  PROP_ORIGIN_MODEL_PATH,
  PROP_ORIGIN_MODEL_SHA256,
  PROP_PARENT_UUID,
  PROP_PARENT_STEP,
  PROP_ARCH,
  PROP_SEED,
  PROP_NUMBER,
  PROP_NAME,
  PROP_NOTES,
  PROP_STATE,
  PROP_STARTED_AT,
  PROP_ENDED_AT,
  PROP_TRAIN_SECONDS,
  PROP_STEPS,
  PROP_EPOCHS_DONE,
  PROP_BEST_TEST_ACCURACY,
  PROP_BEST_EPOCH,
  PROP_FINAL_TEST_ACCURACY,
  PROP_FINAL_MODEL_PATH,
  PROP_DELETED_AT,
  PROP_LOADED,
  N_PROPS
};

enum {
  SIGNAL_MARKER_ADDED,
  SIGNAL_EVAL_ADDED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- the object ---- */

DlRun *
dl_run_new (const DlTrainConfig *config, const char *preset, DlRunData *data)
{
  g_return_val_if_fail (config != NULL && config->arch != NULL, NULL);
  return g_object_new (DL_TYPE_RUN, "config", config, "preset", preset, "data", data, NULL);
}

void
dl_run_marker_clear (gpointer marker)
{
  g_free (((DlRunMarker *) marker)->text);
}

void
dl_run_eval_clear (gpointer eval)
{
  DlRunEval *ev = eval;

  g_clear_pointer (&ev->predicted, g_bytes_unref);
  g_clear_pointer (&ev->probs, g_bytes_unref);
  g_clear_pointer (&ev->layer_stats, dl_layer_stats_unref);
}

static void
dl_run_init (DlRun *self)
{
  self->best_test_accuracy = NAN;
  self->best_epoch = -1;
  self->final_test_accuracy = NAN;
  self->name = g_strdup ("");
  self->notes = g_strdup ("");
  self->program = g_strdup (g_get_prgname ());
  self->markers = g_array_new (FALSE, FALSE, sizeof (DlRunMarker));
  g_array_set_clear_func (self->markers, dl_run_marker_clear);
  self->evals = g_array_new (FALSE, FALSE, sizeof (DlRunEval));
  g_array_set_clear_func (self->evals, dl_run_eval_clear);
  for (int k = 0; k < DL_RUN_N_SERIES; k++)
    self->series[k] = _dl_run_series_new (k);
  /* A new run has all of its (empty) history; one read from the store is marked otherwise. */
  self->loaded = TRUE;
}

/* "mlp 2026-11-28 14:03": a name to tell runs apart until the user gives one. */
static char *
default_name (DlRun *self)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_local (self->created_at / G_USEC_PER_SEC);
  g_autofree char *when = g_date_time_format (t, "%Y-%m-%d %H:%M:%S");

  return g_strdup_printf ("%s %s", self->preset != NULL ? self->preset : "custom", when);
}

static void
dl_run_constructed (GObject *object)
{
  DlRun *self = DL_RUN (object);

  G_OBJECT_CLASS (dl_run_parent_class)->constructed (object);
  if (self->uuid == NULL)
    self->uuid = g_uuid_string_random ();
  if (self->created_at == 0)
    self->created_at = g_get_real_time ();
  if (self->program == NULL)
    self->program = g_strdup ("unknown");   /* a program that never named itself (g_set_prgname) */
  if (self->config == NULL)
    {
      /* Only a run read back from a store without its configuration; keeps the getters total. */
      self->config = g_new0 (DlTrainConfig, 1);
      self->config->arch = g_strdup ("");
    }
  if (*self->name == '\0')
    {
      g_free (self->name);
      self->name = default_name (self);
    }
}

static void
dl_run_finalize (GObject *object)
{
  DlRun *self = DL_RUN (object);

  g_free (self->uuid);
  dl_train_config_free (self->config);
  g_free (self->preset);
  g_clear_pointer (&self->data, dl_run_data_unref);
  g_free (self->program);
  g_free (self->origin_model_path);
  g_free (self->origin_model_sha256);
  g_free (self->parent_uuid);
  g_free (self->name);
  g_free (self->notes);
  g_free (self->final_model_path);
  for (int k = 0; k < DL_RUN_N_SERIES; k++)
    g_clear_object (&self->series[k]);
  g_array_unref (self->markers);
  g_array_unref (self->evals);
  G_OBJECT_CLASS (dl_run_parent_class)->finalize (object);
}

static void
dl_run_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlRun *self = DL_RUN (object);

  switch (prop_id)
    {
    case PROP_UUID:                g_value_set_string (value, self->uuid); break;
    case PROP_CREATED_AT:          g_value_set_int64 (value, self->created_at); break;
    case PROP_CONFIG:              g_value_set_pointer (value, self->config); break;
    case PROP_PRESET:              g_value_set_string (value, self->preset); break;
    case PROP_DATA:                g_value_set_boxed (value, self->data); break;
    case PROP_PROGRAM:             g_value_set_string (value, self->program); break;
    case PROP_ORIGIN_MODEL_PATH:   g_value_set_string (value, self->origin_model_path); break;
    case PROP_ORIGIN_MODEL_SHA256: g_value_set_string (value, self->origin_model_sha256); break;
    case PROP_PARENT_UUID:         g_value_set_string (value, self->parent_uuid); break;
    case PROP_PARENT_STEP:         g_value_set_int64 (value, self->parent_step); break;
    case PROP_ARCH:                g_value_set_string (value, self->config->arch); break;
    case PROP_SEED:                g_value_set_uint64 (value, self->config->seed); break;
    case PROP_NUMBER:              g_value_set_int64 (value, self->number); break;
    case PROP_NAME:                g_value_set_string (value, self->name); break;
    case PROP_NOTES:               g_value_set_string (value, self->notes); break;
    case PROP_STATE:               g_value_set_enum (value, self->state); break;
    case PROP_STARTED_AT:          g_value_set_int64 (value, self->started_at); break;
    case PROP_ENDED_AT:            g_value_set_int64 (value, self->ended_at); break;
    case PROP_TRAIN_SECONDS:       g_value_set_double (value, self->train_seconds); break;
    case PROP_STEPS:               g_value_set_int64 (value, self->steps); break;
    case PROP_EPOCHS_DONE:         g_value_set_double (value, self->epochs_done); break;
    case PROP_BEST_TEST_ACCURACY:  g_value_set_double (value, self->best_test_accuracy); break;
    case PROP_BEST_EPOCH:          g_value_set_int (value, self->best_epoch); break;
    case PROP_FINAL_TEST_ACCURACY: g_value_set_double (value, self->final_test_accuracy); break;
    case PROP_FINAL_MODEL_PATH:    g_value_set_string (value, self->final_model_path); break;
    case PROP_DELETED_AT:          g_value_set_int64 (value, self->deleted_at); break;
    case PROP_LOADED:              g_value_set_boolean (value, self->loaded); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_run_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlRun *self = DL_RUN (object);

  switch (prop_id)
    {
    case PROP_UUID:
      g_free (self->uuid);
      self->uuid = g_value_dup_string (value);
      break;
    case PROP_CREATED_AT:
      self->created_at = g_value_get_int64 (value);
      break;
    case PROP_CONFIG:
      if (g_value_get_pointer (value) != NULL)
        self->config = dl_train_config_copy (g_value_get_pointer (value));
      break;
    case PROP_PRESET:
      self->preset = g_value_dup_string (value);
      break;
    case PROP_DATA:
      self->data = g_value_dup_boxed (value);
      break;
    case PROP_PROGRAM:
      if (g_value_get_string (value) != NULL)
        {
          g_free (self->program);
          self->program = g_value_dup_string (value);
        }
      break;
    case PROP_ORIGIN_MODEL_PATH:
      self->origin_model_path = g_value_dup_string (value);
      break;
    case PROP_ORIGIN_MODEL_SHA256:
      self->origin_model_sha256 = g_value_dup_string (value);
      break;
    case PROP_PARENT_UUID:
      self->parent_uuid = g_value_dup_string (value);
      break;
    case PROP_PARENT_STEP:
      self->parent_step = g_value_get_int64 (value);
      break;
    case PROP_NAME:
      dl_run_set_name (self, g_value_get_string (value));
      break;
    case PROP_NOTES:
      dl_run_set_notes (self, g_value_get_string (value));
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_run_class_init (DlRunClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags co = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->constructed = dl_run_constructed;
  object_class->finalize = dl_run_finalize;
  object_class->get_property = dl_run_get_property;
  object_class->set_property = dl_run_set_property;

  properties[PROP_UUID] = g_param_spec_string ("uuid", NULL, NULL, NULL, co);
  properties[PROP_CREATED_AT] = g_param_spec_int64 ("created-at", NULL, NULL, 0, G_MAXINT64, 0, co);
  /* A const DlTrainConfig *, copied. */
  properties[PROP_CONFIG] = g_param_spec_pointer ("config", NULL, NULL, co);
  properties[PROP_PRESET] = g_param_spec_string ("preset", NULL, NULL, NULL, co);
  properties[PROP_DATA] = g_param_spec_boxed ("data", NULL, NULL, DL_TYPE_RUN_DATA, co);
  properties[PROP_PROGRAM] = g_param_spec_string ("program", NULL, NULL, NULL, co);
  properties[PROP_ORIGIN_MODEL_PATH] = g_param_spec_string ("origin-model-path", NULL, NULL, NULL, co);
  properties[PROP_ORIGIN_MODEL_SHA256] = g_param_spec_string ("origin-model-sha256", NULL, NULL, NULL, co);
  properties[PROP_PARENT_UUID] = g_param_spec_string ("parent-uuid", NULL, NULL, NULL, co);
  properties[PROP_PARENT_STEP] = g_param_spec_int64 ("parent-step", NULL, NULL, 0, G_MAXINT64, 0, co);
  properties[PROP_ARCH] = g_param_spec_string ("arch", NULL, NULL, NULL, ro);
  properties[PROP_SEED] = g_param_spec_uint64 ("seed", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_NUMBER] = g_param_spec_int64 ("number", NULL, NULL, 0, G_MAXINT64, 0, ro);
  /* Construct too, so that an empty or missing name at g_object_new gets the default one. */
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, rw | G_PARAM_CONSTRUCT);
  properties[PROP_NOTES] = g_param_spec_string ("notes", NULL, NULL, NULL, rw);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, DL_TYPE_TRAIN_STATE, DL_TRAIN_READY, ro);
  properties[PROP_STARTED_AT] = g_param_spec_int64 ("started-at", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_ENDED_AT] = g_param_spec_int64 ("ended-at", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_TRAIN_SECONDS] = g_param_spec_double ("train-seconds", NULL, NULL, 0, G_MAXDOUBLE, 0, ro);
  properties[PROP_STEPS] = g_param_spec_int64 ("steps", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_EPOCHS_DONE] = g_param_spec_double ("epochs-done", NULL, NULL, 0, G_MAXDOUBLE, 0, ro);
  /* Both accuracies are NaN until there is one (a GParamSpec's default cannot be NaN). */
  properties[PROP_BEST_TEST_ACCURACY] =
    g_param_spec_double ("best-test-accuracy", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, ro);
  properties[PROP_BEST_EPOCH] = g_param_spec_int ("best-epoch", NULL, NULL, -1, G_MAXINT, -1, ro);
  properties[PROP_FINAL_TEST_ACCURACY] =
    g_param_spec_double ("final-test-accuracy", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, 0, ro);
  properties[PROP_FINAL_MODEL_PATH] = g_param_spec_string ("final-model-path", NULL, NULL, NULL, ro);
  properties[PROP_DELETED_AT] = g_param_spec_int64 ("deleted-at", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_LOADED] = g_param_spec_boolean ("loaded", NULL, NULL, TRUE, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_MARKER_ADDED] =
    g_signal_new ("marker-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIGNAL_EVAL_ADDED] =
    g_signal_new ("eval-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_UINT);
}

/* ---- frozen ---- */

const char *
dl_run_get_uuid (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), NULL);
  return self->uuid;
}

gint64
dl_run_get_created_at (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), 0);
  return self->created_at;
}

const DlTrainConfig *
dl_run_get_config (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), NULL);
  return self->config;
}

void
dl_run_amend_recipe (DlRun *self, const DlHyper *hyper, int batch, gboolean augment)
{
  g_return_if_fail (DL_IS_RUN (self));
  g_return_if_fail (hyper != NULL);
  g_return_if_fail (self->state == DL_TRAIN_READY && self->started_at == 0);
  self->config->hyper = *hyper;
  self->config->batch = batch;
  self->config->augment = augment;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONFIG]);
}

const char *
dl_run_get_arch (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), NULL);
  return self->config->arch;
}

guint64
dl_run_get_seed (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), 0);
  return self->config->seed;
}

const char *
dl_run_get_preset (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), NULL);
  return self->preset;
}

DlRunData *
dl_run_get_data (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), NULL);
  return self->data;
}

const char *
dl_run_get_program (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), NULL);
  return self->program;
}

const char *
dl_run_get_origin_model_path (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), NULL);
  return self->origin_model_path;
}

const char *
dl_run_get_origin_model_sha256 (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), NULL);
  return self->origin_model_sha256;
}

const char *
dl_run_get_parent_uuid (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), NULL);
  return self->parent_uuid;
}

gint64
dl_run_get_parent_step (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), 0);
  return self->parent_step;
}

/* ---- mutable ---- */

static void
set_int64 (DlRun *self, gint64 *field, gint64 value, int prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

/* NaN equals NaN here: "still none" is no change. */
static void
set_double (DlRun *self, double *field, double value, int prop)
{
  if (*field == value || (isnan (*field) && isnan (value)))
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_string (DlRun *self, char **field, const char *value, int prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

gint64
dl_run_get_number (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), 0);
  return self->number;
}

void
dl_run_set_number (DlRun *self, gint64 number)
{
  g_return_if_fail (DL_IS_RUN (self));
  set_int64 (self, &self->number, number, PROP_NUMBER);
}

const char *
dl_run_get_name (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), NULL);
  return self->name;
}

void
dl_run_set_name (DlRun *self, const char *name)
{
  g_return_if_fail (DL_IS_RUN (self));
  set_string (self, &self->name, name != NULL ? name : "", PROP_NAME);
}

const char *
dl_run_get_notes (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), NULL);
  return self->notes;
}

void
dl_run_set_notes (DlRun *self, const char *notes)
{
  g_return_if_fail (DL_IS_RUN (self));
  set_string (self, &self->notes, notes != NULL ? notes : "", PROP_NOTES);
}

DlTrainState
dl_run_get_state (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), DL_TRAIN_READY);
  return self->state;
}

void
dl_run_set_state (DlRun *self, DlTrainState state)
{
  g_return_if_fail (DL_IS_RUN (self));
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

gint64
dl_run_get_started_at (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), 0);
  return self->started_at;
}

void
dl_run_set_started_at (DlRun *self, gint64 t)
{
  g_return_if_fail (DL_IS_RUN (self));
  set_int64 (self, &self->started_at, t, PROP_STARTED_AT);
}

gint64
dl_run_get_ended_at (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), 0);
  return self->ended_at;
}

void
dl_run_set_ended_at (DlRun *self, gint64 t)
{
  g_return_if_fail (DL_IS_RUN (self));
  set_int64 (self, &self->ended_at, t, PROP_ENDED_AT);
}

double
dl_run_get_train_seconds (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), 0);
  return self->train_seconds;
}

void
dl_run_set_train_seconds (DlRun *self, double seconds)
{
  g_return_if_fail (DL_IS_RUN (self));
  set_double (self, &self->train_seconds, seconds, PROP_TRAIN_SECONDS);
}

gint64
dl_run_get_steps (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), 0);
  return self->steps;
}

double
dl_run_get_epochs_done (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), 0);
  return self->epochs_done;
}

void
dl_run_set_progress (DlRun *self, gint64 steps, double epochs_done)
{
  g_return_if_fail (DL_IS_RUN (self));
  g_object_freeze_notify (G_OBJECT (self));
  set_int64 (self, &self->steps, steps, PROP_STEPS);
  set_double (self, &self->epochs_done, epochs_done, PROP_EPOCHS_DONE);
  g_object_thaw_notify (G_OBJECT (self));
}

double
dl_run_get_best_test_accuracy (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), NAN);
  return self->best_test_accuracy;
}

int
dl_run_get_best_epoch (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), -1);
  return self->best_epoch;
}

void
dl_run_set_best (DlRun *self, double accuracy, int epoch)
{
  g_return_if_fail (DL_IS_RUN (self));
  g_object_freeze_notify (G_OBJECT (self));
  set_double (self, &self->best_test_accuracy, accuracy, PROP_BEST_TEST_ACCURACY);
  if (self->best_epoch != epoch)
    {
      self->best_epoch = epoch;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BEST_EPOCH]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

double
dl_run_get_final_test_accuracy (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), NAN);
  return self->final_test_accuracy;
}

void
dl_run_set_final_test_accuracy (DlRun *self, double accuracy)
{
  g_return_if_fail (DL_IS_RUN (self));
  set_double (self, &self->final_test_accuracy, accuracy, PROP_FINAL_TEST_ACCURACY);
}

const char *
dl_run_get_final_model_path (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), NULL);
  return self->final_model_path;
}

void
dl_run_set_final_model_path (DlRun *self, const char *path)
{
  g_return_if_fail (DL_IS_RUN (self));
  set_string (self, &self->final_model_path, path, PROP_FINAL_MODEL_PATH);
}

gint64
dl_run_get_deleted_at (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), 0);
  return self->deleted_at;
}

void
dl_run_set_deleted_at (DlRun *self, gint64 t)
{
  g_return_if_fail (DL_IS_RUN (self));
  set_int64 (self, &self->deleted_at, t, PROP_DELETED_AT);
}

gboolean
dl_run_get_loaded (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), FALSE);
  return self->loaded;
}

void
dl_run_set_loaded (DlRun *self, gboolean loaded)
{
  g_return_if_fail (DL_IS_RUN (self));
  if (self->loaded == !!loaded)
    return;
  self->loaded = !!loaded;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
}

/* ---- history ---- */

DlSeries *
dl_run_get_series (DlRun *self, DlRunSeriesKind kind)
{
  g_return_val_if_fail (DL_IS_RUN (self), NULL);
  g_return_val_if_fail (kind < DL_RUN_N_SERIES, NULL);
  return self->series[kind];
}

guint
dl_run_get_n_markers (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), 0);
  return self->markers->len;
}

const DlRunMarker *
dl_run_get_marker (DlRun *self, guint i)
{
  g_return_val_if_fail (DL_IS_RUN (self), NULL);
  g_return_val_if_fail (i < self->markers->len, NULL);
  return &g_array_index (self->markers, DlRunMarker, i);
}

void
dl_run_add_marker (DlRun *self, gint64 step, double x, const char *text)
{
  DlRunMarker m = { step, x, g_strdup (text != NULL ? text : "") };

  g_return_if_fail (DL_IS_RUN (self));
  g_array_append_val (self->markers, m);
  g_signal_emit (self, signals[SIGNAL_MARKER_ADDED], 0, self->markers->len - 1);
}

guint
dl_run_get_n_evals (DlRun *self)
{
  g_return_val_if_fail (DL_IS_RUN (self), 0);
  return self->evals->len;
}

const DlRunEval *
dl_run_get_eval (DlRun *self, guint i)
{
  g_return_val_if_fail (DL_IS_RUN (self), NULL);
  g_return_val_if_fail (i < self->evals->len, NULL);
  return &g_array_index (self->evals, DlRunEval, i);
}

void
dl_run_add_eval (DlRun *self, const DlRunEval *ev)
{
  DlRunEval copy;

  g_return_if_fail (DL_IS_RUN (self));
  g_return_if_fail (ev != NULL);
  copy = *ev;
  if (copy.predicted != NULL)
    g_bytes_ref (copy.predicted);
  if (copy.probs != NULL)
    g_bytes_ref (copy.probs);
  if (copy.layer_stats != NULL)
    dl_layer_stats_ref (copy.layer_stats);
  g_array_append_val (self->evals, copy);
  g_signal_emit (self, signals[SIGNAL_EVAL_ADDED], 0, self->evals->len - 1);
}

void
dl_run_clear_history (DlRun *self)
{
  g_return_if_fail (DL_IS_RUN (self));
  for (int k = 0; k < DL_RUN_N_SERIES; k++)
    dl_series_clear (self->series[k]);
  g_array_set_size (self->markers, 0);
  g_array_set_size (self->evals, 0);
}
