/* jobscript — see jobscript.h. The flow of job_generate():
 *
 *   read      job_options / application / target / optimisation into a js_job (typed, trimmed,
 *             every refusal names its JSON pointer)
 *   decide    scheduler (target, else the infrastructure's, else bash); mapper (image);
 *             scaler (ranks, threads, node_count); enforcer (pre and post scripts)
 *   render    header (one row per scheduler in `schedulers`), cd/PATH lines, pre scripts,
 *             build step, run line, post scripts; then the build script the same way
 *   complete  a copy of the document with the decisions, paths and contents, nulls omitted
 *
 * MODAK's text is kept byte for byte where it is right, so that its expected scripts compare
 * equal with only the documented lines changed. */
#include "jobscript.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mk_arena.h"

/* ---- the job, as generation reads it ---- */

typedef struct js_job {
    /* job_options */
    const char *job_name, *account, *queue, *partition, *qos, *wall_time, *memory_limit,
        *min_mem_per_proc, *specific_nodes, *job_array, *out_file, *err_file, *constraint,
        *env_vars, *dependency, *notification, *email, *defer;
    long long node_count, core_count, ppn, cpp, gpus;
    int combine, copy_env, exclusive; /* -1 when not given */
    /* application */
    const char *app_tag, *app_type, *executable, *arguments, *container, *storage_pref;
    long long mpi_ranks, threads;
    double min_eff;
    int has_build;
    const char *build_src, *build_command;
    long long build_par;
    /* target */
    const char *target_name, *scheduler_name;
    int autotuning;
} js_job;

typedef struct js {
    mk_arena arena;
    mk_err *err;
    mk_buf warn, explain;
    const json_t *job, *jo, *app, *target;
    js_job j;
    const struct sched_row *sched;
    const reg_infra *infra;
    char *container; /* the container the scripts run (malloc'd) or NULL */
    reg_script_list scripts;
    char *pref_storage; /* preferred storage location (enforcer environment) */
} js;

static int fail(js *c, const char *ptr, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(js *c, const char *ptr, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* values quoted in messages may hold newlines and control characters: one line, escaped */
    mk_buf e;
    mk_buf_init(&e);
    for (const char *p = msg; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '\n')
            mk_buf_puts(&e, "\\n");
        else if (ch == '\r')
            mk_buf_puts(&e, "\\r");
        else if (ch == '\t')
            mk_buf_puts(&e, "\\t");
        else if (ch < 0x20 || ch == 0x7f)
            mk_buf_printf(&e, "\\x%02x", ch);
        else
            mk_buf_putc(&e, (char)ch);
    }
    mk_err_set(c->err, MK_EINVAL, NULL, 0, 0, "%s: %s", ptr, e.s ? e.s : "");
    mk_buf_fini(&e);
    return -1;
}


/* A string value, trimmed of surrounding whitespace; "" and all-blank count as absent (MODAK's
 * templates test truthiness). A NUL inside is refused. */
static int get_str(js *c, const json_t *obj, const char *sect, const char *key, int trim,
                   const char **out)
{
    const json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v)) return 0;
    char ptr[200];
    snprintf(ptr, sizeof ptr, "/job/%s/%s", sect, key);
    if (!json_is_string(v)) return fail(c, ptr, "must be a string, not %s", reg_json_type_word(v));
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (strlen(s) != n) return fail(c, ptr, "contains a NUL character");
    if (trim) {
        while (n && isspace((unsigned char)*s))
            s++, n--;
        while (n && isspace((unsigned char)s[n - 1]))
            n--;
    }
    if (!n) return 0;
    *out = mk_arena_strndup(&c->arena, s, n);
    return 0;
}

static int get_int(js *c, const json_t *obj, const char *sect, const char *key, long long *out)
{
    const json_t *v = json_object_get(obj, key);
    *out = 0;
    if (!v || json_is_null(v)) return 0;
    char ptr[200];
    snprintf(ptr, sizeof ptr, "/job/%s/%s", sect, key);
    if (json_is_real(v) && fabs(json_real_value(v)) < 1e15 &&
        json_real_value(v) == (double)(long long)json_real_value(v))
        *out = (long long)json_real_value(v);
    else if (json_is_integer(v))
        *out = json_integer_value(v);
    else
        return fail(c, ptr, "must be a positive integer, not %s", reg_json_type_word(v));
    if (*out < 1) return fail(c, ptr, "must be a positive integer, not %lld", *out);
    if (*out > 100000000) return fail(c, ptr, "%lld is beyond any machine", *out);
    return 0;
}

static int get_bool(js *c, const json_t *obj, const char *sect, const char *key, int *out)
{
    const json_t *v = json_object_get(obj, key);
    *out = -1;
    if (!v || json_is_null(v)) return 0;
    if (!json_is_boolean(v)) {
        char ptr[200];
        snprintf(ptr, sizeof ptr, "/job/%s/%s", sect, key);
        return fail(c, ptr, "must be a boolean, not %s", reg_json_type_word(v));
    }
    *out = json_is_true(v);
    return 0;
}

static int get_section(js *c, const json_t *job, const char *key, int required, const json_t **out)
{
    const json_t *v = json_object_get(job, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required) return fail(c, "/job", "'%s' is required", key);
        return 0;
    }
    if (!json_is_object(v)) {
        char ptr[100];
        snprintf(ptr, sizeof ptr, "/job/%s", key);
        return fail(c, ptr, "must be an object, not %s", reg_json_type_word(v));
    }
    *out = v;
    return 0;
}

/* Command text: written as given, but a newline that is not a backslash continuation would
 * start a new command line, and control characters have no business there. */
static int check_command(js *c, const char *ptr, const char *s)
{
    for (size_t i = 0; s[i]; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '\n') {
            size_t bs = 0;
            while (bs < i && s[i - 1 - bs] == '\\')
                bs++;
            if (bs % 2 == 0)
                return fail(c, ptr,
                            "has a newline that is not a backslash line continuation; it would "
                            "start a second command line in the job script");
        } else if (ch == '\r') {
            return fail(c, ptr, "has a carriage return");
        } else if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
            return fail(c, ptr, "has the control character 0x%02x", ch);
        }
    }
    return 0;
}

