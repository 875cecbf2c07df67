/* dl-mistakes-page.c — the Mistakes page: browser, confusion matrix, detail pane, collapse banner. */
#include "dl-mistakes-page-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "dl-diagnosis-text.h"
#include "dl-mistake-item.h"
#include "dl-mistake-tile.h"


G_DEFINE_FINAL_TYPE (DlMistakesPage, dl_mistakes_page, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_SESSION, N_PROPS };
static GParamSpec *properties[N_PROPS];


static int
dropdown_class (GtkDropDown *dropdown)
{
  guint selected = gtk_drop_down_get_selected (dropdown);
  return selected == GTK_INVALID_LIST_POSITION || selected == 0 ? -1 : (int) selected - 1;
}

/* ---- the count and the summary ---- */

static void
update_count (DlMistakesPage *self)
{
  const DlMistakes *m = dl_mistake_list_get_mistakes (self->list);
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->list));
  int evaluated = m != NULL ? dl_mistakes_get_n_evaluated (m) : 0;
  gboolean partial = m != NULL && evaluated < dl_mistakes_get_n (m);
  DlMistakesFilter f;
  g_autofree char *text = NULL;

  dl_mistake_list_get_filter (self->list, &f);
  /* Periodic evaluations may cover only the first part of the test set: say so. */
  if (f.show == DL_MISTAKES_SHOW_RIGHT)
    text = g_strdup_printf (partial ? ngettext ("%'u correct image shown of the first %'d test images",
                                                "%'u correct images shown of the first %'d test images", shown)
                                    : ngettext ("%'u correct image shown of %'d test images",
                                                "%'u correct images shown of %'d test images", shown),
                            shown, evaluated);
  else
    text = g_strdup_printf (partial ? ngettext ("%'u mistake shown of the first %'d test images",
                                                "%'u mistakes shown of the first %'d test images", shown)
                                    : ngettext ("%'u mistake shown of %'d test images",
                                                "%'u mistakes shown of %'d test images", shown),
                            shown, evaluated);
  gtk_label_set_text (self->count_label, text);
  gtk_stack_set_visible_child_name (self->grid_stack, shown > 0 ? "grid" : "none");
}

static void
update_summary (DlMistakesPage *self)
{
  const DlMistakes *m = dl_mistake_list_get_mistakes (self->list);
  int n_evals = dl_mistakes_get_n_evals (m);
  const DlMistakesEvalInfo *info = dl_mistakes_get_eval_info (m, n_evals - 1);
  double accuracy = info->n > 0 ? 100.0 * info->correct / info->n : 0.0;
  g_autofree char *when = info->end_of_epoch
                            ? g_strdup_printf (_("after epoch %d"), info->epochs_done)
                            : g_strdup_printf (_("during epoch %d"), info->epochs_done + 1);
  g_autofree char *text = info->n < dl_mistakes_get_n (m)
    ? g_strdup_printf (_("Test accuracy %.2f %% on the first %'d test images (%'d right), %s. "
                         "Suspected label errors: %d."),
                       accuracy, info->n, info->correct, when, dl_mistakes_get_n_suspected (m))
    : g_strdup_printf (_("Test accuracy %.2f %% (%'d of %'d right), %s. Suspected label errors: %d."),
                       accuracy, info->correct, info->n, when, dl_mistakes_get_n_suspected (m));

  gtk_label_set_text (self->summary_label, text);
}

/* ---- filtering ---- */

/* Items follow their test image through re-sorting, and so does the grid's scroll anchor; a user
 * looking at the top of the list (the most confident mistakes) wants to stay at the top instead. */
static gboolean
grid_at_top (DlMistakesPage *self)
{
  GtkAdjustment *vadj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->grid_view));
  return vadj == NULL || gtk_adjustment_get_value (vadj) <= 0.5;
}

static void
grid_scroll_to_top (DlMistakesPage *self)
{
  if (g_list_model_get_n_items (G_LIST_MODEL (self->list)) > 0)
    gtk_widget_activate_action (GTK_WIDGET (self->grid_view), "list.scroll-to-item", "u", 0);
}


