/* dsl — checks MODAK job documents and the optimisation DSL against tables of fields.
 *
 * Each section of a document (job_options, application, target, optimisation and the
 * sections nested in it) is a table with one row per field: name, value type, whether it
 * is required, its constraint, where the field comes from (MODAK's pydantic model,
 * SODALITE's TOSCA datatypes, MODAK's script templates and examples, MODAK's early DSL)
 * and a line of description. check_map() walks a map against its table: unknown keys
 * (with a "did you mean" by edit distance), each value by type with MODAK's coercions,
 * required fields, then the section's cross-field rules. Early DSL names ("optimization",
 * "arch_build", "hpc", "mpi" ...) are alias rows: accepted with a `dsl.legacy` warning
 * and checked as the field they stand for.
 *
 * Where MODAK itself reads a section as free data (`data`, Dict[str, Any] in its model),
 * the ctx is "soft": every finding there is a warning. Enumerations written as a template's
 * list of alternatives ("x86/arm/amd/power", as MODAK's own examples have them) are
 * placeholders: a warning, and the rules that depend on that value are skipped. */
#include "dsl.h"
#include "jobscript.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mk_buf.h"
#include "mk_fs.h"

#define COUNT(a) (sizeof(a) / sizeof *(a))

/* ---- value types, constraints, sources ---- */

typedef enum vtype {
    T_STR,      /* string; numbers are read as their text, as pydantic's str does */
    T_INT,      /* integer */
    T_FLOAT,    /* number */
    T_BOOL,     /* boolean */
    T_ENUM,     /* one of values[] */
    T_DURATION, /* [[DD:]HH:]MM:SS */
    T_SIZE,     /* scalar-unit.size: "10 MB", "4GiB", "500M" */
    T_EMAIL,    /* an e-mail address */
    T_URL,      /* scheme://host... */
    T_NOTIFY,   /* Slurm mail types (BEGIN,END) or Torque mail letters (abe) */
    T_ARRAY,    /* job array indices: 1-10,15,0-30:5%4 */
    T_SECTION,  /* a map checked against sub */
    T_MAP,      /* a free map of scalars */
    T_COUNT
} vtype;

static const char *const vtype_names[] = {
    "string", "integer", "number",      "boolean",       "enumeration", "duration",      "size",
    "e-mail", "URL",     "mail events", "array indices", "map",         "map of scalars"};
_Static_assert(COUNT(vtype_names) == T_COUNT, "vtype_names");

typedef enum vrange {
    R_NONE,
    R_POSITIVE, /* > 0 (pydantic PositiveInt) */
    R_NONNEG,   /* >= 0 */
    R_UNIT,     /* (0, 1] */
    R_COUNT
} vrange;

static const char *const vrange_names[] = {"", "> 0", ">= 0", "in (0, 1]"};
_Static_assert(COUNT(vrange_names) == R_COUNT, "vrange_names");

enum {
    F_REQ = 1 << 0,     /* required */
    F_KNOWN = 1 << 1,   /* values[] are the known values only: others are a warning */
    F_LIST_OK = 1 << 2, /* MODAK's early DSL gave a list here: taken with a warning */
    F_LEGACY = 1 << 3,  /* a field of MODAK's early DSL that modak reads and ignores */
};

/* Where a field comes from (docs/dsl.md prints these). */
enum {
    S_MODAK = 1 << 0, /* MODAK's pydantic model (MODAK/model.py) */
    S_SODA = 1 << 1,  /* SODALITE's TOSCA datatypes (types/modak/datatypes.yml) */
    S_TMPL = 1 << 2,  /* MODAK's batch-script templates and job examples */
    S_EARLY = 1 << 3, /* MODAK's early DSL (opt_dsl_reader.py, the D3 examples) */
};

typedef struct ctx ctx;
typedef struct dsl_section dsl_section;

typedef struct dsl_field {
    const char *name;
    vtype type;
    unsigned flags;
    vrange range;
    const char *const *values; /* T_ENUM: allowed values (NULL-terminated) */
    const char *const *soft;   /* T_ENUM: also taken, with a dsl.modak-compat warning */
    const dsl_section *sub;    /* T_SECTION */
    const char *alias_of;      /* an early name of the field named here */
    unsigned src;
    const char *what;
} dsl_field;

struct dsl_section {
    const char *name;  /* e.g. "job_options" */
    const char *where; /* where it sits in a job document, for docs and hints */
    const dsl_field *fields;
    size_t n;
    int open; /* MODAK reads it as Dict[str, Any]: findings are warnings */
    void (*cross)(ctx *c, const dsl_section *s, const doc_node *map, const char *ptr);
};

struct ctx {
    diag_list *out;
    mk_arena a; /* pointers and message pieces */
    int soft;   /* > 0 inside an open section */
};

/* ---- diagnostics ---- */

static diag *vreport(ctx *c, diag_sev sev, const doc_node *at, const char *rule, const char *ptr,
                     const char *fmt, va_list ap)
{
    if (c->soft && sev == DIAG_ERROR) sev = DIAG_WARNING;
    mk_buf b;
    mk_buf_init(&b);
    mk_buf_vprintf(&b, fmt, ap);
    diag *d = diag_add(c->out, sev, at ? &at->mark : NULL, rule, ptr, "%s", b.s);
    mk_buf_fini(&b);
    return d;
}

static diag *report(ctx *c, diag_sev sev, const doc_node *at, const char *rule, const char *ptr,
                    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static diag *report(ctx *c, diag_sev sev, const doc_node *at, const char *rule, const char *ptr,
                    const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag *d = vreport(c, sev, at, rule, ptr, fmt, ap);
    va_end(ap);
    return d;
}

#define ERR  DIAG_ERROR
#define WARN DIAG_WARNING

/* A short rendering of a value for messages: strings quoted and cut, others by kind. */
static const char *show(ctx *c, const doc_node *n)
{
    if (!n) return "nothing";
    if (n->kind == DOC_MAP) return "a map";
    if (n->kind == DOC_SEQ) return "a list";
    if (n->type == DOC_T_STR) {
        if (n->len > 60) return mk_arena_printf(&c->a, "\"%.57s...\"", n->text);
        return mk_arena_printf(&c->a, "\"%s\"", n->text);
    }
    return mk_arena_printf(&c->a, "%s %s", doc_type_name(n->type), n->text);
}

static const char *ptr_key(ctx *c, const char *ptr, const char *key)
{
    return doc_ptr_append(&c->a, ptr, key);
}

/* ---- edit distance, for "did you mean" ---- */

/* Optimal string alignment distance, case-insensitive, capped at 9. */
static int distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63) return 9;
    int d[64][64];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v) v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 &&
                tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]) &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb] > 9 ? 9 : d[la][lb];
}

static int close_enough(const char *word, int dist)
{
    size_t n = strlen(word);
    int limit = n <= 4 ? 1 : n <= 8 ? 2 : 3;
    return dist <= limit;
}

/* ---- enumerations ---- */

static const char *const v_sched[] = {"slurm", "torque", NULL};
/* SODALITE's WM also names pbs and batch; modak's generator writes plain bash as well */
static const char *const v_sched_soft[] = {"pbs", "batch", "bash", NULL};
static const char *const v_app_type[] = {"mpi", "hpc", "python", NULL};
static const char *const v_cpu[] = {"x86", "arm", "amd", "power", NULL};
static const char *const v_acc[] = {"nvidia", "amd", "fpga", NULL};
static const char *const v_acc_soft[] = {"none", NULL};
static const char *const v_opt_app_type[] = {"ai_training", "hpc", "big_data", "ai_inference",
                                             NULL};
static const char *const v_framework[] = {"tensorflow", "pytorch", "keras", "cntk", "mxnet", NULL};
/* modak's own: the network compiled by modak into a native training binary */
static const char *const v_framework_soft[] = {"modak", NULL};
static const char *const v_ai_type[] = {
    "image_classification", "object_detection",       "translation",
    "recommendation",       "reinforcement_learning", NULL};
/* SODALITE's datatypes (and so every DSL example) spell it this way */
static const char *const v_ai_type_soft[] = {"reinforncement_learning", NULL};
static const char *const v_backend[] = {"tensorflow", "pytorch", "cntk", "mxnet", "keras", NULL};
static const char *const v_ai_basedata[] = {"Imagenet", "CIFAR", "MNIST", NULL};
static const char *const v_parallel[] = {"mpi", "openmp", "opencc", "opencl", NULL};
static const char *const v_hpc_basedata[] = {"IMAGE", "RESTART", NULL};
static const char *const v_msg_size[] = {"small", "medium", "large", NULL};
static const char *const v_affinity[] = {"block", "simple", NULL};
static const char *const v_acc_compiler[] = {"pgi", "cray", NULL};
static const char *const v_image_type[] = {"docker", "singularity", NULL};

/* Slurm's --mail-type values and Torque's -m letters, as MODAK's ArgumentConverter knows
 * them (jobfile_generator.py). */
static const char *const v_slurm_mail[] = {
    "NONE",          "BEGIN",          "END",         "FAIL",       "REQUEUE",
    "ALL",           "INVALID_DEPEND", "STAGE_OUT",   "TIME_LIMIT", "TIME_LIMIT_90",
    "TIME_LIMIT_80", "TIME_LIMIT_50",  "ARRAY_TASKS", NULL};

static int in_list(const char *const *v, const char *s, int nocase)
{
    for (; v && *v; v++)
        if (nocase ? !strcasecmp(*v, s) : !strcmp(*v, s)) return 1;
    return 0;
}

static const char *nearest(const char *const *v, const char *s)
{
    const char *best = NULL;
    int bd = 99;
    for (; v && *v; v++) {
        int d = distance(*v, s);
        if (d < bd) {
            bd = d;
            best = *v;
        }
    }
    return best && close_enough(best, bd) ? best : NULL;
}

static const char *join_values(ctx *c, const char *const *v)
{
    mk_buf b;
    mk_buf_init(&b);
    for (size_t i = 0; v && v[i]; i++)
        mk_buf_printf(&b, "%s%s", i ? ", " : "", v[i]);
    const char *s = mk_arena_strdup(&c->a, b.s ? b.s : "");
    mk_buf_fini(&b);
    return s;
}

/* ---- field rows ---- */

/* clang-format off */
#define ROW(n, t, fl, r, s, w) {.name = n, .type = t, .flags = fl, .range = r, .src = s, .what = w}
#define STR(n, fl, s, w) ROW(n, T_STR, fl, R_NONE, s, w)
#define INT(n, fl, r, s, w) ROW(n, T_INT, fl, r, s, w)
#define BOOL(n, fl, s, w) ROW(n, T_BOOL, fl, R_NONE, s, w)
#define ENUM(n, fl, v, sf, s, w) {.name = n, .type = T_ENUM, .flags = fl, .values = v, .soft = sf, .src = s, .what = w}
#define SEC(n, fl, sec, s, w) {.name = n, .type = T_SECTION, .flags = fl, .sub = &sec, .src = s, .what = w}
#define ALIAS(n, of, s) {.name = n, .alias_of = of, .src = s}
/* clang-format on */

/* ---- cross-field rule declarations (defined below the tables) ---- */

