/* dl-lr-finder.c — the learning-rate finder's button and popover on the Train page (see dl-lr-finder.h).
 *
 * It follows the session's finder properties: "finding-lr" opens the popover on its progress page,
 * "lr-find-fraction" and "lr-find-rate" fill it, "lr-found" turns it to the result page. Like a menu button,
 * the widget allocates its button and presents the popover it parents.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "dl-lr-curve.h"
#include "dl-lr-finder.h"
#include "dl-ticks.h"

struct _DlLrFinder
{
  GtkWidget       parent_instance;

  DlSession      *session;
  GSignalGroup   *session_signals;
  double          suggestion;   /* what Apply sets: the shown value; NaN for none */

  /* template children */
  GtkButton      *button;
  GtkPopover     *popover;
  GtkStack       *stack;
  GtkLabel       *progress_label;
  GtkProgressBar *progress_bar;
  DlLrCurve      *curve;
  GtkLabel       *message_label;
  GtkButton      *apply_button;
};

G_DEFINE_FINAL_TYPE (DlLrFinder, dl_lr_finder, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_APPLY,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
update_progress (DlLrFinder *self)
{
  double rate = dl_session_get_lr_find_rate (self->session);
  double fraction = dl_session_get_lr_find_fraction (self->session);
  g_autofree char *text = NULL;
  char value[32];

  if (isfinite (rate))
    {
      dl_ticks_format_value (rate, 2, value, sizeof value);
      text = g_strdup_printf (_("Training at a rate of %s (%.0f %% of the sweep)…"), value, 100.0 * fraction);
    }
  else
    text = g_strdup (_("Waiting for the worker…"));
  gtk_label_set_text (self->progress_label, text);
  gtk_progress_bar_set_fraction (self->progress_bar, fraction);
}

static void
update_result (DlLrFinder *self)
{
  DlEvent *found = dl_session_get_lr_found (self->session);
  g_autofree char *label = NULL;
  char value[32];

  dl_lr_curve_set_found (self->curve, found);
  self->suggestion = NAN;
  gtk_label_set_text (self->message_label, found != NULL ? found->message : "");
  if (found != NULL && isfinite (found->lr_find->steepest))
    {
      /* The rate as the popover says it, so that what is applied is what was read. */
      dl_ticks_format_value (found->lr_find->steepest, 2, value, sizeof value);
      self->suggestion = g_ascii_strtod (value, NULL);
      label = g_strdup_printf (_("Appl_y %s"), value);
    }
  gtk_button_set_label (self->apply_button, label != NULL ? label : _("Appl_y"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "lr-finder.apply", isfinite (self->suggestion));
  if (found != NULL)
    gtk_stack_set_visible_child_name (self->stack, "result");
  else if (!dl_session_get_finding_lr (self->session))
    /* The result is gone (the live run is another): nothing to show. */
    gtk_popover_popdown (self->popover);
}

static void
finding_changed (DlLrFinder *self)
{
  if (!dl_session_get_finding_lr (self->session))
    {
      /* Done: the result, or nothing more to show after a cancel. */
      if (dl_session_get_lr_found (self->session) == NULL)
        gtk_popover_popdown (self->popover);
      return;
    }
  update_progress (self);
  gtk_stack_set_visible_child_name (self->stack, "progress");
  gtk_popover_popup (self->popover);
}

static void
apply_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  DlLrFinder *self = DL_LR_FINDER (widget);

  if (!isfinite (self->suggestion))
    return;
  g_signal_emit (self, signals[SIGNAL_APPLY], 0, self->suggestion);
  gtk_popover_popdown (self->popover);
}

static void
close_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  gtk_popover_popdown (DL_LR_FINDER (widget)->popover);
}

/* ---- a button with a popover, as GtkMenuButton lays them out ---- */

static void
dl_lr_finder_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum, int *natural,
                      int *minimum_baseline, int *natural_baseline)
{
  gtk_widget_measure (GTK_WIDGET (DL_LR_FINDER (widget)->button), orientation, for_size, minimum, natural,
                      minimum_baseline, natural_baseline);
}

static void
dl_lr_finder_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  DlLrFinder *self = DL_LR_FINDER (widget);

  gtk_widget_size_allocate (GTK_WIDGET (self->button), &(GtkAllocation) { 0, 0, width, height }, baseline);
  gtk_popover_present (self->popover);
}

