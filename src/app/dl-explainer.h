/* dl-explainer.h — "why this answer", off the UI thread: attributions of an image on a parameter snapshot
 * (the one the caller answered with: the session's, dl_session_dup_snapshot), its nearest training images
 * and whether it looks like a digit at all.
 *
 * Two threads of its own, so that neither the answer nor the window ever waits for an explanation:
 *   - the explanation thread takes the newest request of each client (a page), dropping any it
 *     superseded, and runs it on the request's snapshot with its own DlNetWork and DlAttrib. The
 *     attribution comes back first; the neighbours and the verdict follow in a second, complete
 *     explanation of the same request, unless a newer request of that client is already waiting (while
 *     a stroke is being drawn the heatmap keeps up, the neighbours follow when the pen rests);
 *   - the index thread computes, per snapshot, the training set's penultimate-layer features
 *     (DlNeighbours) and the "not a digit" calibration on the test set (DlOod): seconds of work, so it
 *     runs only when asked for by a request on a newer snapshot, and while the parameters keep changing
 *     (training) at most once per four times its own duration, so it takes at most a fifth of a core.
 *     Until it is done, requests are answered from the last index of the same network (saying of which
 *     step), or without neighbours.
 * Results come back as the "explained" signal (a DlExplanation, reference-counted, read-only) on the main
 * context the explainer was created on; "index-changed" says a new index is in use (pages ask again).
 * GLib only: no GTK.
 */
#pragma once

#include <glib-object.h>
#include "dl-attrib.h"
#include "dl-neighbours.h"
#include "dl-ood.h"
#include "dl-event.h"

G_BEGIN_DECLS

typedef struct {
  gpointer      client;          /* who asked (compare, never dereference) */
  guint64       serial;          /* dl_explainer_request's return value */
  gint64        origin_us;       /* when what it explains changed (the caller's monotonic time) */
  gint64        done_us;         /* when it was computed */
  /* the snapshot it ran on */
  gint64        step;
  guint         run_serial;     
  gboolean      trained;         /* FALSE: nothing below is set (an untrained network explains nothing) */
  float         image[DL_ATTRIB_PIXELS];
  float         probs[DL_N_CLASSES];
  int           predicted;
  /* attribution */
  DlAttribMethod method;
  int           target, contrast;   /* contrast -1: none */
  float         map[DL_ATTRIB_PIXELS];
  DlAttribResult attrib;
  /* from the index: nearest training images and "not a digit" */
  gboolean      complete;        /* FALSE: the attribution alone, the rest follows in another explanation */
  gboolean      have_index;
  gint64        index_step;      /* the snapshot the index was built on (may be older than `step`) */
  gboolean      index_building;  /* a newer index is being computed */
  DlDataset    *train;           /* the images the neighbours index into */
  DlNeighbour   neighbours[DL_NEIGHBOURS_K];
  DlOodVerdict  verdict;
} DlExplanation;

#define DL_TYPE_EXPLANATION (dl_explanation_get_type ())
GType          dl_explanation_get_type (void) G_GNUC_CONST;
DlExplanation *dl_explanation_ref (DlExplanation *e);
void           dl_explanation_unref (DlExplanation *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlExplanation, dl_explanation_unref)

#define DL_TYPE_EXPLAINER (dl_explainer_get_type ())
G_DECLARE_FINAL_TYPE (DlExplainer, dl_explainer, DL, EXPLAINER, GObject)

DlExplainer *dl_explainer_new (void);
/* The training set (neighbours) and the test set (calibration); either NULL: no index. */
void         dl_explainer_set_data (DlExplainer *self, DlDataset *train, DlDataset *test);

/* Explains image (784 floats in [0, 1], copied) for `client` on snap (referenced; NULL: no network, an
 * explanation that says so): `target` a class 0–9 or -1 for the predicted one, `contrast` a class or -1
 * for none. Replaces the client's request not yet started. Returns the request's serial. Snapshots of
 * the same run_serial are taken for the same network at different steps (an index of one is used for the
 * other until a newer one is built). */
guint64      dl_explainer_request (DlExplainer *self, gpointer client, DlSnapshot *snap, const float *image,
                                   DlAttribMethod method, int target, int contrast, gint64 origin_us);
/* Waits until every request made so far is answered and no index is being built (tests, benchmarks). */
void         dl_explainer_wait_idle (DlExplainer *self);

G_END_DECLS
