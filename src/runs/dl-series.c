/* dl-series.c — append-only (x, y) series with incremental debiased exponential smoothing. */
#include "dl-series.h"

#include <math.h>

struct _DlSeries
{
  GObject  parent_instance;

  char    *name;
  char    *color;
  gboolean markers;
  gboolean smooth;
  double   smoothing;

  GArray  *x;          /* double */
  GArray  *y;          /* double */
  GArray  *smoothed;   /* double, same length */

  /* Smoothing state: the biased moving average, and smoothing^k for the k finite values in it. */
  double   ema;
  double   ema_decay;

  /* Range of the finite points. */
  guint    n_finite;
  double   min_x, max_x, min_y, max_y, min_pos_y;
  /* Range of the finite smoothed values. */
  double   smin_y, smax_y, smin_pos_y;
};

G_DEFINE_FINAL_TYPE (DlSeries, dl_series, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_COLOR,
  PROP_MARKERS,
  PROP_SMOOTH,
  PROP_SMOOTHING,
  N_PROPS
};

enum {
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
reset_state (DlSeries *self)
{
  self->ema = 0;
  self->ema_decay = 1;
  self->n_finite = 0;
  self->min_x = self->min_y = self->min_pos_y = INFINITY;
  self->max_x = self->max_y = -INFINITY;
  self->smin_y = self->smin_pos_y = INFINITY;
  self->smax_y = -INFINITY;
}

static void
track_smoothed_range (DlSeries *self, double s)
{
  if (!isfinite (s))
    return;
  self->smin_y = MIN (self->smin_y, s);
  self->smax_y = MAX (self->smax_y, s);
  if (s > 0)
    self->smin_pos_y = MIN (self->smin_pos_y, s);
}

/* TensorBoard's smoothing: ema = w·ema + (1 − w)·y, shown divided by (1 − w^count) so the start is not
 * pulled towards the zero the average starts from. Non-finite values pass through untouched. */
static double
smooth_next (DlSeries *self, double y)
{
  double w = self->smoothing;

  if (!isfinite (y))
    return y;
  if (w <= 0)
    return y;
  self->ema = self->ema * w + (1 - w) * y;
  self->ema_decay *= w;
  return self->ema / (1 - self->ema_decay);
}

static void
track_range (DlSeries *self, double x, double y)
{
  if (!isfinite (x) || !isfinite (y))
    return;
  self->n_finite++;
  self->min_x = MIN (self->min_x, x);
  self->max_x = MAX (self->max_x, x);
  self->min_y = MIN (self->min_y, y);
  self->max_y = MAX (self->max_y, y);
  if (y > 0)
    self->min_pos_y = MIN (self->min_pos_y, y);
}

static void
push_point (DlSeries *self, double x, double y)
{
  double s = smooth_next (self, y);

  g_array_append_val (self->x, x);
  g_array_append_val (self->y, y);
  g_array_append_val (self->smoothed, s);
  track_range (self, x, y);
  if (isfinite (x))
    track_smoothed_range (self, s);
}

static void
recompute_smoothed (DlSeries *self)
{
  const double *y = (const double *) self->y->data;
  double *s = (double *) self->smoothed->data;

  const double *x = (const double *) self->x->data;

  self->ema = 0;
  self->ema_decay = 1;
  self->smin_y = self->smin_pos_y = INFINITY;
  self->smax_y = -INFINITY;
  for (guint i = 0; i < self->y->len; i++)
    {
      s[i] = smooth_next (self, y[i]);
      if (isfinite (x[i]))
        track_smoothed_range (self, s[i]);
    }
}

static void
dl_series_finalize (GObject *object)
{
  DlSeries *self = DL_SERIES (object);

  g_free (self->name);
  g_free (self->color);
  g_array_unref (self->x);
  g_array_unref (self->y);
  g_array_unref (self->smoothed);

  G_OBJECT_CLASS (dl_series_parent_class)->finalize (object);
}

static void
dl_series_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlSeries *self = DL_SERIES (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_COLOR:
      g_value_set_string (value, self->color);
      break;
    case PROP_MARKERS:
      g_value_set_boolean (value, self->markers);
      break;
    case PROP_SMOOTH:
      g_value_set_boolean (value, self->smooth);
      break;
    case PROP_SMOOTHING:
      g_value_set_double (value, self->smoothing);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_series_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlSeries *self = DL_SERIES (object);

  switch (prop_id)
    {
    case PROP_NAME:
      dl_series_set_name (self, g_value_get_string (value));
      break;
    case PROP_COLOR:
      dl_series_set_color (self, g_value_get_string (value));
      break;
    case PROP_MARKERS:
      dl_series_set_markers (self, g_value_get_boolean (value));
      break;
    case PROP_SMOOTH:
      dl_series_set_smooth (self, g_value_get_boolean (value));
      break;
    case PROP_SMOOTHING:
      dl_series_set_smoothing (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_series_class_init (DlSeriesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = dl_series_finalize;
  object_class->get_property = dl_series_get_property;
  object_class->set_property = dl_series_set_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COLOR] =
    g_param_spec_string ("color", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MARKERS] =
    g_param_spec_boolean ("markers", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SMOOTH] =
    g_param_spec_boolean ("smooth", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SMOOTHING] =
    g_param_spec_double ("smoothing", NULL, NULL, 0.0, 0.999, 0.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Points were appended or cleared, or the smoothing or the look changed. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
dl_series_init (DlSeries *self)
{
  self->x = g_array_new (FALSE, FALSE, sizeof (double));
  self->y = g_array_new (FALSE, FALSE, sizeof (double));
  self->smoothed = g_array_new (FALSE, FALSE, sizeof (double));
  reset_state (self);
}

DlSeries *
dl_series_new (const char *name, const char *color)
{
  return g_object_new (DL_TYPE_SERIES, "name", name, "color", color, NULL);
}

const char *
dl_series_get_name (DlSeries *self)
{
  g_return_val_if_fail (DL_IS_SERIES (self), NULL);
  return self->name;
}

static void
changed (DlSeries *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

void
dl_series_set_name (DlSeries *self, const char *name)
{
  g_return_if_fail (DL_IS_SERIES (self));

  if (g_strcmp0 (self->name, name) == 0)
    return;
  g_free (self->name);
  self->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
  changed (self);
}

const char *
dl_series_get_color (DlSeries *self)
{
  g_return_val_if_fail (DL_IS_SERIES (self), NULL);
  return self->color;
}

void
dl_series_set_color (DlSeries *self, const char *color)
{
  g_return_if_fail (DL_IS_SERIES (self));

  if (g_strcmp0 (self->color, color) == 0)
    return;
  g_free (self->color);
  self->color = g_strdup (color);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COLOR]);
  changed (self);
}

gboolean
dl_series_get_markers (DlSeries *self)
{
  g_return_val_if_fail (DL_IS_SERIES (self), FALSE);
  return self->markers;
}

void
dl_series_set_markers (DlSeries *self, gboolean markers)
{
  g_return_if_fail (DL_IS_SERIES (self));

  markers = !!markers;
  if (self->markers == markers)
    return;
  self->markers = markers;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MARKERS]);
  changed (self);
}

gboolean
dl_series_get_smooth (DlSeries *self)
{
  g_return_val_if_fail (DL_IS_SERIES (self), FALSE);
  return self->smooth;
}

void
dl_series_set_smooth (DlSeries *self, gboolean smooth)
{
  g_return_if_fail (DL_IS_SERIES (self));

  smooth = !!smooth;
  if (self->smooth == smooth)
    return;
  self->smooth = smooth;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SMOOTH]);
  changed (self);
}

