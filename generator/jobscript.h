/* jobscript — MODAK-compatible job generation: from a job document ({"job": {...}}, parsed
 * with jansson) to the batch script and the build script, the way MODAK's /optimise does it,
 * with MODAK's known defects fixed (docs/modak-compat.md lists every difference).
 *
 * job_generate() reads the fields generation needs (it is not the validator: it refuses only
 * what it cannot turn into a safe script), runs the registry's mapper, scaler and enforcer,
 * renders the scheduler header (one table row per scheduler: torque, slurm, bash) and the
 * run lines, and returns the completed document: container_runtime replaced by the chosen
 * image, job_script/build_script paths, job_content/build_content texts, nulls omitted.
 *
 * Safety: values that land in the script as shell words (paths, URLs, image names) are
 * quoted as one word; values in #SBATCH directives are quoted the way sbatch reads them;
 * #PBS directive values must be one plain token. A newline, carriage return or other control
 * character in a directive value is refused, since no quoting can carry it. `executable`,
 * `arguments` and `build_command` are command text and are written as given, but a newline
 * (other than a backslash line continuation) or a NUL in executable or arguments is refused. */
#ifndef MODAK_JOBSCRIPT_H
#define MODAK_JOBSCRIPT_H

#include <jansson.h>

#include "mk_buf.h"
#include "mk_err.h"
#include "registry.h"

typedef struct job_opts {
    const char *timestamp;  /* 14 digits YYYYmmddHHMMSS for the script names (required) */
    const char *name;       /* --name: the scripts are <name>.sh and <name>_build.sh */
    const char *script_dir; /* directory the scripts are reported (and written) in; NULL = "." */
    const char *scheduler;  /* torque, slurm or bash: overrides the document and the
                               infrastructure, like the scheduler argument of MODAK's
                               JobfileGenerator; NULL = from the document */
} job_opts;

typedef struct job_result {
    json_t *doc;           /* the completed document {"job": {...}} */
    char *job_path;        /* <script_dir>/<job_name>_<timestamp>.sh */
    char *build_path;      /* NULL when the application has no build section */
    char *job_content;     /* the batch script */
    char *build_content;   /* the build script, or NULL */
    char *explain;         /* mapper, scaler and enforcer decisions, one per line */
    char *warnings;        /* one line each; "" when none */
    const char *scheduler; /* "torque", "slurm" or "bash" (static) */
} job_result;

/* doc is {"job": {...}} (or the inner object itself). Returns 0, or -1 with err naming the
 * offending value by its JSON pointer. */
int job_generate(const json_t *doc, const reg_registry *reg, const job_opts *opts, job_result *out,
                 mk_err *err);
void job_result_fini(job_result *r);

/* The file name MODAK gives a container's Singularity image: the last path component of
 * the reference with ':' as '_', plus ".sif" (docker://a/b:1.0 -> b_1.0.sif); malloc'd.
 * Job scripts run "$SINGULARITY_DIR/<it>"; the deploy playbook builds or pulls it there. */
char *job_sif_name(const char *container);

/* ---- the value conversions, exposed for tests ---- */

/* Appends s as one shell word: as is when it is made only of [A-Za-z0-9_@%+=:,./-], else in
 * single quotes ('\'' for a quote). The empty string becomes ''. */
void job_sh_word(mk_buf *b, const char *s);
/* Parses a wall time ([D-]H:M:S, [D-]H:M... MODAK's timedelta forms "D day(s), H:MM:SS",
 * "M:S", plain seconds) into seconds; -1 when it is not one. */
long long job_walltime_seconds(const char *s);
/* Formats seconds for a scheduler: torque "H:MM:SS", slurm "H:MM:SS" or "D-HH:MM:SS". */
void job_walltime_format(mk_buf *b, long long seconds, int slurm);
/* Converts event notification options to the scheduler's form: Torque letters (a, b, e, f,
 * n) <-> Slurm words (BEGIN, END, FAIL, ALL, NONE, ...). Returns a malloc'd string, or NULL
 * with *why set when the value is neither form. */
char *job_notify_convert(const char *value, int slurm, const char **why);
/* Converts a size (see reg_parse_size) for a scheduler: slurm "<n>G" / "<n>M", torque
 * "<n>gb" / "<n>mb" / "<n>kb"; a bare integer is passed through. NULL when invalid. */
char *job_mem_convert(const char *value, int slurm);

#endif
