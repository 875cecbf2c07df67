/* dl-net-private.h — what the model file code needs from a DlNet beyond the public API. */
#pragma once

#include "dl-net.h"

G_BEGIN_DECLS

/* The seed the net was created or last reseeded with (stored in model files). */
guint64 dl_net_get_seed (const DlNet *net);

G_END_DECLS