double
dl_series_get_smoothing (DlSeries *self)
{
  g_return_val_if_fail (DL_IS_SERIES (self), 0);
  return self->smoothing;
}

void
dl_series_set_smoothing (DlSeries *self, double smoothing)
{
  g_return_if_fail (DL_IS_SERIES (self));

  smoothing = CLAMP (smoothing, 0.0, 0.999);
  if (self->smoothing == smoothing)
    return;
  self->smoothing = smoothing;
  recompute_smoothed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SMOOTHING]);
  changed (self);
}

void
dl_series_append (DlSeries *self, double x, double y)
{
  g_return_if_fail (DL_IS_SERIES (self));

  push_point (self, x, y);
  changed (self);
}

void
dl_series_append_many (DlSeries *self, const double *x, const double *y, guint n)
{
  g_return_if_fail (DL_IS_SERIES (self));
  g_return_if_fail (n == 0 || (x != NULL && y != NULL));

  if (n == 0)
    return;
  for (guint i = 0; i < n; i++)
    push_point (self, x[i], y[i]);
  changed (self);
}

void
dl_series_clear (DlSeries *self)
{
  g_return_if_fail (DL_IS_SERIES (self));

  g_array_set_size (self->x, 0);
  g_array_set_size (self->y, 0);
  g_array_set_size (self->smoothed, 0);
  reset_state (self);
  changed (self);
}