static void cross_job_options(ctx *c, const dsl_section *s, const doc_node *m, const char *p);
static void cross_application(ctx *c, const dsl_section *s, const doc_node *m, const char *p);
static void cross_target(ctx *c, const dsl_section *s, const doc_node *m, const char *p);
static void cross_optimisation(ctx *c, const dsl_section *s, const doc_node *m, const char *p);
static void cross_ai_training(ctx *c, const dsl_section *s, const doc_node *m, const char *p);
static void cross_hpc(ctx *c, const dsl_section *s, const doc_node *m, const char *p);
static void cross_job(ctx *c, const dsl_section *s, const doc_node *m, const char *p);

#define SECTION(var, nm, where, rows, open, cross)                                                 \
    static const dsl_section var = {nm, where, rows, COUNT(rows), open, cross}

/* clang-format off */
/* One row per field: the formatter's wrapping would hide the table. */
/* job_options: what goes to the batch system. MODAK's model requires none of them. */
static const dsl_field f_job_options[] = {
    STR("job_name", 0, S_MODAK | S_SODA | S_TMPL, "job name (`#SBATCH -J`, `#PBS -N`); MODAK's default is \"job\""),
    STR("account", 0, S_SODA | S_TMPL, "account to charge (`-A`)"),
    STR("queue", 0, S_SODA | S_TMPL, "queue or partition (`--partition`, `-q`)"),
    STR("qos", 0, S_TMPL, "Slurm quality of service (MODAK's Cirrus example)"),
    STR("partition", 0, S_TMPL, "node constraint (`#SBATCH -C`, `#PBS -l partition=`)"),
    ROW("wall_time_limit", T_DURATION, 0, R_POSITIVE, S_MODAK | S_SODA | S_TMPL, "wall-clock limit"),
    INT("node_count", 0, R_POSITIVE, S_MODAK | S_SODA | S_TMPL, "nodes (`-N`, `nodes=`)"),
    INT("core_count", 0, R_POSITIVE, S_MODAK | S_SODA | S_TMPL, "total cores or tasks (`-n`, `procs=`)"),
    INT("process_count_per_node", 0, R_POSITIVE, S_MODAK | S_SODA | S_TMPL, "processes per node (`--ntasks-per-node`, `ppn=`); MODAK's default is 1"),
    INT("core_count_per_process", 0, R_POSITIVE, S_SODA | S_TMPL, "cores per process (`--cpus-per-task`)"),
    ROW("memory_limit", T_SIZE, 0, R_POSITIVE, S_SODA | S_TMPL, "memory per node (`--mem`, `mem=`)"),
    ROW("minimum_memory_per_processor", T_SIZE, 0, R_POSITIVE, S_SODA | S_TMPL, "memory per CPU (`--mem-per-cpu`, `pmem=`)"),
    INT("request_gpus", 0, R_POSITIVE, S_MODAK | S_SODA | S_TMPL, "GPUs per node (`--gres=gpu:N`, `gpus=`)"),
    STR("request_specific_nodes", 0, S_MODAK | S_SODA | S_TMPL, "node list or node feature (`--nodelist`)"),
    ROW("job_array", T_ARRAY, 0, R_NONE, S_SODA | S_TMPL, "array indices (`-a`, `-t`)"),
    STR("standard_output_file", 0, S_MODAK | S_SODA | S_TMPL, "standard output file; MODAK's default is job.out"),
    STR("standard_error_file", 0, S_MODAK | S_SODA | S_TMPL, "standard error file"),
    BOOL("combine_stdout_stderr", 0, S_MODAK | S_SODA | S_TMPL, "join standard error into standard output; MODAK's default is true"),
    STR("architecture_constraint", 0, S_SODA | S_TMPL, "architecture constraint (MODAK's Piz Daint example)"),
    BOOL("copy_environment", 0, S_MODAK | S_SODA | S_TMPL, "export the submission environment (`--export=ALL`, `-V`)"),
    STR("copy_environment_variable", 0, S_MODAK | S_SODA | S_TMPL, "variables to export (`--export=`, `-v`)"),
    STR("job_dependency", 0, S_SODA | S_TMPL, "dependency (`--dependency`, `-W`)"),
    ROW("request_event_notification", T_NOTIFY, 0, R_NONE, S_MODAK | S_SODA | S_TMPL, "mail events (`--mail-type`, `-m`)"),
    ROW("email_address", T_EMAIL, 0, R_NONE, S_MODAK | S_SODA | S_TMPL, "mail recipient (`--mail-user`, `-M`)"),
    STR("defer_job", 0, S_SODA | S_TMPL, "start no earlier than (`--begin`, `-a`)"),
    BOOL("node_exclusive", 0, S_SODA | S_TMPL, "whole nodes (`--exclusive`, `naccesspolicy=singlejob`)"),
};
SECTION(sec_job_options, "job_options", "/job/job_options", f_job_options, 0, cross_job_options);

static const dsl_field f_build[] = {
    ROW("src", T_URL, F_REQ, R_NONE, S_MODAK | S_SODA, "source URL (a `.git` URL is cloned, anything else fetched with wget)"),
    STR("build_command", F_REQ, S_MODAK | S_SODA, "shell commands that build the application"),
    INT("build_parallelism", 0, R_POSITIVE, S_MODAK, "parallel build jobs; MODAK's default is 1"),
};
SECTION(sec_build, "build", "/job/application/build", f_build, 0, NULL);

static const dsl_field f_application[] = {
    STR("app_tag", 0, S_MODAK | S_SODA, "a tag for the application (MODAK does not use it)"),
    ENUM("app_type", 0, v_app_type, NULL, S_MODAK | S_SODA, "how the application is started: mpi and hpc through mpirun/srun"),
    STR("executable", 0, S_MODAK | S_SODA, "command to run"),
    STR("arguments", 0, S_MODAK | S_SODA, "arguments appended to the command"),
    STR("container_runtime", 0, S_MODAK | S_SODA, "container image to run in; MODAK fills it in with the optimised one"),
    INT("mpi_ranks", 0, R_POSITIVE, S_MODAK | S_SODA, "MPI ranks (`srun -n`, `mpirun -np`); MODAK's default is 1"),
    INT("threads", 0, R_POSITIVE, S_MODAK | S_SODA, "OpenMP threads (`OMP_NUM_THREADS`); MODAK's default is 1"),
    ROW("minimal_efficiency", T_FLOAT, 0, R_UNIT, S_MODAK, "lowest parallel efficiency the scaler may scale down to"),
    SEC("build", 0, sec_build, S_MODAK | S_SODA, "how to build the application on site"),
    STR("pre-execution", 0, S_TMPL, "commands run before the application (MODAK's job_data example)"),
    STR("post-execution", 0, S_TMPL, "commands run after the application (MODAK's job_data example)"),
};
SECTION(sec_application, "application", "/job/application", f_application, 0, cross_application);

static const dsl_field f_target[] = {
    ENUM("job_scheduler_type", 0, v_sched, v_sched_soft, S_MODAK, "batch system to write the script for"),
    STR("name", 0, S_MODAK | S_SODA, "infrastructure name; selects target-specific optimisations"),
    ALIAS("queue_type", "job_scheduler_type", S_SODA),
};
SECTION(sec_target, "target", "/job/target", f_target, 0, cross_target);

static const dsl_field f_opt_build[] = {
    ENUM("cpu_type", F_REQ, v_cpu, NULL, S_MODAK | S_SODA, "CPU family to build for"),
    ENUM("acc_type", 0, v_acc, v_acc_soft, S_MODAK | S_SODA, "accelerator to build for; leave it out for none"),
};
SECTION(sec_opt_build, "opt_build", "/job/optimisation/opt_build", f_opt_build, 0, NULL);

static const dsl_field f_autotuning[] = {
    STR("tuner", F_REQ, S_MODAK | S_SODA, "autotuning tool (MODAK knows \"cresta\")"),
    STR("input", F_REQ, S_MODAK | S_SODA, "input of the autotuning tool (its DSL text or a path)"),
};
SECTION(sec_autotuning, "autotuning", "/job/optimisation/autotuning", f_autotuning, 0, NULL);

/* ---- app_type-ai_training ---- */

static const dsl_field f_ai_config[] = {
    ENUM("ai_framework", F_REQ, v_framework, v_framework_soft, S_MODAK | S_SODA, "framework; names the ai_framework-* section to read"),
    ENUM("type", 0, v_ai_type, v_ai_type_soft, S_SODA, "kind of model"),
    BOOL("distributed_training", 0, S_SODA, "training spans several nodes"),
    INT("layers", 0, R_POSITIVE, S_SODA, "layers of the network"),
    INT("parameters", 0, R_POSITIVE, S_SODA, "trainable parameters"),
    ALIAS("config_type", "type", S_SODA),
};
SECTION(sec_ai_config, "ai_training.config", "/job/optimisation/app_type-ai_training/config", f_ai_config, 0, NULL);

static const dsl_field f_ai_etl[] = {
    INT("prefetch", 0, R_NONNEG, S_SODA, "batches to prefetch"),
    INT("cache", 0, R_NONNEG, S_SODA, "batches to cache"),
};
SECTION(sec_ai_etl, "ai_training.data.etl", "/job/optimisation/app_type-ai_training/data/etl", f_ai_etl, 1, NULL);

static const dsl_field f_ai_data[] = {
    STR("location", 0, S_SODA, "where the training data is"),
    ENUM("basedata", F_KNOWN, v_ai_basedata, NULL, S_SODA, "well-known data set it is based on"),
    INT("size", 0, R_NONNEG, S_SODA, "size of the data"),
    INT("count", 0, R_NONNEG, S_SODA, "number of samples"),
    SEC("etl", 0, sec_ai_etl, S_SODA, "input pipeline settings"),
};
SECTION(sec_ai_data, "ai_training.data", "/job/optimisation/app_type-ai_training/data", f_ai_data, 1, NULL);

static const dsl_field f_tensorflow[] = {
    STR("version", F_REQ, S_MODAK | S_SODA, "TensorFlow version"),
    BOOL("xla", F_REQ, S_MODAK | S_SODA, "compile with XLA"),
};
SECTION(sec_tensorflow, "ai_framework-tensorflow", "/job/optimisation/app_type-ai_training/ai_framework-tensorflow", f_tensorflow, 0, NULL);

static const dsl_field f_pytorch[] = {
    STR("version", 0, S_SODA, "PyTorch version"),
    BOOL("glow", 0, S_SODA, "compile with Glow"),
};
SECTION(sec_pytorch, "ai_framework-pytorch", "/job/optimisation/app_type-ai_training/ai_framework-pytorch", f_pytorch, 0, NULL);

static const dsl_field f_keras[] = {
    STR("version", 0, S_SODA, "Keras version"),
    ENUM("backend", 0, v_backend, NULL, S_SODA, "Keras backend"),
};
SECTION(sec_keras, "ai_framework-keras", "/job/optimisation/app_type-ai_training/ai_framework-keras", f_keras, 0, NULL);

static const dsl_field f_cntk[] = {
    STR("version", 0, 0, "CNTK version"),
};
SECTION(sec_cntk, "ai_framework-cntk", "/job/optimisation/app_type-ai_training/ai_framework-cntk", f_cntk, 0, NULL);

static const dsl_field f_mxnet[] = {
    STR("version", 0, 0, "MXNet version"),
};
SECTION(sec_mxnet, "ai_framework-mxnet", "/job/optimisation/app_type-ai_training/ai_framework-mxnet", f_mxnet, 0, NULL);

