/* dl-unlabeled-page.c — an unlabeled set, its answers least confident first, and their export. */
#include "config.h"

#include <glib/gi18n.h>

#include "dl-file.h"
#include "dl-mistake-tile.h"
#include "dl-predict.h"
#include "dl-unlabeled-item.h"
#include "dl-unlabeled-page-private.h"

/* Training progress classifies again only after four times the last classification's duration. */
#define PROGRESS_GAP_FACTOR 4

enum { PROP_0, PROP_SESSION, PROP_IMAGES, PROP_CLASSIFYING, N_PROPS };
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (DlUnlabeledPage, dl_unlabeled_page, GTK_TYPE_WIDGET)

/* ---- the summary line and the status ---- */

static void
update_status (DlUnlabeledPage *self)
{
  g_autoptr (DlSnapshot) snap = self->session != NULL ? dl_session_dup_snapshot (self->session) : NULL;
  const char *status = "";

  if (self->images == NULL)
    return;
  if (self->classify_cancellable != NULL)
    status = _("Classifying…");
  else if (snap == NULL)
    status = _("No network to classify with: train one, or load a model.");
  else if (!snap->trained)
    status = _("The network has not been trained yet: its answers are guesses.");
  gtk_label_set_text (self->status_label, status);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "unlabeled.export",
                                 self->probs != NULL && self->classify_cancellable == NULL && !self->stale);
}

static void
update_summary (DlUnlabeledPage *self)
{
  g_autofree char *name = self->images != NULL ? g_path_get_basename (self->images->source) : NULL;
  g_autofree char *text = NULL;

  if (self->images == NULL)
    return;
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%'d unlabeled image of %s, least confident first",
                                       "%'d unlabeled images of %s, least confident first", self->images->n),
                          self->images->n, name);
  gtk_label_set_text (self->summary_label, text);
}

/* ---- classifying, off the UI thread ---- */

typedef struct {
  DlSnapshot *snap;
  DlDataset  *images;
  gint64      start_us;
} Classify;

typedef struct {
  float *probs;
  int   *order;        /* image indices, least confident first */
  float *confidence, *margin;
  int   *predicted;
} Answers;

static void
classify_free (Classify *c)
{
  dl_snapshot_unref (c->snap);
  dl_dataset_unref (c->images);
  g_free (c);
}

static void
answers_free (Answers *a)
{
  g_free (a->probs);
  g_free (a->order);
  g_free (a->confidence);
  g_free (a->margin);
  g_free (a->predicted);
  g_free (a);
}

static gboolean
cancelled (gpointer cancellable)
{
  return g_cancellable_is_cancelled (cancellable);
}

static int
compare_answers (gconstpointer a, gconstpointer b, gpointer data)
{
  const Answers *r = data;
  int i = *(const int *) a, j = *(const int *) b;

  if (r->confidence[i] != r->confidence[j])
    return r->confidence[i] < r->confidence[j] ? -1 : 1;
  if (r->margin[i] != r->margin[j])
    return r->margin[i] < r->margin[j] ? -1 : 1;
  return (i > j) - (i < j);
}

static void
classify_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Classify *c = data;
  int n = c->images->n;
  Answers *r = g_new0 (Answers, 1);

  r->probs = dl_predict_dataset (c->snap->net, c->images, cancelled, cancellable);
  if (r->probs == NULL)
    {
      answers_free (r);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
      return;
    }
  r->order = g_new (int, n);
  r->confidence = g_new (float, n);
  r->margin = g_new (float, n);
  r->predicted = g_new (int, n);
  for (int i = 0; i < n; i++)
    {
      r->predicted[i] = dl_predict_label (r->probs + (gsize) i * DL_N_CLASSES, &r->margin[i]);
      r->confidence[i] = r->probs[(gsize) i * DL_N_CLASSES + r->predicted[i]];
      r->order[i] = i;
    }
  g_qsort_with_data (r->order, n, sizeof *r->order, compare_answers, r);
  g_task_return_pointer (task, r, (GDestroyNotify) answers_free);
}

static void classify (DlUnlabeledPage *self);
static void classify_later (DlUnlabeledPage *self);

