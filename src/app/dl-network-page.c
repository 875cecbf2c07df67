/* dl-network-page.c — the Network page (see dl-network-page.h).
 *
 * Cost while training: a timer at 3 Hz, only while the page is mapped, takes the session's newest snapshot
 * of the shown run (the worker's, for the live run: a reference, never a copy) and hands it to the view in
 * sight only; the weight tiles and the activations are computed then, off the frame path, and frames only
 * paint their surfaces. Evaluations that arrive in between are shown at the same tick, so that the page asks
 * for at most three frames a second. Only the view in sight is measured at a layout. The layer statistics
 * come with the evaluations, measured by the worker. The run over time is dl-network-page-time.c, the
 * networks of past evaluations dl-network-page-past.c.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "dl-network-page-private.h"

#define REFRESH_MS 333

enum { PROP_0, PROP_SESSION, PROP_RUN, N_PROPS };
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (DlNetworkPage, dl_network_page, GTK_TYPE_WIDGET)

/* ---- the live views ---- */

static DlWeightTilesShow
shown_values (DlNetworkPage *self)
{
  return gtk_toggle_button_get_active (self->show_grads) ? DL_WEIGHT_TILES_GRADIENTS
         : gtk_toggle_button_get_active (self->show_change) ? DL_WEIGHT_TILES_CHANGE : DL_WEIGHT_TILES_WEIGHTS;
}

void
network_page_update_caption (DlNetworkPage *self)
{
  int layer = dl_layer_diagram_get_selected (self->layer_diagram), tw, th, cols;
  int n = dl_weight_tiles_get_n_tiles (self->weight_tiles, &tw, &th, &cols);
  DlWeightTilesShow show = shown_values (self);
  g_autofree char *what = NULL;

  if (layer < 0 || !self->have_arch)
    what = g_strdup (_("Choose a layer on the left."));
  else if (self->snap == NULL && self->past_net == NULL)
    what = g_strdup (_("No network yet."));
  else if (self->arch.layers[layer].kind != DL_LAYER_DENSE && self->arch.layers[layer].kind != DL_LAYER_CONV)
    what = g_strdup (_("This layer has no weights."));
  else if (n == 0)
    what = g_strdup (self->past_net != NULL ? _("No gradient: a checkpoint keeps the parameters, not the gradient of their step.")
                     : _("No gradient: no training step made these parameters (untrained, loaded, or restored after a divergence)."));
  else
    {
      const DlLayerSpec *l = &self->arch.layers[layer];
      double scale = dl_weight_tiles_get_scale (self->weight_tiles);
      g_autofree char *tiles = l->kind == DL_LAYER_CONV
        ? g_strdup_printf (_("%d filters × %d input channels of %d×%d"), l->units, MAX (cols, 1), tw, th)
        : n > 1 ? g_strdup_printf (_("%d units, each one's %d×%d weights on the image"), n, tw, th)
                : g_strdup_printf (_("the %d × %d weight matrix, a row per unit"), th, tw);
      /* The step only in the gradient's caption (it is the step's own gradient); else two digits of the scale:
       * the caption (and so the page's layout) changes when the picture's meaning does, not at every snapshot. */
      g_autofree char *values = show == DL_WEIGHT_TILES_GRADIENTS
        ? g_strdup_printf (_("Their gradients at step %lld: "), (long long) dl_weight_tiles_get_step (self->weight_tiles))
        : g_strdup (show == DL_WEIGHT_TILES_CHANGE ? _("Their change since the previous picture: ") : "");
      g_autofree char *when = self->live ? g_strdup ("")
        : self->past_net != NULL ? g_strdup_printf (_("; as they were at step %lld (its checkpoint)"),
                                                    (long long) self->past_step)
        : self->loading_step >= 0 ? g_strdup_printf (_("; the newest parameters while the checkpoint of step %lld "
                                                       "is read"), (long long) self->loading_step)
        : self->past_error != NULL ? g_strdup_printf (_("; the newest parameters: %s"), self->past_error)
                                   : g_strdup (_("; the newest parameters: the run kept no checkpoint of that evaluation"));
      what = g_strdup_printf (_("%s%s; blue negative, red positive, ±%.2g at the ends (the largest 0.5 %% beyond)%s."),
                              values, tiles, scale, when);
    }
  if (g_strcmp0 (gtk_label_get_text (self->weights_caption), what) != 0)
    gtk_label_set_text (self->weights_caption, what);
}

