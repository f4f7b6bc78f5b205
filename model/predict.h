/* predict — time per training step, per epoch and to train of a network the compiler knows,
 * on a target, for modak's native training binary (CPU, OpenBLAS).
 *
 * Per layer, forward and backward, the compiler's IR gives FLOPs and bytes moved
 * (graph_layer_costs). GEMM-like layers (convolution, dense and their backward ops) run at
 * the rate the target profile measured for their shape class (sgemm efficiency x nominal
 * peak for the thread count) plus the fitted per-call overhead; other layers at the
 * measured triad bandwidth; each is bounded by the other resource too (a roofline). Then the
 * optimiser update (Adam: parameters streamed 7 times), data loading from the target's storage
 * class (hidden behind compute when prefetching), and for data-parallel runs a ring
 * all-reduce of the gradients over the interconnect. Without a profile the nominal peak at
 * an assumed 50% efficiency and the target's memory bandwidth are used, and the result says
 * it is uncalibrated.
 *
 * Two builds are modelled: modak's optimised one (fusion of bias and ReLU into their
 * producer, memory planning with reuse, the target's vector width) and the generic one a
 * stock image would ship (`modak compile --generic`: no fusion, every tensor its own
 * block, baseline 128-bit vectors for the non-GEMM code). The memory a rank needs is
 * reported too: parameters, gradients and optimiser state, the planned arena, the
 * convolution workspace per thread and the input batch. Runs measured on the target
 * (`modak model ingest`) refit the sgemm efficiencies in the profile and add a factor on
 * the non-GEMM time (other_factor). */
#ifndef MODAK_PREDICT_H
#define MODAK_PREDICT_H

#include "calibrate.h"
#include "graph.h"
#include "mk_buf.h"
#include "target.h"

typedef struct predict_opts {
    int threads;            /* 0: the target's cores */
    double samples;         /* per epoch; 0: no epoch figures */
    int epochs;             /* 0: 1 */
    double sample_bytes;    /* read per sample; 0: the input's C*H*W bytes + 1 (IDX uint8) */
    const char *storage;    /* storage class to read from; NULL: the target's first, if any */
    int no_prefetch;        /* data loading does not overlap compute */
    int ranks;              /* data-parallel ranks; 0: 1 */
    int nodes;              /* nodes the ranks are spread over; 0: one rank per node */
    int generic;            /* the generic build (the graph must not have been fused) */
    double other_factor;    /* multiplies the non-GEMM layers' and the update's time; 0: 1 */
    double class_factor[3]; /* multiply the GEMM-like layers' time per shape class (small,
                               medium, large); 0: 1 (ingest.h: the generic build's refit) */
} predict_opts;

typedef struct predict_layer {
    const char *name, *op;
    const char *bound; /* "compute" or "memory" (the larger of the two) */
    const char *cls;   /* sgemm shape class for GEMM-like layers, else NULL */
    double fwd_flops, bwd_flops, fwd_bytes, bwd_bytes;
    double fwd_s, bwd_s;
} predict_layer;

typedef struct predict_result {
    char network[64], target[128], basis[320];
    int batch, threads, ranks;
    predict_layer *layers;
    int nlayers;
    double compute_s, update_s, data_s, data_visible_s, allreduce_s, step_s;
    double steps_per_epoch, epoch_s, train_s;
    double flops_per_step;
    /* the step's compute split for refits (model/ingest): GEMM-like layers per shape class
     * (small, medium, large), and everything else (other layers and the update) */
    double class_s[3], other_s;
    int measured_layers; /* layers timed from the profile's kernel measurements */
    int generic;
    /* memory of one rank, bytes: parameters + gradients + optimiser state, the arena of
     * one step (planned; without reuse in the generic build), the convolution workspace
     * (per thread), the input batch */
    double params, param_bytes, arena_bytes, workspace_bytes, input_bytes, memory_bytes;
} predict_result;

/* g must be a trainable network (a zoo or graph-file graph); autodiff is run when needed.
 * prof may be NULL. Returns 0, or -1 with err set. */
int predict_graph(graph *g, const target *t, const calib_profile *prof, const predict_opts *o,
                  predict_result *r, mk_err *err);
void predict_result_fini(predict_result *r);
void predict_result_to_json(const predict_result *r, mk_buf *out);
void predict_result_to_text(const predict_result *r, mk_buf *out);

#endif