guint
dl_series_get_n_points (DlSeries *self)
{
  g_return_val_if_fail (DL_IS_SERIES (self), 0);
  return self->x->len;
}

double
dl_series_get_x (DlSeries *self, guint i)
{
  g_return_val_if_fail (DL_IS_SERIES (self), NAN);
  g_return_val_if_fail (i < self->x->len, NAN);
  return g_array_index (self->x, double, i);
}

double
dl_series_get_y (DlSeries *self, guint i)
{
  g_return_val_if_fail (DL_IS_SERIES (self), NAN);
  g_return_val_if_fail (i < self->y->len, NAN);
  return g_array_index (self->y, double, i);
}

double
dl_series_get_smoothed (DlSeries *self, guint i)
{
  g_return_val_if_fail (DL_IS_SERIES (self), NAN);
  g_return_val_if_fail (i < self->smoothed->len, NAN);
  return g_array_index (self->smoothed, double, i);
}

const double *
dl_series_peek_x (DlSeries *self)
{
  g_return_val_if_fail (DL_IS_SERIES (self), NULL);
  return (const double *) self->x->data;
}

const double *
dl_series_peek_y (DlSeries *self)
{
  g_return_val_if_fail (DL_IS_SERIES (self), NULL);
  return (const double *) self->y->data;
}

const double *
dl_series_peek_smoothed (DlSeries *self)
{
  g_return_val_if_fail (DL_IS_SERIES (self), NULL);
  return (const double *) self->smoothed->data;
}

gboolean
dl_series_get_range (DlSeries *self, double *min_x, double *max_x, double *min_y, double *max_y,
                     double *min_positive_y)
{
  g_return_val_if_fail (DL_IS_SERIES (self), FALSE);

  if (min_x)
    *min_x = self->min_x;
  if (max_x)
    *max_x = self->max_x;
  if (min_y)
    *min_y = self->min_y;
  if (max_y)
    *max_y = self->max_y;
  if (min_positive_y)
    *min_positive_y = self->min_pos_y;
  return self->n_finite > 0;
}

gboolean
dl_series_get_smoothed_range (DlSeries *self, double *min_y, double *max_y, double *min_positive_y)
{
  g_return_val_if_fail (DL_IS_SERIES (self), FALSE);

  if (min_y)
    *min_y = self->smin_y;
  if (max_y)
    *max_y = self->smax_y;
  if (min_positive_y)
    *min_positive_y = self->smin_pos_y;
  return self->smin_y <= self->smax_y;
}

guint
dl_series_lower_bound (DlSeries *self, double x)
{
  const double *xs;
  guint lo = 0, hi;

  g_return_val_if_fail (DL_IS_SERIES (self), 0);

  xs = (const double *) self->x->data;
  hi = self->x->len;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (xs[mid] < x)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

int
dl_series_find_nearest (DlSeries *self, double x)
{
  const double *xs;
  guint n, i;

  g_return_val_if_fail (DL_IS_SERIES (self), -1);

  n = self->x->len;
  if (n == 0)
    return -1;
  xs = (const double *) self->x->data;
  i = dl_series_lower_bound (self, x);
  if (i == n)
    return n - 1;
  if (i > 0 && x - xs[i - 1] <= xs[i] - x)
    return i - 1;
  return i;
}
