/* emit_container — writes containers/<node>/Dockerfile and Singularity.def: the optimised
 * image of one AI-training node.
 *
 * With a compiled binary the image is a slim base (the plan's base_image) plus the OpenBLAS
 * runtime, the binary as /usr/local/bin/<node>-train, and the thread counts and OpenBLAS core
 * type the decision chose; it runs `<node>-train train ARGS` by default (exec-form
 * ENTRYPOINT/CMD, JSON arrays; the Singularity runscript sets the same words). Without a
 * binary the image is the chosen framework image with the decision's thread and
 * graph-compiler settings. The build context is a directory holding the file and the
 * binary (the deploy playbook stages both into <workspace>/<node>.image/).
 *
 * Escaping: free text from the blueprint reaches the files only as Dockerfile double-quoted
 * label words (\ " $ escaped), as JSON strings in exec-form arrays, as single-quoted shell
 * words in the Singularity scripts, and as label text with control characters blanked; the
 * words that land unquoted (image references, core type, numbers, node names) are checked
 * against a strict character set first. The training arguments are command text: they are
 * split into words without a shell, and text a shell would expand is refused. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_tpl.h"
#include "plan.h"
#include "templates.h"

#define DEFAULT_BASE "debian:12-slim"

/* Environment the graph compilers of framework images read (MODAK enables XLA through
 * TF_XLA_FLAGS; nGraph-TensorFlow picks its backend from NGRAPH_TF_BACKEND). */
static const struct {
    const char *compiler, *var, *value;
} gc_env[] = {
    {"xla", "TF_XLA_FLAGS", "--tf_xla_auto_jit=2 --tf_xla_cpu_global_jit"},
    {"ngraph", "NGRAPH_TF_BACKEND", "CPU"},
};

/* Splits an image reference into the Singularity bootstrap agent and the reference proper:
 * docker-daemon://x is a local Docker image, docker://x and x are a registry's. */
static const char *split_image(const char *ref, const char **bootstrap)
{
    static const struct {
        const char *scheme, *agent;
    } schemes[] = {{"docker-daemon://", "docker-daemon"}, {"docker://", "docker"}};
    for (size_t i = 0; i < sizeof schemes / sizeof *schemes; i++) {
        size_t n = strlen(schemes[i].scheme);
        if (!strncmp(ref, schemes[i].scheme, n)) {
            *bootstrap = schemes[i].agent;
            return ref + n;
        }
    }
    *bootstrap = "docker";
    return ref;
}

static int check_coretype(const char *node, const char *s, mk_err *err)
{
    size_t n = s ? strlen(s) : 0;
    int ok = n <= 64;
    for (size_t i = 0; ok && i < n; i++)
        ok =
            strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", s[i]) != NULL;
    if (ok) return 0;
    return mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                      "node %s: OpenBLAS core type '%.64s' is not a core name ([A-Za-z0-9_]{1,64})",
                      node, s);
}

static void fmt_seconds(double s, char *out, size_t size)
{
    if (isnan(s))
        snprintf(out, size, "nan");
    else if (isinf(s))
        snprintf(out, size, s > 0 ? "inf" : "-inf");
    else
        snprintf(out, size, "%.3f", s);
}