/* The new answers in the browser, the selected image kept selected. */
static void
show_answers (DlUnlabeledPage *self, Answers *r)
{
  int n = self->images->n, selected = self->detail_index;
  g_autoptr (GPtrArray) items = g_ptr_array_new_full (n, g_object_unref);

  g_free (self->probs);
  self->probs = g_steal_pointer (&r->probs);
  for (int k = 0; k < n; k++)
    {
      int i = r->order[k];

      g_ptr_array_add (items, dl_unlabeled_item_new (i, r->predicted[i], r->confidence[i], r->margin[i]));
    }
  g_list_store_splice (self->answers, 0, g_list_model_get_n_items (G_LIST_MODEL (self->answers)), items->pdata, n);
  for (int k = 0; selected >= 0 && k < n; k++)
    if (r->order[k] == selected)
      gtk_single_selection_set_selected (self->selection, k);
  dl_unlabeled_page_update_detail (self);
}

static void
classified_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  DlUnlabeledPage *self = DL_UNLABELED_PAGE (source);
  Classify *c = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  Answers *r = g_task_propagate_pointer (G_TASK (result), &error);

  /* A newer classification took over (or the page went): these answers are not wanted. */
  if (r == NULL || g_task_get_cancellable (G_TASK (result)) != self->classify_cancellable)
    {
      g_clear_pointer (&r, answers_free);
      return;
    }
  g_clear_object (&self->classify_cancellable);
  self->last_done_us = g_get_monotonic_time ();
  self->last_took_us = self->last_done_us - c->start_us;
  if (c->images == self->images)
    show_answers (self, r);
  answers_free (r);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLASSIFYING]);
  /* Training went on meanwhile (another network would have cancelled this one): when its turn comes. */
  if (self->stale)
    classify_later (self);
  update_status (self);
}

/* Classifies the set with the session's snapshot now, giving up one under way. */
static void
classify (DlUnlabeledPage *self)
{
  g_autoptr (DlSnapshot) snap = self->session != NULL ? dl_session_dup_snapshot (self->session) : NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GTask) task = NULL;
  Classify *c;
  gboolean was = self->classify_cancellable != NULL;

  g_clear_handle_id (&self->later_source, g_source_remove);
  if (self->classify_cancellable != NULL)
    g_cancellable_cancel (self->classify_cancellable);
  g_clear_object (&self->classify_cancellable);
  /* Without a network that reads these images, the answers shown are an older network's: not exported. */
  self->stale = TRUE;
  if (self->images == NULL || snap == NULL)
    goto out;
  if (!dl_predict_check_shape (snap->net, self->images, _("the network"), &error))
    {
      update_status (self);
      gtk_label_set_text (self->status_label, error->message);
      goto out;
    }
  self->stale = FALSE;
  c = g_new0 (Classify, 1);
  c->snap = g_steal_pointer (&snap);
  c->images = dl_dataset_ref (self->images);
  c->start_us = g_get_monotonic_time ();
  self->classify_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->classify_cancellable, classified_cb, NULL);
  g_task_set_task_data (task, c, (GDestroyNotify) classify_free);
  g_task_run_in_thread (task, classify_thread);
out:
  if (was != (self->classify_cancellable != NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLASSIFYING]);
  if (error == NULL)
    update_status (self);
}

static gboolean
classify_later_cb (gpointer data)
{
  DlUnlabeledPage *self = data;

  self->later_source = 0;
  classify (self);
  return G_SOURCE_REMOVE;
}

/* Training progress is classified once the last classification has been over for PROGRESS_GAP_FACTOR
 * times as long as it took: a fifth of a core at most. */
static void
classify_later (DlUnlabeledPage *self)
{
  gint64 due = self->last_done_us + PROGRESS_GAP_FACTOR * self->last_took_us, now = g_get_monotonic_time ();

  if (self->classify_cancellable == NULL && self->later_source == 0)
    self->later_source = g_timeout_add (now >= due ? 0 : (guint) ((due - now) / 1000), classify_later_cb, self);
}

