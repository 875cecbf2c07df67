/* dl-test-cli.h — digitlab-cli spawned as a user runs it, for the tests that drive it: its exit status,
 * stdout and stderr, and its JSON parsed with json-glib. Set test_cli_path (the program) first. */
#pragma once

#include <check.h>
#include <sys/wait.h>
#include <json-glib/json-glib.h>

static const char *test_cli_path;

typedef struct {
  int   status;
  char *out, *err;
} Result;

G_GNUC_UNUSED static void
result_clear (Result *r)
{
  g_free (r->out);
  g_free (r->err);
  r->out = r->err = NULL;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

/* Runs the CLI with the arguments (NULL-terminated) and the environment given as NAME=VALUE strings in
 * `env` (NULL: this process's). */
G_GNUC_UNUSED static Result
run_cli_env (char **env, const char *first, ...)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  Result r = { 0 };
  va_list ap;
  int wait_status;

  g_ptr_array_add (args, (char *) test_cli_path);
  va_start (ap, first);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  ck_assert_msg (g_spawn_sync (NULL, (char **) args->pdata, env, G_SPAWN_DEFAULT, NULL, NULL, &r.out, &r.err,
                               &wait_status, &error), "%s", error ? error->message : "");
  r.status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
  return r;
}

#define run_cli(...) run_cli_env (NULL, __VA_ARGS__)

G_GNUC_UNUSED static JsonNode *
parse_json (const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  ck_assert_msg (json_parser_load_from_data (parser, text, -1, &error), "not JSON (%s):\n%s",
                 error ? error->message : "", text);
  return json_node_copy (json_parser_get_root (parser));
}
