/* kern_state — the training state (parameters, gradients, optimiser state, position in the
 * run), parameter initialisation, the optimiser update, and checkpoints.
 *
 * Parameters live in one flat buffer, each padded to 16 floats (64 bytes) so every tensor is
 * aligned; the padding stays zero through every update (zero gradient, zero state). Parameter
 * i is initialised from its own generator seeded with (seed, i), so adding a layer does not
 * change the others' initial values.
 *
 * Checkpoint layout (little-endian, this machine's float32), then a CRC-32 of all of it:
 *   "MODAKCKP", u32 version, u32 reserved, char name[64], u32 nparams, u32 optimiser kind,
 *   u64 floats, u64 step, u64 epoch, u64 epoch step, u64 seed, u64 rng state, i32 batch,
 *   f32 lr, momentum, beta1, beta2, eps, weight decay, u32 state arrays (0, 1 or 2),
 *   per parameter: u32 name length, name bytes, u64 count, u32 trainable;
 *   parameters (count floats each, unpadded), then each optimiser state array the same way.
 * It is written to a temporary sibling, fsync'ed, renamed over the target and the directory
 * fsync'ed, so a crash at any moment leaves either the old or the new checkpoint. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "kern.h"
#include "kern_impl.h"

static const char *const init_names[] = {
    "zeros", "ones", "he_normal", "he_uniform", "glorot_uniform", "glorot_normal", "lecun_uniform"};
_Static_assert(sizeof init_names / sizeof *init_names == KERN_INIT_COUNT, "one name per init");

const char *kern_init_name(kern_init init)
{
    return (unsigned)init < KERN_INIT_COUNT ? init_names[init] : "?";
}

static void *alloc64(size_t bytes)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes ? bytes : 64)) return NULL;
    memset(p, 0, bytes ? bytes : 64);
    return p;
}

/* A standard normal truncated to [-2, 2] (Box-Muller, redrawn outside). */
static float trunc_normal(kernp_rng *r)
{
    for (;;) {
        float u1 = kernp_rng_unif(r), u2 = kernp_rng_unif(r);
        if (u1 <= 0.0f) continue;
        float z = sqrtf(-2.0f * logf(u1)) * cosf(6.28318530718f * u2);
        if (z >= -2.0f && z <= 2.0f) return z;
    }
}

static void init_param(const kern_param *p, float *w, uint64_t seed)
{
    kernp_rng r = {seed};
    double fan_in = p->fan_in > 0 ? p->fan_in : 1, fan_out = p->fan_out > 0 ? p->fan_out : 1;
    /* 0.8796 is the std of a unit normal truncated at 2: dividing by it restores the target
     * variance, as Keras does. */
    const double tn = 0.87962566103423978;
    double limit = 0, std = 0;
    switch (p->init) {
    case KERN_INIT_ZEROS:
        for (size_t i = 0; i < p->count; i++)
            w[i] = 0.0f;
        return;
    case KERN_INIT_ONES:
        for (size_t i = 0; i < p->count; i++)
            w[i] = 1.0f;
        return;
    case KERN_INIT_HE_NORMAL:
        std = sqrt(2.0 / fan_in) / tn;
        break;
    case KERN_INIT_GLOROT_NORMAL:
        std = sqrt(2.0 / (fan_in + fan_out)) / tn;
        break;
    case KERN_INIT_HE_UNIFORM:
        limit = sqrt(6.0 / fan_in);
        break;
    case KERN_INIT_GLOROT_UNIFORM:
        limit = sqrt(6.0 / (fan_in + fan_out));
        break;
    case KERN_INIT_LECUN_UNIFORM:
        limit = sqrt(3.0 / fan_in);
        break;
    default:
        break;
    }
    if (std > 0)
        for (size_t i = 0; i < p->count; i++)
            w[i] = (float)std * trunc_normal(&r);
    else
        for (size_t i = 0; i < p->count; i++)
            w[i] = (float)(limit * (2.0 * kernp_rng_unif(&r) - 1.0));
}