/* Another network (progress FALSE) is classified with at once, training progress later. */
static void
snapshot_changed_cb (DlUnlabeledPage *self, gboolean progress)
{
  if (self->images == NULL)
    return;
  self->stale = TRUE;
  if (!progress)
    classify (self);
  else
    classify_later (self);
  update_status (self);
}

/* New class names: every tile and the detail again. */
static void
classes_changed_cb (DlUnlabeledPage *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->answers));

  g_list_model_items_changed (G_LIST_MODEL (self->answers), 0, n, n);
  dl_neighbours_view_set_classes (self->neighbours_view, dl_unlabeled_page_classes (self));
  dl_probability_list_set_classes (self->probabilities, dl_unlabeled_page_classes (self));
  dl_unlabeled_page_update_detail (self);
}

/* ---- opening a set ---- */

static void
open_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  GError *error = NULL;
  DlDataset *images = dl_dataset_load_unlabeled (data, &error);

  if (images == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, images, (GDestroyNotify) dl_dataset_unref);
}

void
dl_unlabeled_page_open_async (DlUnlabeledPage *self, const char *path, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (DL_IS_UNLABELED_PAGE (self));
  g_return_if_fail (path != NULL);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dl_unlabeled_page_open_async);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, open_thread);
}

static void
take_images (DlUnlabeledPage *self, DlDataset *images)
{
  g_clear_pointer (&self->images, dl_dataset_unref);
  g_clear_pointer (&self->probs, g_free);
  self->images = images;
  self->detail_index = -1;
  g_list_store_remove_all (self->answers);
  update_summary (self);
  dl_unlabeled_page_update_detail (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IMAGES]);
  classify (self);
}

gboolean
dl_unlabeled_page_open_finish (DlUnlabeledPage *self, GAsyncResult *result, GError **error)
{
  g_autoptr (DlDataset) images = NULL;
  g_autoptr (DlSnapshot) snap = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  images = g_task_propagate_pointer (G_TASK (result), error);
  if (images == NULL)
    return FALSE;
  /* Images the network cannot read are refused here, before they replace anything. */
  snap = self->session != NULL ? dl_session_dup_snapshot (self->session) : NULL;
  if (snap != NULL && !dl_predict_check_shape (snap->net, images, _("the network"), error))
    return FALSE;
  take_images (self, g_steal_pointer (&images));
  return TRUE;
}

/* ---- the export ---- */

gboolean
dl_unlabeled_page_save_csv (DlUnlabeledPage *self, const char *path, GError **error)
{
  g_autoptr (GString) csv = NULL;

  g_return_val_if_fail (DL_IS_UNLABELED_PAGE (self), FALSE);
  if (self->probs == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("%s: there are no answers to save yet"), path);
      return FALSE;
    }
  csv = dl_predict_csv (self->probs, self->images->n, FALSE, NULL);
  return dl_file_save_bytes (path, csv->str, csv->len, error);
}

static void
close_chooser (DlUnlabeledPage *self)
{
  if (self->chooser == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->chooser, self);
  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
}

static void
export_response_cb (DlUnlabeledPage *self, int response, GtkNativeDialog *dialog)
{
  g_autoptr (GFile) file = response == GTK_RESPONSE_ACCEPT ? gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog)) : NULL;
  g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
  g_autoptr (GError) error = NULL;

  close_chooser (self);
  if (path == NULL)
    return;
  if (dl_unlabeled_page_save_csv (self, path, &error))
    {
      g_autofree char *done = g_strdup_printf (_("Saved the answers to %s."), path);

      gtk_label_set_text (self->status_label, done);
    }
  else
    gtk_label_set_text (self->status_label, error->message);
}

static void
export_action (GtkWidget *widget, const char *name, GVariant *param)
{
  DlUnlabeledPage *self = DL_UNLABELED_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  close_chooser (self);
  self->chooser = gtk_file_chooser_native_new (_("Export Answers"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("CSV files (ImageId, Label)"));
  gtk_file_filter_add_pattern (filter, "*.csv");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), "answers.csv");
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (export_response_cb), self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* ---- the browser's tiles ---- */