static const dsl_field f_modak[] = {
    STR("version", 0, 0, "modak version the binary is built with"),
    STR("network", 0, 0, "zoo network (mnist_cnn, resnet20, resnet50) or graph file"),
};
SECTION(sec_modak, "ai_framework-modak", "/job/optimisation/app_type-ai_training/ai_framework-modak", f_modak, 0, NULL);

static const dsl_field f_ai_training[] = {
    SEC("config", F_REQ, sec_ai_config, S_MODAK | S_SODA, "framework and model"),
    SEC("data", 0, sec_ai_data, S_MODAK | S_SODA, "training data (free-form to MODAK)"),
    SEC("ai_framework-tensorflow", 0, sec_tensorflow, S_MODAK | S_SODA, "TensorFlow settings"),
    SEC("ai_framework-pytorch", 0, sec_pytorch, S_SODA, "PyTorch settings"),
    SEC("ai_framework-keras", 0, sec_keras, S_SODA, "Keras settings"),
    SEC("ai_framework-cntk", 0, sec_cntk, 0, "CNTK settings"),
    SEC("ai_framework-mxnet", 0, sec_mxnet, 0, "MXNet settings"),
    SEC("ai_framework-modak", 0, sec_modak, 0, "modak's native binary (a modak extension)"),
    ALIAS("tensorflow", "ai_framework-tensorflow", S_EARLY),
    ALIAS("pytorch", "ai_framework-pytorch", S_EARLY),
    ALIAS("keras", "ai_framework-keras", S_EARLY),
    ALIAS("cntk", "ai_framework-cntk", S_EARLY),
    ALIAS("mxnet", "ai_framework-mxnet", S_EARLY),
};
SECTION(sec_ai_training, "app_type-ai_training", "/job/optimisation/app_type-ai_training", f_ai_training, 0, cross_ai_training);

/* ---- app_type-hpc ---- */

static const dsl_field f_hpc_config[] = {
    ENUM("parallelisation", F_REQ | F_LIST_OK, v_parallel, NULL, S_MODAK | S_SODA, "parallel model; names the parallelisation-* section to read"),
};
SECTION(sec_hpc_config, "hpc.config", "/job/optimisation/app_type-hpc/config", f_hpc_config, 0, NULL);

static const dsl_field f_hpc_etl[] = {
    BOOL("prefetch", 0, S_SODA, "prefetch input"),
    BOOL("cache", 0, S_SODA, "cache input"),
};
SECTION(sec_hpc_etl, "hpc.data.etl", "/job/optimisation/app_type-hpc/data/etl", f_hpc_etl, 1, NULL);

static const dsl_field f_hpc_data[] = {
    STR("location", 0, S_SODA, "where the input data is"),
    ENUM("basedata", F_KNOWN, v_hpc_basedata, NULL, S_SODA, "kind of input"),
    INT("size", 0, R_NONNEG, S_SODA, "size of the data"),
    INT("count", 0, R_NONNEG, S_SODA, "number of files"),
    SEC("etl", 0, sec_hpc_etl, S_SODA, "input staging settings"),
};
SECTION(sec_hpc_data, "hpc.data", "/job/optimisation/app_type-hpc/data", f_hpc_data, 1, NULL);

static const dsl_field f_mpi[] = {
    STR("library", F_REQ, S_MODAK | S_SODA, "MPI library (mpich, openmpi, mvapich ...); selects the container"),
    STR("version", F_REQ, S_MODAK | S_SODA, "library version"),
    ROW("scaling_efficiency", T_FLOAT, 0, R_UNIT, S_SODA, "parallel efficiency to keep"),
    INT("core_subscription", 0, R_POSITIVE, S_SODA, "processes per core"),
    ENUM("message_size", 0, v_msg_size, NULL, S_SODA, "typical message size"),
};
SECTION(sec_mpi, "parallelisation-mpi", "/job/optimisation/app_type-hpc/parallelisation-mpi", f_mpi, 0, NULL);

static const dsl_field f_openmp[] = {
    INT("number_of_threads", 0, R_POSITIVE, S_SODA, "OpenMP threads"),
    ROW("scaling_efficiency", T_FLOAT, 0, R_UNIT, S_SODA, "parallel efficiency to keep"),
    ENUM("affinity", 0, v_affinity, NULL, S_SODA, "thread placement"),
};
SECTION(sec_openmp, "parallelisation-openmp", "/job/optimisation/app_type-hpc/parallelisation-openmp", f_openmp, 0, NULL);

static const dsl_field f_opencc[] = {
    ENUM("compiler", 0, v_acc_compiler, NULL, S_SODA, "OpenACC compiler"),
    STR("version", 0, S_SODA, "compiler version"),
    INT("number_of_acc", 0, R_POSITIVE, S_SODA, "accelerators"),
};
SECTION(sec_opencc, "parallelisation-opencc", "/job/optimisation/app_type-hpc/parallelisation-opencc", f_opencc, 0, NULL);

static const dsl_field f_opencl[] = {
    ENUM("compiler", 0, v_acc_compiler, NULL, S_SODA, "OpenCL compiler"),
    STR("version", 0, S_SODA, "compiler version"),
    INT("number_of_acc", 0, R_POSITIVE, S_SODA, "accelerators"),
};
SECTION(sec_opencl, "parallelisation-opencl", "/job/optimisation/app_type-hpc/parallelisation-opencl", f_opencl, 0, NULL);

static const dsl_field f_hpc[] = {
    SEC("config", F_REQ, sec_hpc_config, S_MODAK | S_SODA, "parallel model"),
    SEC("data", 0, sec_hpc_data, S_MODAK | S_SODA, "input data (free-form to MODAK)"),
    SEC("parallelisation-mpi", 0, sec_mpi, S_MODAK | S_SODA, "MPI settings"),
    SEC("parallelisation-openmp", 0, sec_openmp, S_SODA, "OpenMP settings"),
    SEC("parallelisation-opencc", 0, sec_opencc, S_SODA, "OpenACC settings"),
    SEC("parallelisation-opencl", 0, sec_opencl, S_SODA, "OpenCL settings"),
    ALIAS("mpi", "parallelisation-mpi", S_EARLY),
    ALIAS("openmp", "parallelisation-openmp", S_EARLY),
    ALIAS("opencc", "parallelisation-opencc", S_EARLY),
    ALIAS("opencl", "parallelisation-opencl", S_EARLY),
};
SECTION(sec_hpc, "app_type-hpc", "/job/optimisation/app_type-hpc", f_hpc, 0, cross_hpc);

/* SODALITE declares these datatypes with no properties yet (TODO in datatypes.yml). */
static const dsl_field f_none[] = {{.name = NULL}};
static const dsl_section sec_big_data = { "app_type-big_data", "/job/optimisation/app_type-big_data", f_none, 0, 0, NULL};
static const dsl_section sec_ai_inference = { "app_type-ai_inference", "/job/optimisation/app_type-ai_inference", f_none, 0, 0, NULL};

static const dsl_field f_optimisation[] = {
    BOOL("enable_opt_build", F_REQ, S_MODAK | S_SODA, "use a container built for opt_build's target"),
    BOOL("enable_autotuning", 0, S_MODAK | S_SODA, "run the autotuner; MODAK's default is false"),
    ENUM("app_type", F_REQ, v_opt_app_type, NULL, S_MODAK | S_SODA, "application type; names the app_type-* section to read"),
    SEC("opt_build", 0, sec_opt_build, S_MODAK | S_SODA, "target of an optimised build"),
    SEC("autotuning", 0, sec_autotuning, S_MODAK | S_SODA, "autotuner and its input"),
    SEC("app_type-ai_training", 0, sec_ai_training, S_MODAK | S_SODA, "AI training settings"),
    SEC("app_type-hpc", 0, sec_hpc, S_MODAK | S_SODA, "HPC settings"),
    SEC("app_type-big_data", 0, sec_big_data, S_SODA, "big-data settings (none defined yet)"),
    SEC("app_type-ai_inference", 0, sec_ai_inference, S_SODA, "AI inference settings (none defined yet)"),
    STR("app_name", F_LEGACY, S_EARLY, "application name the early mapper looked containers up by"),
    {.name = "app_build",
     .type = T_MAP,
     .flags = F_LEGACY,
     .src = S_EARLY,
     .what = "application build options of the early mapper"},
    ALIAS("arch_build", "opt_build", S_EARLY),
    ALIAS("ai_training", "app_type-ai_training", S_EARLY),
    ALIAS("hpc", "app_type-hpc", S_EARLY),
    ALIAS("big_data", "app_type-big_data", S_EARLY),
    ALIAS("ai_inference", "app_type-ai_inference", S_EARLY),
};
SECTION(sec_optimisation, "optimisation", "/job/optimisation", f_optimisation, 0, cross_optimisation);

static const dsl_field f_job[] = {
    SEC("job_options", F_REQ, sec_job_options, S_MODAK | S_SODA, "batch-system options"),
    SEC("application", F_REQ, sec_application, S_MODAK | S_SODA, "what to run"),
    SEC("target", 0, sec_target, S_MODAK | S_SODA, "where it runs"),
    SEC("optimisation", 0, sec_optimisation, S_MODAK | S_SODA, "the optimisation DSL"),
    STR("job_script", 0, S_MODAK, "filled in by MODAK's response: link to the job script"),
    STR("build_script", 0, S_MODAK, "filled in by MODAK's response: the build script"),
    STR("job_content", 0, S_MODAK, "filled in by MODAK's response: the job script's text"),
    STR("build_content", 0, S_MODAK, "filled in by MODAK's response: the build script's text"),
    ALIAS("optimization", "optimisation", S_EARLY),
};
SECTION(sec_job, "job", "/job", f_job, 0, cross_job);

static const dsl_field f_job_doc[] = {
    SEC("job", F_REQ, sec_job, S_MODAK, "the job"),
};
SECTION(sec_job_doc, "job document", "", f_job_doc, 0, NULL);

static const dsl_field f_opt_doc[] = {
    SEC("optimisation", F_REQ, sec_optimisation, S_SODA, "the optimisation DSL alone"),
    ALIAS("optimization", "optimisation", S_EARLY),
};
SECTION(sec_opt_doc, "optimisation document", "", f_opt_doc, 0, NULL);

/* MODAK's map_container input: registers an optimised container (mapper.add_optcontainer). */
static const dsl_field f_cm_build[] = {
    BOOL("enable_opt_build", 0, S_TMPL, "the container is an optimised build"),
    ENUM("cpu_type", 0, v_cpu, NULL, S_TMPL, "CPU family it was built for"),
    ENUM("acc_type", 0, v_acc, v_acc_soft, S_TMPL, "accelerator it was built for"),
};
SECTION(sec_cm_build, "container_map.build", "/build", f_cm_build, 0, NULL);

static const dsl_field f_container_map[] = {
    STR("name", F_REQ, S_TMPL, "optimisation code the container is registered under"),
    STR("container_file", F_REQ, S_TMPL, "image reference (registry/name:tag)"),
    ENUM("image_type", F_KNOWN, v_image_type, NULL, S_TMPL, "image format"),
    STR("image_hub", 0, S_TMPL, "registry kind (docker)"),
    STR("src", 0, S_TMPL, "where the image's definition comes from"),
    STR("app_name", 0, S_TMPL, "application or library in the container"),
    STR("version", 0, S_TMPL, "its version"),
    SEC("build", 0, sec_cm_build, S_TMPL, "target it was built for"),
    {.name = "optimisation",
     .type = T_MAP,
     .src = S_TMPL,
     .what = "features it provides (\"mpicc\": \"true\" ...)"},
};
SECTION(sec_container_map, "container_map", "", f_container_map, 0, NULL);