static void
update_input (DlNetworkPage *self)
{
  gboolean drawing = gtk_toggle_button_get_active (self->source_draw);
  int k = gtk_spin_button_get_value_as_int (self->test_index);

  if (drawing)
    {
      dl_activation_view_set_input (self->activation_view, self->have_drawing ? self->drawing : NULL);
      gtk_label_set_text (self->activations_caption, self->have_drawing ? _("the digit on the Draw page")
                                                                        : _("Nothing is drawn yet: draw a digit on the Draw page, or choose "
                                                                          "Test Image to follow one of the test set's."));
      return;
    }
  if (self->test == NULL || k >= self->test->n)
    {
      dl_activation_view_set_input (self->activation_view, NULL);
      gtk_label_set_text (self->activations_caption, _("No test set loaded."));
      return;
    }
  float x[784];
  dl_dataset_gather (self->test, &k, 1, x);
  dl_activation_view_set_input (self->activation_view, x);
  g_autofree char *text = g_strdup_printf (_("test image %d, labelled %d"), k, self->test->labels[k]);
  gtk_label_set_text (self->activations_caption, text);
}

/* The view in sight gets the newest snapshot; the others when they come into sight. */
void
network_page_feed_visible (DlNetworkPage *self)
{
  const char *view = gtk_stack_get_visible_child_name (self->views);

  if (g_strcmp0 (view, "weights") == 0)
    {
      if (self->past_net != NULL)
        dl_weight_tiles_set_net (self->weight_tiles, self->past_net, self->past_step, self->past_serial);
      else
        dl_weight_tiles_set_snapshot (self->weight_tiles, self->snap);
      network_page_update_caption (self);
    }
  else if (g_strcmp0 (view, "activations") == 0)
    {
      if (self->past_net != NULL)
        dl_activation_view_set_net (self->activation_view, self->past_net, self->past_serial);
      else
        dl_activation_view_set_snapshot (self->activation_view, self->snap);
    }
}

void
dl_network_page_refresh (DlNetworkPage *self)
{
  g_autoptr (DlSnapshot) snap = NULL;

  g_return_if_fail (DL_IS_NETWORK_PAGE (self));
  if (self->time_dirty)
    network_page_update_time (self), self->time_dirty = FALSE;
  snap = self->session != NULL ? dl_session_dup_snapshot (self->session) : NULL;
  if (snap != NULL && self->snap != NULL && snap->step == self->snap->step && snap->run_serial == self->snap->run_serial
      && snap->net == self->snap->net)
    return;
  g_clear_pointer (&self->snap, dl_snapshot_unref);
  self->snap = g_steal_pointer (&snap);
  if (self->snap != NULL)
    {
      g_autofree char *arch = dl_arch_to_string (dl_net_arch (self->snap->net));
      network_page_set_arch (self, arch);
      /* Trained at step 0 is a loaded model, not an untrained one. */
      g_autofree char *status = self->snap->step == 0 && self->snap->trained
        ? g_strdup (_("parameters of the loaded model"))
        : g_strdup_printf (_("parameters of step %lld"), (long long) self->snap->step);
      gtk_label_set_text (self->status_label, status);
    }
  else
    gtk_label_set_text (self->status_label, _("no network yet"));
  network_page_feed_visible (self);
}

static gboolean
refresh_cb (gpointer data)
{
  dl_network_page_refresh (DL_NETWORK_PAGE (data));
  return G_SOURCE_CONTINUE;
}

/* ---- signals from the template ---- */

static void
layer_selected_cb (DlNetworkPage *self)
{
  dl_weight_tiles_set_layer (self->weight_tiles, dl_layer_diagram_get_selected (self->layer_diagram));
  network_page_update_caption (self);
}

static void
view_changed_cb (DlNetworkPage *self)
{
  network_page_feed_visible (self);
}

static void
show_toggled_cb (DlNetworkPage *self)
{
  dl_weight_tiles_set_show (self->weight_tiles, shown_values (self));
  network_page_update_caption (self);
}

static void
source_changed_cb (DlNetworkPage *self)
{
  update_input (self);
}

static void
kind_changed_cb (DlNetworkPage *self)
{
  DlLayerStatKind kind = gtk_toggle_button_get_active (self->kind_grads) ? DL_LAYER_STAT_GRADS
                         : gtk_toggle_button_get_active (self->kind_acts) ? DL_LAYER_STAT_ACTS : DL_LAYER_STAT_PARAMS;

  dl_distribution_view_set_kind (self->distribution_view, kind);
}

/* ---- public ---- */

