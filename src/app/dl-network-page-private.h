/* dl-network-page-private.h — the Network page's state, shared by the page (dl-network-page.c) and the
 * run over time (dl-network-page-time.c) and the networks of past evaluations it shows
 * (dl-network-page-past.c). */
#pragma once

#include "dl-network-page.h"
#include "dl-plot.h"

G_BEGIN_DECLS

struct _DlNetworkPage
{
  GtkWidget           parent_instance;

  DlSession          *session;
  GSignalGroup       *session_signals;
  GSignalGroup       *worker_signals;  /* the session's worker: the live run's checkpoints */
  DlRun              *run;             /* the session's shown run */
  GSignalGroup       *run_signals;
  DlDataset          *test;
  DlSnapshot         *snap;
  float               drawing[784];
  gboolean            have_drawing;
  GArray             *positions;       /* guint: the run's evaluations that carry layer statistics */
  guint               position;
  gboolean            live;
  DlSeries           *health[DL_MAX_LAYERS];
  DlArch              arch;
  gboolean            have_arch;
  char               *arch_text;
  guint               timer;
  gboolean            time_dirty;      /* an evaluation came: the slider and figures wait for the next tick */
  gboolean            setting;

  /* dl-network-page-past.c: the network of the evaluation the slider shows */
  GPtrArray          *checkpoints;     /* DlCheckpoint: the live run's, kept as the run store keeps them */
  guint               ckpt_serial;     /* the worker's run they are of */
  GPtrArray          *stored;          /* DlRunCheckpoint: a past run's, as its store lists them; NULL: none */
  GCancellable       *loading;         /* a stored checkpoint being read, of step loading_step */
  gint64              loading_step;
  DlNet              *past_net;        /* the scrubbed evaluation's checkpoint, built for the views */
  gint64              past_step;
  guint               past_serial;
  char               *past_error;      /* why the run's checkpoint of that evaluation could not be shown */

  /* template children */
  GtkWidget          *content;
  GtkLabel           *status_label;
  DlLayerDiagram     *layer_diagram;
  GtkStack           *views;
  GtkWidget          *view_switcher;
  GtkLabel           *weights_caption;
  GtkToggleButton    *show_weights, *show_grads, *show_change;
  DlWeightTiles      *weight_tiles;
  GtkToggleButton    *source_draw, *source_test;
  GtkSpinButton      *test_index;
  GtkLabel           *activations_caption;
  DlActivationView   *activation_view;
  GtkToggleButton    *kind_params, *kind_grads, *kind_acts;
  DlDistributionView *distribution_view;
  DlPlot             *health_plot;
  GtkScale           *time_scale;
  GtkAdjustment      *time_adjustment;
  GtkToggleButton    *live_toggle;
  GtkLabel           *time_label;
};

/* dl-network-page.c: the view in sight fed again (a new snapshot, or a past network came or went); the
 * weights' caption said again. */
void network_page_feed_visible (DlNetworkPage *self);
void network_page_update_caption (DlNetworkPage *self);

/* dl-network-page-time.c */
/* The layers the diagram and the health curves show (an architecture string; NULL for none). */
void network_page_set_arch (DlNetworkPage *self, const char *text);
/* The run's evaluations with layer statistics gathered again (a new run), the slider at the latest. */
void network_page_collect (DlNetworkPage *self);
/* The slider, the diagram's figures and the distributions' marker at the evaluation shown. */
void network_page_update_time (DlNetworkPage *self);
/* The run's "eval-added". */
void network_page_eval_added (DlNetworkPage *self, guint index, DlRun *run);
/* The slider's and the Live button's signals. */
void network_page_time_changed (DlNetworkPage *self);
void network_page_live_toggled (DlNetworkPage *self);

/* dl-network-page-past.c */
void network_page_past_init (DlNetworkPage *self);
void network_page_past_clear (DlNetworkPage *self);
/* The shown run changed: forget the past network; list a past run's stored checkpoints. */
void network_page_past_follow_run (DlNetworkPage *self);
/* The worker took a checkpoint (DL_EVENT_CHECKPOINT). */
void network_page_past_keep (DlNetworkPage *self, DlCheckpoint *ckpt);
/* The network of the evaluation at the slider, when the run kept its checkpoint: built now from the live
 * run's, read in a thread from the store for a past run's (the views are fed again when it is in); else
 * none, and the views show the newest parameters. */
void network_page_past_update (DlNetworkPage *self);

G_END_DECLS
