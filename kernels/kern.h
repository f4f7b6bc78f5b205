/* kern.h — the compute library every modak training binary links, and the ABI between the C
 * program that modak's graph compiler generates and the training driver kern_main().
 *
 * Three layers, all in this one header:
 *   1. Kernels, BLAS-shaped: explicit sizes (and leading dimensions where a matrix is
 *      involved), no knowledge of graphs, float32, tensors in NCHW layout, contiguous. Every
 *      fast kernel has a naive *_ref twin beside it that the tests compare against. Kernels
 *      take a kern_ctx (thread pool + workspace); element-wise and pooling kernels split their
 *      work by (ith, nth) over the pool; GEMMs are single-threaded OpenBLAS calls made
 *      by the pool's threads on disjoint blocks (OpenBLAS's own threads stay idle).
 *   2. The network ABI: the generated program fills in one `kern_net` (shapes, parameter
 *      table, arena size, FLOPs, and two function pointers that run one batch) and calls
 *      kern_main(argc, argv, &net) from its main().
 *   3. The driver's building blocks (data loaders, training state, checkpoints), public so
 *      that tests can use them; generated code does not need them.
 *
 * Conventions. Outputs are overwritten, never accumulated, unless a comment says otherwise
 * (use kern_axpy to sum gradients of a tensor with several consumers). `relu` arguments fuse a
 * ReLU into the kernel's epilogue. Pointers to different arguments must not overlap unless a
 * comment allows it. Functions returning int return 0 on success and -1 on failure (the
 * reason in a kern_err when one is passed; only out-of-memory for the kernels). The library
 * never prints and never exits, except kern_main, which is the program.
 *
 * kernels/ is self-contained: libc, pthreads, OpenBLAS (cblas.h) and zlib only, so that
 * modak can embed these files and compile them with the generated C and the target's flags. */
#ifndef KERN_H
#define KERN_H

#include <stddef.h>
#include <stdint.h>

#define KERN_ABI_VERSION 1

/* ------------------------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------------------------ */
enum {
    KERN_OK = 0,
    KERN_EINVAL = 1, /* bad input: a wrong or truncated data file, a checkpoint of another net */
    KERN_EIO = 2,    /* could not read or write a file */
    KERN_ENOMEM = 3,
    KERN_EUSAGE = 4, /* bad command line */
};

typedef struct kern_err {
    int code; /* KERN_OK when nothing went wrong */
    char msg[1024];
} kern_err;

/* Sets e (when e != NULL and no error is set yet: the first error wins); returns -1. */
int kern_err_set(kern_err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------------------------------------
 * Context: a small pthread pool and one grow-only workspace. No globals: everything a kernel
 * needs besides its arguments lives here. One thread drives a context at a time.
 * ------------------------------------------------------------------------------------------ */
typedef struct kern_ctx kern_ctx;

/* nthreads <= 0 means one per online CPU. Sets OpenBLAS to one thread (the pool parallelises
 * around it). NULL on OOM. */
kern_ctx *kern_ctx_new(int nthreads);
void kern_ctx_free(kern_ctx *ctx); /* NULL is a no-op */
int kern_ctx_threads(const kern_ctx *ctx);

/* Reserves at least `bytes` of workspace (64-byte aligned) up front so that kernels never
 * allocate while training; kernels grow it themselves when needed. 0 or -1 (OOM). */
int kern_ctx_reserve(kern_ctx *ctx, size_t bytes);

/* Runs fn(arg, ith, nth) for ith = 0..nth-1 on the pool (the caller is thread 0) and waits.
 * nth = min(kern_ctx_threads, max_threads); max_threads <= 0 means all. Not reentrant: fn
 * must not call kern_parallel (or a kernel) on the same context. */
typedef void (*kern_task)(void *arg, int ith, int nth);
void kern_parallel(kern_ctx *ctx, kern_task fn, void *arg, int max_threads);

/* The [*begin, *end) block of n items that thread ith of nth takes (balanced, contiguous). */
void kern_split(size_t n, int ith, int nth, size_t *begin, size_t *end);

/* ------------------------------------------------------------------------------------------
 * GEMM: C = alpha * op(A) * op(B) + beta * C, row-major, op(X) = X or X^T.
 * op(A) is m x k, op(B) is k x n, C is m x n; lda/ldb/ldc are row strides in floats.
 * kern_sgemm calls OpenBLAS's cblas_sgemm in the calling thread (a context sets OpenBLAS to
 * one thread: parallelism comes from the context's pool). kern_sgemm_par splits C into
 * blocks over the context's threads, one single-threaded OpenBLAS call each.
 * ------------------------------------------------------------------------------------------ */
void kern_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                const float *b, int ldb, float beta, float *c, int ldc);
void kern_sgemm_par(kern_ctx *ctx, int trans_a, int trans_b, int m, int n, int k, float alpha,
                    const float *a, int lda, const float *b, int ldb, float beta, float *c,
                    int ldc);
