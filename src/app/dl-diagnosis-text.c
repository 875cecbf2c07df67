/* dl-diagnosis-text.c — a diagnosis in the app's words (see dl-diagnosis-text.h). */
#include "config.h"

#include <glib/gi18n.h>

#include "dl-diagnosis-text.h"

GPtrArray *
dl_diagnosis_messages (const DlDiagnosis *diagnosis)
{
  GPtrArray *messages = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; diagnosis != NULL && i < diagnosis->messages->len; i++)
    {
      int batch = diagnosis->summed_gradient_batch;

      if (batch > 0 && (int) i == diagnosis->summed_gradient_message)
        g_ptr_array_add (messages,
                         g_strdup_printf (_("The gradient is summed over the batch of %d, so each step is %d× the "
                                            "learning rate: set Gradient to “Batch mean” on the Train page, or "
                                            "lower the learning rate."), batch, batch));
      else
        g_ptr_array_add (messages, g_strdup (g_ptr_array_index (diagnosis->messages, i)));
    }
  return messages;
}

char *
dl_diagnosis_text (const DlDiagnosis *diagnosis, const char *separator)
{
  g_autoptr (GPtrArray) messages = dl_diagnosis_messages (diagnosis);

  if (messages->len == 0)
    return NULL;
  g_ptr_array_add (messages, NULL);
  return g_strjoinv (separator, (char **) messages->pdata);
}