static void
apply_filter (DlMistakesPage *self)
{
  int t = dropdown_class (self->true_dropdown), p = dropdown_class (self->pred_dropdown);
  DlMistakesFilter f;

  if (self->syncing_filter)
    return;
  if (t >= 0 && p >= 0)
    dl_mistakes_filter_for_cell (&f, t, p);
  else
    {
      dl_mistakes_filter_init (&f);
      f.true_class = t;
      f.predicted = p;
    }
  f.suspected_only = gtk_toggle_button_get_active (self->suspect_toggle);

  dl_mistake_list_set_filter (self->list, &f);
  grid_scroll_to_top (self);
  dl_confusion_view_set_selected (self->confusion, t >= 0 && p >= 0 ? t : -1, p);
  update_count (self);
}

static void
filter_changed_cb (DlMistakesPage *self)
{
  apply_filter (self);
}

static void
sort_changed_cb (DlMistakesPage *self)
{
  guint selected = gtk_drop_down_get_selected (self->sort_dropdown);

  if (selected != GTK_INVALID_LIST_POSITION)
    {
      dl_mistake_list_set_sort (self->list, (DlMistakesSort) selected);
      grid_scroll_to_top (self);
    }
}

/* mistakes.show-cell (ii): browse exactly the confusion cell (true, predicted); -1 means any. */
static void
show_cell_action (GtkWidget *widget, const char *action_name, GVariant *param)
{
  DlMistakesPage *self = DL_MISTAKES_PAGE (widget);
  int t, p;

  g_variant_get (param, "(ii)", &t, &p);
  self->syncing_filter = TRUE;
  gtk_drop_down_set_selected (self->true_dropdown, CLAMP (t, -1, 9) + 1);
  gtk_drop_down_set_selected (self->pred_dropdown, CLAMP (p, -1, 9) + 1);
  self->syncing_filter = FALSE;
  apply_filter (self);
}

/* The filters' items name the classes ("True: any" stays first); the filter in force stays. */
static void
fill_class_filters (DlMistakesPage *self)
{
  const DlClasses *classes = dl_mistakes_page_classes (self);
  guint t = gtk_drop_down_get_selected (self->true_dropdown), p = gtk_drop_down_get_selected (self->pred_dropdown);
  char *trues[DL_N_CLASSES + 1] = { NULL }, *preds[DL_N_CLASSES + 1] = { NULL };

  for (int c = 0; c < DL_N_CLASSES; c++)
    {
      trues[c] = g_strdup_printf (_("True: %s"), dl_classes_name (classes, c));
      preds[c] = g_strdup_printf (_("Answer: %s"), dl_classes_name (classes, c));
    }
  self->syncing_filter = TRUE;
  gtk_string_list_splice (self->true_classes, 1, g_list_model_get_n_items (G_LIST_MODEL (self->true_classes)) - 1,
                          (const char *const *) trues);
  gtk_string_list_splice (self->pred_classes, 1, g_list_model_get_n_items (G_LIST_MODEL (self->pred_classes)) - 1,
                          (const char *const *) preds);
  gtk_drop_down_set_selected (self->true_dropdown, t == GTK_INVALID_LIST_POSITION ? 0 : t);
  gtk_drop_down_set_selected (self->pred_dropdown, p == GTK_INVALID_LIST_POSITION ? 0 : p);
  self->syncing_filter = FALSE;
  for (int c = 0; c < DL_N_CLASSES; c++)
    {
      g_free (trues[c]);
      g_free (preds[c]);
    }
}

/* New class names (another data set): every label that names a class. */
static void
classes_changed_cb (DlMistakesPage *self)
{
  const DlClasses *classes = dl_mistakes_page_classes (self);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->list));

  fill_class_filters (self);
  dl_confusion_view_set_classes (self->confusion, classes);
  dl_class_accuracy_view_set_classes (self->class_progress, classes);
  dl_confusion_history_set_classes (self->confusion_history, classes);
  dl_neighbours_view_set_classes (self->neighbours_view, classes);
  dl_probability_list_set_classes (self->probabilities, classes);
  g_list_model_items_changed (G_LIST_MODEL (self->list), 0, n, n);
  dl_mistakes_page_update_detail (self);
}