void kern_sgemm_ref(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a,
                    int lda, const float *b, int ldb, float beta, float *c, int ldc);

/* ------------------------------------------------------------------------------------------
 * 2-D convolution (cross-correlation, dilation 1), NCHW.
 *   x: n x c x h x w     w: k x c x r x s (OIHW)     bias: k     y: n x k x p x q
 *   p = (h + 2*pad_h - r) / stride_h + 1,  q = (w + 2*pad_w - s) / stride_w + 1
 * Fill the sizes, call kern_conv_init once (it checks them, computes p, q and resolves
 * KERN_CONV_AUTO for each pass), then run. `n` may be lowered afterwards for a smaller last batch
 * without calling init again. Generated code typically keeps one static kern_conv per layer.
 * ------------------------------------------------------------------------------------------ */
typedef enum kern_conv_algo {
    KERN_CONV_AUTO = 0,       /* kern_conv_init picks the fastest for the shape */
    KERN_CONV_IM2COL,         /* per image: im2col into the workspace, then one GEMM */
    KERN_CONV_IM2COL_BATCHED, /* im2col of several images side by side, one wide GEMM */
    KERN_CONV_1X1,            /* 1x1, stride 1, no padding: the input is already the matrix */
    KERN_CONV_DIRECT,         /* direct loops, vectorised along the output row: small c (e.g. 1) */
    KERN_CONV_WINOGRAD,       /* 3x3, stride 1: Winograd F(2x2, 3x3), 2.25x fewer products */
    KERN_CONV_ALGO_COUNT
} kern_conv_algo;

typedef struct kern_conv {
    int n, c, h, w;         /* input: batch, channels, height, width */
    int k, r, s;            /* output channels, kernel height, kernel width */
    int stride_h, stride_w; /* >= 1 (0 is taken as 1) */
    int pad_h, pad_w;       /* zero padding on each side */
    int p, q;               /* output height and width: set by kern_conv_init */
    /* Algorithm of each pass. In: requested (0 = AUTO, the default); out: what will run. */
    kern_conv_algo algo;             /* forward */
    kern_conv_algo algo_bwd_data;    /* backward-data */
    kern_conv_algo algo_bwd_weights; /* backward-weights */
    /* AUTO's rules depend on the vector registers of the CPU the code runs on: floats per
     * register of that target (16 with AVX-512, 8 with AVX, 4 otherwise). 0: this build's.
     * A compiler choosing for another target (modak compile --target) sets it. */
    int vec;
} kern_conv;

int kern_conv_init(kern_conv *cv, kern_err *err);
const char *kern_conv_algo_name(kern_conv_algo algo);
/* Workspace bytes the three conv kernels need per thread at cv->n (the max of the three).
 * The context's workspace is shared by all layers, so a network needs the largest of these,
 * times the thread count (kern_net.workspace_bytes is that per-thread maximum). */
size_t kern_conv_workspace(const kern_conv *cv);
/* Multiply-adds x 2 of the forward pass for the whole batch (the backward passes cost the
 * same each). */
double kern_conv_flops(const kern_conv *cv);