/* Every section, for docs and for "this field belongs in ..." hints. */
static const dsl_section *const all_sections[] = { &sec_job,          &sec_job_options,  &sec_application,   &sec_build,       &sec_target, &sec_optimisation, &sec_opt_build,    &sec_autotuning,    &sec_ai_training, &sec_ai_config, &sec_ai_data,      &sec_ai_etl,       &sec_tensorflow,    &sec_pytorch,     &sec_keras, &sec_cntk,         &sec_mxnet,        &sec_modak,        &sec_hpc,           &sec_hpc_config,  &sec_hpc_data, &sec_hpc_etl,      &sec_mpi,          &sec_openmp,        &sec_opencc,      &sec_opencl, &sec_big_data,     &sec_ai_inference, &sec_container_map, &sec_cm_build,
};

/* The sections dsl_check_section() takes by name. */
static const struct {
    const char *name;
    const dsl_section *sec;
} named_sections[] = {
    {"job_options", &sec_job_options},
    {"application", &sec_application},
    {"target", &sec_target},
    {"optimisation", &sec_optimisation},
    {"optimization", &sec_optimisation},
    {"job", &sec_job},
    {"container_map", &sec_container_map},
};

/* clang-format on */

/* ---- table lookups ---- */

static const dsl_field *row_find(const dsl_section *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->fields[i].name, name)) return &s->fields[i];
    return NULL;
}

/* The row that checks a value: the canonical row for an alias. */
static const dsl_field *row_checked(const dsl_section *s, const dsl_field *f)
{
    if (!f->alias_of) return f;
    const dsl_field *t = row_find(s, f->alias_of);
    return t ? t : f;
}

/* The value of field `name` in map m, found under its name or an early alias; the pair's
 * key is returned through *key when key is not NULL. */
static const doc_node *get(const dsl_section *s, const doc_node *m, const char *name,
                           const doc_node **key)
{
    if (!m || m->kind != DOC_MAP) return NULL;
    for (size_t i = 0; i < m->n; i++) {
        const doc_node *k = m->pairs[i].key;
        if (k->kind != DOC_SCALAR || !k->text) continue;
        const dsl_field *f = row_find(s, k->text);
        if (!f) continue;
        if (!strcmp(f->name, name) || (f->alias_of && !strcmp(f->alias_of, name))) {
            if (key) *key = k;
            return m->pairs[i].val;
        }
    }
    return NULL;
}

/* The pointer of the value of `name` in m (under whichever spelling the map uses). */
static const char *get_ptr(ctx *c, const dsl_section *s, const doc_node *m, const char *ptr,
                           const char *name)
{
    const doc_node *k = NULL;
    get(s, m, name, &k);
    return ptr_key(c, ptr, k ? k->text : name);
}

static int is_empty_map(const doc_node *n)
{
    return !n || doc_is_null(n) || (n->kind == DOC_MAP && n->n == 0);
}

/* ---- scalar readings with MODAK's (pydantic v1) coercions ---- */

/* Shortest decimal text that reads back as v. */
static void fmt_double(char *buf, size_t n, double v)
{
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, n, "%.*g", p, v);
        if (strtod(buf, NULL) == v) return;
    }
}

static int parse_ll(const char *s, long long *out)
{
    while (isspace((unsigned char)*s))
        s++;
    if (!*s) return 0;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s) return 0;
    while (isspace((unsigned char)*end))
        end++;
    if (*end) return 0;
    *out = v;
    return 1;
}

static int parse_double(const char *s, double *out)
{
    while (isspace((unsigned char)*s))
        s++;
    if (!*s) return 0;
    char *end;
    double v = strtod(s, &end);
    while (isspace((unsigned char)*end))
        end++;
    if (*end || !isfinite(v)) return 0;
    *out = v;
    return 1;
}

/* pydantic v1's bool strings */
static const char *const bool_true[] = {"true", "yes", "on", "1", "t", "y", NULL};
static const char *const bool_false[] = {"false", "no", "off", "0", "f", "n", NULL};

/* Reads n as a boolean the way MODAK does; 1 on success. *coerced when it was not one. */
static int read_bool(const doc_node *n, int *out, int *coerced)
{
    *coerced = 0;
    if (!doc_is_scalar(n)) return 0;
    if (n->type == DOC_T_BOOL) {
        *out = n->v.b;
        return 1;
    }
    *coerced = 1;
    if (n->type == DOC_T_INT && (n->v.i == 0 || n->v.i == 1)) {
        *out = (int)n->v.i;
        return 1;
    }
    if (n->type == DOC_T_STR) {
        if (in_list(bool_true, n->text, 1)) return *out = 1, 1;
        if (in_list(bool_false, n->text, 1)) return *out = 0, 1;
    }
    return 0;
}

/* A boolean field's value for cross-field rules: -1 when absent or unreadable. */
static int bool_of(const doc_node *n)
{
    int b, co;
    if (!n || doc_is_null(n)) return -1;
    return read_bool(n, &b, &co) ? b : -1;
}

/* A string field's text for cross-field rules: NULL when absent, null or not a scalar. */
static const char *text_of(const doc_node *n)
{
    if (!n || doc_is_null(n) || n->kind != DOC_SCALAR) return NULL;
    return n->text;
}

static int blank(const char *s)
{
    if (!s) return 1;
    for (; *s; s++)
        if (!isspace((unsigned char)*s)) return 0;
    return 1;
}

/* ---- formats ---- */

/* [[DD:]HH:]MM:SS into seconds; 0 = not that form. Bounds: seconds and minutes < 60,
 * hours < 24 when days are given; the leading group is unbounded. */
static int parse_hms(const char *s, long long *secs, const char **why);

/* [[DD:]HH:]MM:SS, and the other forms the job generator takes (Slurm's D-HH:MM:SS, MODAK's
 * timedelta "2 days, 1:00:00"), one definition of a duration for both. */
static int parse_duration(const char *s, long long *secs, const char **why)
{
    if (parse_hms(s, secs, why)) return 1;
    if (strchr(s, ':') && (strchr(s, '-') || strstr(s, "day"))) {
        long long t = job_walltime_seconds(s);
        if (t >= 0) {
            *secs = t;
            return 1;
        }
    }
    return 0;
}

static int parse_hms(const char *s, long long *secs, const char **why)
{
    long long g[4];
    int n = 0;
    const char *p = s;
    *why = "expected [[DD:]HH:]MM:SS";
    for (;;) {
        if (!isdigit((unsigned char)*p)) return 0;
        long long v = 0;
        int digits = 0;
        while (isdigit((unsigned char)*p)) {
            if (++digits > 9) {
                *why = "a group has too many digits";
                return 0;
            }
            v = v * 10 + (*p++ - '0');
        }
        if (n == 4) {
            *why = "more than four groups";
            return 0;
        }
        g[n++] = v;
        if (*p == ':') {
            p++;
            continue;
        }
        if (*p) return 0;
        break;
    }
    if (n < 2) {
        *why = "a bare number is ambiguous (Slurm reads minutes, Torque and MODAK seconds)";
        return 0;
    }
    (void)s;
    if (g[n - 1] >= 60) {
        *why = "seconds must be below 60";
        return 0;
    }
    if (n >= 3 && g[n - 2] >= 60) {
        *why = "minutes must be below 60";
        return 0;
    }
    if (n == 4 && g[1] >= 24) {
        *why = "hours must be below 24 when days are given";
        return 0;
    }
    long long t = 0;
    static const long long unit[4][4] = {{0}, {60, 1}, {3600, 60, 1}, {86400, 3600, 60, 1}};
    for (int i = 0; i < n; i++)
        t += g[i] * unit[n - 1][i];
    *secs = t;
    return 1;
}

/* scalar-unit.size (TOSCA: B kB KiB MB MiB GB GiB TB TiB, case-insensitive) and the
 * suffixes Slurm and Torque take (K M G T, kb mb gb tb). */
static const char *const size_units[] = {"b",  "kb",  "kib", "mb", "mib", "gb", "gib",
                                         "tb", "tib", "k",   "m",  "g",   "t",  NULL};

static int parse_size(const char *s, double *val)
{
    const char *p = s;
    char *end;
    if (!isdigit((unsigned char)*p)) return 0;
    double v = strtod(p, &end);
    p = end;
    while (*p == ' ')
        p++;
    if (!*p || !in_list(size_units, p, 1)) return 0;
    *val = v;
    return 1;
}

static int is_email(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@')) return 0;
    const char *dot = strrchr(at + 1, '.');
    if (!dot || dot == at + 1 || !dot[1]) return 0;
    for (const char *p = s; *p; p++)
        if (isspace((unsigned char)*p) || *p == ',' || *p == ';') return 0;
    return 1;
}

static int is_url(const char *s)
{
    const char *p = s;
    if (!isalpha((unsigned char)*p)) return 0;
    while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
        p++;
    if (strncmp(p, "://", 3)) return 0;
    p += 3;
    if (!*p || *p == '/' || isspace((unsigned char)*p)) return 0;
    for (; *p; p++)
        if (isspace((unsigned char)*p)) return 0;
    return 1;
}

/* Slurm: comma-separated mail types; Torque: letters from "abef", or "n" or "p" alone. */
static int is_notify(const char *s)
{
    if (!strcmp(s, "n") || !strcmp(s, "p")) return 1;
    if (*s && strspn(s, "abef") == strlen(s)) return 1;
    if (!*s) return 0;
    char tok[32];
    for (const char *p = s;;) {
        size_t n = strcspn(p, ",");
        if (n == 0 || n >= sizeof tok) return 0;
        memcpy(tok, p, n);
        tok[n] = 0;
        if (!in_list(v_slurm_mail, tok, 0)) return 0;
        if (!strcmp(tok, "NONE") && (p != s || p[n])) return 0; /* NONE stands alone */
        p += n;
        if (!*p) return 1;
        p++;
    }
}

/* Array indices: N | N-M | N-M:S, comma-separated, with an optional %LIMIT at the end. */
static int is_array_spec(const char *s)
{
    const char *p = s;
    for (;;) {
        if (!isdigit((unsigned char)*p)) return 0;
        long long a = strtoll(p, (char **)&p, 10);
        if (*p == '-') {
            p++;
            if (!isdigit((unsigned char)*p)) return 0;
            long long b = strtoll(p, (char **)&p, 10);
            if (b < a) return 0;
            if (*p == ':') {
                p++;
                if (!isdigit((unsigned char)*p)) return 0;
                if (strtoll(p, (char **)&p, 10) <= 0) return 0;
            }
        }
        if (*p == ',') {
            p++;
            continue;
        }
        break;
    }
    if (*p == '%') {
        p++;
        if (!isdigit((unsigned char)*p)) return 0;
        strtoll(p, (char **)&p, 10);
    }
    return *p == 0;
}

/* ---- checking values ---- */

static void check_map(ctx *c, const dsl_section *s, const doc_node *m, const char *ptr);

static void type_error(ctx *c, const dsl_field *f, const doc_node *n, const char *ptr,
                       const char *expected, const char *hint)
{
    diag *d = report(c, ERR, n, "dsl.type", ptr, "%s must be %s, found %s", f->name, expected,
                     show(c, n));
    diag_hint(d, "%s", hint);
}

