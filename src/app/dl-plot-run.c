/* dl-plot-run.c — a run's curves and style for DlPlot. */
#include "dl-plot-run.h"

#include <math.h>

typedef struct {
  DlSeries        *series;    /* a plain curve */
  GPtrArray       *members;   /* DlSeries of a mean, owned */
  char            *name;      /* a mean's own name */
  DlPlotCurveFlags flags;
  DlPlotBand       band;
} Curve;

struct _DlPlotRun
{
  GObject  parent_instance;

  char    *label;
  char    *color;
  double   x_from, x_to;
  GArray  *curves;            /* Curve */
};

G_DEFINE_FINAL_TYPE (DlPlotRun, dl_plot_run, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_LABEL,
  PROP_COLOR,
  PROP_X_FROM,
  PROP_X_TO,
  N_PROPS
};

enum {
  CURVES_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
curve_clear (gpointer data)
{
  Curve *c = data;

  g_clear_object (&c->series);
  g_clear_pointer (&c->members, g_ptr_array_unref);
  g_free (c->name);
}

static void
dl_plot_run_finalize (GObject *object)
{
  DlPlotRun *self = DL_PLOT_RUN (object);

  g_free (self->label);
  g_free (self->color);
  g_array_unref (self->curves);

  G_OBJECT_CLASS (dl_plot_run_parent_class)->finalize (object);
}

static void
dl_plot_run_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlPlotRun *self = DL_PLOT_RUN (object);