/* y = conv(x, w) + bias (bias may be NULL), then ReLU when relu != 0. */
int kern_conv2d_fwd(kern_ctx *ctx, const kern_conv *cv, const float *x, const float *w,
                    const float *bias, int relu, float *y);
/* dx = conv^T(dy, w): the gradient with respect to the input. */
int kern_conv2d_bwd_data(kern_ctx *ctx, const kern_conv *cv, const float *dy, const float *w,
                         float *dx);
/* dw = gradient w.r.t. the weights (summed over the batch); db = sum of dy per output
 * channel (db may be NULL). When the forward fused a ReLU, first mask dy with kern_relu_bwd. */
int kern_conv2d_bwd_weights(kern_ctx *ctx, const kern_conv *cv, const float *x, const float *dy,
                            float *dw, float *db);

/* The whole backward in one pass over the images, while each image's data is in cache (the
 * fast path for training): when y (the forward's output with its fused ReLU) is given, dy
 * is first masked in place by y > 0; then db (may be NULL) = per-channel sums of dy, dw (may
 * be NULL) = the weights' gradient, dx (may be NULL: the first layer) = the input's. */
int kern_conv2d_bwd(kern_ctx *ctx, const kern_conv *cv, const float *x, const float *y, float *dy,
                    const float *w, float *dx, float *dw, float *db);

void kern_conv2d_fwd_ref(const kern_conv *cv, const float *x, const float *w, const float *bias,
                         int relu, float *y);
void kern_conv2d_bwd_data_ref(const kern_conv *cv, const float *dy, const float *w, float *dx);
void kern_conv2d_bwd_weights_ref(const kern_conv *cv, const float *x, const float *dy, float *dw,
                                 float *db);

/* ------------------------------------------------------------------------------------------
 * Dense (fully connected): y[n][out] = x[n][in] . W[out][in]^T + b[out]; W's fan-in is `in`.
 * ------------------------------------------------------------------------------------------ */
void kern_dense_fwd(kern_ctx *ctx, int n, int in, int out, const float *x, const float *w,
                    const float *b, int relu, float *y);
/* dx (may be NULL: not needed for the first layer) = dy . W; dw = dy^T . x; db (may be NULL)
 * = column sums of dy. Mask dy with kern_relu_bwd first when the forward fused a ReLU. */
void kern_dense_bwd(kern_ctx *ctx, int n, int in, int out, const float *x, const float *w,
                    const float *dy, float *dx, float *dw, float *db);
void kern_dense_fwd_ref(int n, int in, int out, const float *x, const float *w, const float *b,
                        int relu, float *y);
void kern_dense_bwd_ref(int n, int in, int out, const float *x, const float *w, const float *dy,
                        float *dx, float *dw, float *db);

/* ------------------------------------------------------------------------------------------
 * Bias, ReLU, residual add, copies. A tensor here is n x c x hw (hw = h*w; 1 for dense).
 * ------------------------------------------------------------------------------------------ */
/* y[i][j][:] += b[j], then ReLU when relu != 0 (in place). */
void kern_bias_fwd(kern_ctx *ctx, int n, int c, int hw, const float *b, int relu, float *y);
/* db[j] = sum over i and hw of dy[i][j][:]. */
void kern_bias_bwd(kern_ctx *ctx, int n, int c, int hw, const float *dy, float *db);
/* y = max(x, 0); y may alias x. */
void kern_relu_fwd(kern_ctx *ctx, size_t count, const float *x, float *y);
/* dx = dy where y > 0, else 0; y is the ReLU's (or a fused kernel's) output; dx may alias dy. */
void kern_relu_bwd(kern_ctx *ctx, size_t count, const float *y, const float *dy, float *dx);
/* Fused bias + ReLU backward: dx = relu_bwd(y, dy) (dx may alias dy), db as kern_bias_bwd. */
void kern_bias_relu_bwd(kern_ctx *ctx, int n, int c, int hw, const float *y, const float *dy,
                        float *dx, float *db);
/* y = a + b, then ReLU when relu != 0 (residual add); y may alias a or b. Its backward is the
 * identity to both inputs (after kern_relu_bwd when fused). */