static void range_check(ctx *c, const dsl_field *f, const doc_node *n, const char *ptr, double v)
{
    int ok = 1;
    switch (f->range) {
    case R_POSITIVE:
        ok = v > 0;
        break;
    case R_NONNEG:
        ok = v >= 0;
        break;
    case R_UNIT:
        ok = v > 0 && v <= 1;
        break;
    default:
        break;
    }
    if (ok) return;
    char num[40];
    fmt_double(num, sizeof num, v);
    diag *d = report(c, ERR, n, "dsl.range", ptr, "%s must be %s, found %s", f->name,
                     vrange_names[f->range], num);
    if (f->range == R_UNIT)
        diag_hint(d, "an efficiency is a fraction: 0.75 means 75 %%, and 1 is the most there is");
    else if (f->range == R_POSITIVE)
        diag_hint(d, "give a positive number, or leave %s out to take the default", f->name);
    else
        diag_hint(d, "give zero or more");
}

static void check_str(ctx *c, const dsl_field *f, const doc_node *n, const char *ptr)
{
    if (n->kind != DOC_SCALAR) {
        type_error(c, f, n, ptr, "a string", "write the value as one string");
        return;
    }
    switch (n->type) {
    case DOC_T_STR:
    case DOC_T_INT: /* pydantic's str takes an integer as its text */
        return;
    case DOC_T_FLOAT: {
        char num[40], full[40];
        fmt_double(num, sizeof num, n->v.f);
        snprintf(full, sizeof full, "%.17g", n->v.f);
        /* YAML keeps the text as written ("1.10"); JSON's reader prints %.17g */
        int written = strcmp(n->text, full) && strcmp(n->text, num);
        diag *d;
        if (written)
            d = report(c, WARN, n, "dsl.coercion", ptr,
                       "%s is the number %s, read as the string \"%s\": digits are lost", f->name,
                       n->text, num);
        else
            d = report(c, WARN, n, "dsl.coercion", ptr,
                       "%s is the number %s; MODAK reads it as the string \"%s\"", f->name, num,
                       num);
        diag_hint(d, "quote it (\"%s\"): as a number, a version such as 1.10 becomes 1.1",
                  written ? n->text : num);
        return;
    }
    default:
        type_error(c, f, n, ptr, "a string",
                   n->type == DOC_T_BOOL ? "quote it if the text is meant (MODAK would read "
                                           "a boolean as \"True\" or \"False\")"
                                         : "quote the value");
    }
}

static int int_of(const doc_node *n, long long *v)
{
    if (!doc_is_scalar(n)) return 0;
    if (n->type == DOC_T_INT) return *v = n->v.i, 1;
    if (n->type == DOC_T_FLOAT && n->v.f == floor(n->v.f) && fabs(n->v.f) < 9e15)
        return *v = (long long)n->v.f, 1;
    if (n->type == DOC_T_STR) return parse_ll(n->text, v);
    return 0;
}

static void check_int(ctx *c, const dsl_field *f, const doc_node *n, const char *ptr)
{
    long long v;
    if (n->kind == DOC_SCALAR && n->type == DOC_T_INT) {
        range_check(c, f, n, ptr, (double)n->v.i);
        return;
    }
    if (n->kind == DOC_SCALAR && (n->type == DOC_T_FLOAT || n->type == DOC_T_STR) &&
        int_of(n, &v)) {
        diag *d = report(c, WARN, n, "dsl.coercion", ptr, "%s is %s, read as the integer %lld",
                         f->name, show(c, n), v);
        diag_hint(d, "write it as an integer: %lld", v);
        range_check(c, f, n, ptr, (double)v);
        return;
    }
    if (n->kind == DOC_SCALAR && n->type == DOC_T_FLOAT)
        type_error(c, f, n, ptr, "an integer",
                   "write a whole number (MODAK would silently drop the fraction)");
    else
        type_error(c, f, n, ptr, "an integer", "write a number without quotes, e.g. 4");
}

static void check_float(ctx *c, const dsl_field *f, const doc_node *n, const char *ptr)
{
    double v;
    if (n->kind == DOC_SCALAR && n->type == DOC_T_INT) {
        range_check(c, f, n, ptr, (double)n->v.i);
        return;
    }
    if (n->kind == DOC_SCALAR && n->type == DOC_T_FLOAT) {
        range_check(c, f, n, ptr, n->v.f);
        return;
    }
    if (n->kind == DOC_SCALAR && n->type == DOC_T_STR && parse_double(n->text, &v)) {
        char num[40];
        fmt_double(num, sizeof num, v);
        diag *d = report(c, WARN, n, "dsl.coercion", ptr, "%s is %s, read as the number %s",
                         f->name, show(c, n), num);
        diag_hint(d, "write it as a number without quotes: %s", num);
        range_check(c, f, n, ptr, v);
        return;
    }
    type_error(c, f, n, ptr, "a number", "write a number without quotes, e.g. 0.75");
}

static void check_bool(ctx *c, const dsl_field *f, const doc_node *n, const char *ptr)
{
    int b, coerced;
    if (read_bool(n, &b, &coerced)) {
        if (coerced) {
            diag *d = report(c, WARN, n, "dsl.coercion", ptr, "%s is %s, read as %s", f->name,
                             show(c, n), b ? "true" : "false");
            diag_hint(d, "write %s without quotes", b ? "true" : "false");
        }
        return;
    }
    type_error(c, f, n, ptr, "true or false", "write true or false, without quotes");
}

/* The value of an enumeration as written, resolved to its canonical spelling: exact, soft
 * or case-insensitive matches; NULL for anything else (placeholders included). */
static const char *enum_resolve(const dsl_field *f, const doc_node *n)
{
    if (!n || n->kind != DOC_SCALAR || n->type != DOC_T_STR) return NULL;
    for (const char *const *v = f->values; v && *v; v++)
        if (!strcasecmp(*v, n->text)) return *v;
    for (const char *const *v = f->soft; v && *v; v++)
        if (!strcasecmp(*v, n->text)) return *v;
    return NULL;
}

/* A template's list of alternatives ("x86/arm/amd/power"). */
static void check_placeholder(ctx *c, const dsl_field *f, const doc_node *n, const char *ptr)
{
    mk_buf bad, typos;
    mk_buf_init(&bad);
    mk_buf_init(&typos);
    const char *p = n->text;
    for (;;) {
        size_t len = strcspn(p, "/");
        char *part = mk_arena_strndup(&c->a, p, len);
        int ok = in_list(f->values, part, 1) || in_list(f->soft, part, 1);
        if (!ok) {
            const char *near = nearest(f->values, part);
            if (near)
                mk_buf_printf(&typos, "%s\"%s\" (did you mean \"%s\"?)", typos.len ? ", " : "",
                              part, near);
            else
                mk_buf_printf(&bad, "%s\"%s\"", bad.len ? ", " : "", part);
        }
        p += len;
        if (!*p) break;
        p++;
    }
    const char *vals = join_values(c, f->values);
    if (bad.len && !(f->flags & F_KNOWN)) {
        diag *d =
            report(c, ERR, n, "dsl.enum", ptr, "%s lists alternatives, and %s %s none of them",
                   f->name, bad.s, strchr(bad.s, ',') ? "are" : "is");
        diag_hint(d, "%s takes one of: %s", f->name, vals);
    } else {
        diag *d = report(c, WARN, n, "dsl.placeholder", ptr,
                         "%s is %s, a template's list of alternatives, not one value", f->name,
                         show(c, n));
        diag_hint(d, "%s one value: %s %s%s%s",
                  f->flags & F_KNOWN ? "write" : "MODAK takes exactly",
                  f->flags & F_KNOWN ? "known ones are" : "pick one of", vals,
                  typos.len ? "; not a value: " : "", typos.len ? typos.s : "");
    }
    mk_buf_fini(&bad);
    mk_buf_fini(&typos);
}

static void check_enum_scalar(ctx *c, const dsl_field *f, const doc_node *n, const char *ptr)
{
    const char *vals = join_values(c, f->values);
    if (n->kind != DOC_SCALAR || n->type != DOC_T_STR) {
        diag *d = report(c, ERR, n, "dsl.type", ptr, "%s must be one of %s, found %s", f->name,
                         vals, show(c, n));
        diag_hint(d, "write one of the names as a string");
        return;
    }
    if (blank(n->text)) {
        if (f->flags & F_REQ) {
            diag *d = report(c, ERR, n, "dsl.required", ptr, "%s must not be empty", f->name);
            diag_hint(d, "write one of: %s", vals);
        } else {
            diag *d = report(c, WARN, n, "dsl.empty", ptr,
                             "%s is empty, which is the same as leaving it out", f->name);
            diag_hint(d, "leave %s out, or write one of: %s (MODAK's model rejects \"\")", f->name,
                      vals);
        }
        return;
    }
    if (in_list(f->values, n->text, 0)) return;
    if (in_list(f->soft, n->text, 0)) {
        const char *near = nearest(f->values, n->text);
        diag *d = report(c, WARN, n, "dsl.modak-compat", ptr,
                         "%s \"%s\" is taken by modak, but it is not one of MODAK's names (%s)",
                         f->name, n->text, vals);
        if (near)
            diag_hint(d, "write \"%s\" (SODALITE's datatypes spell it \"%s\")", near, n->text);
        else if (!strcmp(n->text, "none"))
            diag_hint(d, "leave %s out to mean \"%s\"", f->name, n->text);
        else
            diag_hint(d, "fine for modak; MODAK's own service would refuse the document");
        return;
    }
    const char *canon = enum_resolve(f, n);
    if (canon) {
        diag *d = report(c, WARN, n, "dsl.case", ptr, "%s \"%s\" is read as \"%s\"", f->name,
                         n->text, canon);
        diag_hint(d, "write \"%s\": MODAK compares names exactly", canon);
        return;
    }
    if (strchr(n->text, '/')) {
        check_placeholder(c, f, n, ptr);
        return;
    }
    const char *near = nearest(f->values, n->text);
    if (f->flags & F_KNOWN) {
        diag *d = report(c, WARN, n, "dsl.value", ptr, "%s %s is not one of the known values",
                         f->name, show(c, n));
        if (near)
            diag_hint(d, "did you mean \"%s\"? known values: %s", near, vals);
        else
            diag_hint(d, "known values: %s", vals);
        return;
    }
    diag *d =
        report(c, ERR, n, "dsl.enum", ptr, "%s %s is not one of %s", f->name, show(c, n), vals);
    if (near)
        diag_hint(d, "did you mean \"%s\"?", near);
    else
        diag_hint(d, "write one of: %s", vals);
}

static void check_enum(ctx *c, const dsl_field *f, const doc_node *n, const char *ptr)
{
    if (n->kind == DOC_SEQ && (f->flags & F_LIST_OK)) {
        diag *d =
            report(c, WARN, n, "dsl.legacy", ptr,
                   "%s is a list, as in MODAK's early DSL; MODAK's model takes one value", f->name);
        diag_hint(d, "write one value: \"%s\": \"%s\"", f->name, f->values[0]);
        if (n->n == 0) {
            d = report(c, ERR, n, "dsl.required", ptr, "%s is an empty list", f->name);
            diag_hint(d, "write one of: %s", join_values(c, f->values));
        }
        for (size_t i = 0; i < n->n; i++)
            check_enum_scalar(c, f, n->items[i], doc_ptr_index(&c->a, ptr, i));
        return;
    }
    check_enum_scalar(c, f, n, ptr);
}

