/* emit_ansible — writes playbooks/: the Ansible side of a deployment, in the SODALITE/xOpera
 * convention (an operation is a playbook whose inputs are variables and whose results are
 * set_stats data that become the node's attributes).
 *
 *   playbooks/deploy.yml              one play per node: vars/<node>.yml + tasks/deploy-node.yml
 *   playbooks/undeploy.yml            the same with tasks/undeploy-node.yml
 *   playbooks/vars/<node>.yml         the node's operation inputs
 *   playbooks/tasks/deploy-node.yml   stage binary, job script and data; build or pull the
 *                                     container; submit (sbatch, qsub, bash); wait; fetch metrics
 *   playbooks/tasks/undeploy-node.yml cancel the job, remove what deploy staged
 *
 * The task files are fixed text: everything that varies is a variable, and every variable
 * whose value comes from the blueprint is written as a YAML double-quoted scalar tagged
 * !unsafe, which Ansible keeps as data (Jinja2 never evaluates it, so "{{ }}" and "{% %}"
 * stay text); the tasks pass values to commands as argv items, never through a shell.
 * The playbooks expect the optimiser to have written bin/<node>-train (when the plan has a
 * binary), jobs/<node>.sh and containers/<node>/ beside playbooks/. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_tpl.h"
#include "jobscript.h"
#include "plan.h"
#include "templates.h"

/* The plan's enumerations the tasks branch on. */
static const char *const schedulers[] = {"slurm", "torque", "pbs", "batch"};
static const char *const runtimes[] = {"singularity", "docker"};

static int in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (!strcmp(s, list[i])) return 1;
    return 0;
}

/* The chosen image as `docker pull` and as `singularity pull` want it. */
static char *pull_ref(const char *image, int singularity)
{
    const char *dk = "docker://";
    if (!image || !*image) return mk_xstrdup("");
    int has_scheme = strstr(image, "://") != NULL;
    if (singularity) return has_scheme ? mk_xstrdup(image) : mk_xasprintf("%s%s", dk, image);
    return mk_xstrdup(strncmp(image, dk, strlen(dk)) ? image : image + strlen(dk));
}

static void fmt_seconds(double s, char *out, size_t size)
{
    if (isnan(s))
        snprintf(out, size, ".nan");
    else if (isinf(s))
        snprintf(out, size, s > 0 ? ".inf" : "-.inf");
    else
        snprintf(out, size, "%.3f", s);
}

static int check_node(const opt_plan *p, const opt_node *nd, mk_err *err)
{
    if (emit_check_name(nd->name, err)) return -1;
    if (!in_list(nd->scheduler, schedulers, sizeof schedulers / sizeof *schedulers))
        return mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                          "node %s: scheduler '%.40s' is none of slurm, torque, pbs, batch",
                          nd->name, nd->scheduler ? nd->scheduler : "");
    if (!in_list(nd->runtime, runtimes, sizeof runtimes / sizeof *runtimes))
        return mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                          "node %s: container runtime '%.40s' is neither singularity nor docker",
                          nd->name, nd->runtime ? nd->runtime : "");
    const struct {
        const char *field, *value;
    } strs[] = {
        {"the blueprint name", p->blueprint},
        {"job_node", nd->job_node},
        {"workspace", nd->workspace},
        {"dataset", nd->dataset},
        {"network", nd->network},
        {"train_args", nd->train_args},
        {"image", nd->decision.image},
        {"graph_compiler", nd->decision.graph_compiler},
        {"target", nd->decision.target},
        {"openblas_coretype", nd->decision.openblas_coretype},
        {"reason", nd->decision.reason},
    };
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
        if (emit_check_utf8(nd->name, strs[i].field, strs[i].value, err)) return -1;
    return 0;
}