void kern_add(kern_ctx *ctx, size_t count, const float *a, const float *b, int relu, float *y);
/* y += alpha * x (accumulates the gradient of a tensor that feeds several nodes). */
void kern_axpy(kern_ctx *ctx, size_t count, float alpha, const float *x, float *y);
void kern_copy(kern_ctx *ctx, size_t count, const float *x, float *y);
void kern_fill(kern_ctx *ctx, size_t count, float value, float *y);

void kern_bias_fwd_ref(int n, int c, int hw, const float *b, int relu, float *y);
void kern_bias_bwd_ref(int n, int c, int hw, const float *dy, float *db);
void kern_relu_fwd_ref(size_t count, const float *x, float *y);
void kern_relu_bwd_ref(size_t count, const float *y, const float *dy, float *dx);

/* ------------------------------------------------------------------------------------------
 * Pooling, NCHW. x: n x c x h x w, y: n x c x p x q; p, q computed by kern_pool_init as for
 * convolutions. Average pooling divides by the number of window cells inside the input
 * (padding excluded).
 * ------------------------------------------------------------------------------------------ */
typedef struct kern_pool {
    int n, c, h, w;
    int r, s;               /* window height and width */
    int stride_h, stride_w; /* 0 is taken as the window size */
    int pad_h, pad_w;       /* max pooling pads with -inf, average pooling ignores the pad */
    int p, q;               /* set by kern_pool_init */
} kern_pool;

int kern_pool_init(kern_pool *pl, kern_err *err);
/* argmax (n x c x p x q int32, may be NULL in inference) receives, for each output, the
 * index within its h x w input plane of the maximum: the backward needs it. */
void kern_maxpool_fwd(kern_ctx *ctx, const kern_pool *pl, const float *x, float *y,
                      int32_t *argmax);
/* dx (n x c x h x w) is overwritten: zeros, plus dy scattered to the argmax positions. */
void kern_maxpool_bwd(kern_ctx *ctx, const kern_pool *pl, const float *dy, const int32_t *argmax,
                      float *dx);
void kern_avgpool_fwd(kern_ctx *ctx, const kern_pool *pl, const float *x, float *y);
void kern_avgpool_bwd(kern_ctx *ctx, const kern_pool *pl, const float *dy, float *dx);
/* Global average pooling: y[i][j] = mean of x[i][j][0..hw). */
void kern_gap_fwd(kern_ctx *ctx, int n, int c, int hw, const float *x, float *y);
void kern_gap_bwd(kern_ctx *ctx, int n, int c, int hw, const float *dy, float *dx);

void kern_maxpool_fwd_ref(const kern_pool *pl, const float *x, float *y, int32_t *argmax);
void kern_maxpool_bwd_ref(const kern_pool *pl, const float *dy, const int32_t *argmax, float *dx);
void kern_avgpool_fwd_ref(const kern_pool *pl, const float *x, float *y);
void kern_avgpool_bwd_ref(const kern_pool *pl, const float *dy, float *dx);
void kern_gap_fwd_ref(int n, int c, int hw, const float *x, float *y);
void kern_gap_bwd_ref(int n, int c, int hw, const float *dy, float *dx);

/* ------------------------------------------------------------------------------------------
 * Batch normalisation over n x c x hw, per channel c. y = gamma * (x - mean) * invstd + beta,
 * then ReLU when relu != 0. Defaults worth using: eps 1e-5, momentum 0.1.
 * ------------------------------------------------------------------------------------------ */
/* Training: batch statistics. Writes save_mean[c] and save_invstd[c] (1/sqrt(var + eps), the
 * biased batch variance) for the backward, and updates the running statistics in place:
 * run = (1 - momentum) * run + momentum * batch (run_var uses the unbiased variance).
 * y must not alias x (the backward needs x). */
void kern_bn_fwd_train(kern_ctx *ctx, int n, int c, int hw, float eps, float momentum,
                       const float *x, const float *gamma, const float *beta, float *run_mean,
                       float *run_var, float *save_mean, float *save_invstd, int relu, float *y);