/* A click on the selected cell again goes back to all mistakes. */
static void
cell_activated_cb (DlMistakesPage *self, int t, int p, DlConfusionView *view)
{
  int st, sp;

  if (dl_confusion_view_get_selected (view, &st, &sp) && st == t && sp == p)
    t = p = -1;
  gtk_widget_activate_action (GTK_WIDGET (self), "mistakes.show-cell", "(ii)", t, p);
}

/* ---- grid tiles ---- */

static void
tile_sync (GtkListItem *list_item)
{
  DlMistakeTile *tile = DL_MISTAKE_TILE (gtk_list_item_get_child (list_item));
  DlMistakeItem *item = gtk_list_item_get_item (list_item);
  DlMistakesPage *self = g_object_get_data (G_OBJECT (list_item), "dl-page");

  dl_mistake_tile_set_prediction (tile, dl_mistakes_page_classes (self), dl_mistake_item_get_index (item),
                                  dl_mistake_item_get_true_class (item),
                                  dl_mistake_item_get_predicted (item), dl_mistake_item_get_confidence (item),
                                  dl_mistake_item_get_suspected (item));
}

static void
item_notify_cb (DlMistakeItem *item, GParamSpec *pspec, GtkListItem *list_item)
{
  tile_sync (list_item);
}

static void
setup_tile_cb (GtkSignalListItemFactory *factory, GtkListItem *list_item, DlMistakesPage *self)
{
  gtk_list_item_set_child (list_item, dl_mistake_tile_new ());
  g_object_set_data (G_OBJECT (list_item), "dl-page", self);
}

static void
bind_tile_cb (GtkSignalListItemFactory *factory, GtkListItem *list_item, DlMistakesPage *self)
{
  DlMistakeTile *tile = DL_MISTAKE_TILE (gtk_list_item_get_child (list_item));
  DlMistakeItem *item = gtk_list_item_get_item (list_item);

  dl_mistake_tile_set_image (tile, dl_mistakes_page_test_pixels (self, dl_mistake_item_get_index (item)),
                             self->test->rows, self->test->cols);
  tile_sync (list_item);
  g_signal_connect (item, "notify", G_CALLBACK (item_notify_cb), list_item);
}

static void
unbind_tile_cb (GtkSignalListItemFactory *factory, GtkListItem *list_item, DlMistakesPage *self)
{
  DlMistakeItem *item = gtk_list_item_get_item (list_item);

  g_signal_handlers_disconnect_by_func (item, item_notify_cb, list_item);
}

/* ---- the detail pane ---- */

static char *
history_text (const DlMistakes *m, const DlMistakeHistory *h)
{
  g_autofree char *first = NULL;

  if (h->first_right < 0)
    first = g_strdup (_("Never classified correctly yet."));
  else
    first = g_strdup_printf (_("First right at evaluation %d, in epoch %d."),
                             h->first_right + 1, h->first_right_epoch + 1);
  return g_strdup_printf (ngettext ("Right in %d of %d evaluations; flipped between right and wrong %d time. %s",
                                    "Right in %d of %d evaluations; flipped between right and wrong %d times. %s",
                                    h->n_flips),
                          h->n_right, h->n_evals, h->n_flips, first);
}