static int render_vars(const opt_plan *p, const opt_node *nd, mk_buf *out, mk_err *err)
{
    char tag[256], epochs[24], threads[24], batch[24], ranks[24], nodes[24], secs[48];
    emit_image_tag(nd->name, tag, sizeof tag);
    snprintf(epochs, sizeof epochs, "%d", nd->epochs);
    snprintf(threads, sizeof threads, "%d", nd->decision.threads);
    snprintf(batch, sizeof batch, "%d", nd->decision.batch);
    snprintf(ranks, sizeof ranks, "%d", nd->decision.ranks);
    snprintf(nodes, sizeof nodes, "%d", nd->decision.nodes);
    fmt_seconds(nd->decision.predicted_seconds, secs, sizeof secs);
    int singularity = !strcmp(nd->runtime, "singularity");
    char *pull_d = pull_ref(nd->decision.image, 0), *pull_s = pull_ref(nd->decision.image, 1);
    char *sif = job_sif_name(nd->decision.image ? nd->decision.image : tag);
    const emit_slot slots[] = {
        {"node", nd->name},
        {"blueprint", p->blueprint},
        {"job_node", nd->job_node},
        {"scheduler", nd->scheduler},
        {"runtime", nd->runtime},
        /* SODALITE's BatchExecution workspace defaults to the home directory */
        {"workspace", nd->workspace && *nd->workspace ? nd->workspace : "~/"},
        {"dataset", nd->dataset},
        {"network", nd->network},
        {"epochs", epochs},
        {"train_args", nd->train_args},
        {"has_binary", nd->binary ? "true" : "false"},
        {"image_tag", tag},
        {"pull_docker", pull_d},
        {"pull_singularity", pull_s},
        {"sif_name", sif},
        {"image", nd->decision.image},
        {"graph_compiler", nd->decision.graph_compiler},
        {"threads", threads},
        {"batch", batch},
        {"ranks", ranks},
        {"nodes", nodes},
        {"predicted_seconds", secs},
        {"target", nd->decision.target},
        {"openblas_coretype", nd->decision.openblas_coretype},
        {"reason", nd->decision.reason},
        /* the optimised image is built from containers/<node>/ when there is a binary to
           put in it; otherwise the chosen framework image is pulled as it is */
        {"container_action", nd->binary ? "build" : "pull"},
        {"container_engine", singularity ? "singularity" : "docker"},
    };
    int rc = emit_render(out, tpl_ansible_vars_yml_in, "ansible/vars.yml.in", slots,
                         sizeof slots / sizeof *slots, err);
    free(pull_d);
    free(pull_s);
    free(sif);
    return rc;
}

/* deploy.yml or undeploy.yml: the head, then one play per node. */
static int render_book(const opt_plan *p, const char *head, const char *play, const char *verb,
                       mk_buf *out, mk_err *err)
{
    const emit_slot hs[] = {{"blueprint", p->blueprint}};
    if (emit_render(out, head, "ansible/(un)deploy.yml.in", hs, 1, err)) return -1;
    for (size_t i = 0; i < p->n; i++) {
        const char *node = p->nodes[i].name;
        char *play_name = mk_xasprintf("%s the AI-training node %s", verb, node);
        char *task_name = mk_xasprintf("%s %s", verb, node);
        char *vars_file = mk_xasprintf("vars/%s.yml", node);
        const emit_slot ps[] = {
            {"play_name", play_name},
            {"task_name", task_name},
            {"vars_file", vars_file},
            {"node", node},
        };
        int rc = emit_render(out, play, "ansible/(un)deploy-play.yml.in", ps,
                             sizeof ps / sizeof *ps, err);
        free(play_name);
        free(task_name);
        free(vars_file);
        if (rc) return -1;
    }
    return 0;
}

int emit_playbooks(const opt_plan *p, const char *dir, mk_err *err)
{
    mk_buf b;
    mk_buf_init(&b);
    int rc = -1;
    if (p->n == 0) {
        /* Ansible refuses a playbook without plays; the optimiser reports such blueprints */
        mk_err_set(err, MK_EINVAL, NULL, 0, 0, "the plan has no AI-training node to deploy");
        goto done;
    }
    for (size_t i = 0; i < p->n; i++)
        if (check_node(p, &p->nodes[i], err)) goto done;
    for (size_t i = 0; i < p->n; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(p->nodes[i].name, p->nodes[j].name)) {
                mk_err_set(err, MK_EINVAL, NULL, 0, 0, "two nodes are named %s", p->nodes[i].name);
                goto done;
            }

    if (render_book(p, tpl_ansible_deploy_yml_in, tpl_ansible_deploy_play_yml_in, "Deploy", &b,
                    err) ||
        emit_write(dir, "playbooks/deploy.yml", b.s, b.len, 0, err))
        goto done;
    mk_buf_reset(&b);
    if (render_book(p, tpl_ansible_undeploy_yml_in, tpl_ansible_undeploy_play_yml_in, "Undeploy",
                    &b, err) ||
        emit_write(dir, "playbooks/undeploy.yml", b.s, b.len, 0, err))
        goto done;
    if (emit_write(dir, "playbooks/tasks/deploy-node.yml", tpl_ansible_deploy_node_yml,
                   tpl_ansible_deploy_node_yml_len, 0, err) ||
        emit_write(dir, "playbooks/tasks/undeploy-node.yml", tpl_ansible_undeploy_node_yml,
                   tpl_ansible_undeploy_node_yml_len, 0, err))
        goto done;
    for (size_t i = 0; i < p->n; i++) {
        mk_buf_reset(&b);
        char *rel = mk_xasprintf("playbooks/vars/%s.yml", p->nodes[i].name);
        int r = render_vars(p, &p->nodes[i], &b, err) || emit_write(dir, rel, b.s, b.len, 0, err);
        free(rel);
        if (r) goto done;
    }
    rc = 0;
done:
    mk_buf_fini(&b);
    return rc;
}