/* Inference: running statistics; y may alias x. */
void kern_bn_fwd_infer(kern_ctx *ctx, int n, int c, int hw, float eps, const float *x,
                       const float *gamma, const float *beta, const float *run_mean,
                       const float *run_var, int relu, float *y);
/* Backward of kern_bn_fwd_train. y is the forward output when relu was fused (dy is masked
 * by y > 0), else NULL. Writes dx (may alias dy), dgamma[c], dbeta[c]. */
void kern_bn_bwd(kern_ctx *ctx, int n, int c, int hw, const float *x, const float *y,
                 const float *dy, const float *gamma, const float *save_mean,
                 const float *save_invstd, float *dx, float *dgamma, float *dbeta);

void kern_bn_fwd_train_ref(int n, int c, int hw, float eps, float momentum, const float *x,
                           const float *gamma, const float *beta, float *run_mean, float *run_var,
                           float *save_mean, float *save_invstd, int relu, float *y);
void kern_bn_fwd_infer_ref(int n, int c, int hw, float eps, const float *x, const float *gamma,
                           const float *beta, const float *run_mean, const float *run_var, int relu,
                           float *y);
void kern_bn_bwd_ref(int n, int c, int hw, const float *x, const float *y, const float *dy,
                     const float *gamma, const float *save_mean, const float *save_invstd,
                     float *dx, float *dgamma, float *dbeta);

/* ------------------------------------------------------------------------------------------
 * Dropout (inverted): y = x / (1 - rate) where kept, 0 where dropped. Whether element i is
 * kept is a pure function of (seed, i) (a counter-based hash), so no mask is stored, the
 * backward recomputes it, and the result does not depend on the thread count. Use a
 * different seed per layer: kern_seed_mix(step->seed, layer_number).
 * ------------------------------------------------------------------------------------------ */
void kern_dropout_fwd(kern_ctx *ctx, size_t count, float rate, uint64_t seed, const float *x,
                      float *y);
void kern_dropout_bwd(kern_ctx *ctx, size_t count, float rate, uint64_t seed, const float *dy,
                      float *dx);
void kern_dropout_fwd_ref(size_t count, float rate, uint64_t seed, const float *x, float *y);
/* A well-mixed 64-bit hash of two values (splitmix64-based): derives seeds. */
uint64_t kern_seed_mix(uint64_t a, uint64_t b);

/* ------------------------------------------------------------------------------------------
 * Softmax cross-entropy. logits: n x classes, labels: n ints in [0, classes).
 * ------------------------------------------------------------------------------------------ */
/* Writes probs (n x classes, may alias logits), returns the mean loss over n, and counts in
 * *correct (may be NULL) the rows whose argmax (first on ties) equals the label. labels may
 * be NULL (inference without labels): then the loss is 0 and *correct is 0. */
float kern_softmax_xent_fwd(kern_ctx *ctx, int n, int classes, const float *logits,
                            const int32_t *labels, float *probs, int *correct);
/* dlogits = (probs - onehot(labels)) / n, the gradient of the mean loss; may alias probs. */
void kern_softmax_xent_bwd(kern_ctx *ctx, int n, int classes, const float *probs,
                           const int32_t *labels, float *dlogits);
float kern_softmax_xent_fwd_ref(int n, int classes, const float *logits, const int32_t *labels,
                                float *probs, int *correct);

/* ------------------------------------------------------------------------------------------
 * Optimisers, on one flat parameter array w with its gradient g. weight_decay adds
 * weight_decay * w to g (L2, as PyTorch's SGD/Adam do).
 * ------------------------------------------------------------------------------------------ */
typedef enum kern_opt_kind {
    KERN_OPT_SGD = 0,      /* w -= lr * g */
    KERN_OPT_MOMENTUM = 1, /* v = momentum * v + g; w -= lr * v (PyTorch's form) */
    KERN_OPT_ADAM = 2,     /* Kingma & Ba with bias correction, t counted from 1 */
    KERN_OPT_COUNT
} kern_opt_kind;

