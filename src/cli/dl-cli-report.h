/* dl-cli-report.h — what a training run reports, whoever drives it (the CLI's own loop or the worker):
 * a progress bar on a terminal, one line per epoch, diagnostics in plain words, the --metrics CSV and the
 * --json result object. */
#pragma once

#include <stdio.h>
#include <glib.h>
#include "dl-data.h"
#include "dl-eval.h"

G_BEGIN_DECLS

typedef struct {
  int    epoch;             /* 1-based */
  double train_loss;
  double test_loss;
  double test_accuracy;     /* fraction */
  double seconds;           /* training time of the epoch, evaluation excluded */
} DlEpochRecord;

typedef struct {
  /* How to report. */
  gboolean   json;          /* one JSON object on stdout at the end; the human-readable text goes to stderr */
  gboolean   tty;           /* stderr is a terminal: draw a progress bar */
  FILE      *text;          /* where the human-readable lines go */
  char      *metrics_path;  /* --metrics FILE.csv, or NULL */
  int        metrics_every; /* a loss row every this many batches */
  /* What was run. */
  char      *preset;
  char      *arch;
  guint64    seed;
  char      *blas;
  gint64     run_number;    /* the run as the store recorded it (0: not recorded) */
  char      *run_uuid;
  gint64     from_run;      /* a branch: the run (number, uuid) and step it goes on from; 0 otherwise */
  char      *from_uuid;
  gint64     from_step;
  /* Results. */
  GArray    *epochs;        /* DlEpochRecord */
  double     samples_per_second;
  gboolean   collapsed;
  GPtrArray *diagnostics;   /* char*: the latest evaluation's findings */
  /* Progress bar and metrics rows. */
  gint64     last_draw_us;
  gboolean   bar_visible;
  GString   *metrics;
} DlCliReport;

void dl_cli_report_init (DlCliReport *r, gboolean json, const char *metrics_path, int metrics_every);
void dl_cli_report_clear (DlCliReport *r);

/* Describes a loaded data set and prints the label-histogram warning when there is one. */
void dl_cli_report_dataset (DlCliReport *r, const char *what, const DlDataset *ds);
/* Training batch `step` (1-based, counted over the run) of epoch `epoch` (0-based) had mean loss `loss`:
 * a metrics row every metrics_every steps. */
void dl_cli_report_batch (DlCliReport *r, int epoch, gint64 step, double loss);
/* Where training is: `fraction` of epoch `epoch` (0-based) done. Redraws the progress bar on a terminal,
 * at most ~10 times a second. */
void dl_cli_report_progress (DlCliReport *r, int epoch, int epochs, double fraction, double loss,
                             double samples_per_second, double eta_seconds);
/* An epoch finished and was evaluated. */
void dl_cli_report_epoch (DlCliReport *r, const DlEpochRecord *rec, const DlDiagnosis *diag);
/* A message that must not be lost in the progress bar (printed on its own line). */
void dl_cli_report_message (DlCliReport *r, const char *format, ...) G_GNUC_PRINTF (2, 3);
/* End of the run: writes the metrics file (atomically) and prints the JSON object when asked for. */
gboolean dl_cli_report_finish (DlCliReport *r, GError **error);

/* "1:05", "12:03:09" */
char *dl_cli_format_duration (double seconds);

G_END_DECLS