  switch (prop_id)
    {
    case PROP_LABEL:
      g_value_set_string (value, self->label);
      break;
    case PROP_COLOR:
      g_value_set_string (value, self->color);
      break;
    case PROP_X_FROM:
      g_value_set_double (value, self->x_from);
      break;
    case PROP_X_TO:
      g_value_set_double (value, self->x_to);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_plot_run_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlPlotRun *self = DL_PLOT_RUN (object);

  switch (prop_id)
    {
    case PROP_LABEL:
      dl_plot_run_set_label (self, g_value_get_string (value));
      break;
    case PROP_COLOR:
      dl_plot_run_set_color (self, g_value_get_string (value));
      break;
    case PROP_X_FROM:
      dl_plot_run_set_x_range (self, g_value_get_double (value), self->x_to);
      break;
    case PROP_X_TO:
      dl_plot_run_set_x_range (self, self->x_from, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_plot_run_class_init (DlPlotRunClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = dl_plot_run_finalize;
  object_class->get_property = dl_plot_run_get_property;
  object_class->set_property = dl_plot_run_set_property;

  properties[PROP_LABEL] =
    g_param_spec_string ("label", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COLOR] =
    g_param_spec_string ("color", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* GParamSpecDouble cannot hold ±INFINITY: an open side is ±G_MAXDOUBLE here, ±INFINITY in the API. */
  properties[PROP_X_FROM] =
    g_param_spec_double ("x-from", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, -G_MAXDOUBLE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_X_TO] =
    g_param_spec_double ("x-to", NULL, NULL, -G_MAXDOUBLE, G_MAXDOUBLE, G_MAXDOUBLE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CURVES_CHANGED] =
    g_signal_new ("curves-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
dl_plot_run_init (DlPlotRun *self)
{
  self->x_from = -INFINITY;
  self->x_to = INFINITY;
  self->curves = g_array_new (FALSE, TRUE, sizeof (Curve));
  g_array_set_clear_func (self->curves, curve_clear);
}

DlPlotRun *
dl_plot_run_new (const char *label, const char *color)
{
  return g_object_new (DL_TYPE_PLOT_RUN, "label", label, "color", color, NULL);
}

static gboolean
replace_string (char **field, const char *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

const char *
dl_plot_run_get_label (DlPlotRun *self)
{
  g_return_val_if_fail (DL_IS_PLOT_RUN (self), NULL);
  return self->label;
}

void
dl_plot_run_set_label (DlPlotRun *self, const char *label)
{
  g_return_if_fail (DL_IS_PLOT_RUN (self));

  if (replace_string (&self->label, label))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LABEL]);
}

const char *
dl_plot_run_get_color (DlPlotRun *self)
{
  g_return_val_if_fail (DL_IS_PLOT_RUN (self), NULL);
  return self->color;
}

void
dl_plot_run_set_color (DlPlotRun *self, const char *color)
{
  g_return_if_fail (DL_IS_PLOT_RUN (self));

  if (replace_string (&self->color, color))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COLOR]);
}

/* The property's stand-in for an open side. */
static double
open_to_infinity (double v)
{
  return v <= -G_MAXDOUBLE ? -INFINITY : v >= G_MAXDOUBLE ? INFINITY : v;
}

void
dl_plot_run_set_x_range (DlPlotRun *self, double from, double to)
{
  g_return_if_fail (DL_IS_PLOT_RUN (self));
  g_return_if_fail (!isnan (from) && !isnan (to));

  from = open_to_infinity (from);
  to = open_to_infinity (to);
  g_object_freeze_notify (G_OBJECT (self));
  if (self->x_from != from)
    {
      self->x_from = from;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_X_FROM]);
    }
  if (self->x_to != to)
    {
      self->x_to = to;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_X_TO]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

double
dl_plot_run_get_x_from (DlPlotRun *self)
{
  g_return_val_if_fail (DL_IS_PLOT_RUN (self), -INFINITY);
  return self->x_from;
}

double
dl_plot_run_get_x_to (DlPlotRun *self)
{
  g_return_val_if_fail (DL_IS_PLOT_RUN (self), INFINITY);
  return self->x_to;
}

static guint
add_curve (DlPlotRun *self, Curve *curve)
{
  g_array_append_val (self->curves, *curve);
  g_signal_emit (self, signals[CURVES_CHANGED], 0);
  return self->curves->len - 1;
}

guint
dl_plot_run_add_series (DlPlotRun *self, DlSeries *series, DlPlotCurveFlags flags)
{
  Curve curve = { 0 };

  g_return_val_if_fail (DL_IS_PLOT_RUN (self), 0);
  g_return_val_if_fail (DL_IS_SERIES (series), 0);

  curve.series = g_object_ref (series);
  curve.flags = flags;
  return add_curve (self, &curve);
}

guint
dl_plot_run_add_mean (DlPlotRun *self, const char *name, DlSeries *const *members, guint n_members,
                      DlPlotBand band, DlPlotCurveFlags flags)
{
  Curve curve = { 0 };

  g_return_val_if_fail (DL_IS_PLOT_RUN (self), 0);
  g_return_val_if_fail (members != NULL && n_members > 0, 0);

  curve.members = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < n_members; i++)
    {
      g_return_val_if_fail (DL_IS_SERIES (members[i]), 0);
      g_ptr_array_add (curve.members, g_object_ref (members[i]));
    }
  curve.name = g_strdup (name);
  curve.band = band;
  curve.flags = flags;
  return add_curve (self, &curve);
}

guint
dl_plot_run_get_n_curves (DlPlotRun *self)
{
  g_return_val_if_fail (DL_IS_PLOT_RUN (self), 0);
  return self->curves->len;
}

static Curve *
get_curve (DlPlotRun *self, guint curve)
{
  g_return_val_if_fail (DL_IS_PLOT_RUN (self), NULL);
  g_return_val_if_fail (curve < self->curves->len, NULL);
  return &g_array_index (self->curves, Curve, curve);
}

const char *
dl_plot_run_get_curve_name (DlPlotRun *self, guint curve)
{
  Curve *c = get_curve (self, curve);

  if (c == NULL)
    return NULL;
  return c->series ? dl_series_get_name (c->series) : c->name;
}

DlPlotCurveFlags
dl_plot_run_get_curve_flags (DlPlotRun *self, guint curve)
{
  Curve *c = get_curve (self, curve);

  return c ? c->flags : DL_PLOT_CURVE_DEFAULT;
}

DlSeries *
dl_plot_run_get_curve_series (DlPlotRun *self, guint curve)
{
  Curve *c = get_curve (self, curve);

  return c ? c->series : NULL;
}

DlSeries *const *
dl_plot_run_get_curve_members (DlPlotRun *self, guint curve, guint *n_members, DlPlotBand *band)
{
  Curve *c = get_curve (self, curve);

  if (n_members)
    *n_members = c && c->members ? c->members->len : 0;
  if (band)
    *band = c ? c->band : DL_PLOT_BAND_MIN_MAX;
  if (c == NULL || c->members == NULL)
    return NULL;
  return (DlSeries *const *) c->members->pdata;
}