static void
dl_lr_finder_dispose (GObject *object)
{
  DlLrFinder *self = DL_LR_FINDER (object);
  GtkWidget *child;

  dl_lr_finder_set_session (self, NULL);
  g_clear_object (&self->session_signals);
  gtk_widget_dispose_template (GTK_WIDGET (self), DL_TYPE_LR_FINDER);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (dl_lr_finder_parent_class)->dispose (object);
}

static void
dl_lr_finder_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlLrFinder *self = DL_LR_FINDER (object);

  switch (prop_id)
    {
    case PROP_SESSION: g_value_set_object (value, self->session); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_lr_finder_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlLrFinder *self = DL_LR_FINDER (object);

  switch (prop_id)
    {
    case PROP_SESSION: dl_lr_finder_set_session (self, g_value_get_object (value)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_lr_finder_class_init (DlLrFinderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dl_lr_finder_dispose;
  object_class->get_property = dl_lr_finder_get_property;
  object_class->set_property = dl_lr_finder_set_property;
  widget_class->measure = dl_lr_finder_measure;
  widget_class->size_allocate = dl_lr_finder_size_allocate;

  properties[PROP_SESSION] = g_param_spec_object ("session", NULL, NULL, DL_TYPE_SESSION,
                                                  G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The rate to set, as the popover showed it. */
  signals[SIGNAL_APPLY] = g_signal_new ("apply", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, G_TYPE_DOUBLE);

  g_type_ensure (DL_TYPE_LR_CURVE);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/digitlab/DigitLab/ui/dl-lr-finder.ui");
  gtk_widget_class_bind_template_child (widget_class, DlLrFinder, button);
  gtk_widget_class_bind_template_child (widget_class, DlLrFinder, popover);
  gtk_widget_class_bind_template_child (widget_class, DlLrFinder, stack);
  gtk_widget_class_bind_template_child (widget_class, DlLrFinder, progress_label);
  gtk_widget_class_bind_template_child (widget_class, DlLrFinder, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, DlLrFinder, curve);
  gtk_widget_class_bind_template_child (widget_class, DlLrFinder, message_label);
  gtk_widget_class_bind_template_child (widget_class, DlLrFinder, apply_button);
  gtk_widget_class_install_action (widget_class, "lr-finder.apply", NULL, apply_action);
  gtk_widget_class_install_action (widget_class, "lr-finder.close", NULL, close_action);
}

static void
dl_lr_finder_init (DlLrFinder *self)
{
  GSignalGroup *g;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->suggestion = NAN;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "lr-finder.apply", FALSE);

  g = self->session_signals = g_signal_group_new (DL_TYPE_SESSION);
  g_signal_group_connect_object (g, "notify::finding-lr", G_CALLBACK (finding_changed), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (g, "notify::lr-find-fraction", G_CALLBACK (update_progress), self,
                                 G_CONNECT_SWAPPED);
  g_signal_group_connect_object (g, "notify::lr-find-rate", G_CALLBACK (update_progress), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (g, "notify::lr-found", G_CALLBACK (update_result), self, G_CONNECT_SWAPPED);
}

GtkWidget *
dl_lr_finder_new (void)
{
  return g_object_new (DL_TYPE_LR_FINDER, NULL);
}

void
dl_lr_finder_set_session (DlLrFinder *self, DlSession *session)
{
  g_return_if_fail (DL_IS_LR_FINDER (self));
  g_return_if_fail (session == NULL || DL_IS_SESSION (session));
  if (!g_set_object (&self->session, session))
    return;
  g_signal_group_set_target (self->session_signals, session);
  if (session != NULL)
    update_result (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

DlSession *
dl_lr_finder_get_session (DlLrFinder *self)
{
  g_return_val_if_fail (DL_IS_LR_FINDER (self), NULL);
  return self->session;
}

GtkPopover *
dl_lr_finder_get_popover (DlLrFinder *self)
{
  g_return_val_if_fail (DL_IS_LR_FINDER (self), NULL);
  return self->popover;
}

double
dl_lr_finder_get_suggestion (DlLrFinder *self)
{
  g_return_val_if_fail (DL_IS_LR_FINDER (self), NAN);
  return self->suggestion;
}

const char *
dl_lr_finder_get_text (DlLrFinder *self)
{
  g_return_val_if_fail (DL_IS_LR_FINDER (self), NULL);
  return gtk_label_get_text (self->message_label);
}
