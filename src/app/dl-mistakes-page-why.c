/* dl-mistakes-page-why.c — why the Mistakes page's detail image got its answer: the explainer's heatmap of
 * its answer against its label, its nearest training images, and whether they back a label error
 * (dl-mistakes-page-private.h). */
#include <glib/gi18n.h>

#include "dl-mistakes-page-private.h"

/* Asks why the network reads test image i as it does — its answer, against the true label when wrong — on
 * the session's snapshot of the run shown (whose evaluations the page shows). */
static void
request_explanation (DlMistakesPage *self, int i, int t, int p)
{
  float x[DL_ATTRIB_PIXELS];
  const guint8 *px = dl_mistakes_page_test_pixels (self, i);
  guint method = gtk_drop_down_get_selected (self->method_dropdown);

  g_autoptr (DlSnapshot) snap = self->session != NULL ? dl_session_dup_snapshot (self->session) : NULL;

  if (self->explainer == NULL || self->test->rows * self->test->cols != DL_ATTRIB_PIXELS)
    {
      self->requested = 0;
      return;
    }
  for (int k = 0; k < DL_ATTRIB_PIXELS; k++)
    x[k] = px[k] / 255.0f;
  self->requested = dl_explainer_request (self->explainer, self, snap, x,
                                          method < DL_ATTRIB_N_METHODS ? method : DL_ATTRIB_INTEGRATED_GRADIENTS, -1,
                                          p != t ? t : -1, g_get_monotonic_time ());
}

static void
clear_explanation (DlMistakesPage *self)
{
  gtk_label_set_text (self->why_heading, _("Why"));
  dl_attrib_view_set (self->attrib_view, NULL, NULL);
  gtk_label_set_text (self->attrib_note, self->explainer != NULL ? _("Working it out…") : "");
  dl_neighbours_view_set (self->neighbours_view, NULL, NULL, 0, -1, -1);
  gtk_label_set_text (self->neighbours_note, "");
  gtk_widget_set_visible (GTK_WIDGET (self->evidence_note), FALSE);
}

static void
show_attribution (DlMistakesPage *self, const DlExplanation *e)
{
  const DlClasses *classes = dl_mistakes_page_classes (self);
  const char *target = dl_classes_name (classes, e->target);
  const char *contrast = e->contrast >= 0 ? dl_classes_name (classes, e->contrast) : NULL;
  g_autofree char *heading = contrast != NULL ? g_strdup_printf (_("Why %s and not %s"), target, contrast)
                                              : g_strdup_printf (_("Why %s"), target);
  /* Trained at step 0 is a loaded model. */
  g_autofree char *params = e->step > 0 ? g_strdup_printf (_("With the parameters of step %lld"), (long long) e->step)
                                        : g_strdup (_("With the loaded model's parameters"));
  g_autofree char *note = contrast != NULL
    ? g_strdup_printf (_("%s: orange pulled it towards %s, blue towards %s (the score of %s minus that of %s is %.2f)."),
                       params, target, contrast, target, contrast, e->attrib.f_x)
    : g_strdup_printf (_("%s: orange pulled it towards %s, blue away from it."), params, target);
  gtk_label_set_text (self->why_heading, heading);
  dl_attrib_view_set (self->attrib_view, e->image, e->map);
  gtk_label_set_text (self->attrib_note, note);
}

/* The neighbours, and what they say about the label: a suspected label error they back is worth a look
 * in the data set. */
