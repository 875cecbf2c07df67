/* dl-cli-json.h — the CLI's result objects through json-glib: a JsonBuilder with the conventions every
 * command's --json follows (a member's key and value in one call, NaN and infinities as null, a NULL
 * string as null), and the finished object printed as one line on stdout. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A builder with the top-level object begun. */
JsonBuilder *dl_cli_json_new (void);
/* Ends the top-level object and returns its text (one line; caller frees). */
char        *dl_cli_json_finish (JsonBuilder *b);
/* dl_cli_json_finish, printed on stdout with a newline, and the builder unreffed. */
void         dl_cli_json_print (JsonBuilder *b);

/* `key` names the member inside an object; NULL inside an array. */
void dl_cli_json_begin_object (JsonBuilder *b, const char *key);
void dl_cli_json_begin_array (JsonBuilder *b, const char *key);
void dl_cli_json_string (JsonBuilder *b, const char *key, const char *value);  /* NULL → null */
void dl_cli_json_double (JsonBuilder *b, const char *key, double value);       /* NaN/Inf → null */
void dl_cli_json_int (JsonBuilder *b, const char *key, gint64 value);
void dl_cli_json_bool (JsonBuilder *b, const char *key, gboolean value);
void dl_cli_json_null (JsonBuilder *b, const char *key);

G_END_DECLS