static void
setup_tile_cb (GtkSignalListItemFactory *factory, GtkListItem *list_item, DlUnlabeledPage *self)
{
  gtk_list_item_set_child (list_item, dl_mistake_tile_new ());
}

static void
bind_tile_cb (GtkSignalListItemFactory *factory, GtkListItem *list_item, DlUnlabeledPage *self)
{
  DlMistakeTile *tile = DL_MISTAKE_TILE (gtk_list_item_get_child (list_item));
  DlUnlabeledItem *item = gtk_list_item_get_item (list_item);
  int i = dl_unlabeled_item_get_index (item);

  dl_mistake_tile_set_image (tile, self->images->pixels + (gsize) i * self->images->rows * self->images->cols,
                             self->images->rows, self->images->cols);
  dl_mistake_tile_set_answer (tile, dl_unlabeled_page_classes (self), i, dl_unlabeled_item_get_predicted (item),
                              dl_unlabeled_item_get_confidence (item), dl_unlabeled_item_get_margin (item));
}

static void
selection_changed_cb (DlUnlabeledPage *self)
{
  DlUnlabeledItem *item = gtk_single_selection_get_selected_item (self->selection);

  self->detail_index = item != NULL ? dl_unlabeled_item_get_index (item) : -1;
  dl_unlabeled_page_update_detail (self);
}

/* ---- API ---- */