void
dl_network_page_show_view (DlNetworkPage *self, const char *name)
{
  g_return_if_fail (DL_IS_NETWORK_PAGE (self));
  gtk_stack_set_visible_child_name (self->views, name);
}

/* ---- following the session ---- */

static void
set_run (DlNetworkPage *self, DlRun *run)
{
  if (run == self->run)
    return;
  g_set_object (&self->run, run);
  g_signal_group_set_target (self->run_signals, run);
  if (run != NULL)
    network_page_set_arch (self, dl_run_get_arch (run));
  dl_distribution_view_set_run (self->distribution_view, run);
  network_page_past_follow_run (self);
  network_page_collect (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUN]);
}

static void
set_test_set (DlNetworkPage *self, DlDataset *test)
{
  if (test == self->test)
    return;
  g_clear_pointer (&self->test, dl_dataset_unref);
  self->test = test != NULL ? dl_dataset_ref (test) : NULL;
  gtk_adjustment_set_upper (gtk_spin_button_get_adjustment (self->test_index), test != NULL ? MAX (test->n - 1, 0) : 0);
  update_input (self);
}

static void
session_run_cb (DlNetworkPage *self)
{
  set_run (self, self->session != NULL ? dl_session_get_run (self->session) : NULL);
}

static void
session_test_set_cb (DlNetworkPage *self)
{
  set_test_set (self, self->session != NULL ? dl_session_get_test_set (self->session) : NULL);
}

/* Another network (a run opened, a model loaded): shown now if the page is in sight; training's progress
 * waits for the page's tick. */
static void
snapshot_changed_cb (DlNetworkPage *self, gboolean progress)
{
  if (!progress && gtk_widget_get_mapped (GTK_WIDGET (self)))
    dl_network_page_refresh (self);
}

/* The store opened after the run was shown: a past run's checkpoints are there now. */
static void
session_store_cb (DlNetworkPage *self)
{
  network_page_past_follow_run (self);
  network_page_past_update (self);
  network_page_feed_visible (self);
}

static void
worker_event_cb (DlNetworkPage *self, DlEvent *ev)
{
  if (ev->type == DL_EVENT_CHECKPOINT && ev->checkpoint != NULL)
    network_page_past_keep (self, ev->checkpoint);
}

/* The output's bars name the data set's classes. */
static void
session_classes_cb (DlNetworkPage *self)
{
  dl_activation_view_set_classes (self->activation_view,
                                  self->session != NULL ? dl_session_get_classes (self->session) : NULL);
}