void
dl_mistakes_page_update_detail (DlMistakesPage *self)
{
  const DlMistakes *m = dl_mistake_list_get_mistakes (self->list);
  int i = self->detail_index, p;
  float conf;
  DlMistakeHistory h;

  if (i < 0 || m == NULL || !dl_mistakes_get_prediction (m, i, &p, &conf))
    {
      self->requested = 0;
      gtk_stack_set_visible_child_name (self->detail_stack, "none");
      return;
    }

  int t = dl_mistakes_get_label (m, i);
  dl_mistakes_get_history (m, i, &h);
  dl_digit_view_set_image (self->detail_digit, dl_mistakes_page_test_pixels (self, i), self->test->rows, self->test->cols);

  g_autofree char *title = g_strdup_printf (_("Test Image %d"), i);
  gtk_label_set_text (self->detail_title, title);
  const DlClasses *classes = dl_mistakes_page_classes (self);
  const char *tn = dl_classes_name (classes, t), *pn = dl_classes_name (classes, p);
  g_autofree char *summary = t == p
    ? g_strdup_printf (_("Labelled %s. The network answers %s, rightly, with %.1f %% confidence."), tn, pn, 100.0 * conf)
    : g_strdup_printf (_("Labelled %s. The network answers %s with %.1f %% confidence, and gives %s only %.1f %%."),
                       tn, pn, 100.0 * conf, tn, 100.0 * dl_mistakes_get_probs (m, i)[t]);
  gtk_label_set_text (self->detail_summary, summary);

  gtk_widget_set_visible (GTK_WIDGET (self->suspect_note), h.suspected);
  if (h.suspected)
    {
      g_autofree char *note =
        g_strdup_printf (_("Suspected label error: rejected with at least %.0f %% confidence in the last %d epochs "
                           "(score %.2f). The image may be mislabelled in the data set itself."),
                         100.0 * DL_MISTAKES_SUSPECT_P, h.confident_run, h.suspect_score);
      gtk_label_set_text (self->suspect_note, note);
    }

  dl_probability_list_set_probabilities (self->probabilities, dl_mistakes_get_probs (m, i));
  dl_probability_list_set_truth (self->probabilities, t);
  dl_probability_list_set_predicted (self->probabilities, p);
  dl_mistakes_page_explain (self, i, t, p);
  g_autofree char *history = history_text (m, &h);
  gtk_label_set_text (self->history_label, history);
  gtk_widget_queue_draw (GTK_WIDGET (self->history_chart));
  gtk_stack_set_visible_child_name (self->detail_stack, "detail");
}

/* One bar per evaluation: the true digit's probability, green when right, red when wrong; a dashed
 * line at 50 %, and a tick under each end-of-epoch evaluation. */
static void
draw_history (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  DlMistakesPage *self = data;
  const DlMistakes *m = dl_mistake_list_get_mistakes (self->list);
  int n = m != NULL ? dl_mistakes_get_n_evals (m) : 0;
  double chart_h = height - 5;
  GdkRGBA fg;

  if (n == 0 || self->detail_index < 0)
    return;

  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (area)), &fg);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.06);
  cairo_rectangle (cr, 0, 0, width, chart_h);
  cairo_fill (cr);

  double step = MIN (16.0, (double) width / n);
  int label = dl_mistakes_get_label (m, self->detail_index);
  for (int e = 0; e < n; e++)
    {
      int p;
      float p_true;

      if (dl_mistakes_get_past (m, e, self->detail_index, &p, &p_true))
        {
          double h = MAX (3.0, p_true * chart_h);
          if (p == label)
            cairo_set_source_rgb (cr, 0.18, 0.63, 0.34);
          else
            cairo_set_source_rgb (cr, 0.88, 0.21, 0.20);
          cairo_rectangle (cr, e * step, chart_h - h, MAX (1.0, step - 1), h);
          cairo_fill (cr);
        }
      if (dl_mistakes_get_eval_info (m, e)->end_of_epoch)
        {
          cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.5);
          cairo_rectangle (cr, e * step, chart_h + 2, MAX (1.0, step - 1), 3);
          cairo_fill (cr);
        }
    }

  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.35);
  cairo_set_line_width (cr, 1);
  cairo_set_dash (cr, (double[]) { 3, 3 }, 2, 0);
  cairo_move_to (cr, 0, floor (chart_h / 2) + 0.5);
  cairo_line_to (cr, width, floor (chart_h / 2) + 0.5);
  cairo_stroke (cr);
}

static void
selection_changed_cb (DlMistakesPage *self)
{
  DlMistakeItem *item = gtk_single_selection_get_selected_item (self->selection);

  self->detail_index = item != NULL ? dl_mistake_item_get_index (item) : -1;
  dl_mistakes_page_update_detail (self);
}

/* ---- collapse banner ---- */