typedef struct kern_opt {
    kern_opt_kind kind;
    float lr;
    float momentum;     /* KERN_OPT_MOMENTUM */
    float beta1, beta2; /* KERN_OPT_ADAM */
    float eps;          /* KERN_OPT_ADAM */
    float weight_decay;
} kern_opt;

const char *kern_opt_name(kern_opt_kind kind);
/* The defaults of kern_main: adam lr 1e-3 (beta 0.9/0.999, eps 1e-7 as Keras), momentum
 * lr 0.05 momentum 0.9, sgd lr 0.1; no weight decay. */
kern_opt kern_opt_default(kern_opt_kind kind);

void kern_sgd_step(kern_ctx *ctx, size_t count, float lr, float weight_decay, float *w,
                   const float *g);
void kern_momentum_step(kern_ctx *ctx, size_t count, float lr, float momentum, float weight_decay,
                        float *w, const float *g, float *v);
/* m, v: first and second moments; t >= 1 is the number of this update. */
void kern_adam_step(kern_ctx *ctx, size_t count, float lr, float beta1, float beta2, float eps,
                    uint64_t t, float weight_decay, float *w, const float *g, float *m, float *v);
void kern_sgd_step_ref(size_t count, float lr, float weight_decay, float *w, const float *g);
void kern_momentum_step_ref(size_t count, float lr, float momentum, float weight_decay, float *w,
                            const float *g, float *v);
void kern_adam_step_ref(size_t count, float lr, float beta1, float beta2, float eps, uint64_t t,
                        float weight_decay, float *w, const float *g, float *m, float *v);

/* ------------------------------------------------------------------------------------------
 * The network ABI: what the generated program gives kern_main.
 * ------------------------------------------------------------------------------------------ */
typedef enum kern_init {
    KERN_INIT_ZEROS = 0,
    KERN_INIT_ONES,
    KERN_INIT_HE_NORMAL,      /* normal, std sqrt(2 / fan_in), truncated at 2 std (Keras) */
    KERN_INIT_HE_UNIFORM,     /* uniform +-sqrt(6 / fan_in) */
    KERN_INIT_GLOROT_UNIFORM, /* uniform +-sqrt(6 / (fan_in + fan_out)): Keras's default */
    KERN_INIT_GLOROT_NORMAL,  /* normal, std sqrt(2 / (fan_in + fan_out)), truncated at 2 std */
    KERN_INIT_LECUN_UNIFORM,  /* uniform +-sqrt(3 / fan_in): PyTorch's default for weights */
    KERN_INIT_COUNT
} kern_init;

const char *kern_init_name(kern_init init);

/* One row of the parameter table. Parameters are stored by the driver, each 64-byte aligned,
 * and handed to the step functions as a table of pointers in this order. */
typedef struct kern_param {
    const char *name; /* unique, e.g. "conv1.weight", "bn1.running_var" */
    size_t count;     /* number of floats */
    kern_init init;
    int fan_in;    /* inputs feeding one output unit: c*r*s for a conv, `in` for dense */
    int fan_out;   /* k*r*s for a conv, `out` for dense (glorot only) */
    int trainable; /* 0: state the forward pass updates itself (batch-norm running mean
                      (init zeros) and variance (init ones)): no gradient, no optimiser,
                      still initialised and checkpointed */
} kern_param;

/* One batch, in and out of the network's step functions. The driver fills the inputs. */
typedef struct kern_step {
    /* in */
    int n;                 /* images in this batch, 1..net->batch */
    const float *x;        /* n x in_c x in_h x in_w, pixels scaled to [0, 1] */
    const int32_t *labels; /* n labels in [0, classes); infer accepts NULL */
    int training;          /* 1: batch-norm batch statistics + running updates, dropout on;
                              0: running statistics, dropout off */
    uint64_t seed;         /* dropout seed of this step (the driver derives it from the run's
                              seed, epoch and step, so a resumed run draws the same masks) */
    float *const *params;  /* net->nparams pointers, 64-byte aligned */
    float *const *grads;   /* net->nparams pointers (NULL for non-trainable parameters):
                              forward_backward overwrites every trainable gradient */
    void *arena;           /* net->arena_bytes, 64-byte aligned, contents undefined at entry */
    float *probs;          /* optional (may be NULL): receives n x classes softmax outputs */
    /* out */
    float loss;  /* mean softmax cross-entropy over the n images */
    int correct; /* images whose argmax equals the label */
} kern_step;

