/* dl-unlabeled-page-detail.c — the unlabeled-images page's selected image: its ten probabilities, and why
 * the network gave its answer rather than the runner-up (the explainer's heatmap, the nearest training
 * images), as the Mistakes page explains a mistake (dl-unlabeled-page-private.h). */
#include "config.h"

#include <glib/gi18n.h>

#include "dl-predict.h"
#include "dl-unlabeled-page-private.h"

/* The runner-up: what the answer is explained against. */
static int
runner_up (const float *probs, int predicted)
{
  int second = predicted == 0 ? 1 : 0;

  for (int c = 0; c < DL_N_CLASSES; c++)
    if (c != predicted && probs[c] > probs[second])
      second = c;
  return second;
}

static void
request_explanation (DlUnlabeledPage *self, int i, int predicted, int second)
{
  const guint8 *px = self->images->pixels + (gsize) i * self->images->rows * self->images->cols;
  guint method = gtk_drop_down_get_selected (self->method_dropdown);
  float x[DL_ATTRIB_PIXELS];
  g_autoptr (DlSnapshot) snap = self->session != NULL ? dl_session_dup_snapshot (self->session) : NULL;

  gtk_label_set_text (self->why_heading, _("Why"));
  dl_attrib_view_set (self->attrib_view, NULL, NULL);
  dl_neighbours_view_set (self->neighbours_view, NULL, NULL, 0, -1, -1);
  gtk_label_set_text (self->neighbours_note, "");
  self->requested = 0;
  gtk_label_set_text (self->attrib_note, self->explainer != NULL ? _("Working it out…") : "");
  if (self->explainer == NULL || self->images->rows * self->images->cols != DL_ATTRIB_PIXELS)
    return;
  for (int k = 0; k < DL_ATTRIB_PIXELS; k++)
    x[k] = px[k] / 255.0f;
  self->requested = dl_explainer_request (self->explainer, self, snap, x,
                                          method < DL_ATTRIB_N_METHODS ? method : DL_ATTRIB_INTEGRATED_GRADIENTS,
                                          predicted, second, g_get_monotonic_time ());
}

void
dl_unlabeled_page_update_detail (DlUnlabeledPage *self)
{
  const DlClasses *classes = dl_unlabeled_page_classes (self);
  int i = self->detail_index;
  const float *probs;
  int predicted, second;
  float margin;

  if (i < 0 || self->images == NULL || self->probs == NULL)
    {
      self->requested = 0;
      gtk_stack_set_visible_child_name (self->detail_stack, "none");
      return;
    }
  probs = self->probs + (gsize) i * DL_N_CLASSES;
  predicted = dl_predict_label (probs, &margin);
  second = runner_up (probs, predicted);
  g_autofree char *title = g_strdup_printf (_("Image %d of %d"), i + 1, self->images->n);
  g_autofree char *summary = g_strdup_printf (_("The network answers %s with %.1f %%, %.1f points ahead of %s."),
                                              dl_classes_name (classes, predicted), 100.0 * probs[predicted],
                                              100.0 * margin, dl_classes_name (classes, second));
  gtk_stack_set_visible_child_name (self->detail_stack, "detail");
  dl_digit_view_set_image (self->detail_digit, self->images->pixels + (gsize) i * self->images->rows * self->images->cols,
                           self->images->rows, self->images->cols);
  gtk_label_set_text (self->detail_title, title);
  gtk_label_set_text (self->detail_summary, summary);
  dl_probability_list_set_probabilities (self->probabilities, probs);
  dl_probability_list_set_predicted (self->probabilities, predicted);
  request_explanation (self, i, predicted, second);
}

static void
show_explanation (DlUnlabeledPage *self, const DlExplanation *e)
{
  const DlClasses *classes = dl_unlabeled_page_classes (self);
  const char *target = dl_classes_name (classes, e->target), *contrast = dl_classes_name (classes, e->contrast);
  g_autofree char *heading = g_strdup_printf (_("Why %s and not %s"), target, contrast);
  g_autofree char *note = g_strdup_printf (_("Orange pulled it towards %s, blue towards %s."), target, contrast);
  int votes[DL_N_CLASSES];

  gtk_label_set_text (self->why_heading, heading);
  dl_attrib_view_set (self->attrib_view, e->image, e->map);
  gtk_label_set_text (self->attrib_note, note);
  if (!e->complete)
    return;
  if (!e->have_index)
    {
      gtk_label_set_text (self->neighbours_note, e->index_building ? _("Finding the nearest training images…")
                                                                   : _("No training set to compare with."));
      return;
    }
  dl_neighbours_votes (e->neighbours, DL_NEIGHBOURS_K, votes);
  dl_neighbours_view_set (self->neighbours_view, e->train, e->neighbours, DL_NEIGHBOURS_K, e->predicted, -1);
  g_autofree char *said = g_strdup_printf (_("Of its %d nearest training images in the network's features, %d are "
                                             "labelled %s and %d labelled %s."),
                                           DL_NEIGHBOURS_K, votes[e->target], target, votes[e->contrast], contrast);
  gtk_label_set_text (self->neighbours_note, said);
}

static void
on_explained (DlExplainer *explainer, DlExplanation *e, DlUnlabeledPage *self)
{
  if (e->client == self && e->serial == self->requested && self->detail_index >= 0 && e->trained
      && e->contrast >= 0)
    show_explanation (self, e);
}

static void
on_index_changed (DlExplainer *explainer, DlUnlabeledPage *self)
{
  if (self->requested != 0)
    dl_unlabeled_page_update_detail (self);
}

void
dl_unlabeled_page_explainer_changed (DlUnlabeledPage *self)
{
  if (self->explainer != NULL)
    {
      g_signal_connect_object (self->explainer, "explained", G_CALLBACK (on_explained), self, 0);
      g_signal_connect_object (self->explainer, "index-changed", G_CALLBACK (on_index_changed), self, 0);
    }
  dl_unlabeled_page_update_detail (self);
}

void
dl_unlabeled_page_method_changed (DlUnlabeledPage *self)
{
  if (self->requested != 0)
    dl_unlabeled_page_update_detail (self);
}