static void
update_collapse_banner (DlMistakesPage *self, const DlEval *ev, const DlDiagnosis *diagnosis)
{
  if (diagnosis == NULL || !diagnosis->collapsed)
    {
      gtk_info_bar_set_revealed (self->collapse_bar, FALSE);
      return;
    }

  int c = diagnosis->collapse_class;
  double share = self->test->n > 0 ? 100.0 * self->test->histogram[c] / self->test->n : 0.0;
  const char *name = dl_classes_name (dl_mistakes_page_classes (self), c);
  g_autofree char *title =
    g_strdup_printf (_("The network answers %s for %.0f %% of the images: it has collapsed"),
                     name, 100.0 * diagnosis->collapse_share);
  GString *body = g_string_new (NULL);
  g_autoptr (GPtrArray) messages = dl_diagnosis_messages (diagnosis);

  g_string_append_printf (body, _("The accuracy of %.2f %% only measures how many test images are labelled %s "
                                  "(%.2f %% of the test set): the network has not learnt to tell the classes apart, so "
                                  "the mistakes below are not about hard images."),
                          100.0 * ev->accuracy, name, share);
  if (messages->len > 0)
    {
      g_string_append_printf (body, "\n%s", _("What the diagnostics found:"));
      for (guint k = 0; k < messages->len; k++)
        g_string_append_printf (body, "\n• %s", (const char *) g_ptr_array_index (messages, k));
    }
  gtk_label_set_text (self->collapse_title, title);
  gtk_label_set_text (self->collapse_label, body->str);
  g_string_free (body, TRUE);
  gtk_info_bar_set_revealed (self->collapse_bar, TRUE);
}

/* ---- public API ---- */

void
dl_mistakes_page_set_test_set (DlMistakesPage *self, DlDataset *test)
{
  g_return_if_fail (DL_IS_MISTAKES_PAGE (self));

  if (test == self->test)
    return;
  g_clear_pointer (&self->test, dl_dataset_unref);
  if (test != NULL)
    self->test = dl_dataset_ref (test);
  self->detail_index = -1;
  dl_mistake_list_set_labels (self->list, test != NULL ? test->labels : NULL, test != NULL ? test->n : 0);
  dl_confusion_history_set_test_set (self->confusion_history, test);
  dl_confusion_view_set_matrix (self->confusion, NULL);
  gtk_info_bar_set_revealed (self->collapse_bar, FALSE);
  gtk_stack_set_visible_child_name (self->page_stack, "empty");
  update_count (self);
}

void
dl_mistakes_page_add_eval (DlMistakesPage *self, const DlEval *ev, const DlDiagnosis *diagnosis,
                           gboolean end_of_epoch)
{
  g_return_if_fail (DL_IS_MISTAKES_PAGE (self));
  g_return_if_fail (ev != NULL);

  gboolean at_top = grid_at_top (self);
  if (self->test == NULL || !dl_mistake_list_add_eval (self->list, ev, end_of_epoch))
    return;
  if (at_top)
    grid_scroll_to_top (self);

  const DlMistakes *m = dl_mistake_list_get_mistakes (self->list);
  dl_confusion_view_set_matrix (self->confusion, dl_mistakes_get_confusion (m));
  update_summary (self);
  update_count (self);
  dl_mistakes_page_update_detail (self);
  update_collapse_banner (self, ev, diagnosis);
  gtk_stack_set_visible_child_name (self->page_stack, "browser");
}

void
dl_mistakes_page_clear_history (DlMistakesPage *self)
{
  g_return_if_fail (DL_IS_MISTAKES_PAGE (self));

  dl_mistake_list_clear_history (self->list);
  dl_confusion_view_set_matrix (self->confusion, NULL);
  gtk_info_bar_set_revealed (self->collapse_bar, FALSE);
  gtk_stack_set_visible_child_name (self->page_stack, "empty");
  update_count (self);
  dl_mistakes_page_update_detail (self);
}

/* ---- following the session: its run's whole-test-set evaluations ---- */

/* An evaluation as the run keeps it (probabilities in 1/255) as DlMistakes takes it. */
static DlEval *
eval_from_run (const DlRunEval *re)
{
  DlEval *ev = g_new0 (DlEval, 1);
  const guint8 *predicted = g_bytes_get_data (re->predicted, NULL);
  const guint8 *q = g_bytes_get_data (re->probs, NULL);

  ev->n = re->n;
  ev->correct = re->correct;
  ev->accuracy = re->accuracy;
  ev->loss = re->loss;
  memcpy (ev->confusion, re->confusion, sizeof ev->confusion);
  ev->predicted = g_memdup2 (predicted, MAX (re->n, 1));
  ev->confidence = g_new (float, MAX (re->n, 1));
  ev->probs = g_new (float, (gsize) MAX (re->n, 1) * DL_N_CLASSES);
  for (int i = 0; i < re->n; i++)
    {
      for (int c = 0; c < DL_N_CLASSES; c++)
        ev->probs[i * DL_N_CLASSES + c] = q[i * DL_N_CLASSES + c] / 255.0f;
      ev->confidence[i] = ev->probs[i * DL_N_CLASSES + predicted[i]];
      ev->predicted_hist[predicted[i]]++;
    }
  return ev;
}

