/* scaler — rank and thread counts from the image's scaling model, node counts from the
 * infrastructure's partitions (MODAK's Scaler, completed).
 *
 * MODAK's models: noop; max (clamps ranks and threads); amdahl (Amdahl's law with the
 * parallel fraction F: a run on n ranks has efficiency 1/(n(1-F)+F), so the largest n whose
 * efficiency reaches the job's minimal_efficiency is (1-E·F)/(E(1-F)), rounded down; MODAK
 * rounds to nearest, which can pick a rank count below the minimal efficiency). Then, when the
 * target infrastructure describes its partitions, the partition the job runs on is found
 * (by the name the job gives, the only partition, or the only one with enough accelerators),
 * the ranks per node follow from its cores, node_count is completed when the job leaves it
 * out, and a job that cannot fit (too many ranks, threads, GPUs or nodes) is an error. */
#include "registry.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

double reg_amdahl_efficiency(double F, long long n)
{
    return 1.0 / ((double)n * (1.0 - F) + F);
}

long long reg_amdahl_ranks(double F, double eff)
{
    if (eff >= 1.0 || F >= 1.0) return 1;
    double n = (1.0 - eff * F) / (eff * (1.0 - F));
    if (!(n < 1e15)) return (long long)1e15;
    long long k = (long long)floor(n + 1e-9); /* 8.999999999 from rounding is 9 */
    return k < 1 ? 1 : k;
}

static const reg_partition *pick_partition(const reg_infra *infra, const reg_scale_io *io,
                                           mk_buf *explain, const char **why)
{
    if (io->partition)
        for (size_t i = 0; i < infra->nparts; i++)
            if (!strcmp(infra->parts[i].name, io->partition)) {
                *why = "named by the job";
                return &infra->parts[i];
            }
    if (infra->nparts == 1) {
        *why = "the only partition";
        return &infra->parts[0];
    }
    if (io->gpus > 0) {
        const reg_partition *found = NULL;
        int n = 0;
        for (size_t i = 0; i < infra->nparts; i++)
            if (infra->parts[i].naccel >= io->gpus) {
                found = &infra->parts[i];
                n++;
            }
        if (n == 1) {
            *why = "the only partition with enough accelerators";
            return found;
        }
    }
    (void)explain;
    return NULL;
}