typedef struct kern_net kern_net;
struct kern_net {
    int abi_version;      /* KERN_ABI_VERSION: kern_main refuses another */
    const char *name;     /* e.g. "mnist_cnn"; checkpoints record it */
    const char *summary;  /* optional multi-line layer listing for `info` (or NULL) */
    const char *build;    /* optional: compiler, flags, target, for `info` (or NULL) */
    int batch;            /* the largest n the arena is planned for; default --batch */
    int in_c, in_h, in_w; /* input image shape: must match the data set */
    int classes;
    int nparams;
    const kern_param *params;
    size_t arena_bytes;     /* activations, gradients, saved statistics at n = batch */
    size_t workspace_bytes; /* max kern_conv_workspace over the layers at n = batch, per
                               thread (0: unknown; the workspace then grows on first use) */
    double flops_fwd;       /* forward FLOPs per image (a multiply-add counts 2) */
    double flops_train;     /* forward + backward FLOPs per image (0: taken as 3 * flops_fwd) */
    /* Forward and backward of one batch: fills s->loss, s->correct (and s->probs), writes
     * every trainable gradient. Returns 0, or -1 on failure (out of memory). */
    int (*forward_backward)(kern_ctx *ctx, const kern_net *net, kern_step *s);
    /* Forward only, as in inference (s->training and s->grads are ignored): fills s->loss,
     * s->correct (when labels are given) and s->probs (when not NULL). 0 or -1. */
    int (*infer)(kern_ctx *ctx, const kern_net *net, kern_step *s);
    /* A generic build (what a stock image ships): OpenBLAS keeps its own kernel choice, as a
     * stock framework's does, even where CPUID says it chose a slow one. */
    int stock_blas;
};

/* The training program: `BIN train|eval|info|--help`; see kernels/README.md. Returns the
 * exit status (0 ok, 1 invalid input or failed run, 2 usage or I/O error). May re-execute
 * the program (/proc/self/exe) once, before anything else, to select OpenBLAS's kernels. */
int kern_main(int argc, char **argv, const kern_net *net);

/* ------------------------------------------------------------------------------------------
 * OpenBLAS core selection (used by kern_main; public for tests).
 * ------------------------------------------------------------------------------------------ */
/* The OpenBLAS core type this CPU should use, from CPUID: "Cooperlake" (AVX-512 BF16),
 * "SkylakeX" (AVX-512), "Haswell" (AVX2 + FMA; "Zen" on AMD), "Sandybridge" (AVX), "Nehalem"
 * (SSE4.2), "Prescott"; NULL when not on x86-64. The environment variable KERN_CORETYPE
 * overrides. */
const char *kern_coretype_wanted(void);
/* The core type OpenBLAS is running with (openblas_get_corename). */
const char *kern_coretype_active(void);

/* ------------------------------------------------------------------------------------------
 * Data sets. Pixels stay uint8 in memory (a quarter of the floats' size); a batch is
 * converted to floats in [0, 1] when it is drawn.
 * ------------------------------------------------------------------------------------------ */
typedef enum kern_data_kind {
    KERN_DATA_IDX = 0,
    KERN_DATA_CIFAR10,
    KERN_DATA_SYNTHETIC
} kern_data_kind;

typedef struct kern_dataset {
    kern_data_kind kind;
    int n, c, h, w, classes;
    uint8_t *pixels; /* n x c x h x w (NULL for synthetic: generated from seed and index) */
    uint8_t *labels; /* n (NULL for synthetic) */
    uint64_t seed;   /* synthetic only */
} kern_dataset;