static int read_job(js *c)
{
    js_job *j = &c->j;
    const json_t *jo = c->jo, *app = c->app;
    static const char *const jo_strs[] = {"job_name",
                                          "account",
                                          "queue",
                                          "partition",
                                          "qos",
                                          "wall_time_limit",
                                          "memory_limit",
                                          "minimum_memory_per_processor",
                                          "request_specific_nodes",
                                          "job_array",
                                          "standard_output_file",
                                          "standard_error_file",
                                          "architecture_constraint",
                                          "copy_environment_variable",
                                          "job_dependency",
                                          "request_event_notification",
                                          "email_address",
                                          "defer_job"};
    const char **jo_dst[] = {&j->job_name,
                             &j->account,
                             &j->queue,
                             &j->partition,
                             &j->qos,
                             &j->wall_time,
                             &j->memory_limit,
                             &j->min_mem_per_proc,
                             &j->specific_nodes,
                             &j->job_array,
                             &j->out_file,
                             &j->err_file,
                             &j->constraint,
                             &j->env_vars,
                             &j->dependency,
                             &j->notification,
                             &j->email,
                             &j->defer};
    _Static_assert(sizeof jo_strs / sizeof *jo_strs == sizeof jo_dst / sizeof *jo_dst, "rows");
    for (size_t i = 0; i < sizeof jo_strs / sizeof *jo_strs; i++)
        if (get_str(c, jo, "job_options", jo_strs[i], 1, jo_dst[i])) return -1;
    if (get_int(c, jo, "job_options", "node_count", &j->node_count) ||
        get_int(c, jo, "job_options", "core_count", &j->core_count) ||
        get_int(c, jo, "job_options", "process_count_per_node", &j->ppn) ||
        get_int(c, jo, "job_options", "core_count_per_process", &j->cpp) ||
        get_int(c, jo, "job_options", "request_gpus", &j->gpus) ||
        get_bool(c, jo, "job_options", "combine_stdout_stderr", &j->combine) ||
        get_bool(c, jo, "job_options", "copy_environment", &j->copy_env) ||
        get_bool(c, jo, "job_options", "node_exclusive", &j->exclusive))
        return -1;

    if (get_str(c, app, "application", "app_tag", 1, &j->app_tag) ||
        get_str(c, app, "application", "app_type", 1, &j->app_type) ||
        get_str(c, app, "application", "executable", 0, &j->executable) ||
        get_str(c, app, "application", "arguments", 0, &j->arguments) ||
        get_str(c, app, "application", "container_runtime", 1, &j->container) ||
        get_str(c, app, "application", "storage_class_pref", 1, &j->storage_pref) ||
        get_int(c, app, "application", "mpi_ranks", &j->mpi_ranks) ||
        get_int(c, app, "application", "threads", &j->threads))
        return -1;
    if (j->executable && check_command(c, "/job/application/executable", j->executable)) return -1;
    if (j->arguments && check_command(c, "/job/application/arguments", j->arguments)) return -1;
    if (j->app_type && strcmp(j->app_type, "mpi") && strcmp(j->app_type, "hpc") &&
        strcmp(j->app_type, "python"))
        return fail(c, "/job/application/app_type", "'%s' is none of mpi, hpc, python",
                    j->app_type);
    const json_t *me = json_object_get(app, "minimal_efficiency");
    if (me && !json_is_null(me)) {
        if (!json_is_number(me) || json_number_value(me) <= 0 || json_number_value(me) > 1)
            return fail(c, "/job/application/minimal_efficiency", "must be a number in (0, 1]");
        j->min_eff = json_number_value(me);
    }
    const json_t *build;
    const json_t *bv = json_object_get(app, "build");
    if (bv && !json_is_null(bv)) {
        if (!json_is_object(bv))
            return fail(c, "/job/application/build", "must be an object, not %s", reg_json_type_word(bv));
        build = bv;
        j->has_build = 1;
        if (get_str(c, build, "application/build", "src", 1, &j->build_src) ||
            get_str(c, build, "application/build", "build_command", 0, &j->build_command) ||
            get_int(c, build, "application/build", "build_parallelism", &j->build_par))
            return -1;
        if (!j->build_src) return fail(c, "/job/application/build/src", "is required");
        if (!j->build_command)
            return fail(c, "/job/application/build/build_command", "is required");
        const char *sep = strstr(j->build_src, "://");
        int scheme_ok = sep && sep != j->build_src;
        for (const char *p = j->build_src; scheme_ok && p < sep; p++)
            if (!isalnum((unsigned char)*p) && !strchr("+.-", *p)) scheme_ok = 0;
        if (!scheme_ok)
            return fail(c, "/job/application/build/src", "'%s' is not a URL (scheme://...)",
                        j->build_src);
        for (const char *p = j->build_src; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                return fail(c, "/job/application/build/src", "has a control character");
        for (const char *p = j->build_command; *p; p++)
            if (((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
                return fail(c, "/job/application/build/build_command",
                            "has the control character 0x%02x", (unsigned char)*p);
        if (!j->build_par) j->build_par = 1;
    }
    if (j->container && j->container[strlen(j->container) - 1] == '/')
        return fail(c, "/job/application/container_runtime", "'%s' names no image", j->container);
    if (j->container)
        for (const char *p = j->container; *p; p++)
            if ((unsigned char)*p <= 0x20 || *p == 0x7f)
                return fail(c, "/job/application/container_runtime",
                            "has whitespace or a control character, which no image reference has");

    if (c->target) {
        if (get_str(c, c->target, "target", "name", 1, &j->target_name) ||
            get_str(c, c->target, "target", "job_scheduler_type", 1, &j->scheduler_name))
            return -1;
        if (!j->scheduler_name &&
            get_str(c, c->target, "target", "queue_type", 1, &j->scheduler_name))
            return -1;
    }
    const json_t *opt = json_object_get(c->job, "optimisation");
    j->autotuning = json_is_object(opt) && json_is_true(json_object_get(opt, "enable_autotuning"));
    return 0;
}

/* ---- value conversions ---- */

void job_sh_word(mk_buf *b, const char *s)
{
    int plain = *s != 0, expands = 0;
    for (const char *p = s; *p; p++) {
        if (!isalnum((unsigned char)*p) && !strchr("_@%+=:,./-", *p)) plain = 0;
        if (*p == '$' || *p == '`') expands = 1;
    }
    if (plain) {
        mk_buf_puts(b, s);
        return;
    }
    if (expands) { /* double quotes with every special character escaped: shellcheck reads
                      '$(x)' in single quotes as a mistake (SC2016), "\$(x)" as meant */
        mk_buf_putc(b, '"');
        for (const char *p = s; *p; p++) {
            if (strchr("$`\"\\", *p)) mk_buf_putc(b, '\\');
            mk_buf_putc(b, *p);
        }
        mk_buf_putc(b, '"');
        return;
    }
    mk_buf_putc(b, '\'');
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            mk_buf_puts(b, "'\\''");
        else
            mk_buf_putc(b, *p);
    }
    mk_buf_putc(b, '\'');
}

static int all_digits(const char *s, size_t n)
{
    if (!n) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return 0;
    return 1;
}

long long job_walltime_seconds(const char *s)
{
    long long days = 0;
    const char *p = s;
    /* "D-..." (Slurm) or "D day, ..." / "D days, ..." (Python's timedelta) */
    const char *dash = strchr(p, '-');
    if (dash && all_digits(p, (size_t)(dash - p))) {
        days = atoll(p);
        p = dash + 1;
    } else {
        const char *sp = strchr(p, ' ');
        if (sp && all_digits(p, (size_t)(sp - p))) {
            const char *rest = sp + 1;
            if (!strncmp(rest, "days, ", 6))
                rest += 6;
            else if (!strncmp(rest, "day, ", 5))
                rest += 5;
            else
                return -1;
            days = atoll(p);
            p = rest;
        }
    }
    long long f[3];
    int n = 0;
    while (n < 3) {
        size_t len = strcspn(p, ":");
        if (!all_digits(p, len) || len > 9) return -1;
        f[n++] = atoll(p);
        p += len;
        if (!*p) break;
        p++;
    }
    if (*p) return -1;
    long long sec;
    if (n == 3) {
        if (f[1] > 59 || f[2] > 59) return -1;
        sec = f[0] * 3600 + f[1] * 60 + f[2];
    } else if (n == 2) {
        if (f[1] > 59) return -1;
        sec = f[0] * 60 + f[1];
    } else {
        sec = f[0];
    }
    if (days > 100000) return -1;
    return days * 86400 + sec;
}

void job_walltime_format(mk_buf *b, long long t, int slurm)
{
    if (slurm && t >= 86400)
        mk_buf_printf(b, "%lld-%02lld:%02lld:%02lld", t / 86400, t % 86400 / 3600, t % 3600 / 60,
                      t % 60);
    else
        mk_buf_printf(b, "%lld:%02lld:%02lld", t / 3600, t % 3600 / 60, t % 60);
}

static const char *const slurm_mail_words[] = {
    "NONE",          "BEGIN",          "END",         "FAIL",       "REQUEUE",
    "ALL",           "INVALID_DEPEND", "STAGE_OUT",   "TIME_LIMIT", "TIME_LIMIT_90",
    "TIME_LIMIT_80", "TIME_LIMIT_50",  "ARRAY_TASKS", NULL};

char *job_notify_convert(const char *value, int slurm, const char **why)
{
    size_t n = strlen(value);
    int torque_form = n > 0 && n <= 5;
    for (size_t i = 0; i < n && torque_form; i++)
        if (!strchr("abefnp", value[i])) torque_form = 0;
    if (torque_form) {
        if (!slurm) return mk_xstrdup(value);
        if (strchr(value, 'n') || strchr(value, 'p')) {
            if (n > 1) {
                *why = "'n' (no mail) cannot be combined with other letters";
                return NULL;
            }
            return mk_xstrdup("NONE");
        }
        /* a: aborted by the batch system, f: failed (Torque 6): both are Slurm's FAIL */
        int begin = strchr(value, 'b') != NULL, end = strchr(value, 'e') != NULL,
            failed = strchr(value, 'a') || strchr(value, 'f');
        mk_buf b;
        mk_buf_init(&b);
        if (begin) mk_buf_puts(&b, "BEGIN");
        if (end) mk_buf_printf(&b, "%sEND", b.len ? "," : "");
        if (failed) mk_buf_printf(&b, "%sFAIL", b.len ? "," : "");
        return mk_buf_detach(&b);
    }
    /* Slurm words, comma-separated, any case */
    int begin = 0, end = 0, failed = 0, none = 0, count = 0;
    mk_buf words;
    mk_buf_init(&words);
    const char *p = value;
    while (1) {
        size_t len = strcspn(p, ",");
        char w[32];
        if (!len || len >= sizeof w) {
            mk_buf_fini(&words);
            *why = "it is neither Torque letters (a, b, e, f, n) nor Slurm words (BEGIN, END, "
                   "FAIL, ALL, NONE, ...)";
            return NULL;
        }
        for (size_t i = 0; i < len; i++)
            w[i] = (char)toupper((unsigned char)p[i]);
        w[len] = 0;
        int known = 0;
        for (size_t i = 0; slurm_mail_words[i]; i++)
            if (!strcmp(w, slurm_mail_words[i])) known = 1;
        if (!known) {
            mk_buf_fini(&words);
            *why = "it is neither Torque letters (a, b, e, f, n) nor Slurm words (BEGIN, END, "
                   "FAIL, ALL, NONE, ...)";
            return NULL;
        }
        mk_buf_printf(&words, "%s%s", count ? "," : "", w);
        count++;
        if (!strcmp(w, "NONE")) none = 1;
        if (!strcmp(w, "BEGIN") || !strcmp(w, "ALL")) begin = 1;
        if (!strcmp(w, "END") || !strcmp(w, "ALL")) end = 1;
        if (!strcmp(w, "FAIL") || !strcmp(w, "ALL") || !strcmp(w, "INVALID_DEPEND") ||
            !strncmp(w, "TIME_LIMIT", 10) || !strcmp(w, "REQUEUE"))
            failed = 1;
        p += len;
        if (!*p) break;
        p++;
    }
    if (none && count > 1) {
        mk_buf_fini(&words);
        *why = "NONE cannot be combined with other events";
        return NULL;
    }
    if (slurm) return mk_buf_detach(&words);
    mk_buf_fini(&words);
    if (none) return mk_xstrdup("n");
    mk_buf b;
    mk_buf_init(&b);
    if (failed) mk_buf_putc(&b, 'a');
    if (begin) mk_buf_putc(&b, 'b');
    if (end) mk_buf_putc(&b, 'e');
    if (!b.len) { /* only events Torque cannot mail about (ARRAY_TASKS, STAGE_OUT) */
        mk_buf_fini(&b);
        *why = "none of these events has a Torque mail option";
        return NULL;
    }
    return mk_buf_detach(&b);
}

char *job_mem_convert(const char *value, int slurm)
{
    unsigned long long bytes;
    if (all_digits(value, strlen(value))) return mk_xstrdup(value);
    if (reg_parse_size(value, &bytes) || !bytes) return NULL;
    const unsigned long long KiB = 1024, MiB = KiB * 1024, GiB = MiB * 1024;
    if (slurm) {
        if (bytes % GiB == 0) return mk_xasprintf("%lluG", bytes / GiB);
        return mk_xasprintf("%lluM", (bytes + MiB - 1) / MiB);
    }
    if (bytes % GiB == 0) return mk_xasprintf("%llugb", bytes / GiB);
    if (bytes % MiB == 0) return mk_xasprintf("%llumb", bytes / MiB);
    return mk_xasprintf("%llukb", (bytes + KiB - 1) / KiB);
}

/* ---- the schedulers ---- */

typedef struct hdr {
    js *c;
    mk_buf *b;
    const js_job *j;
    long long node_count, ppn, gpus, core_count, cpp;
    const char *job_name, *out_file, *err_file, *job_array;
    int build; /* the build script's header */
} hdr;

typedef struct sched_row {
    const char *name;
    int (*header)(hdr *h);
    const char *workdir;  /* the scheduler's submit-directory variable, or NULL */
    const char *launcher; /* MPI launch command and its rank-count option */
} sched_row;

static int ctl_check(js *c, const char *ptr, const char *v, const char *where)
{
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return fail(c, ptr, "has a %s, which %s cannot carry: no quoting makes it safe",
                        *p == '\n'   ? "newline"
                        : *p == '\r' ? "carriage return"
                                     : "control character",
                        where);
    return 0;
}

/* One #SBATCH directive: the value bare when it is plain, else in double quotes the way
 * sbatch reads them (backslash escapes a quote or a backslash). */
static int sbatch(hdr *h, const char *opt, const char *ptr, const char *v)
{
    if (ctl_check(h->c, ptr, v, "an #SBATCH directive")) return -1;
    mk_buf_printf(h->b, "#SBATCH %s", opt);
    int plain = 1;
    for (const char *p = v; *p && plain; p++)
        if (!isalnum((unsigned char)*p) && !strchr("_@%+=:,./-[]", *p)) plain = 0;
    if (plain) {
        mk_buf_puts(h->b, v);
    } else {
        mk_buf_putc(h->b, '"');
        for (const char *p = v; *p; p++) {
            if (*p == '"' || *p == '\\') mk_buf_putc(h->b, '\\');
            mk_buf_putc(h->b, *p);
        }
        mk_buf_putc(h->b, '"');
    }
    mk_buf_putc(h->b, '\n');
    return 0;
}

/* #PBS directive values must be one plain token: qsub's directive parser has no quoting
 * modak can rely on, so blanks, quotes and backslashes are refused. */
static int pbs_token(js *c, const char *ptr, const char *v)
{
    if (ctl_check(c, ptr, v, "a #PBS directive")) return -1;
    for (const char *p = v; *p; p++)
        if (*p == ' ' || *p == '\t' || *p == '"' || *p == '\'' || *p == '\\')
            return fail(c, ptr,
                        "'%s' has %s, which a #PBS directive value cannot carry (qsub has no "
                        "quoting modak can rely on)",
                        v,
                        *p == ' ' || *p == '\t' ? "a blank"
                        : *p == '\\'            ? "a backslash"
                                                : "a quote");
    return 0;
}

static int pbs(hdr *h, const char *prefix, const char *ptr, const char *v)
{
    if (pbs_token(h->c, ptr, v)) return -1;
    mk_buf_printf(h->b, "#PBS %s%s\n", prefix, v);
    return 0;
}

static int walltime(hdr *h, int slurm, mk_buf *out)
{
    long long t = job_walltime_seconds(h->j->wall_time);
    if (t < 0)
        return fail(h->c, "/job/job_options/wall_time_limit",
                    "'%s' is not a duration such as 12:00:00, 1-12:00:00 or 90:00",
                    h->j->wall_time);
    job_walltime_format(out, t, slurm);
    return 0;
}

static char *notification(hdr *h, int slurm)
{
    const char *why = NULL;
    char *v = job_notify_convert(h->j->notification, slurm, &why);
    if (!v)
        fail(h->c, "/job/job_options/request_event_notification", "'%s': %s", h->j->notification,
             why);
    return v;
}

static char *memory(hdr *h, const char *ptr, const char *v, int slurm)
{
    char *m = job_mem_convert(v, slurm);
    if (!m) fail(h->c, ptr, "'%s' is not a size such as 4GB, 512MiB or 2048", v);
    return m;
}

static int hdr_slurm(hdr *h)
{
    const js_job *j = h->j;
    mk_buf t;
    int rc = -1;
    char *s = NULL;
    mk_buf_init(&t);
    mk_buf_puts(h->b, "#!/bin/bash\n## START OF HEADER ##\n");
    if (h->job_name && sbatch(h, "-J ", "/job/job_options/job_name", h->job_name)) goto out;
    if (j->account && sbatch(h, "-A ", "/job/job_options/account", j->account)) goto out;
    if (j->queue && j->partition && strcmp(j->queue, j->partition)) {
        fail(h->c, "/job/job_options/partition",
             "'%s' and queue '%s' both name the Slurm partition; give one", j->partition, j->queue);
        goto out;
    }
    if (j->queue && sbatch(h, "--partition=", "/job/job_options/queue", j->queue)) goto out;
    if (!j->queue && j->partition &&
        sbatch(h, "--partition=", "/job/job_options/partition", j->partition))
        goto out;
    if (j->qos && sbatch(h, "--qos=", "/job/job_options/qos", j->qos)) goto out;
    if (j->wall_time) {
        if (walltime(h, 1, &t)) goto out;
        mk_buf_printf(h->b, "#SBATCH --time=%s\n", t.s);
    }
    if (h->node_count) mk_buf_printf(h->b, "#SBATCH -N %lld\n", h->node_count);
    if (h->core_count) mk_buf_printf(h->b, "#SBATCH -n %lld\n", h->core_count);
    if (h->ppn) mk_buf_printf(h->b, "#SBATCH --ntasks-per-node=%lld\n", h->ppn);
    if (h->cpp) mk_buf_printf(h->b, "#SBATCH --cpus-per-task=%lld\n", h->cpp);
    if (j->memory_limit) {
        if (!(s = memory(h, "/job/job_options/memory_limit", j->memory_limit, 1))) goto out;
        mk_buf_printf(h->b, "#SBATCH --mem=%s\n", s);
        free(s);
        s = NULL;
    }
    if (j->min_mem_per_proc) {
        if (!(s = memory(h, "/job/job_options/minimum_memory_per_processor", j->min_mem_per_proc,
                         1)))
            goto out;
        mk_buf_printf(h->b, "#SBATCH --mem-per-cpu=%s\n", s);
        free(s);
        s = NULL;
    }
    if (h->gpus) mk_buf_printf(h->b, "#SBATCH --gres=gpu:%lld\n", h->gpus);
    if (j->specific_nodes &&
        sbatch(h, "--nodelist=", "/job/job_options/request_specific_nodes", j->specific_nodes))
        goto out;
    if (h->job_array && sbatch(h, "-a ", "/job/job_options/job_array", h->job_array)) goto out;
    if (h->out_file && sbatch(h, "--output=", "/job/job_options/standard_output_file", h->out_file))
        goto out;
    if (h->err_file && sbatch(h, "--error=", "/job/job_options/standard_error_file", h->err_file))
        goto out;
    if (j->constraint &&
        sbatch(h, "--constraint=", "/job/job_options/architecture_constraint", j->constraint))
        goto out;
    if (j->copy_env == 1 || j->env_vars) {
        mk_buf_reset(&t);
        if (j->copy_env == 1) mk_buf_puts(&t, "ALL");
        if (j->env_vars) mk_buf_printf(&t, "%s%s", t.len ? "," : "", j->env_vars);
        if (sbatch(h, "--export=", "/job/job_options/copy_environment_variable", t.s)) goto out;
    }
    if (j->dependency &&
        sbatch(h, "--dependency=", "/job/job_options/job_dependency", j->dependency))
        goto out;
    if (j->notification) {
        if (!(s = notification(h, 1))) goto out;
        mk_buf_printf(h->b, "#SBATCH --mail-type=%s\n", s);
        free(s);
        s = NULL;
    }
    if (j->email && sbatch(h, "--mail-user=", "/job/job_options/email_address", j->email)) goto out;
    if (j->defer && sbatch(h, "--begin=", "/job/job_options/defer_job", j->defer)) goto out;
    if (j->exclusive == 1) mk_buf_puts(h->b, "#SBATCH --exclusive\n");
    mk_buf_puts(h->b, "## END OF HEADER ##\n\n");
    rc = 0;
out:
    free(s);
    mk_buf_fini(&t);
    return rc;
}

/* Torque's -a takes [[[[CC]YY]MM]DD]hhmm[.SS]; ISO 8601 dates are converted to it. */
static int torque_defer(hdr *h, mk_buf *out)
{
    const char *v = h->j->defer;
    size_t n = strlen(v);
    int d[6] = {0};
    if (n >= 16 && sscanf(v, "%4d-%2d-%2d%*1[T ]%2d:%2d", &d[0], &d[1], &d[2], &d[3], &d[4]) == 5 &&
        v[4] == '-' && v[7] == '-' && (n == 16 || (n == 19 && v[16] == ':'))) {
        mk_buf_printf(out, "%04d%02d%02d%02d%02d", d[0], d[1], d[2], d[3], d[4]);
        if (n == 19) mk_buf_printf(out, ".%c%c", v[17], v[18]);
        return 0;
    }
    size_t dot = strcspn(v, ".");
    if (all_digits(v, dot) && dot >= 4 && dot <= 12 && dot % 2 == 0 &&
        (v[dot] == 0 ||
         (all_digits(v + dot + 1, strlen(v + dot + 1)) && strlen(v + dot + 1) == 2))) {
        mk_buf_puts(out, v);
        return 0;
    }
    return fail(h->c, "/job/job_options/defer_job",
                "'%s' is neither ISO 8601 (2024-03-01T18:30) nor Torque's "
                "[[[[CC]YY]MM]DD]hhmm[.SS]",
                v);
}

static int hdr_torque(hdr *h)
{
    const js_job *j = h->j;
    mk_buf t;
    int rc = -1;
    char *s = NULL;
    mk_buf_init(&t);
    mk_buf_puts(h->b, "#!/bin/bash\n#PBS -S /bin/bash\n## START OF HEADER ##\n");
    if (h->job_name && pbs(h, "-N ", "/job/job_options/job_name", h->job_name)) goto out;
    if (j->account && pbs(h, "-A ", "/job/job_options/account", j->account)) goto out;
    if (j->queue && pbs(h, "-q ", "/job/job_options/queue", j->queue)) goto out;
    if (j->wall_time) {
        if (walltime(h, 0, &t)) goto out;
        mk_buf_printf(h->b, "#PBS -l walltime=%s\n", t.s);
    }
    /* nodes: a count or host names, each with :ppn= and :gpus= (one directive, not two) */
    long long ppn = h->ppn ? h->ppn * (h->cpp ? h->cpp : 1) : 0;
    mk_buf_reset(&t);
    if (ppn) mk_buf_printf(&t, ":ppn=%lld", ppn);
    if (h->gpus) mk_buf_printf(&t, ":gpus=%lld", h->gpus);
    if (j->specific_nodes) {
        const char *ptr = "/job/job_options/request_specific_nodes";
        if (pbs_token(h->c, ptr, j->specific_nodes)) goto out;
        mk_buf_puts(h->b, "#PBS -l nodes=");
        long long hosts = 0;
        const char *p = j->specific_nodes;
        while (*p) {
            size_t len = strcspn(p, ",+");
            if (len) {
                for (size_t i = 0; i < len; i++)
                    if (!isalnum((unsigned char)p[i]) && !strchr("._-", p[i])) {
                        fail(h->c, ptr, "'%.*s' is not a host name", (int)len, p);
                        goto out;
                    }
                mk_buf_printf(h->b, "%s%.*s%s", hosts ? "+" : "", (int)len, p, t.s ? t.s : "");
                hosts++;
            }
            p += len;
            if (*p) p++;
        }
        if (h->node_count && h->node_count < hosts) {
            fail(h->c, ptr, "names %lld nodes but node_count is %lld", hosts, h->node_count);
            goto out;
        }
        if (h->node_count > hosts)
            mk_buf_printf(h->b, "+%lld%s", h->node_count - hosts, t.s ? t.s : "");
        mk_buf_putc(h->b, '\n');
    } else if (h->node_count || t.len) {
        mk_buf_printf(h->b, "#PBS -l nodes=%lld%s\n", h->node_count ? h->node_count : 1,
                      t.s ? t.s : "");
    }
    if (h->core_count) mk_buf_printf(h->b, "#PBS -l procs=%lld\n", h->core_count);
    if (j->memory_limit) {
        if (!(s = memory(h, "/job/job_options/memory_limit", j->memory_limit, 0))) goto out;
        mk_buf_printf(h->b, "#PBS -l mem=%s\n", s);
        free(s);
        s = NULL;
    }
    if (j->min_mem_per_proc) {
        if (!(s = memory(h, "/job/job_options/minimum_memory_per_processor", j->min_mem_per_proc,
                         0)))
            goto out;
        mk_buf_printf(h->b, "#PBS -l pmem=%s\n", s);
        free(s);
        s = NULL;
    }
    if (h->job_array && pbs(h, "-t ", "/job/job_options/job_array", h->job_array)) goto out;
    if (h->out_file && pbs(h, "-o ", "/job/job_options/standard_output_file", h->out_file))
        goto out;
    if (h->err_file && pbs(h, "-e ", "/job/job_options/standard_error_file", h->err_file)) goto out;
    if (j->combine == 1) mk_buf_puts(h->b, "#PBS -j oe\n");
    if (j->partition && pbs(h, "-l partition=", "/job/job_options/partition", j->partition))
        goto out;
    if (j->constraint &&
        pbs(h, "-l feature=", "/job/job_options/architecture_constraint", j->constraint))
        goto out;
    if (j->qos && pbs(h, "-l qos=", "/job/job_options/qos", j->qos)) goto out;
    if (j->copy_env == 1) mk_buf_puts(h->b, "#PBS -V\n");
    if (j->env_vars && pbs(h, "-v ", "/job/job_options/copy_environment_variable", j->env_vars))
        goto out;
    if (j->dependency) {
        const char *ptr = "/job/job_options/job_dependency";
        if (pbs_token(h->c, ptr, j->dependency)) goto out;
        mk_buf_printf(h->b, "#PBS -W %s%s\n", strncmp(j->dependency, "depend=", 7) ? "depend=" : "",
                      j->dependency);
    }
    if (j->notification) {
        if (!(s = notification(h, 0))) goto out;
        mk_buf_printf(h->b, "#PBS -m %s\n", s);
        free(s);
        s = NULL;
    }
    if (j->email && pbs(h, "-M ", "/job/job_options/email_address", j->email)) goto out;
    if (j->defer) {
        mk_buf_reset(&t);
        if (pbs_token(h->c, "/job/job_options/defer_job", j->defer) || torque_defer(h, &t))
            goto out;
        mk_buf_printf(h->b, "#PBS -a %s\n", t.s);
    }
    if (j->exclusive == 1) mk_buf_puts(h->b, "#PBS -l naccesspolicy=singlejob\n");
    mk_buf_puts(h->b, "## END OF HEADER ##\n\n");
    rc = 0;
out:
    free(s);
    mk_buf_fini(&t);
    return rc;
}

/* Without a scheduler only the output files mean something: the script redirects itself. */
static int hdr_bash(hdr *h)
{
    const js_job *j = h->j;
    mk_buf_puts(h->b, "#!/bin/bash\n");
    if (h->out_file || (h->err_file && j->combine != 1)) {
        mk_buf_puts(h->b, "## START OF HEADER ##\nexec");
        if (h->out_file) {
            if (ctl_check(h->c, "/job/job_options/standard_output_file", h->out_file,
                          "a file name"))
                return -1;
            mk_buf_puts(h->b, " >");
            job_sh_word(h->b, h->out_file);
        }
        if (h->err_file && j->combine != 1) {
            if (ctl_check(h->c, "/job/job_options/standard_error_file", h->err_file, "a file name"))
                return -1;
            mk_buf_puts(h->b, " 2>");
            job_sh_word(h->b, h->err_file);
        } else if (h->out_file) {
            mk_buf_puts(h->b, " 2>&1");
        }
        mk_buf_puts(h->b, "\n## END OF HEADER ##\n");
    }
    mk_buf_putc(h->b, '\n');
    static const char *const ignored[] = {"account",
                                          "queue",
                                          "partition",
                                          "qos",
                                          "wall_time_limit",
                                          "node_count",
                                          "core_count",
                                          "process_count_per_node",
                                          "core_count_per_process",
                                          "memory_limit",
                                          "minimum_memory_per_processor",
                                          "request_gpus",
                                          "request_specific_nodes",
                                          "job_array",
                                          "architecture_constraint",
                                          "copy_environment",
                                          "copy_environment_variable",
                                          "job_dependency",
                                          "request_event_notification",
                                          "email_address",
                                          "defer_job",
                                          "node_exclusive",
                                          NULL};
    if (!h->build)
        for (size_t i = 0; ignored[i]; i++) {
            const json_t *v = json_object_get(h->c->jo, ignored[i]);
            if (v && !json_is_null(v) && !json_is_false(v) &&
                !(json_is_string(v) && !*json_string_value(v)))
                mk_buf_printf(&h->c->warn,
                              "job_options.%s has no meaning without a scheduler (bash): ignored\n",
                              ignored[i]);
        }
    return 0;
}

static const sched_row schedulers[] = {
    {"torque", hdr_torque, "PBS_O_WORKDIR", "mpirun -np"},
    {"slurm", hdr_slurm, "SLURM_SUBMIT_DIR", "srun -n"},
    {"bash", hdr_bash, NULL, "mpirun -np"},
};

static const sched_row *find_sched(const char *name)
{
    if (!strcmp(name, "pbs")) name = "torque";
    if (!strcmp(name, "none") || !*name) name = "bash";
    for (size_t i = 0; i < sizeof schedulers / sizeof *schedulers; i++)
        if (!strcmp(schedulers[i].name, name)) return &schedulers[i];
    return NULL;
}

/* ---- the script body ---- */

char *job_sif_name(const char *container)
{
    const char *last = strrchr(container, '/');
    last = last ? last + 1 : container;
    char *name = mk_xasprintf("%s.sif", last);
    for (char *p = name; *p; p++)
        if (*p == ':') *p = '_';
    return name;
}

/* "$SINGULARITY_DIR/<job_sif_name>", MODAK's naming; a name with characters that are not
 * plain inside double quotes gets its own single-quoted word. */
static void sif_path(mk_buf *b, const char *container)
{
    char *name = job_sif_name(container);
    int plain = 1;
    for (const char *p = name; *p && plain; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._+@=,-", *p)) plain = 0;
    if (plain) {
        mk_buf_printf(b, "\"$SINGULARITY_DIR/%s\"", name);
    } else {
        mk_buf_puts(b, "\"$SINGULARITY_DIR\"/");
        job_sh_word(b, name);
    }
    free(name);
}

static void container_cmd(js *c, mk_buf *b, int exec, long long gpus)
{
    mk_buf_printf(b, "singularity %s", exec ? "exec" : "run");
    if (gpus) mk_buf_puts(b, " \"--nv\"");
    mk_buf_putc(b, ' ');
    sif_path(b, c->container);
}

/* {{BUILD_PARALLELISM}} (Jinja spacing allowed) replaced by the number. */
static char *render_build(const char *cmd, long long par)
{
    mk_buf b;
    mk_buf_init(&b);
    const char *p = cmd;
    while (*p) {
        if (p[0] == '{' && p[1] == '{') {
            const char *q = p + 2;
            while (*q == ' ')
                q++;
            if (!strncmp(q, "BUILD_PARALLELISM", 17)) {
                q += 17;
                while (*q == ' ')
                    q++;
                if (q[0] == '}' && q[1] == '}') {
                    mk_buf_printf(&b, "%lld", par);
                    p = q + 2;
                    continue;
                }
            }
        }
        mk_buf_putc(&b, *p++);
    }
    return mk_buf_detach(&b);
}

static void put_script(mk_buf *b, const reg_script *s, const char *pref_storage)
{
    mk_buf_printf(b, "# MODAK: Start Script<id=%s>\n", s->id);
    /* {{ preferred_storage_location }} (MODAK's script environment) as one shell word */
    const char *p = s->raw;
    while (*p) {
        if (p[0] == '{' && p[1] == '{') {
            const char *q = p + 2;
            while (*q == ' ')
                q++;
            if (!strncmp(q, "preferred_storage_location", 26)) {
                q += 26;
                while (*q == ' ')
                    q++;
                if (q[0] == '}' && q[1] == '}') {
                    job_sh_word(b, pref_storage ? pref_storage : "");
                    p = q + 2;
                    continue;
                }
            }
        }
        mk_buf_putc(b, *p++);
    }
    mk_buf_printf(b, "\n# MODAK: End   Script<id=%s>\n", s->id);
}

static void put_build_step(js *c, mk_buf *b, long long gpus)
{
    const js_job *j = &c->j;
    size_t n = strlen(j->build_src);
    mk_buf_puts(b, n >= 4 && !strcmp(j->build_src + n - 4, ".git")
                       ? "\ngit clone "
                       : "\nwget --no-check-certificate ");
    job_sh_word(b, j->build_src);
    mk_buf_puts(b, "\n\n");
    char *cmd = render_build(j->build_command, j->build_par);
    size_t len = strlen(cmd);
    while (len && isspace((unsigned char)cmd[len - 1]))
        cmd[--len] = 0;
    if (c->container) {
        container_cmd(c, b, 1, gpus);
        if (strchr(cmd, '\n')) { /* a multi-line build script runs wholly in the container */
            mk_buf_puts(b, " sh -c ");
            job_sh_word(b, cmd);
        } else {
            mk_buf_printf(b, " %s", cmd);
        }
    } else {
        mk_buf_puts(b, cmd);
    }
    mk_buf_putc(b, '\n');
    free(cmd);
}

static int render(js *c, mk_buf *b, int build, const reg_scale_io *io)
{
    const js_job *j = &c->j;
    hdr h = {c,      b,           j,           io->node_count, j->ppn,       j->gpus, j->core_count,
             j->cpp, j->job_name, j->out_file, j->err_file,    j->job_array, build};
    char *name = NULL, *out = NULL, *err = NULL;
    if (build) { /* MODAK's build job: one node, build_parallelism processes, build- files */
        name = mk_xasprintf("%s_build", j->job_name ? j->job_name : "job");
        out = j->out_file ? mk_xasprintf("build-%s", j->out_file) : NULL;
        err = j->err_file ? mk_xasprintf("build-%s", j->err_file) : NULL;
        h.job_name = name;
        h.out_file = out;
        h.err_file = err;
        h.node_count = 1;
        h.ppn = j->build_par;
        h.gpus = h.core_count = h.cpp = 0;
        h.job_array = NULL;
    }
    int rc = c->sched->header(&h);
    free(name);
    free(out);
    free(err);
    if (rc) return -1;
    if (c->sched->workdir)
        mk_buf_printf(b, "cd \"${%s}\" || exit 1\nexport PATH=\"${%s}:${PATH}\"\n",
                      c->sched->workdir, c->sched->workdir);
    for (size_t i = 0; i < c->scripts.n; i++)
        if (c->scripts.v[i]->stage == REG_STAGE_PRE)
            put_script(b, c->scripts.v[i], c->pref_storage);
    if (j->has_build)
        put_build_step(c, b, h.gpus); /* the job's --nv, as MODAK; none in the
                                        build script, which asks for no GPUs */
    if (build) return 0;

    mk_buf run;
    mk_buf_init(&run);
    if (c->container) container_cmd(c, &run, j->executable != NULL, j->gpus);
    if (j->executable) mk_buf_printf(&run, "%s%s", run.len ? " " : "", j->executable);
    if (j->arguments) mk_buf_printf(&run, "%s%s", run.len ? " " : "", j->arguments);
    if (j->app_type && (!strcmp(j->app_type, "mpi") || !strcmp(j->app_type, "hpc"))) {
        mk_buf_printf(b, "\nexport OMP_NUM_THREADS=%lld\n%s %lld %s\n",
                      io->threads ? io->threads : 1, c->sched->launcher,
                      io->mpi_ranks ? io->mpi_ranks : 1, run.s);
    } else {
        mk_buf_printf(b, "%s\n", run.s);
    }
    mk_buf_fini(&run);
    for (size_t i = 0; i < c->scripts.n; i++)
        if (c->scripts.v[i]->stage == REG_STAGE_POST)
            put_script(b, c->scripts.v[i], c->pref_storage);
    return 0;
}

/* ---- completing the document ---- */

static void drop_nulls(json_t *v)
{
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        void *tmp;
        json_object_foreach_safe(v, tmp, k, x)
        {
            if (json_is_null(x))
                json_object_del(v, k);
            else
                drop_nulls(x);
        }
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++)
            drop_nulls(json_array_get(v, i));
    }
}

static char *file_base(const char *job_name)
{
    char *s = mk_xstrdup(job_name && *job_name ? job_name : "job");
    for (char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._-", *p)) *p = '_';
    if (s[0] == '.' || s[0] == '-') s[0] = '_';
    return s;
}

static char *join_dir(const char *dir, const char *file)
{
    if (!dir || !*dir) return mk_xstrdup(file);
    size_t n = strlen(dir);
    return mk_xasprintf("%s%s%s", dir, dir[n - 1] == '/' ? "" : "/", file);
}

static void pick_storage(js *c)
{
    const reg_infra *inf = c->infra;
    static const char *const order[] = {"default-common", "default-high", "default-ssd",
                                        "default-ultra_high"};
    if (!inf || !inf->nstorage) return;
    if (c->j.storage_pref)
        for (size_t i = 0; i < inf->nstorage; i++)
            if (!strcmp(inf->storage[i].storage_class, c->j.storage_pref)) {
                c->pref_storage = mk_xstrdup(inf->storage[i].url);
                return;
            }
    for (size_t o = 0; o < sizeof order / sizeof *order; o++)
        for (size_t i = 0; i < inf->nstorage; i++)
            if (!strcmp(inf->storage[i].storage_class, order[o])) {
                c->pref_storage = mk_xstrdup(inf->storage[i].url);
                return;
            }
}

int job_generate(const json_t *doc, const reg_registry *reg, const job_opts *opts, job_result *out,
                 mk_err *err)
{
    js c;
    mk_err local;
    reg_request req;
    reg_mapping map;
    int rc = -1;
    memset(out, 0, sizeof *out);
    memset(&c, 0, sizeof c);
    memset(&req, 0, sizeof req);
    memset(&map, 0, sizeof map);
    mk_buf_init(&map.explain);
    mk_arena_init(&c.arena);
    mk_buf_init(&c.warn);
    mk_buf_init(&c.explain);
    if (!err) err = &local;
    mk_err_clear(&local);
    c.err = err;
    mk_buf job_b, build_b;
    mk_buf_init(&job_b);
    mk_buf_init(&build_b);

    if (!opts || !opts->timestamp) {
        mk_err_set(err, MK_EUSAGE, NULL, 0, 0, "job_generate needs a timestamp");
        goto done;
    }
    if (!json_is_object(doc)) {
        fail(&c, "", "the job document must be an object");
        goto done;
    }
    c.job = json_object_get(doc, "job");
    if (!c.job) c.job = doc;
    if (!json_is_object(c.job)) {
        fail(&c, "/job", "must be an object");
        goto done;
    }
    if (get_section(&c, c.job, "job_options", 0, &c.jo) ||
        get_section(&c, c.job, "application", 1, &c.app) ||
        get_section(&c, c.job, "target", 0, &c.target) || read_job(&c))
        goto done;
    js_job *j = &c.j;
    if (!j->executable && !j->container && !json_object_get(c.job, "optimisation")) {
        fail(&c, "/job/application",
             "neither executable nor container_runtime is set: nothing to run");
        goto done;
    }

    /* the infrastructure and the scheduler */
    if (j->target_name) {
        c.infra = reg_find_infra(reg, j->target_name);
        if (!c.infra)
            mk_buf_printf(&c.warn,
                          "target '%s' is not a registered infrastructure: no site "
                          "scripts, no partition checks\n",
                          j->target_name);
        else if (c.infra->disabled) {
            mk_buf_printf(&c.warn, "infrastructure '%s' is disabled (since %s): it is ignored\n",
                          j->target_name, c.infra->disabled);
            c.infra = NULL;
        }
    }
    const char *sname = opts->scheduler ? opts->scheduler : j->scheduler_name;
    if (!sname && c.infra && c.infra->scheduler) sname = c.infra->scheduler;
    if (!opts->scheduler && j->scheduler_name && c.infra && c.infra->scheduler &&
        strcmp(j->scheduler_name, c.infra->scheduler))
        mk_buf_printf(&c.warn,
                      "target.job_scheduler_type %s overrides infrastructure '%s', which "
                      "runs %s\n",
                      j->scheduler_name, c.infra->name, c.infra->scheduler);
    c.sched = find_sched(sname ? sname : "bash");
    if (!c.sched) {
        if (opts->scheduler)
            mk_err_set(err, MK_EUSAGE, NULL, 0, 0,
                       "--scheduler '%s' is none of slurm, torque, bash", sname);
        else
            fail(&c, "/job/target/job_scheduler_type", "'%s' is none of slurm, torque, bash",
                 sname);
        goto done;
    }
    out->scheduler = c.sched->name;

    /* mapper */
    if (reg_request_decode(c.job, &req, err) || reg_map(reg, &req, j->container, &map, err))
        goto done;
    mk_buf_puts(&c.explain, map.explain.s ? map.explain.s : "");
    if (map.container_runtime) {
        for (const char *p = map.container_runtime; *p; p++)
            if ((unsigned char)*p <= 0x20 || *p == 0x7f) {
                fail(&c, "/job/application/container_runtime", "has a control character");
                goto done;
            }
        c.container = mk_xstrdup(map.container_runtime);
    }
    if (!j->executable && !c.container) {
        fail(&c, "/job/application", "neither executable nor a container is set: nothing to run");
        goto done;
    }

    /* scaler */
    reg_scale_io io = {j->mpi_ranks,
                       j->threads,
                       j->min_eff,
                       j->node_count,
                       j->ppn,
                       j->gpus,
                       j->partition    ? j->partition
                       : j->constraint ? j->constraint
                                       : j->queue,
                       0,
                       0,
                       0};
    if (reg_scale(reg, map.image, c.infra, &io, &c.explain, err)) goto done;
    if (j->app_type && (!strcmp(j->app_type, "mpi") || !strcmp(j->app_type, "hpc"))) {
        long long nodes = io.node_count ? io.node_count : 1;
        long long ranks = io.mpi_ranks ? io.mpi_ranks : 1;
        if (j->ppn && !(c.infra && c.infra->nparts) && ranks > nodes * j->ppn)
            mk_buf_printf(&c.warn,
                          "mpi_ranks %lld exceed node_count %lld x process_count_per_node %lld: "
                          "the launcher will refuse or oversubscribe\n",
                          ranks, nodes, j->ppn);
    }
    if (j->autotuning)
        mk_buf_puts(&c.warn, "enable_autotuning: MODAK no longer emits a tuner block and neither "
                             "does modak: no autotuning step is generated\n");

    /* enforcer */
    pick_storage(&c);
    if (reg_enforce(reg, map.app_name, j->target_name, c.infra, req.opts, &c.scripts, &c.explain,
                    err))
        goto done;

    /* the scripts */
    if (render(&c, &job_b, 0, &io)) goto done;
    if (j->has_build && render(&c, &build_b, 1, &io)) goto done;

    /* names and the completed document */
    char *base = opts->name ? file_base(opts->name) : file_base(j->job_name);
    char *jf =
        opts->name ? mk_xasprintf("%s.sh", base) : mk_xasprintf("%s_%s.sh", base, opts->timestamp);
    char *bf = opts->name ? mk_xasprintf("%s_build.sh", base)
                          : mk_xasprintf("%s_build_%s.sh", base, opts->timestamp);
    out->job_path = join_dir(opts->script_dir, jf);
    if (j->has_build) out->build_path = join_dir(opts->script_dir, bf);
    free(base);
    free(jf);
    free(bf);
    out->job_content = mk_buf_detach(&job_b);
    if (j->has_build) out->build_content = mk_buf_detach(&build_b);

    json_t *copy = json_object_get(doc, "job") ? json_deep_copy(doc) : NULL;
    if (!copy) {
        copy = json_object();
        json_object_set_new(copy, "job", json_deep_copy(c.job));
    }
    json_t *cj = json_object_get(copy, "job");
    json_t *capp = json_object_get(cj, "application");
    if (c.container) json_object_set_new(capp, "container_runtime", json_string(c.container));
    if (io.changed_ranks) json_object_set_new(capp, "mpi_ranks", json_integer(io.mpi_ranks));
    if (io.changed_threads) json_object_set_new(capp, "threads", json_integer(io.threads));
    if (io.completed_nodes) {
        json_t *cjo = json_object_get(cj, "job_options");
        if (!json_is_object(cjo)) {
            cjo = json_object();
            json_object_set_new(cj, "job_options", cjo);
        }
        json_object_set_new(cjo, "node_count", json_integer(io.node_count));
    }
    json_object_set_new(cj, "job_script", json_string(out->job_path));
    if (out->build_path) json_object_set_new(cj, "build_script", json_string(out->build_path));
    json_object_set_new(cj, "job_content", json_string(out->job_content));
    if (out->build_content)
        json_object_set_new(cj, "build_content", json_string(out->build_content));
    drop_nulls(copy);
    out->doc = copy;
    out->explain = mk_buf_detach(&c.explain);
    out->warnings = mk_buf_detach(&c.warn);
    if (!out->explain) out->explain = mk_xstrdup("");
    if (!out->warnings) out->warnings = mk_xstrdup("");
    rc = 0;
done:
    if (rc) job_result_fini(out);
    mk_buf_fini(&job_b);
    mk_buf_fini(&build_b);
    mk_buf_fini(&c.warn);
    mk_buf_fini(&c.explain);
    free(c.container);
    free(c.pref_storage);
    reg_script_list_fini(&c.scripts);
    reg_mapping_fini(&map);
    reg_request_fini(&req);
    mk_arena_fini(&c.arena);
    return rc;
}

void job_result_fini(job_result *r)
{
    if (!r) return;
    json_decref(r->doc);
    free(r->job_path);
    free(r->build_path);
    free(r->job_content);
    free(r->build_content);
    free(r->explain);
    free(r->warnings);
    memset(r, 0, sizeof *r);
}