static int alloc_opt_state(kern_state *st, kern_err *err)
{
    free(st->opt_m);
    free(st->opt_v);
    st->opt_m = st->opt_v = NULL;
    size_t bytes = st->total * sizeof(float);
    if (st->opt.kind != KERN_OPT_SGD && !(st->opt_m = alloc64(bytes)))
        return kern_err_set(err, KERN_ENOMEM, "out of memory for the optimiser state");
    if (st->opt.kind == KERN_OPT_ADAM && !(st->opt_v = alloc64(bytes)))
        return kern_err_set(err, KERN_ENOMEM, "out of memory for the optimiser state");
    return 0;
}

int kern_state_new(kern_state *st, const kern_net *net, const kern_opt *opt, uint64_t seed,
                   int batch, kern_err *err)
{
    memset(st, 0, sizeof *st);
    st->net = net;
    st->opt = *opt;
    st->seed = seed;
    st->batch = batch;
    int np = net->nparams;
    st->offset = calloc(np > 0 ? (size_t)np : 1, sizeof *st->offset);
    st->param_ptr = calloc(np > 0 ? (size_t)np : 1, sizeof *st->param_ptr);
    st->grad_ptr = calloc(np > 0 ? (size_t)np : 1, sizeof *st->grad_ptr);
    if (!st->offset || !st->param_ptr || !st->grad_ptr) goto oom;
    size_t total = 0;
    for (int i = 0; i < np; i++) {
        st->offset[i] = total;
        total += (net->params[i].count + 15) & ~(size_t)15;
    }
    st->total = total;
    st->params = alloc64(total * sizeof(float));
    st->grads = alloc64(total * sizeof(float));
    if (!st->params || !st->grads) goto oom;
    if (alloc_opt_state(st, err)) goto fail;
    for (int i = 0; i < np; i++) {
        st->param_ptr[i] = st->params + st->offset[i];
        st->grad_ptr[i] = net->params[i].trainable ? st->grads + st->offset[i] : NULL;
        init_param(&net->params[i], st->param_ptr[i], kern_seed_mix(seed, (uint64_t)i));
    }
    return 0;
oom:
    kern_err_set(err, KERN_ENOMEM, "out of memory for the parameters of %s", net->name);
fail:
    kern_state_free(st);
    return -1;
}

void kern_state_free(kern_state *st)
{
    if (!st) return;
    free(st->offset);
    free(st->params);
    free(st->grads);
    free(st->opt_m);
    free(st->opt_v);
    free(st->param_ptr);
    free(st->grad_ptr);
    memset(st, 0, sizeof *st);
}

void kern_state_update(kern_ctx *ctx, kern_state *st)
{
    st->step++;
    const kern_net *net = st->net;
    const kern_opt *o = &st->opt;
    /* Runs of adjacent trainable parameters are updated in one call (padding included). */
    for (int i = 0; i < net->nparams;) {
        if (!net->params[i].trainable) {
            i++;
            continue;
        }
        int j = i;
        while (j < net->nparams && net->params[j].trainable)
            j++;
        size_t lo = st->offset[i], hi = j < net->nparams ? st->offset[j] : st->total;
        float *w = st->params + lo;
        const float *g = st->grads + lo;
        switch (o->kind) {
        case KERN_OPT_SGD:
            kern_sgd_step(ctx, hi - lo, o->lr, o->weight_decay, w, g);
            break;
        case KERN_OPT_MOMENTUM:
            kern_momentum_step(ctx, hi - lo, o->lr, o->momentum, o->weight_decay, w, g,
                               st->opt_m + lo);
            break;
        case KERN_OPT_ADAM:
            kern_adam_step(ctx, hi - lo, o->lr, o->beta1, o->beta2, o->eps, st->step,
                           o->weight_decay, w, g, st->opt_m + lo, st->opt_v + lo);
            break;
        default:
            break;
        }
        i = j;
    }
}

/* ---- checkpoints ---- */

#define CKPT_MAGIC "MODAKCKP"
enum { CKPT_VERSION = 1, NAME_LEN = 64 };