static void
show_neighbours (DlMistakesPage *self, const DlExplanation *e, int t)
{
  int votes[DL_N_CLASSES];
  DlMistakeHistory h = { 0 };
  const DlClasses *classes = dl_mistakes_page_classes (self);
  const char *label = dl_classes_name (classes, t), *answer = dl_classes_name (classes, e->predicted);
  const DlMistakes *m = dl_mistake_list_get_mistakes (self->list);

  if (!e->have_index)
    {
      gtk_label_set_text (self->neighbours_note, e->index_building ? _("Finding the nearest training images…")
                                                                   : _("No training set to compare with."));
      return;
    }
  if (m != NULL && self->detail_index >= 0)
    dl_mistakes_get_history (m, self->detail_index, &h);
  dl_neighbours_votes (e->neighbours, DL_NEIGHBOURS_K, votes);
  dl_neighbours_view_set (self->neighbours_view, e->train, e->neighbours, DL_NEIGHBOURS_K, e->predicted, t);
  g_autofree char *note = g_strdup_printf (_("Its %d nearest training images in the network's features: %d labelled "
                                             "%s (its label), %d labelled %s (the answer)."),
                                           DL_NEIGHBOURS_K, votes[t], label, votes[e->predicted], answer);
  gtk_label_set_text (self->neighbours_note, e->predicted == t ? "" : note);

  gboolean backed = dl_neighbours_back_relabel (e->neighbours, DL_NEIGHBOURS_K, t, e->predicted);
  g_autofree char *evidence = NULL;
  if (backed && h.suspected)
    evidence = g_strdup_printf (_("The suspected label error is backed by its neighbours: %d of the %d training images "
                                  "nearest to it are labelled %s, and %s labelled %s. It may well be a %s labelled %s."),
                                votes[e->predicted], DL_NEIGHBOURS_K, answer,
                                votes[t] == 0 ? _("none is") : _("only one is"), label, answer, label);
  else if (backed)
    evidence = g_strdup_printf (_("%d of the %d training images nearest to it are labelled %s, and %s labelled %s: the "
                                  "network has learnt to read images like it as %s. Is the label right?"),
                                votes[e->predicted], DL_NEIGHBOURS_K, answer,
                                votes[t] == 0 ? _("none is") : _("only one is"), label, answer);
  gtk_label_set_text (self->evidence_note, evidence != NULL ? evidence : "");
  gtk_widget_set_visible (GTK_WIDGET (self->evidence_note), evidence != NULL);
}

static void
on_explained (DlExplainer *explainer, DlExplanation *e, DlMistakesPage *self)
{
  if (e->client != self || e->serial != self->requested || self->detail_index < 0 || !e->trained)
    return;
  int t = self->test->labels[self->detail_index];
  show_attribution (self, e);
  if (e->complete)
    show_neighbours (self, e, t);
}

static void
on_index_changed (DlExplainer *explainer, DlMistakesPage *self)
{
  if (self->requested != 0)
    dl_mistakes_page_update_detail (self);
}

/* Another network for the run shown (a past run's final model loaded, a new run): explained again. Not
 * for training progress, which would redo it at every step. */
void
dl_mistakes_page_snapshot_changed (DlMistakesPage *self, gboolean progress)
{
  if (!progress && self->requested != 0)
    dl_mistakes_page_update_detail (self);
}

void
dl_mistakes_page_method_changed (DlMistakesPage *self)
{
  if (self->requested != 0)
    dl_mistakes_page_update_detail (self);
}

void
dl_mistakes_page_set_explainer (DlMistakesPage *self, DlExplainer *explainer)
{
  g_return_if_fail (DL_IS_MISTAKES_PAGE (self));
  g_return_if_fail (explainer == NULL || DL_IS_EXPLAINER (explainer));
  if (self->explainer == explainer)
    return;
  if (self->explainer != NULL)
    g_signal_handlers_disconnect_by_data (self->explainer, self);
  g_set_object (&self->explainer, explainer);
  if (explainer != NULL)
    {
      g_signal_connect_object (explainer, "explained", G_CALLBACK (on_explained), self, 0);
      g_signal_connect_object (explainer, "index-changed", G_CALLBACK (on_index_changed), self, 0);
    }
  dl_mistakes_page_update_detail (self);
}

void
dl_mistakes_page_explain (DlMistakesPage *self, int i, int t, int p)
{
  clear_explanation (self);
  request_explanation (self, i, t, p);
}