void
dl_unlabeled_page_set_session (DlUnlabeledPage *self, DlSession *session)
{
  g_return_if_fail (DL_IS_UNLABELED_PAGE (self));
  g_return_if_fail (session == NULL || DL_IS_SESSION (session));

  if (self->session == session)
    return;
  g_set_object (&self->session, session);
  g_signal_group_set_target (self->session_signals, session);
  classes_changed_cb (self);
  if (self->images != NULL)
    classify (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

void
dl_unlabeled_page_set_explainer (DlUnlabeledPage *self, DlExplainer *explainer)
{
  g_return_if_fail (DL_IS_UNLABELED_PAGE (self));
  g_return_if_fail (explainer == NULL || DL_IS_EXPLAINER (explainer));
  if (self->explainer == explainer)
    return;
  if (self->explainer != NULL)
    g_signal_handlers_disconnect_by_data (self->explainer, self);
  g_set_object (&self->explainer, explainer);
  dl_unlabeled_page_explainer_changed (self);
}

DlDataset *
dl_unlabeled_page_get_images (DlUnlabeledPage *self)
{
  g_return_val_if_fail (DL_IS_UNLABELED_PAGE (self), NULL);
  return self->images;
}

gboolean
dl_unlabeled_page_get_classifying (DlUnlabeledPage *self)
{
  g_return_val_if_fail (DL_IS_UNLABELED_PAGE (self), FALSE);
  return self->classify_cancellable != NULL;
}

GListModel *
dl_unlabeled_page_get_answers (DlUnlabeledPage *self)
{
  g_return_val_if_fail (DL_IS_UNLABELED_PAGE (self), NULL);
  return G_LIST_MODEL (self->answers);
}

/* ---- GObject ---- */

static void
dl_unlabeled_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlUnlabeledPage *self = DL_UNLABELED_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:     g_value_set_object (value, self->session); break;
    case PROP_IMAGES:      g_value_set_pointer (value, self->images); break;
    case PROP_CLASSIFYING: g_value_set_boolean (value, self->classify_cancellable != NULL); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_unlabeled_page_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_SESSION:
      dl_unlabeled_page_set_session (DL_UNLABELED_PAGE (object), g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_unlabeled_page_dispose (GObject *object)
{
  DlUnlabeledPage *self = DL_UNLABELED_PAGE (object);
  GtkWidget *child;

  close_chooser (self);
  g_clear_handle_id (&self->later_source, g_source_remove);
  if (self->classify_cancellable != NULL)
    g_cancellable_cancel (self->classify_cancellable);
  g_clear_object (&self->classify_cancellable);
  dl_unlabeled_page_set_session (self, NULL);
  g_clear_object (&self->session_signals);
  gtk_widget_dispose_template (GTK_WIDGET (self), DL_TYPE_UNLABELED_PAGE);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  if (self->explainer != NULL)
    g_signal_handlers_disconnect_by_data (self->explainer, self);
  g_clear_object (&self->explainer);
  g_clear_object (&self->selection);
  g_clear_object (&self->answers);
  g_clear_pointer (&self->images, dl_dataset_unref);
  g_clear_pointer (&self->probs, g_free);
  G_OBJECT_CLASS (dl_unlabeled_page_parent_class)->dispose (object);
}

static void
dl_unlabeled_page_class_init (DlUnlabeledPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = dl_unlabeled_page_dispose;
  object_class->get_property = dl_unlabeled_page_get_property;
  object_class->set_property = dl_unlabeled_page_set_property;

  properties[PROP_SESSION] = g_param_spec_object ("session", NULL, NULL, DL_TYPE_SESSION,
                                                  G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_IMAGES] = g_param_spec_pointer ("images", NULL, NULL, ro);
  properties[PROP_CLASSIFYING] = g_param_spec_boolean ("classifying", NULL, NULL, FALSE, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (DL_TYPE_ATTRIB_VIEW);
  g_type_ensure (DL_TYPE_DIGIT_VIEW);
  g_type_ensure (DL_TYPE_NEIGHBOURS_VIEW);
  g_type_ensure (DL_TYPE_PROBABILITY_LIST);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/digitlab/DigitLab/ui/dl-unlabeled-page.ui");
  gtk_widget_class_bind_template_child (widget_class, DlUnlabeledPage, summary_label);
  gtk_widget_class_bind_template_child (widget_class, DlUnlabeledPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, DlUnlabeledPage, grid_view);
  gtk_widget_class_bind_template_child (widget_class, DlUnlabeledPage, detail_stack);
  gtk_widget_class_bind_template_child (widget_class, DlUnlabeledPage, detail_digit);
  gtk_widget_class_bind_template_child (widget_class, DlUnlabeledPage, detail_title);
  gtk_widget_class_bind_template_child (widget_class, DlUnlabeledPage, detail_summary);
  gtk_widget_class_bind_template_child (widget_class, DlUnlabeledPage, why_heading);
  gtk_widget_class_bind_template_child (widget_class, DlUnlabeledPage, method_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DlUnlabeledPage, attrib_view);
  gtk_widget_class_bind_template_child (widget_class, DlUnlabeledPage, attrib_note);
  gtk_widget_class_bind_template_child (widget_class, DlUnlabeledPage, neighbours_view);
  gtk_widget_class_bind_template_child (widget_class, DlUnlabeledPage, neighbours_note);
  gtk_widget_class_bind_template_child (widget_class, DlUnlabeledPage, probabilities);
  gtk_widget_class_bind_template_callback_full (widget_class, "method_changed_cb",
                                                G_CALLBACK (dl_unlabeled_page_method_changed));

  gtk_widget_class_install_action (widget_class, "unlabeled.export", NULL, export_action);
}

static void
dl_unlabeled_page_init (DlUnlabeledPage *self)
{
  GtkListItemFactory *factory;

  self->detail_index = -1;
  self->answers = g_list_store_new (DL_TYPE_UNLABELED_ITEM);
  self->session_signals = g_signal_group_new (DL_TYPE_SESSION);
  g_signal_group_connect_object (self->session_signals, "snapshot-changed", G_CALLBACK (snapshot_changed_cb), self,
                                 G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "notify::classes", G_CALLBACK (classes_changed_cb), self,
                                 G_CONNECT_SWAPPED);
  gtk_widget_init_template (GTK_WIDGET (self));

  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->answers)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect_swapped (self->selection, "notify::selected-item", G_CALLBACK (selection_changed_cb), self);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_tile_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_tile_cb), self);
  gtk_grid_view_set_factory (self->grid_view, factory);
  g_object_unref (factory);
  gtk_grid_view_set_model (self->grid_view, GTK_SELECTION_MODEL (self->selection));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "unlabeled.export", FALSE);
}

GtkWidget *
dl_unlabeled_page_new (void)
{
  return g_object_new (DL_TYPE_UNLABELED_PAGE, NULL);
}