static uint64_t rng_state(const kern_state *st)
{
    return kern_seed_mix(st->seed, st->epoch);
}

struct writer {
    FILE *f;
    uLong crc;
    int failed;
};

static void put(struct writer *w, const void *p, size_t n)
{
    if (w->failed || n == 0) return;
    if (fwrite(p, 1, n, w->f) != n) w->failed = 1;
    /* zlib's crc32 takes a uInt length: feed it in pieces. */
    const unsigned char *b = p;
    while (n) {
        uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
        w->crc = crc32(w->crc, b, chunk);
        b += chunk;
        n -= chunk;
    }
}

static void put_u32(struct writer *w, uint32_t v)
{
    put(w, &v, 4);
}

static void put_u64(struct writer *w, uint64_t v)
{
    put(w, &v, 8);
}

static void put_f32(struct writer *w, float v)
{
    put(w, &v, 4);
}

static void put_array(struct writer *w, const kern_state *st, const float *a)
{
    for (int i = 0; i < st->net->nparams; i++)
        put(w, a + st->offset[i], st->net->params[i].count * sizeof(float));
}

static size_t param_floats(const kern_net *net)
{
    size_t n = 0;
    for (int i = 0; i < net->nparams; i++)
        n += net->params[i].count;
    return n;
}

int kern_ckpt_save(const char *path, const kern_state *st, kern_err *err)
{
    const kern_net *net = st->net;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return kern_err_set(err, KERN_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    struct writer w = {fdopen(fd, "wb"), crc32(0L, Z_NULL, 0), 0};
    if (!w.f) {
        close(fd);
        unlink(tmp);
        return kern_err_set(err, KERN_EIO, "%s: cannot open: %s", tmp, strerror(errno));
    }
    char name[NAME_LEN] = {0};
    snprintf(name, sizeof name, "%s", net->name ? net->name : "");
    put(&w, CKPT_MAGIC, 8);
    put_u32(&w, CKPT_VERSION);
    put_u32(&w, 0);
    put(&w, name, NAME_LEN);
    put_u32(&w, (uint32_t)net->nparams);
    put_u32(&w, (uint32_t)st->opt.kind);
    put_u64(&w, param_floats(net));
    put_u64(&w, st->step);
    put_u64(&w, st->epoch);
    put_u64(&w, st->epoch_step);
    put_u64(&w, st->seed);
    put_u64(&w, rng_state(st));
    put_u32(&w, (uint32_t)st->batch);
    put_f32(&w, st->opt.lr);
    put_f32(&w, st->opt.momentum);
    put_f32(&w, st->opt.beta1);
    put_f32(&w, st->opt.beta2);
    put_f32(&w, st->opt.eps);
    put_f32(&w, st->opt.weight_decay);
    uint32_t narrays = (st->opt_m ? 1u : 0u) + (st->opt_v ? 1u : 0u);
    put_u32(&w, narrays);
    for (int i = 0; i < net->nparams; i++) {
        const kern_param *p = &net->params[i];
        uint32_t len = (uint32_t)strlen(p->name);
        put_u32(&w, len);
        put(&w, p->name, len);
        put_u64(&w, p->count);
        put_u32(&w, (uint32_t)(p->trainable != 0));
    }
    put_array(&w, st, st->params);
    if (st->opt_m) put_array(&w, st, st->opt_m);
    if (st->opt_v) put_array(&w, st, st->opt_v);
    uint32_t crc = (uint32_t)w.crc;
    if (!w.failed && fwrite(&crc, 4, 1, w.f) != 1) w.failed = 1;
    if (!w.failed && fflush(w.f)) w.failed = 1;
    if (!w.failed && fsync(fileno(w.f))) w.failed = 1;
    int saved = errno;
    if (fclose(w.f)) w.failed = 1, saved = errno;
    if (w.failed) {
        unlink(tmp);
        return kern_err_set(err, KERN_EIO, "%s: write failed: %s", tmp, strerror(saved));
    }
    if (rename(tmp, path)) {
        saved = errno;
        unlink(tmp);
        return kern_err_set(err, KERN_EIO, "%s: cannot rename into place: %s", path,
                            strerror(saved));
    }
    /* Make the rename itself durable. */
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash == dir ? (void)(slash[1] = 0) : (void)(*slash = 0);
    else
        snprintf(dir, sizeof dir, ".");
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

struct reader {
    const unsigned char *p, *end;
    const char *path;
    kern_err *err;
    int failed;
};

static int get(struct reader *r, void *out, size_t n, const char *what)
{
    if (r->failed) return -1;
    if ((size_t)(r->end - r->p) < n) {
        r->failed = 1;
        return kern_err_set(r->err, KERN_EINVAL, "%s: truncated checkpoint: ends inside %s",
                            r->path, what);
    }
    memcpy(out, r->p, n);
    r->p += n;
    return 0;
}

static int read_file(const char *path, unsigned char **data, size_t *size, kern_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return kern_err_set(err, KERN_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) || !S_ISREG(sb.st_mode)) {
        fclose(f);
        return kern_err_set(err, KERN_EIO, "%s: not a regular file", path);
    }
    size_t n = (size_t)sb.st_size;
    unsigned char *buf = malloc(n ? n : 1);
    if (!buf) {
        fclose(f);
        return kern_err_set(err, KERN_ENOMEM, "%s: out of memory (%zu bytes)", path, n);
    }
    if (fread(buf, 1, n, f) != n) {
        free(buf);
        fclose(f);
        return kern_err_set(err, KERN_EIO, "%s: read error", path);
    }
    fclose(f);
    *data = buf;
    *size = n;
    return 0;
}

static int get_array(struct reader *r, const kern_state *st, float *a, const char *what)
{
    for (int i = 0; i < st->net->nparams; i++)
        if (get(r, a + st->offset[i], st->net->params[i].count * sizeof(float), what)) return -1;
    return 0;
}

int kern_ckpt_load(const char *path, kern_state *st, int weights_only, kern_err *err)
{
    const kern_net *net = st->net;
    unsigned char *data = NULL;
    size_t size = 0;
    if (read_file(path, &data, &size, err)) return -1;
    int rc = -1;
    struct reader r = {data, data + (size >= 4 ? size - 4 : 0), path, err, 0};
    if (size < 8 + 4 || memcmp(data, CKPT_MAGIC, 8)) {
        kern_err_set(err, KERN_EINVAL, "%s: not a modak checkpoint (no %s magic)", path,
                     CKPT_MAGIC);
        goto done;
    }
    r.p += 8;
    uint32_t version, reserved, nparams, kind, batch, narrays;
    uint64_t floats, step, epoch, epoch_step, seed, rng;
    char name[NAME_LEN + 1] = {0};
    get(&r, &version, 4, "the header");
    if (!r.failed && version != CKPT_VERSION) {
        kern_err_set(err, KERN_EINVAL, "%s: checkpoint version %u, this program reads version %d",
                     path, version, CKPT_VERSION);
        goto done;
    }
    uint32_t crc_file;
    memcpy(&crc_file, data + size - 4, 4);
    uLong crc = crc32(0L, Z_NULL, 0);
    for (size_t off = 0; off < size - 4;) {
        uInt chunk = size - 4 - off > (1u << 30) ? (1u << 30) : (uInt)(size - 4 - off);
        crc = crc32(crc, data + off, chunk);
        off += chunk;
    }
    if ((uint32_t)crc != crc_file) {
        kern_err_set(err, KERN_EINVAL,
                     "%s: checksum mismatch (CRC-32 stored 0x%08x, computed 0x%08x): the file "
                     "is corrupt or truncated",
                     path, crc_file, (uint32_t)crc);
        goto done;
    }
    float lr, mom, b1, b2, eps, wd;
    get(&r, &reserved, 4, "the header");
    get(&r, name, NAME_LEN, "the header");
    get(&r, &nparams, 4, "the header");
    get(&r, &kind, 4, "the header");
    get(&r, &floats, 8, "the header");
    get(&r, &step, 8, "the header");
    get(&r, &epoch, 8, "the header");
    get(&r, &epoch_step, 8, "the header");
    get(&r, &seed, 8, "the header");
    get(&r, &rng, 8, "the header");
    get(&r, &batch, 4, "the header");
    get(&r, &lr, 4, "the header");
    get(&r, &mom, 4, "the header");
    get(&r, &b1, 4, "the header");
    get(&r, &b2, 4, "the header");
    get(&r, &eps, 4, "the header");
    get(&r, &wd, 4, "the header");
    get(&r, &narrays, 4, "the header");
    if (r.failed) goto done;
    if (strcmp(name, net->name ? net->name : "")) {
        kern_err_set(err, KERN_EINVAL, "%s: checkpoint of network '%s', this program trains '%s'",
                     path, name, net->name);
        goto done;
    }
    if (nparams != (uint32_t)net->nparams || floats != param_floats(net)) {
        kern_err_set(err, KERN_EINVAL,
                     "%s: checkpoint has %u parameters (%llu floats), network '%s' has %d (%zu "
                     "floats)",
                     path, nparams, (unsigned long long)floats, net->name, net->nparams,
                     param_floats(net));
        goto done;
    }
    if (kind >= KERN_OPT_COUNT || narrays != (kind == KERN_OPT_ADAM       ? 2u
                                              : kind == KERN_OPT_MOMENTUM ? 1u
                                                                          : 0u)) {
        kern_err_set(err, KERN_EINVAL, "%s: bad optimiser record (kind %u, %u state arrays)", path,
                     kind, narrays);
        goto done;
    }
    for (int i = 0; i < net->nparams; i++) {
        uint32_t len = 0, trainable = 0;
        uint64_t count = 0;
        char pname[256];
        if (get(&r, &len, 4, "the parameter table")) goto done;
        if (len >= sizeof pname) {
            kern_err_set(err, KERN_EINVAL, "%s: parameter %d: name of %u bytes is too long", path,
                         i, len);
            goto done;
        }
        if (get(&r, pname, len, "the parameter table")) goto done;
        pname[len] = 0;
        if (get(&r, &count, 8, "the parameter table") ||
            get(&r, &trainable, 4, "the parameter table"))
            goto done;
        const kern_param *p = &net->params[i];
        if (strcmp(pname, p->name) || count != p->count) {
            kern_err_set(err, KERN_EINVAL,
                         "%s: parameter %d is '%s' (%llu floats) in the checkpoint, '%s' (%zu "
                         "floats) in the network",
                         path, i, pname, (unsigned long long)count, p->name, p->count);
            goto done;
        }
    }
    size_t expect = (size_t)(r.p - data) + (1 + narrays) * floats * sizeof(float);
    if (expect != size - 4) {
        kern_err_set(err, KERN_EINVAL, "%s: checkpoint is %zu bytes, its header says %zu", path,
                     size, expect + 4);
        goto done;
    }
    if (weights_only) {
        if (get_array(&r, st, st->params, "the parameters")) goto done;
        rc = 0;
        goto done;
    }
    if (rng != kern_seed_mix(seed, epoch)) {
        kern_err_set(err, KERN_EINVAL, "%s: RNG state does not match seed and epoch", path);
        goto done;
    }
    st->opt.kind = (kern_opt_kind)kind;
    st->opt.lr = lr;
    st->opt.momentum = mom;
    st->opt.beta1 = b1;
    st->opt.beta2 = b2;
    st->opt.eps = eps;
    st->opt.weight_decay = wd;
    if (alloc_opt_state(st, err)) goto done;
    if (get_array(&r, st, st->params, "the parameters")) goto done;
    if (st->opt_m && get_array(&r, st, st->opt_m, "the optimiser state")) goto done;
    if (st->opt_v && get_array(&r, st, st->opt_v, "the optimiser state")) goto done;
    st->step = step;
    st->epoch = epoch;
    st->epoch_step = epoch_step;
    st->seed = seed;
    st->batch = (int)batch;
    rc = 0;
done:
    free(data);
    return rc;
}