static void check_duration(ctx *c, const dsl_field *f, const doc_node *n, const char *ptr)
{
    long long secs = 0;
    const char *why;
    if (n->kind == DOC_SCALAR && n->type == DOC_T_STR) {
        const char *s = n->text;
        while (isspace((unsigned char)*s))
            s++;
        size_t len = strlen(s);
        while (len && isspace((unsigned char)s[len - 1]))
            len--;
        const char *t = mk_arena_strndup(&c->a, s, len);
        if (len != n->len) {
            diag *d =
                report(c, WARN, n, "dsl.whitespace", ptr,
                       "%s %s has spaces around it; modak reads \"%s\"", f->name, show(c, n), t);
            diag_hint(d, "write \"%s\": MODAK's model (a timedelta) rejects the spaces", t);
        }
        if (!parse_duration(t, &secs, &why)) {
            diag *d = report(c, ERR, n, "dsl.format", ptr, "%s \"%s\" is not a duration: %s",
                             f->name, t, why);
            diag_hint(d, "write [[DD:]HH:]MM:SS, e.g. \"12:00:00\" for twelve hours or "
                         "\"1:00:00:00\" for a day");
            return;
        }
    } else if (n->kind == DOC_SCALAR && n->type == DOC_T_INT && !n->quoted &&
               strchr(n->text, ':')) {
        /* YAML 1.1 read an unquoted 12:00:00 as the sexagesimal integer 43200 */
        if (!parse_duration(n->text, &secs, &why)) secs = n->v.i;
        diag *d = report(c, WARN, n, "dsl.coercion", ptr,
                         "%s %s is, unquoted, the YAML 1.1 integer %lld; modak reads it as the "
                         "duration %s",
                         f->name, n->text, n->v.i, n->text);
        diag_hint(d, "quote it: \"%s\" (tosca-parser and PyYAML see the number)", n->text);
    } else if (n->kind == DOC_SCALAR && n->type == DOC_T_INT) {
        secs = n->v.i;
        if (secs > 0) {
            diag *d = report(c, WARN, n, "dsl.coercion", ptr,
                             "%s is the number %lld, read as seconds (%lld:%02lld:%02lld) as "
                             "MODAK does",
                             f->name, secs, secs / 3600, secs / 60 % 60, secs % 60);
            diag_hint(d,
                      "write \"%lld:%02lld:%02lld\": a batch system reads a bare number as "
                      "minutes (Slurm) or seconds (Torque)",
                      secs / 3600, secs / 60 % 60, secs % 60);
        }
    } else {
        type_error(c, f, n, ptr, "a duration",
                   "write [[DD:]HH:]MM:SS as a string, e.g. \"12:00:00\"");
        return;
    }
    if (secs <= 0) {
        diag *d = report(c, ERR, n, "dsl.range", ptr, "%s must be longer than zero", f->name);
        diag_hint(d, "give the time the job may run, e.g. \"1:00:00\"");
    }
}

static void check_size(ctx *c, const dsl_field *f, const doc_node *n, const char *ptr)
{
    double v;
    if (n->kind == DOC_SCALAR && (n->type == DOC_T_INT || n->type == DOC_T_FLOAT)) {
        diag *d = report(c, ERR, n, "dsl.format", ptr,
                         "%s is the bare number %s: Slurm reads megabytes, Torque bytes", f->name,
                         n->text);
        diag_hint(d, "add the unit: \"%s MB\", \"%s GB\"", n->text, n->text);
        return;
    }
    if (n->kind != DOC_SCALAR || n->type != DOC_T_STR) {
        type_error(c, f, n, ptr, "a size", "write a number and a unit, e.g. \"10 GB\"");
        return;
    }
    if (blank(n->text)) {
        diag *d = report(c, WARN, n, "dsl.empty", ptr,
                         "%s is empty, which is the same as leaving it out", f->name);
        diag_hint(d, "leave %s out, or give a size such as \"10 GB\"", f->name);
        return;
    }
    if (!parse_size(n->text, &v)) {
        diag *d = report(c, ERR, n, "dsl.format", ptr, "%s %s is not a size", f->name, show(c, n));
        diag_hint(d, "write a number and a unit: B, kB, KiB, MB, MiB, GB, GiB, TB, TiB (or "
                     "Slurm's K, M, G, T), e.g. \"10 GB\"");
        return;
    }
    range_check(c, f, n, ptr, v);
}

static int want_string(ctx *c, const dsl_field *f, const doc_node *n, const char *ptr,
                       const char *example)
{
    if (n->kind == DOC_SCALAR && n->type == DOC_T_STR) return 1;
    type_error(c, f, n, ptr, "a string", example);
    return 0;
}

static void check_scalar_map(ctx *c, const dsl_field *f, const doc_node *n, const char *ptr)
{
    if (n->kind != DOC_MAP) {
        type_error(c, f, n, ptr, "a map", "write a map of names to values");
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        const doc_node *v = n->pairs[i].val;
        if (v->kind == DOC_SCALAR) continue;
        const char *kp = ptr_key(c, ptr, n->pairs[i].key->text ? n->pairs[i].key->text : "");
        diag *d = report(c, ERR, v, "dsl.type", kp,
                         "%s/%s must be a string, number or boolean, "
                         "found %s",
                         f->name, n->pairs[i].key->text, show(c, v));
        diag_hint(d, "each entry of %s is one value, e.g. \"mpicc\": \"true\"", f->name);
    }
}

static void check_value(ctx *c, const dsl_field *f, const doc_node *n, const char *ptr)
{
    if (doc_is_null(n)) {
        if (f->flags & F_REQ) {
            diag *d = report(c, ERR, n, "dsl.required", ptr, "%s is required and is null", f->name);
            diag_hint(d, "give %s a value: %s", f->name, f->what);
        }
        return;
    }
    switch (f->type) {
    case T_STR:
        check_str(c, f, n, ptr);
        break;
    case T_INT:
        check_int(c, f, n, ptr);
        break;
    case T_FLOAT:
        check_float(c, f, n, ptr);
        break;
    case T_BOOL:
        check_bool(c, f, n, ptr);
        break;
    case T_ENUM:
        check_enum(c, f, n, ptr);
        break;
    case T_DURATION:
        check_duration(c, f, n, ptr);
        break;
    case T_SIZE:
        check_size(c, f, n, ptr);
        break;
    case T_EMAIL:
        if (want_string(c, f, n, ptr, "write the address as a string") && !blank(n->text) &&
            !is_email(n->text)) {
            diag *d = report(c, WARN, n, "dsl.format", ptr,
                             "%s %s does not look like an e-mail address", f->name, show(c, n));
            diag_hint(d, "write one address, user@host.domain (MODAK's model, EmailStr, "
                         "rejects anything else)");
        }
        break;
    case T_URL:
        if (want_string(c, f, n, ptr, "write the URL as a string") && !is_url(n->text)) {
            diag *d =
                report(c, ERR, n, "dsl.format", ptr, "%s %s is not a URL", f->name, show(c, n));
            diag_hint(d, "write scheme://host/path, e.g. https://example.org/src.tar.gz or "
                         "git://host/repo.git");
        }
        break;
    case T_NOTIFY:
        if (want_string(c, f, n, ptr, "write the events as a string, e.g. \"abe\" or \"ALL\"") &&
            !blank(n->text) && !is_notify(n->text)) {
            diag *d = report(c, WARN, n, "dsl.value", ptr,
                             "%s %s is neither Slurm mail types nor Torque mail letters", f->name,
                             show(c, n));
            diag_hint(d, "write Slurm's BEGIN,END,FAIL,ALL... or Torque's letters a, b, e, f "
                         "(\"abe\"); MODAK replaces anything else with ALL or abe");
        }
        break;
    case T_ARRAY:
        if (n->kind == DOC_SCALAR && n->type == DOC_T_INT) break; /* one index */
        if (want_string(c, f, n, ptr, "write the indices as a string, e.g. \"1-10\"") &&
            !is_array_spec(n->text)) {
            diag *d = report(c, ERR, n, "dsl.format", ptr, "%s %s is not a list of array indices",
                             f->name, show(c, n));
            diag_hint(d, "write indices and ranges: \"1,2,3\", \"0-15\", \"0-15:4\" (step), "
                         "\"1-100%%10\" (at most 10 at once)");
        }
        break;
    case T_SECTION:
        if (n->kind != DOC_MAP) {
            type_error(c, f, n, ptr, "a map",
                       mk_arena_printf(&c->a, "write %s as a map of its fields (see %s)", f->name,
                                       f->sub->name));
            break;
        }
        if (f->sub->open) c->soft++;
        check_map(c, f->sub, n, ptr);
        if (f->sub->open) c->soft--;
        break;
    case T_MAP:
        check_scalar_map(c, f, n, ptr);
        break;
    case T_COUNT:
        break;
    }
}

/* ---- maps ---- */

/* The sections of a job, between which a misplaced field is worth pointing out. */
static const dsl_section *const top_sections[] = {&sec_job, &sec_job_options, &sec_application,
                                                  &sec_target, &sec_optimisation};

static int in_top(const dsl_section *s)
{
    for (size_t i = 0; i < COUNT(top_sections); i++)
        if (top_sections[i] == s) return 1;
    return 0;
}

static void unknown_key(ctx *c, const dsl_section *s, const doc_node *k, const char *ptr)
{
    const char *kp = ptr_key(c, ptr, k->text);
    diag *d =
        report(c, ERR, k, "dsl.unknown-key", kp, "unknown key \"%s\" in %s", k->text, s->name);
    const char *best = NULL;
    int bd = 99;
    for (size_t i = 0; i < s->n; i++) {
        int dd = distance(s->fields[i].name, k->text);
        if (dd < bd) {
            bd = dd;
            best = s->fields[i].name;
        }
    }
    if (best && bd == 0) {
        diag_hint(d, "keys are case-sensitive: write \"%s\"", best);
        return;
    }
    if (best && close_enough(best, bd)) {
        diag_hint(d, "did you mean \"%s\"?", best);
        return;
    }
    for (size_t i = 0; i < COUNT(top_sections) && in_top(s); i++) {
        const dsl_section *o = top_sections[i];
        if (o == s || !row_find(o, k->text)) continue;
        diag_hint(d, "\"%s\" is a field of %s (%s), not of %s", k->text, o->name, o->where,
                  s->name);
        return;
    }
    if (s->n == 0) {
        diag_hint(d, "%s takes no fields yet; leave it empty", s->name);
        return;
    }
    mk_buf b;
    mk_buf_init(&b);
    for (size_t i = 0, j = 0; i < s->n; i++)
        if (!s->fields[i].alias_of && !(s->fields[i].flags & F_LEGACY))
            mk_buf_printf(&b, "%s%s", j++ ? ", " : "", s->fields[i].name);
    diag_hint(d, "%s takes: %s", s->name, b.s);
    mk_buf_fini(&b);
}

