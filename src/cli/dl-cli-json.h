/* dl-cli-json.h — a minimal JSON writer for the CLI's result objects: properly escaped strings,
 * non-finite numbers as null, commas placed by the writer. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DL_JSON_MAX_DEPTH 16

typedef struct {
  GString *out;
  int      depth;
  gboolean has_items[DL_JSON_MAX_DEPTH];  /* per open container: write a comma before the next item */
} DlJson;

void  dl_json_init (DlJson *j);
/* The finished text (caller frees); the writer is empty afterwards. */
char *dl_json_finish (DlJson *j);

/* `key` names the member inside an object; pass NULL inside an array or at the top. */
void dl_json_begin_object (DlJson *j, const char *key);
void dl_json_end_object (DlJson *j);
void dl_json_begin_array (DlJson *j, const char *key);
void dl_json_end_array (DlJson *j);
void dl_json_string (DlJson *j, const char *key, const char *value);  /* NULL → null */
void dl_json_double (DlJson *j, const char *key, double value);       /* NaN/Inf → null */
void dl_json_int (DlJson *j, const char *key, gint64 value);
void dl_json_bool (DlJson *j, const char *key, gboolean value);

/* Appends `s` as a quoted JSON string (UTF-8 passed through, controls and quotes escaped). */
void dl_json_append_escaped (GString *out, const char *s);

G_END_DECLS