int emit_containers(const opt_plan *p, size_t i, const char *dir, mk_err *err)
{
    if (i >= p->n) return mk_err_set(err, MK_EINTERNAL, NULL, 0, 0, "no node %zu in the plan", i);
    const opt_node *nd = &p->nodes[i];
    const opt_decision *d = &nd->decision;
    if (emit_check_name(nd->name, err)) return -1;
    const char *base_ref = nd->base_image && *nd->base_image ? nd->base_image : DEFAULT_BASE;
    const char *strs[][2] = {
        {"the blueprint name", p->blueprint},
        {"image", d->image},
        {"graph_compiler", d->graph_compiler},
        {"target", d->target},
        {"reason", d->reason},
        {"train_args", nd->train_args},
    };
    for (size_t k = 0; k < sizeof strs / sizeof *strs; k++)
        if (emit_check_utf8(nd->name, strs[k][0], strs[k][1], err)) return -1;
    if (check_coretype(nd->name, d->openblas_coretype, err)) return -1;
    if (nd->binary && emit_check_image_ref(nd->name, "base_image", base_ref, err)) return -1;
    if (!nd->binary && emit_check_image_ref(nd->name, "image", d->image, err)) return -1;
    if (d->threads < 1)
        return mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                          "node %s: threads must be at least 1 (got %d)", nd->name, d->threads);

    const char *bootstrap, *image_bootstrap;
    const char *base = split_image(base_ref, &bootstrap);
    const char *image = split_image(d->image ? d->image : "", &image_bootstrap);
    if (!nd->binary) bootstrap = image_bootstrap;

    char threads[24], batch[24], ranks[24], secs[48], tag[256];
    snprintf(threads, sizeof threads, "%d", d->threads);
    snprintf(batch, sizeof batch, "%d", d->batch);
    snprintf(ranks, sizeof ranks, "%d", d->ranks);
    fmt_seconds(d->predicted_seconds, secs, sizeof secs);
    emit_image_tag(nd->name, tag, sizeof tag);
    char *binary_name = mk_xasprintf("%s-train", nd->name);
    char *entry = mk_xasprintf("/usr/local/bin/%s", binary_name);

    /* the default command: `train` and the training arguments, as argv words */
    char **words = NULL;
    int nw = emit_split_words(nd->train_args, &words, err);
    mk_buf cmd, cmd_sh, env_d, env_s, out;
    mk_buf_init(&cmd);
    mk_buf_init(&cmd_sh);
    mk_buf_init(&env_d);
    mk_buf_init(&env_s);
    mk_buf_init(&out);
    int rc = -1;
    if (nw < 0) goto done;
    mk_buf_put_json_str(&cmd, "train");
    mk_buf_put_sh_word(&cmd_sh, "train");
    for (int k = 0; k < nw; k++) {
        mk_buf_puts(&cmd, ", ");
        mk_buf_put_json_str(&cmd, words[k]);
        mk_buf_putc(&cmd_sh, ' ');
        mk_buf_put_sh_word(&cmd_sh, words[k]);
    }
    for (size_t k = 0; k < sizeof gc_env / sizeof *gc_env; k++)
        if (d->graph_compiler && !strcmp(d->graph_compiler, gc_env[k].compiler)) {
            mk_buf_printf(&env_d, "%s=\"%s\"", gc_env[k].var, gc_env[k].value);
            mk_buf_printf(&env_s, "    export %s=", gc_env[k].var);
            mk_buf_put_sh_word(&env_s, gc_env[k].value);
            mk_buf_putc(&env_s, '\n');
        }

    const emit_slot slots[] = {
        {"node", nd->name},
        {"blueprint", p->blueprint},
        {"image_tag", tag},
        {"binary", nd->binary ? "yes" : NULL},
        {"base_image", base},
        {"bootstrap", bootstrap},
        {"image", nd->binary ? d->image : image},
        {"binary_name", binary_name},
        {"threads", threads},
        {"coretype", d->openblas_coretype},
        {"gc_env", env_d.s},
        {"gc_env_sh", env_s.s},
        {"graph_compiler", d->graph_compiler},
        {"batch", batch},
        {"ranks", ranks},
        {"predicted_seconds", secs},
        {"target", d->target},
        {"reason", d->reason},
        {"entrypoint", entry},
        {"cmd", cmd.s},
        {"cmd_sh", cmd_sh.s},
    };
    size_t ns = sizeof slots / sizeof *slots;
    char *rel = mk_xasprintf("containers/%s/Dockerfile", nd->name);
    int r =
        emit_render(&out, tpl_container_Dockerfile_in, "container/Dockerfile.in", slots, ns, err) ||
        emit_write(dir, rel, out.s, out.len, 0, err);
    free(rel);
    if (r) goto done;
    mk_buf_reset(&out);
    rel = mk_xasprintf("containers/%s/Singularity.def", nd->name);
    r = emit_render(&out, tpl_container_Singularity_def_in, "container/Singularity.def.in", slots,
                    ns, err) ||
        emit_write(dir, rel, out.s, out.len, 0, err);
    free(rel);
    if (r) goto done;
    rc = 0;
done:
    emit_words_free(words, nw);
    mk_buf_fini(&cmd);
    mk_buf_fini(&cmd_sh);
    mk_buf_fini(&env_d);
    mk_buf_fini(&env_s);
    mk_buf_fini(&out);
    free(binary_name);
    free(entry);
    return rc;
}