int reg_scale(const reg_registry *r, const reg_image *image, const reg_infra *infra,
              reg_scale_io *io, mk_buf *explain, mk_err *err)
{
    mk_buf sink;
    mk_buf_init(&sink);
    if (!explain) explain = &sink;
    int rc = -1;
    const reg_scaling *sc = image ? reg_find_scaling(r, image->name) : NULL;
    if (!sc) {
        if (image) mk_buf_printf(explain, "scaler: no scaling model for image '%s'\n", image->name);
    } else if (sc->kind == REG_SCALE_NOOP) {
        mk_buf_printf(explain, "scaler: image '%s' has the noop model\n", image->name);
    } else if (sc->kind == REG_SCALE_MAX) {
        if (sc->max_nranks && io->mpi_ranks > sc->max_nranks) {
            mk_buf_printf(explain, "scaler: max model: mpi_ranks %lld -> %lld\n", io->mpi_ranks,
                          sc->max_nranks);
            io->mpi_ranks = sc->max_nranks;
            io->changed_ranks = 1;
        }
        if (sc->max_nthreads && io->threads > sc->max_nthreads) {
            mk_buf_printf(explain, "scaler: max model: threads %lld -> %lld\n", io->threads,
                          sc->max_nthreads);
            io->threads = sc->max_nthreads;
            io->changed_threads = 1;
        }
        if (!io->changed_ranks && !io->changed_threads)
            mk_buf_printf(explain, "scaler: max model: the job is within its limits\n");
    } else if (io->minimal_efficiency <= 0) {
        mk_buf_printf(explain,
                      "scaler: amdahl model (F = %g) needs application.minimal_efficiency, "
                      "which the job does not give\n",
                      sc->F);
    } else {
        long long n = reg_amdahl_ranks(sc->F, io->minimal_efficiency);
        long long chosen = io->mpi_ranks && io->mpi_ranks < n ? io->mpi_ranks : n;
        mk_buf_printf(explain,
                      "scaler: amdahl model (F = %g): efficiency >= %g holds up to %lld ranks "
                      "(%.4f there); mpi_ranks %lld -> %lld\n",
                      sc->F, io->minimal_efficiency, n, reg_amdahl_efficiency(sc->F, n),
                      io->mpi_ranks, chosen);
        if (chosen != io->mpi_ranks) {
            io->mpi_ranks = chosen;
            io->changed_ranks = 1;
        }
    }

    if (!infra || !infra->nparts) {
        if (infra)
            mk_buf_printf(explain,
                          "scaler: infrastructure '%s' describes no partitions: node "
                          "counts are left as given\n",
                          infra->name);
        rc = 0;
        goto done;
    }
    const char *why = NULL;
    const reg_partition *p = pick_partition(infra, io, explain, &why);
    if (!p) {
        if (io->partition) {
            mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                       "infrastructure '%s' has no partition '%s' (the job's partition, "
                       "architecture_constraint or queue)",
                       infra->name, io->partition);
            goto done;
        }
        if (!io->node_count && io->mpi_ranks) {
            mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                       "infrastructure '%s' has %zu partitions: name one (job_options.partition, "
                       "architecture_constraint or queue) or give node_count",
                       infra->name, infra->nparts);
            goto done;
        }
        mk_buf_printf(explain,
                      "scaler: infrastructure '%s' has several partitions and the job "
                      "names none: nothing to check\n",
                      infra->name);
        rc = 0;
        goto done;
    }
    long long cores = p->ncpus * p->ncores, hw = cores * p->nthreads;
    long long t = io->threads > 0 ? io->threads : 1;
    mk_buf_printf(explain,
                  "scaler: partition '%s' (%s): %lld nodes of %lld cores, %lld hardware threads, "
                  "%lld accelerators\n",
                  p->name, why, p->nnodes, cores, hw, p->naccel);
    if (io->gpus > p->naccel) {
        mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                   "request_gpus %lld does not fit partition '%s' of '%s', whose nodes have %lld "
                   "accelerators",
                   io->gpus, p->name, infra->name, p->naccel);
        goto done;
    }
    long long rpn;
    if (io->ranks_per_node) {
        rpn = io->ranks_per_node;
        if (rpn * t > hw) {
            mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                       "process_count_per_node %lld x %lld threads does not fit a node of "
                       "partition '%s' of '%s' (%lld hardware threads)",
                       rpn, t, p->name, infra->name, hw);
            goto done;
        }
    } else {
        if (t > hw) {
            mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                       "%lld threads per rank do not fit a node of partition '%s' of '%s' (%lld "
                       "hardware threads)",
                       t, p->name, infra->name, hw);
            goto done;
        }
        rpn = t <= cores ? cores / t : hw / t;
    }
    if (!io->node_count && io->mpi_ranks) {
        io->node_count = (io->mpi_ranks + rpn - 1) / rpn;
        io->completed_nodes = 1;
        mk_buf_printf(explain, "scaler: %lld ranks at %lld per node -> node_count %lld\n",
                      io->mpi_ranks, rpn, io->node_count);
    }
    if (io->node_count > p->nnodes) {
        mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                   "the job needs %lld nodes but partition '%s' of '%s' has %lld", io->node_count,
                   p->name, infra->name, p->nnodes);
        goto done;
    }
    if (io->node_count && io->mpi_ranks > io->node_count * rpn) {
        mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                   "mpi_ranks %lld do not fit %lld nodes of partition '%s' of '%s' at %lld ranks "
                   "per node",
                   io->mpi_ranks, io->node_count, p->name, infra->name, rpn);
        goto done;
    }
    rc = 0;
done:
    mk_buf_fini(&sink);
    return rc;
}