void
dl_network_page_set_session (DlNetworkPage *self, DlSession *session)
{
  g_return_if_fail (DL_IS_NETWORK_PAGE (self));
  g_return_if_fail (session == NULL || DL_IS_SESSION (session));
  if (session == self->session)
    return;
  g_set_object (&self->session, session);
  g_signal_group_set_target (self->session_signals, session);
  g_signal_group_set_target (self->worker_signals, session != NULL ? dl_session_get_worker (session) : NULL);
  g_ptr_array_set_size (self->checkpoints, 0);
  session_test_set_cb (self);
  session_run_cb (self);
  session_classes_cb (self);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    dl_network_page_refresh (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

DlSession *
dl_network_page_get_session (DlNetworkPage *self)
{
  g_return_val_if_fail (DL_IS_NETWORK_PAGE (self), NULL);
  return self->session;
}

DlRun *
dl_network_page_get_run (DlNetworkPage *self)
{
  g_return_val_if_fail (DL_IS_NETWORK_PAGE (self), NULL);
  return self->run;
}

void
dl_network_page_set_input (DlNetworkPage *self, const float *image)
{
  g_return_if_fail (DL_IS_NETWORK_PAGE (self));
  self->have_drawing = image != NULL;
  if (image != NULL)
    memcpy (self->drawing, image, sizeof self->drawing);
  if (gtk_toggle_button_get_active (self->source_draw))
    update_input (self);
}

DlLayerDiagram *
dl_network_page_get_layer_diagram (DlNetworkPage *self)
{
  return self->layer_diagram;
}

DlWeightTiles *
dl_network_page_get_weight_tiles (DlNetworkPage *self)
{
  return self->weight_tiles;
}

DlActivationView *
dl_network_page_get_activation_view (DlNetworkPage *self)
{
  return self->activation_view;
}

DlDistributionView *
dl_network_page_get_distribution_view (DlNetworkPage *self)
{
  return self->distribution_view;
}

/* ---- GObject and GtkWidget ---- */

static void
dl_network_page_map (GtkWidget *widget)
{
  DlNetworkPage *self = DL_NETWORK_PAGE (widget);

  GTK_WIDGET_CLASS (dl_network_page_parent_class)->map (widget);
  dl_network_page_refresh (self);
  if (self->timer == 0)
    self->timer = g_timeout_add (REFRESH_MS, refresh_cb, self);
}

static void
dl_network_page_unmap (GtkWidget *widget)
{
  DlNetworkPage *self = DL_NETWORK_PAGE (widget);

  g_clear_handle_id (&self->timer, g_source_remove);
  GTK_WIDGET_CLASS (dl_network_page_parent_class)->unmap (widget);
}

static void
dl_network_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DlNetworkPage *self = DL_NETWORK_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_RUN:
      g_value_set_object (value, self->run);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_network_page_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  DlNetworkPage *self = DL_NETWORK_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      dl_network_page_set_session (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_network_page_dispose (GObject *object)
{
  DlNetworkPage *self = DL_NETWORK_PAGE (object);

  g_clear_handle_id (&self->timer, g_source_remove);
  g_clear_object (&self->session_signals);
  g_clear_object (&self->worker_signals);
  g_clear_object (&self->run_signals);
  g_clear_object (&self->session);
  g_clear_object (&self->run);
  g_clear_pointer (&self->snap, dl_snapshot_unref);
  network_page_past_clear (self);
  g_clear_pointer (&self->test, dl_dataset_unref);
  for (int i = 0; i < DL_MAX_LAYERS; i++)
    g_clear_object (&self->health[i]);
  gtk_widget_dispose_template (GTK_WIDGET (self), DL_TYPE_NETWORK_PAGE);
  G_OBJECT_CLASS (dl_network_page_parent_class)->dispose (object);
}

static void
dl_network_page_finalize (GObject *object)
{
  DlNetworkPage *self = DL_NETWORK_PAGE (object);

  g_array_unref (self->positions);
  g_free (self->arch_text);
  G_OBJECT_CLASS (dl_network_page_parent_class)->finalize (object);
}

static void
dl_network_page_class_init (DlNetworkPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = dl_network_page_get_property;
  object_class->set_property = dl_network_page_set_property;
  object_class->dispose = dl_network_page_dispose;
  object_class->finalize = dl_network_page_finalize;
  widget_class->map = dl_network_page_map;
  widget_class->unmap = dl_network_page_unmap;

  properties[PROP_SESSION] = g_param_spec_object ("session", NULL, NULL, DL_TYPE_SESSION,
                                                  G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUN] = g_param_spec_object ("run", NULL, NULL, DL_TYPE_RUN,
                                              G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (DL_TYPE_LAYER_DIAGRAM);
  g_type_ensure (DL_TYPE_WEIGHT_TILES);
  g_type_ensure (DL_TYPE_ACTIVATION_VIEW);
  g_type_ensure (DL_TYPE_DISTRIBUTION_VIEW);
  g_type_ensure (DL_TYPE_PLOT);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/digitlab/DigitLab/ui/dl-network-page.ui");
  gtk_widget_class_bind_template_child (widget_class, DlNetworkPage, content);
  gtk_widget_class_bind_template_child (widget_class, DlNetworkPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, DlNetworkPage, layer_diagram);
  gtk_widget_class_bind_template_child (widget_class, DlNetworkPage, views);
  gtk_widget_class_bind_template_child (widget_class, DlNetworkPage, view_switcher);
  gtk_widget_class_bind_template_child (widget_class, DlNetworkPage, weights_caption);
  gtk_widget_class_bind_template_child (widget_class, DlNetworkPage, show_weights);
  gtk_widget_class_bind_template_child (widget_class, DlNetworkPage, show_grads);
  gtk_widget_class_bind_template_child (widget_class, DlNetworkPage, show_change);
  gtk_widget_class_bind_template_child (widget_class, DlNetworkPage, weight_tiles);
  gtk_widget_class_bind_template_child (widget_class, DlNetworkPage, source_draw);
  gtk_widget_class_bind_template_child (widget_class, DlNetworkPage, source_test);
  gtk_widget_class_bind_template_child (widget_class, DlNetworkPage, test_index);
  gtk_widget_class_bind_template_child (widget_class, DlNetworkPage, activations_caption);
  gtk_widget_class_bind_template_child (widget_class, DlNetworkPage, activation_view);
  gtk_widget_class_bind_template_child (widget_class, DlNetworkPage, kind_params);
  gtk_widget_class_bind_template_child (widget_class, DlNetworkPage, kind_grads);
  gtk_widget_class_bind_template_child (widget_class, DlNetworkPage, kind_acts);
  gtk_widget_class_bind_template_child (widget_class, DlNetworkPage, distribution_view);
  gtk_widget_class_bind_template_child (widget_class, DlNetworkPage, health_plot);
  gtk_widget_class_bind_template_child (widget_class, DlNetworkPage, time_scale);
  gtk_widget_class_bind_template_child (widget_class, DlNetworkPage, time_adjustment);
  gtk_widget_class_bind_template_child (widget_class, DlNetworkPage, live_toggle);
  gtk_widget_class_bind_template_child (widget_class, DlNetworkPage, time_label);
  gtk_widget_class_set_css_name (widget_class, "networkpage");
}

/* The view switcher's buttons say what each view shows (a GtkStackPage has no tooltip of its own). */
static void
tip_view_buttons (DlNetworkPage *self)
{
  static const struct { const char *name, *tip; } tips[] = {
    { "weights", N_("Each layer's weights as pictures, or their gradients or their latest change") },
    { "activations", N_("What each layer's units make of one image: the drawing or a test image") },
    { "distributions", N_("Histograms of each layer's parameters, gradients or outputs, and its dead or saturated "
                          "units") },
  };
  g_autoptr (GtkSelectionModel) pages = gtk_stack_get_pages (self->views);
  GtkWidget *button = gtk_widget_get_first_child (self->view_switcher);

  for (guint i = 0; button != NULL; i++, button = gtk_widget_get_next_sibling (button))
    {
      g_autoptr (GObject) item = g_list_model_get_item (G_LIST_MODEL (pages), i);
      GtkStackPage *page = item ? GTK_STACK_PAGE (item) : NULL;

      for (gsize k = 0; page != NULL && k < G_N_ELEMENTS (tips); k++)
        if (g_strcmp0 (gtk_stack_page_get_name (page), tips[k].name) == 0)
          gtk_widget_set_tooltip_text (button, _(tips[k].tip));
    }
}

static void
dl_network_page_init (DlNetworkPage *self)
{
  self->positions = g_array_new (FALSE, FALSE, sizeof (guint));
  network_page_past_init (self);
  self->live = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  self->session_signals = g_signal_group_new (DL_TYPE_SESSION);
  g_signal_group_connect_swapped (self->session_signals, "notify::run", G_CALLBACK (session_run_cb), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::test-set", G_CALLBACK (session_test_set_cb), self);
  g_signal_group_connect_swapped (self->session_signals, "snapshot-changed", G_CALLBACK (snapshot_changed_cb), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::store", G_CALLBACK (session_store_cb), self);
  g_signal_group_connect_swapped (self->session_signals, "notify::classes", G_CALLBACK (session_classes_cb), self);
  self->worker_signals = g_signal_group_new (DL_TYPE_WORKER);
  g_signal_group_connect_swapped (self->worker_signals, "event", G_CALLBACK (worker_event_cb), self);
  self->run_signals = g_signal_group_new (DL_TYPE_RUN);
  g_signal_group_connect_swapped (self->run_signals, "eval-added", G_CALLBACK (network_page_eval_added), self);
  g_signal_connect_swapped (self->layer_diagram, "notify::selected", G_CALLBACK (layer_selected_cb), self);
  g_signal_connect_swapped (self->views, "notify::visible-child", G_CALLBACK (view_changed_cb), self);
  g_signal_connect_swapped (self->show_grads, "toggled", G_CALLBACK (show_toggled_cb), self);
  g_signal_connect_swapped (self->show_change, "toggled", G_CALLBACK (show_toggled_cb), self);
  g_signal_connect_swapped (self->source_draw, "toggled", G_CALLBACK (source_changed_cb), self);
  g_signal_connect_swapped (self->test_index, "value-changed", G_CALLBACK (source_changed_cb), self);
  g_signal_connect_swapped (self->kind_params, "toggled", G_CALLBACK (kind_changed_cb), self);
  g_signal_connect_swapped (self->kind_grads, "toggled", G_CALLBACK (kind_changed_cb), self);
  g_signal_connect_swapped (self->time_adjustment, "value-changed", G_CALLBACK (network_page_time_changed), self);
  g_signal_connect_swapped (self->live_toggle, "toggled", G_CALLBACK (network_page_live_toggled), self);
  network_page_update_time (self);
  update_input (self);
  network_page_update_caption (self);
  tip_view_buttons (self);
}

GtkWidget *
dl_network_page_new (void)
{
  return g_object_new (DL_TYPE_NETWORK_PAGE, NULL);
}