static void check_map(ctx *c, const dsl_section *s, const doc_node *m, const char *ptr)
{
    if (m->kind != DOC_MAP) {
        diag *d =
            report(c, ERR, m, "dsl.type", ptr, "%s must be a map, found %s", s->name, show(c, m));
        diag_hint(d, "write %s as a map of its fields", s->name);
        return;
    }
    for (size_t i = 0; i < m->n; i++) {
        const doc_node *k = m->pairs[i].key, *v = m->pairs[i].val;
        if (k->kind != DOC_SCALAR || !k->text) {
            diag *d = report(c, ERR, k, "dsl.type", ptr, "a key of %s is %s, not a name", s->name,
                             show(c, k));
            diag_hint(d, "keys are field names");
            continue;
        }
        const dsl_field *f = row_find(s, k->text);
        if (!f) {
            unknown_key(c, s, k, ptr);
            continue;
        }
        const char *kp = ptr_key(c, ptr, k->text);
        if (f->alias_of) {
            if (doc_map_pair(m, f->alias_of)) {
                diag *d = report(c, ERR, k, "dsl.cross-field", kp,
                                 "\"%s\" and \"%s\" are the same field, given twice", k->text,
                                 f->alias_of);
                diag_hint(d, "keep \"%s\" and remove \"%s\"", f->alias_of, k->text);
                continue;
            }
            diag *d = report(c, WARN, k, "dsl.legacy", kp, "\"%s\" is an early name of \"%s\" (%s)",
                             k->text, f->alias_of,
                             f->src & S_SODA ? "SODALITE's datatypes" : "MODAK's early DSL");
            diag_hint(d, "rename it to \"%s\": MODAK's model knows only that name", f->alias_of);
            f = row_checked(s, f);
        } else if (f->flags & F_LEGACY) {
            diag *d = report(c, WARN, k, "dsl.legacy", kp,
                             "\"%s\" belongs to MODAK's early DSL (%s); modak ignores it", k->text,
                             f->what);
            diag_hint(d, "remove it: MODAK's model rejects it, and app_type-* sections say "
                         "what it said");
        }
        check_value(c, f, v, kp);
    }
    for (size_t i = 0; i < s->n; i++) {
        const dsl_field *f = &s->fields[i];
        if (!(f->flags & F_REQ) || f->alias_of || get(s, m, f->name, NULL)) continue;
        diag *d = report(c, ERR, m, "dsl.required", ptr_key(c, ptr, f->name),
                         "%s is required in %s", f->name, s->name);
        diag_hint(d, "add \"%s\": %s", f->name, f->what);
    }
    if (s->cross) s->cross(c, s, m, ptr);
}

/* ---- cross-field rules ---- */

static void cross_job_options(ctx *c, const dsl_section *s, const doc_node *m, const char *ptr)
{
    const doc_node *comb = get(s, m, "combine_stdout_stderr", NULL);
    if (bool_of(comb) == 0 && blank(text_of(get(s, m, "standard_error_file", NULL)))) {
        diag *d =
            report(c, ERR, comb, "dsl.cross-field", get_ptr(c, s, m, ptr, "standard_error_file"),
                   "standard_error_file is required when combine_stdout_stderr is false");
        diag_hint(d, "name a file for standard error, or set combine_stdout_stderr to true");
    }
    const doc_node *notify = get(s, m, "request_event_notification", NULL);
    if (!blank(text_of(notify)) && blank(text_of(get(s, m, "email_address", NULL)))) {
        diag *d = report(c, ERR, notify, "dsl.cross-field", get_ptr(c, s, m, ptr, "email_address"),
                         "email_address is required when request_event_notification is set");
        diag_hint(d, "add the address to notify, or remove request_event_notification");
    }
}

static void cross_application(ctx *c, const dsl_section *s, const doc_node *m, const char *ptr)
{
    if (blank(text_of(get(s, m, "executable", NULL))) &&
        blank(text_of(get(s, m, "container_runtime", NULL)))) {
        diag *d = report(c, ERR, m, "dsl.cross-field", get_ptr(c, s, m, ptr, "executable"),
                         "neither executable nor container_runtime is set: there is nothing to "
                         "run");
        diag_hint(d, "give the command in executable, or a container to run in "
                     "container_runtime");
    }
}

static void cross_target(ctx *c, const dsl_section *s, const doc_node *m, const char *ptr)
{
    if (doc_is_null(get(s, m, "job_scheduler_type", NULL)) &&
        doc_is_null(get(s, m, "name", NULL))) {
        diag *d = report(c, ERR, m, "dsl.cross-field", get_ptr(c, s, m, ptr, "job_scheduler_type"),
                         "target needs job_scheduler_type or name");
        diag_hint(d, "add \"job_scheduler_type\": \"slurm\" (or \"torque\"), or the name of "
                     "the infrastructure, or leave target out for a plain shell script");
    }
}

/* The rule "a <kind> value X needs the section <prefix>X, and sections for other values
 * are ignored", shared by app_type, ai_framework and parallelisation. `chosen` are the
 * values the document names (several for the early DSL's lists); `at` the node that named
 * them; `sec_ok` 0 relaxes the requirement (MODAK's early app_name form). */
static void sections_named(ctx *c, const dsl_section *s, const doc_node *m, const char *ptr,
                           const char *prefix, const char *const *all, const char **chosen,
                           size_t nchosen, const doc_node *at, const char *what, int sec_ok,
                           const char *const *required_for, const char *skip)
{
    for (size_t i = 0; i < nchosen; i++) {
        if (required_for && !in_list(required_for, chosen[i], 0)) continue;
        const char *name = mk_arena_printf(&c->a, "%s%s", prefix, chosen[i]);
        if (!doc_is_null(get(s, m, name, NULL)) || !sec_ok) continue;
        diag *d = report(c, ERR, at, "dsl.cross-field", ptr_key(c, ptr, name),
                         "%s is %s, but there is no %s section", what, chosen[i], name);
        diag_hint(d, "add \"%s\" with its settings, or change %s", name, what);
    }
    for (const char *const *v = all; *v; v++) {
        int named = 0;
        for (size_t i = 0; i < nchosen; i++)
            named |= !strcmp(chosen[i], *v);
        if (named) continue;
        const char *name = mk_arena_printf(&c->a, "%s%s", prefix, *v);
        if (skip && !strcmp(name, skip)) continue; /* reported already */
        const doc_node *k = NULL;
        const doc_node *sec = get(s, m, name, &k);
        if (is_empty_map(sec)) continue;
        diag *d = report(c, WARN, k, "dsl.unused-section", ptr_key(c, ptr, k->text),
                         "%s is ignored: %s is %s", k->text, what, chosen[0]);
        diag_hint(d, "remove it, or set %s to %s", what, *v);
    }
}

static void cross_optimisation(ctx *c, const dsl_section *s, const doc_node *m, const char *ptr)
{
    const doc_node *at = get(s, m, "app_type", NULL);
    const char *t = enum_resolve(row_find(s, "app_type"), at);
    if (t) {
        static const char *const modak_types[] = {"ai_training", "hpc", NULL};
        int early = !doc_is_null(get(s, m, "app_name", NULL));
        if (!in_list(modak_types, t, 0)) {
            diag *d = report(c, WARN, at, "dsl.modak-compat", get_ptr(c, s, m, ptr, "app_type"),
                             "app_type %s is in SODALITE's DSL, but MODAK optimises only "
                             "ai_training and hpc",
                             t);
            diag_hint(d, "the job runs unoptimised; use ai_training or hpc to get an "
                         "optimised container");
        }
        const doc_node *hk = NULL, *ak = NULL;
        const doc_node *hpc = get(s, m, "app_type-hpc", &hk);
        const doc_node *ai = get(s, m, "app_type-ai_training", &ak);
        const char *skip = NULL;
        if (!is_empty_map(hpc) && !is_empty_map(ai)) {
            const doc_node *k = !strcmp(t, "hpc") ? ak : hk;
            skip = !strcmp(t, "hpc") ? "app_type-ai_training" : "app_type-hpc";
            diag *d = report(c, ERR, k, "dsl.cross-field", ptr_key(c, ptr, k->text),
                             "app_type-hpc and app_type-ai_training exclude each other, and "
                             "app_type is %s",
                             t);
            diag_hint(d, "remove %s", k->text);
        }
        const char *chosen[1] = {t};
        sections_named(c, s, m, ptr, "app_type-", v_opt_app_type, chosen, 1, at, "app_type", !early,
                       modak_types, skip);
    }
    const doc_node *tune = get(s, m, "enable_autotuning", NULL);
    if (bool_of(tune) == 1 && doc_is_null(get(s, m, "autotuning", NULL))) {
        diag *d = report(c, ERR, tune, "dsl.cross-field", get_ptr(c, s, m, ptr, "autotuning"),
                         "enable_autotuning is true, but there is no autotuning section");
        diag_hint(d, "add \"autotuning\": {\"tuner\": \"cresta\", \"input\": \"...\"}, or set "
                     "enable_autotuning to false");
    }
    const doc_node *build = get(s, m, "enable_opt_build", NULL);
    if (bool_of(build) == 1 && doc_is_null(get(s, m, "opt_build", NULL))) {
        diag *d = report(c, WARN, build, "dsl.cross-field", get_ptr(c, s, m, ptr, "opt_build"),
                         "enable_opt_build is true, but there is no opt_build section: no "
                         "optimised build can be chosen");
        diag_hint(d, "add \"opt_build\": {\"cpu_type\": \"x86\", \"acc_type\": \"nvidia\"}, or "
                     "set enable_opt_build to false");
    }
}

/* config.<field> names the section to read in s (an app_type-* section). */
static void cross_config_names(ctx *c, const dsl_section *s, const doc_node *m, const char *ptr,
                               const dsl_section *config_sec, const char *field, const char *prefix)
{
    const doc_node *config = get(s, m, "config", NULL);
    const doc_node *v = get(config_sec, config, field, NULL);
    const dsl_field *f = row_find(config_sec, field);
    if (!v || !f) return;
    const char *chosen[8];
    size_t n = 0;
    if (v->kind == DOC_SEQ) {
        for (size_t i = 0; i < v->n && n < COUNT(chosen); i++) {
            const char *t = enum_resolve(f, v->items[i]);
            if (!t) return; /* placeholder or unknown: reported already */
            chosen[n++] = t;
        }
    } else {
        const char *t = enum_resolve(f, v);
        if (!t) return;
        chosen[n++] = t;
    }
    if (!n) return;
    sections_named(c, s, m, ptr, prefix, f->values, chosen, n, v,
                   mk_arena_printf(&c->a, "config/%s", field), 1, NULL, NULL);
}

static void cross_ai_training(ctx *c, const dsl_section *s, const doc_node *m, const char *ptr)
{
    cross_config_names(c, s, m, ptr, &sec_ai_config, "ai_framework", "ai_framework-");
}

static void cross_hpc(ctx *c, const dsl_section *s, const doc_node *m, const char *ptr)
{
    cross_config_names(c, s, m, ptr, &sec_hpc_config, "parallelisation", "parallelisation-");
}