/* The periodic evaluations cover only part of the test set and keep no per-image answers: whole-set ones. */
static void
add_run_eval (DlMistakesPage *self, DlRun *run, guint index)
{
  const DlRunEval *re = dl_run_get_eval (run, index);
  const DlTrainConfig *cfg = dl_run_get_config (run);
  g_autoptr (DlEval) ev = NULL;
  g_autoptr (DlDiagnosis) diagnosis = NULL;
  DlArch arch;

  if (re->predicted == NULL || re->probs == NULL || self->test == NULL || re->n != self->test->n)
    return;
  ev = eval_from_run (re);
  diagnosis = dl_diagnose (ev, self->test, NULL, dl_arch_parse (cfg->arch, &arch, NULL) ? &arch : NULL, &cfg->hyper,
                           cfg->batch);
  dl_mistakes_page_add_eval (self, ev, diagnosis, re->kind == DL_EVAL_EPOCH);
}

static void
eval_added_cb (DlMistakesPage *self, guint index, DlRun *run)
{
  if (dl_session_run_matches_data (self->session, run))
    add_run_eval (self, run, index);
}

/* The run shown and the test set in use: the page shows that run's history, when it is of this test set. */
static void
follow_run (DlMistakesPage *self)
{
  DlRun *run = self->session != NULL ? dl_session_get_run (self->session) : NULL;

  g_signal_group_set_target (self->run_signals, run);
  dl_mistakes_page_set_test_set (self, self->session != NULL ? dl_session_get_test_set (self->session) : NULL);
  dl_mistakes_page_clear_history (self);
  if (run != NULL && !dl_session_run_matches_data (self->session, run))
    run = NULL;
  /* Per-class progress: the run's own curves and past matrices (it follows the run's evaluations). */
  dl_class_accuracy_view_set_run (self->class_progress, run);
  dl_confusion_history_set_run (self->confusion_history, run);
  if (run == NULL)
    return;
  for (guint i = 0; i < dl_run_get_n_evals (run); i++)
    add_run_eval (self, run, i);
}

DlClassAccuracyView *
dl_mistakes_page_get_class_progress (DlMistakesPage *self)
{
  g_return_val_if_fail (DL_IS_MISTAKES_PAGE (self), NULL);
  return self->class_progress;
}

DlConfusionHistory *
dl_mistakes_page_get_confusion_history (DlMistakesPage *self)
{
  g_return_val_if_fail (DL_IS_MISTAKES_PAGE (self), NULL);
  return self->confusion_history;
}

