/* dl-classes.c — class names of a data set. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "dl-classes.h"
#include "dl-file.h"

/* Ten names of a line each: far more than classes.txt ever needs, and a bound on what a loader reads. */
#define MAX_FILE_BYTES (64 * 1024)

struct _DlClasses
{
  gboolean translate;              /* built-in names, marked with N_() */
  char    *names[DL_N_CLASSES];
};

static const char *const digit_names[DL_N_CLASSES] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" };

static const DlClasses digits = {
  .translate = FALSE,
  .names = { (char *) "0", (char *) "1", (char *) "2", (char *) "3", (char *) "4",
             (char *) "5", (char *) "6", (char *) "7", (char *) "8", (char *) "9" },
};

/* Fashion-MNIST's label order (Xiao, Rasul and Vollgraf, 2017). */
static const DlClasses fashion = {
  .translate = TRUE,
  .names = { (char *) N_("T-shirt/top"), (char *) N_("Trouser"), (char *) N_("Pullover"), (char *) N_("Dress"),
             (char *) N_("Coat"), (char *) N_("Sandal"), (char *) N_("Shirt"), (char *) N_("Sneaker"),
             (char *) N_("Bag"), (char *) N_("Ankle boot") },
};

const DlClasses *
dl_classes_digits (void)
{
  return &digits;
}

const DlClasses *
dl_classes_fashion (void)
{
  return &fashion;
}

DlClasses *
dl_classes_copy (const DlClasses *classes)
{
  DlClasses *c = g_new0 (DlClasses, 1);

  c->translate = classes->translate;
  for (int i = 0; i < DL_N_CLASSES; i++)
    c->names[i] = g_strdup (classes->names[i]);
  return c;
}

void
dl_classes_free (DlClasses *classes)
{
  if (classes == NULL)
    return;
  for (int i = 0; i < DL_N_CLASSES; i++)
    g_free (classes->names[i]);
  g_free (classes);
}

static DlClasses *
parse_classes (const char *path, const char *text, GError **error)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr (DlClasses) c = g_new0 (DlClasses, 1);
  int n = 0;

  for (int i = 0; lines[i] != NULL; i++)
    {
      char *name = g_strstrip (lines[i]);

      if (*name == '\0' || *name == '#')
        continue;
      if (n == DL_N_CLASSES)
        {
          g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_FORMAT,
                       _("%s, line %d: more than %d class names (one per line, label 0 first)"), path, i + 1,
                       DL_N_CLASSES);
          return NULL;
        }
      if (!g_utf8_validate (name, -1, NULL))
        {
          g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_FORMAT, _("%s, line %d: not UTF-8 text"), path, i + 1);
          return NULL;
        }
      c->names[n++] = g_strdup (name);
    }
  if (n < DL_N_CLASSES)
    {
      g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_FORMAT,
                   _("%s: %d class names, expected %d (one per line, label 0 first)"), path, n, DL_N_CLASSES);
      return NULL;
    }
  return g_steal_pointer (&c);
}

DlClasses *
dl_classes_load_dir (const char *dir, GError **error)
{
  g_autofree char *path = g_build_filename (dir, DL_CLASSES_FILE, NULL);
  g_autofree guint8 *text = NULL;
  g_autoptr (GError) local = NULL;
  gsize len;

  if (!g_file_test (path, G_FILE_TEST_EXISTS) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    return dl_classes_copy (dl_classes_digits ());
  /* A regular file (a FIFO would block the loader), of a size ten names can have. */
  if (!dl_file_read_all (path, MAX_FILE_BYTES, &text, &len, &local))
    {
      g_set_error (error, DL_DATA_ERROR, DL_DATA_ERROR_IO, "%s", local->message);
      return NULL;
    }
  return parse_classes (path, (const char *) text, error);
}

gboolean
dl_classes_save_dir (const DlClasses *classes, const char *dir, GError **error)
{
  g_autofree char *path = g_build_filename (dir, DL_CLASSES_FILE, NULL);
  g_autoptr (GString) text = g_string_new (NULL);

  for (int i = 0; i < DL_N_CLASSES; i++)
    g_string_append_printf (text, "%s\n", classes->names[i]);
  /* Atomic, a symlink followed, a FIFO or device refused (dl_file_save). */
  return dl_file_save_bytes (path, text->str, text->len, error);
}

const char *
dl_classes_name (const DlClasses *classes, int label)
{
  g_return_val_if_fail (label >= 0 && label < DL_N_CLASSES, NULL);
  if (classes == NULL)
    classes = &digits;
  return classes->translate ? g_dgettext (GETTEXT_PACKAGE, classes->names[label]) : classes->names[label];
}

char *
dl_classes_abbrev (const DlClasses *classes, int label, int max_chars)
{
  const char *name = dl_classes_name (classes, label);

  return g_utf8_substring (name, 0, MIN ((glong) max_chars, g_utf8_strlen (name, -1)));
}

gboolean
dl_classes_are_digits (const DlClasses *classes)
{
  if (classes == NULL)
    return TRUE;
  for (int i = 0; i < DL_N_CLASSES; i++)
    if (!g_str_equal (classes->names[i], digit_names[i]))
      return FALSE;
  return TRUE;
}