static void cross(ctx *c, const doc_node *jo, const char *jo_ptr, const doc_node *app,
                  const char *app_ptr)
{
    if (!jo || !app || jo->kind != DOC_MAP || app->kind != DOC_MAP) return;
    long long ranks, nodes, ppn;
    const doc_node *rn = get(&sec_application, app, "mpi_ranks", NULL);
    if (!int_of(rn, &ranks) || !int_of(get(&sec_job_options, jo, "node_count", NULL), &nodes) ||
        !int_of(get(&sec_job_options, jo, "process_count_per_node", NULL), &ppn))
        return;
    if (nodes <= 0 || ppn <= 0 || ranks <= nodes * ppn) return;
    diag *d = report(c, WARN, rn, "dsl.cross-field", ptr_key(c, app_ptr, "mpi_ranks"),
                     "%lld MPI ranks do not fit in node_count %lld x process_count_per_node "
                     "%lld = %lld slots",
                     ranks, nodes, ppn, nodes * ppn);
    diag_hint(d,
              "raise node_count or process_count_per_node (%s), or lower mpi_ranks: srun "
              "and mpirun refuse to oversubscribe",
              jo_ptr);
}

static void cross_job(ctx *c, const dsl_section *s, const doc_node *m, const char *ptr)
{
    const doc_node *jk = NULL, *ak = NULL;
    const doc_node *jo = get(s, m, "job_options", &jk);
    const doc_node *app = get(s, m, "application", &ak);
    if (jo && app) cross(c, jo, ptr_key(c, ptr, jk->text), app, ptr_key(c, ptr, ak->text));
}

/* ---- public API ---- */

static void ctx_init(ctx *c, diag_list *out)
{
    memset(c, 0, sizeof *c);
    c->out = out;
    mk_arena_init(&c->a);
}

static void ctx_fini(ctx *c)
{
    mk_arena_fini(&c->a);
}

static const char *const kind_names[] = {"none", "job document", "optimisation document",
                                         "container mapping"};
_Static_assert(COUNT(kind_names) == DSL_DOC_COUNT, "kind_names");

const char *dsl_doc_kind_name(dsl_doc_kind k)
{
    return (unsigned)k < DSL_DOC_COUNT ? kind_names[k] : "?";
}

int dsl_is_job_document(const doc_node *root)
{
    if (!root || root->kind != DOC_MAP) return DSL_DOC_NONE;
    if (doc_map_get(root, "tosca_definitions_version")) return DSL_DOC_NONE;
    if (doc_map_pair(root, "job")) return DSL_DOC_JOB;
    static const char *const container_keys[] = {"container_file", "image_type", "image_hub"};
    for (size_t i = 0; i < COUNT(container_keys); i++)
        if (doc_map_pair(root, container_keys[i])) return DSL_DOC_CONTAINER_MAP;
    if (doc_map_pair(root, "optimisation") || doc_map_pair(root, "optimization"))
        return DSL_DOC_OPTIMISATION;
    return DSL_DOC_NONE;
}

void dsl_check_job(const doc_node *root, diag_list *out)
{
    ctx c;
    ctx_init(&c, out);
    switch ((dsl_doc_kind)dsl_is_job_document(root)) {
    case DSL_DOC_JOB:
        check_map(&c, &sec_job_doc, root, "");
        break;
    case DSL_DOC_OPTIMISATION:
        check_map(&c, &sec_opt_doc, root, "");
        break;
    case DSL_DOC_CONTAINER_MAP:
        check_map(&c, &sec_container_map, root, "");
        break;
    default: {
        diag *d;
        if (!root)
            d = report(&c, ERR, NULL, "dsl.document", NULL, "the document is empty");
        else if (root->kind != DOC_MAP)
            d = report(&c, ERR, root, "dsl.document", "",
                       "a job document is a JSON object, found %s", show(&c, root));
        else
            d = report(&c, ERR, root, "dsl.document", "",
                       "not a MODAK job document: no \"job\" or \"optimisation\" at the top");
        const char *near = NULL;
        static const char *const tops[] = {"job", "optimisation", NULL};
        for (size_t i = 0; root && root->kind == DOC_MAP && i < root->n && !near; i++)
            if (root->pairs[i].key->text) near = nearest(tops, root->pairs[i].key->text);
        if (near)
            diag_hint(d, "did you mean \"%s\"?", near);
        else
            diag_hint(d, "a job document is {\"job\": {\"job_options\": {...}, \"application\": "
                         "{...}, \"optimisation\": {...}}}");
        break;
    }
    }
    ctx_fini(&c);
}

void dsl_check_section(const char *section, const doc_node *n, const char *ptr, diag_list *out)
{
    ctx c;
    ctx_init(&c, out);
    const dsl_section *s = NULL;
    for (size_t i = 0; i < COUNT(named_sections) && section; i++)
        if (!strcmp(named_sections[i].name, section)) s = named_sections[i].sec;
    if (!s) {
        diag *d = report(&c, ERR, n, "dsl.section", ptr, "no DSL section is called \"%s\"",
                         section ? section : "(null)");
        diag_hint(d, "sections: job_options, application, target, optimisation");
    } else if (n && !doc_is_null(n)) {
        check_map(&c, s, n, ptr ? ptr : "");
    }
    ctx_fini(&c);
}

void dsl_check_cross(const doc_node *job_options, const char *job_options_ptr,
                     const doc_node *application, const char *application_ptr, diag_list *out)
{
    ctx c;
    ctx_init(&c, out);
    cross(&c, job_options, job_options_ptr ? job_options_ptr : "", application,
          application_ptr ? application_ptr : "");
    ctx_fini(&c);
}

/* ---- reading ---- */

/* Moves marks on line 1 one column left (the '{' put in front of a fragment). */
static void unshift(doc_node *n, int depth)
{
    if (!n || depth > DOC_DEFAULT_MAX_DEPTH + 2) return;
    if (n->mark.line == 1 && n->mark.col > 1) n->mark.col--;
    if (n->kind == DOC_SEQ)
        for (size_t i = 0; i < n->n; i++)
            unshift(n->items[i], depth + 1);
    if (n->kind == DOC_MAP)
        for (size_t i = 0; i < n->n; i++) {
            unshift(n->pairs[i].key, depth + 1);
            unshift(n->pairs[i].val, depth + 1);
        }
}

doc *dsl_read(const char *name, const char *text, size_t len, const doc_limits *lim, diag_list *out,
              mk_err *err)
{
    mk_err first;
    mk_err_clear(&first);
    doc *d = doc_read_json(name, text, len, lim, &first);
    if (d) return d;
    size_t i = 0;
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) i = 3;
    while (i < len && isspace((unsigned char)text[i]))
        i++;
    if (first.code == MK_EINVAL && i < len && text[i] == '"') {
        /* a bare member, `"optimization": {...}`: read it wrapped in braces */
        char *w = mk_xmalloc(len + 3);
        w[0] = '{';
        memcpy(w + 1, text, len);
        w[len + 1] = '\n';
        w[len + 2] = '}';
        mk_err second;
        mk_err_clear(&second);
        d = doc_read_json(name, w, len + 3, lim, &second);
        free(w);
        if (d) {
            unshift(d->root, 0);
            d->text = mk_arena_strndup(&d->arena, text, len);
            d->text_len = len;
            doc_mark at = {d->file, 1, 1};
            diag *g = diag_add(out, DIAG_WARNING, &at, "dsl.fragment", NULL,
                               "the file is a bare JSON member, not a document; read as if "
                               "wrapped in { }");
            diag_hint(g, "put { before and } after it to make it a JSON document");
            return d;
        }
        /* report whichever reading got further: a broken fragment's own error */
        if (second.line == 1 && second.col > 1) second.col--;
        if (second.line > first.line || (second.line == first.line && second.col > first.col))
            first = second;
    }
    if (err) *err = first;
    return NULL;
}

doc *dsl_read_file(const char *path, const doc_limits *lim, diag_list *out, mk_err *err)
{
    char *text;
    size_t len;
    size_t max = lim && lim->max_bytes ? lim->max_bytes : DOC_DEFAULT_MAX_BYTES;
    if (mk_file_read(path, max, &text, &len, err)) return NULL;
    doc *d = dsl_read(path, text, len, lim, out, err);
    free(text);
    return d;
}

/* ---- the reference tables (docs/dsl.md) ---- */

static void md_values(mk_buf *b, const char *const *v)
{
    for (size_t i = 0; v && v[i]; i++)
        mk_buf_printf(b, "%s`%s`", i ? ", " : "", v[i]);
}

static void md_row(mk_buf *b, const dsl_field *f)
{
    mk_buf_printf(b, "| `%s` | ", f->name);
    switch (f->type) {
    case T_ENUM:
        if (f->flags & F_KNOWN) {
            mk_buf_puts(b, "string; known: ");
            md_values(b, f->values);
        } else {
            mk_buf_puts(b, "one of ");
            md_values(b, f->values);
            if (f->soft) {
                mk_buf_puts(b, " (also ");
                md_values(b, f->soft);
                mk_buf_puts(b, ", with a warning)");
            }
        }
        break;
    case T_SECTION:
        mk_buf_printf(b, "map: `%s`", f->sub->name);
        break;
    default:
        mk_buf_puts(b, vtype_names[f->type]);
        break;
    }
    mk_buf_printf(b, " | %s | ", f->flags & F_REQ ? "yes" : "");
    const char *sep = "";
    if (f->range) {
        mk_buf_puts(b, vrange_names[f->range]);
        sep = "; ";
    }
    if (f->flags & F_LIST_OK) {
        mk_buf_printf(b, "%sa list in the early DSL (warning)", sep);
        sep = "; ";
    }
    if (f->flags & F_LEGACY) mk_buf_printf(b, "%searly DSL: warning, ignored", sep);
    mk_buf_puts(b, " | ");
    static const struct {
        unsigned bit;
        const char *tag;
    } srcs[] = {{S_MODAK, "M"}, {S_SODA, "S"}, {S_TMPL, "T"}, {S_EARLY, "E"}};
    sep = "";
    for (size_t i = 0; i < COUNT(srcs); i++)
        if (f->src & srcs[i].bit) {
            mk_buf_printf(b, "%s%s", sep, srcs[i].tag);
            sep = " ";
        }
    if (!f->src) mk_buf_puts(b, "modak");
    mk_buf_printf(b, " | %s |\n", f->what ? f->what : "");
}

void dsl_write_reference(mk_buf *b)
{
    for (size_t i = 0; i < COUNT(all_sections); i++) {
        const dsl_section *s = all_sections[i];
        mk_buf_printf(b, "### `%s`\n\n", s->name);
        if (*s->where)
            mk_buf_printf(b, "At `%s`.", s->where);
        else
            mk_buf_puts(b, "The whole document.");
        if (s->open)
            mk_buf_puts(b, " MODAK reads this section as free data (`Dict[str, Any]`): every "
                           "finding in it is a warning.");
        mk_buf_puts(b, "\n\n");
        if (s->n == 0) {
            mk_buf_puts(b, "No fields yet (SODALITE's datatype is empty): any key is "
                           "`dsl.unknown-key`.\n\n");
            continue;
        }
        mk_buf_puts(b, "| field | type | required | constraint | from | description |\n"
                       "| --- | --- | --- | --- | --- | --- |\n");
        for (size_t j = 0; j < s->n; j++)
            if (!s->fields[j].alias_of) md_row(b, &s->fields[j]);
        const char *sep = "\nEarly names (a `dsl.legacy` warning, checked as the field they "
                          "name): ";
        int any = 0;
        for (size_t j = 0; j < s->n; j++)
            if (s->fields[j].alias_of) {
                mk_buf_printf(b, "%s`%s` for `%s`", sep, s->fields[j].name, s->fields[j].alias_of);
                sep = ", ";
                any = 1;
            }
        mk_buf_puts(b, any ? ".\n\n" : "\n");
    }
}