void
dl_mistakes_page_set_session (DlMistakesPage *self, DlSession *session)
{
  g_return_if_fail (DL_IS_MISTAKES_PAGE (self));
  g_return_if_fail (session == NULL || DL_IS_SESSION (session));

  if (self->session == session)
    return;
  g_set_object (&self->session, session);
  g_signal_group_set_target (self->session_signals, session);
  classes_changed_cb (self);
  follow_run (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

static void
dl_mistakes_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, DL_MISTAKES_PAGE (object)->session);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_mistakes_page_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_SESSION:
      dl_mistakes_page_set_session (DL_MISTAKES_PAGE (object), g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* ---- GObject ---- */

static void
dl_mistakes_page_dispose (GObject *object)
{
  DlMistakesPage *self = DL_MISTAKES_PAGE (object);

  GtkWidget *child;

  dl_mistakes_page_set_session (self, NULL);
  g_clear_object (&self->session_signals);
  g_clear_object (&self->run_signals);
  gtk_widget_dispose_template (GTK_WIDGET (self), DL_TYPE_MISTAKES_PAGE);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  if (self->explainer != NULL)
    g_signal_handlers_disconnect_by_data (self->explainer, self);
  g_clear_object (&self->explainer);
  g_clear_object (&self->selection);
  g_clear_object (&self->list);
  g_clear_pointer (&self->test, dl_dataset_unref);
  G_OBJECT_CLASS (dl_mistakes_page_parent_class)->dispose (object);
}

static void
dl_mistakes_page_class_init (DlMistakesPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dl_mistakes_page_dispose;
  object_class->get_property = dl_mistakes_page_get_property;
  object_class->set_property = dl_mistakes_page_set_property;

  properties[PROP_SESSION] = g_param_spec_object ("session", NULL, NULL, DL_TYPE_SESSION,
                                                  G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (DL_TYPE_ATTRIB_VIEW);
  g_type_ensure (DL_TYPE_CONFUSION_VIEW);
  g_type_ensure (DL_TYPE_CLASS_ACCURACY_VIEW);
  g_type_ensure (DL_TYPE_CONFUSION_HISTORY);
  g_type_ensure (DL_TYPE_DIGIT_VIEW);
  g_type_ensure (DL_TYPE_NEIGHBOURS_VIEW);
  g_type_ensure (DL_TYPE_PROBABILITY_LIST);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/digitlab/DigitLab/ui/dl-mistakes-page.ui");
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, collapse_bar);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, collapse_title);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, collapse_label);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, page_stack);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, summary_label);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, confusion);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, sort_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, true_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, pred_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, true_classes);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, pred_classes);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, suspect_toggle);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, count_label);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, grid_stack);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, grid_view);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, detail_stack);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, detail_digit);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, detail_title);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, detail_summary);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, suspect_note);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, probabilities);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, history_chart);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, history_label);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, why_heading);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, method_dropdown);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, attrib_view);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, attrib_note);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, neighbours_view);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, neighbours_note);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, evidence_note);
  gtk_widget_class_bind_template_callback_full (widget_class, "method_changed_cb",
                                                G_CALLBACK (dl_mistakes_page_method_changed));
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, class_progress);
  gtk_widget_class_bind_template_child (widget_class, DlMistakesPage, confusion_history);
  gtk_widget_class_bind_template_callback (widget_class, cell_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, filter_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, sort_changed_cb);

  gtk_widget_class_install_action (widget_class, "mistakes.show-cell", "(ii)", show_cell_action);
}

static void
dl_mistakes_page_init (DlMistakesPage *self)
{
  GtkListItemFactory *factory;

  self->detail_index = -1;
  self->list = dl_mistake_list_new ();
  self->session_signals = g_signal_group_new (DL_TYPE_SESSION);
  g_signal_group_connect_object (self->session_signals, "notify::run", G_CALLBACK (follow_run), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "notify::test-set", G_CALLBACK (follow_run), self,
                                 G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "notify::data", G_CALLBACK (follow_run), self,
                                 G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "notify::classes", G_CALLBACK (classes_changed_cb), self,
                                 G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->session_signals, "snapshot-changed",
                                 G_CALLBACK (dl_mistakes_page_snapshot_changed), self, G_CONNECT_SWAPPED);
  self->run_signals = g_signal_group_new (DL_TYPE_RUN);
  g_signal_group_connect_object (self->run_signals, "eval-added", G_CALLBACK (eval_added_cb), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->run_signals, "notify::loaded", G_CALLBACK (follow_run), self, G_CONNECT_SWAPPED);
  gtk_widget_init_template (GTK_WIDGET (self));

  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->list)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect_swapped (self->selection, "notify::selected-item", G_CALLBACK (selection_changed_cb), self);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_tile_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_tile_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_tile_cb), self);
  gtk_grid_view_set_factory (self->grid_view, factory);
  g_object_unref (factory);
  gtk_grid_view_set_model (self->grid_view, GTK_SELECTION_MODEL (self->selection));

  fill_class_filters (self);
  gtk_drawing_area_set_draw_func (self->history_chart, draw_history, self, NULL);
  update_count (self);
}

GtkWidget *
dl_mistakes_page_new (void)
{
  return g_object_new (DL_TYPE_MISTAKES_PAGE, NULL);
}