/* MNIST/Fashion-MNIST IDX pair, plain or gzip (detected by content). Checks magic numbers
 * (0x803 images, 0x801 labels), dimensions, counts and the exact file sizes; labels must be
 * < classes. */
int kern_idx_load(const char *images_path, const char *labels_path, int classes, kern_dataset *ds,
                  kern_err *err);
/* CIFAR-10 binary batches (each record: 1 label byte + 3072 pixel bytes), concatenated. */
int kern_cifar10_load(const char *const *paths, int npaths, kern_dataset *ds, kern_err *err);
/* Finds the training (train != 0) or test set in dir: {train,t10k}-{images-idx3,labels-idx1}
 * -ubyte[.gz], or CIFAR-10's data_batch_{1..5}.bin / test_batch.bin (also inside a
 * cifar-10-batches-bin/ subfolder). */
int kern_data_open_dir(const char *dir, int train, int classes, kern_dataset *ds, kern_err *err);
/* A deterministic learnable synthetic set: label = a hash of (seed, index) mod classes,
 * pixels = a class-dependent pattern plus noise. */
void kern_data_synthetic(kern_dataset *ds, int n, int c, int h, int w, int classes, uint64_t seed);
void kern_dataset_free(kern_dataset *ds); /* frees the arrays; NULL is a no-op */
/* Writes images idx[0..n) as floats in [0, 1] into x (n x c x h x w) and their labels. */
void kern_dataset_batch(const kern_dataset *ds, const int32_t *idx, int n, float *x,
                        int32_t *labels);
/* The permutation of 0..count-1 used for epoch `epoch` (Fisher-Yates from seed and epoch). */
void kern_shuffle(int32_t *perm, int count, uint64_t seed, uint64_t epoch);

/* ------------------------------------------------------------------------------------------
 * Training state and checkpoints.
 * ------------------------------------------------------------------------------------------ */
typedef struct kern_state {
    const kern_net *net;
    size_t total;      /* floats in each flat buffer (parameters padded to 16 floats) */
    size_t *offset;    /* nparams offsets into the flat buffers */
    float *params;     /* flat, 64-byte aligned */
    float *grads;      /* flat, same layout */
    float *opt_m;      /* optimiser state (momentum velocity or Adam first moment) or NULL */
    float *opt_v;      /* Adam second moment or NULL */
    float **param_ptr; /* nparams pointers into params (for kern_step) */
    float **grad_ptr;  /* nparams pointers into grads, NULL where not trainable */
    kern_opt opt;
    uint64_t seed;       /* the run's seed */
    uint64_t step;       /* optimiser updates done (Adam's t) */
    uint64_t epoch;      /* current epoch, from 0 */
    uint64_t epoch_step; /* batches of the current epoch already done */
    int batch;           /* the batch size the run uses (a resume must use the same) */
} kern_state;

/* Allocates the buffers for net and optimiser and initialises the parameters from seed
 * (parameter i draws from kern_seed_mix(seed, i)). */
int kern_state_new(kern_state *st, const kern_net *net, const kern_opt *opt, uint64_t seed,
                   int batch, kern_err *err);
void kern_state_free(kern_state *st);
/* Runs one optimiser update over every trainable parameter (increments st->step first). */
void kern_state_update(kern_ctx *ctx, kern_state *st);

/* Writes the checkpoint atomically (a temporary sibling, fsync, rename, fsync of the
 * directory): a header (magic "MODAKCKP", version, net name, parameter count and floats per
 * parameter, step, epoch, epoch step, batch, seed, RNG state, optimiser kind and settings),
 * the parameters, the optimiser state, then a CRC-32 of everything before it. */
int kern_ckpt_save(const char *path, const kern_state *st, kern_err *err);
/* Reads and verifies a checkpoint into st (which kern_state_new made for the same net):
 * magic, version, network name, parameter table, sizes and checksum, each with a clear error.
 * weights_only != 0 loads the parameters alone (eval); otherwise also the optimiser, its
 * state and the position (step, epoch, seed, batch) for --resume. */
int kern_ckpt_load(const char *path, kern_state *st, int weights_only, kern_err *err);

#endif
