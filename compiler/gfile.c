/* gfile — modak's graph JSON format (see docs/graph-format.md):
 *
 *   {"format": "modak-graph", "version": 1, "name": "net",
 *    "input": {"name": "input", "shape": [C, H, W]},
 *    "layers": [{"name": "conv1", "op": "conv2d", "inputs": ["input"], "filters": 32,
 *                "kernel": 3, "stride": 1, "padding": 0, "bias": true,
 *                "activation": "relu", "init": "glorot_uniform"}, ...],
 *    "output": "dense2"}
 *
 * One layer is one forward op of the IR (conv2d and dense create their weights; "bias" and
 * "activation" add the bias_add and relu nodes behind them). "inputs" defaults to the layer
 * before. The loss is softmax cross-entropy on "output" (default: the last layer). The
 * reader checks every field and reports the JSON pointer of a bad one; the writer emits the
 * explicit form, so write → read gives back the same graph. */
#include "gfile.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "mk_buf.h"
#include "mk_fs.h"
#include "zoo.h"

/* ---- reading helpers shared with keras.c (declared in gfile_impl.h) ---- */
#include "gfile_impl.h"

int gf_err(gf_reader *r, const char *ptr, const char *fmt, ...)
{
    char msg[800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mk_err_set(r->err, MK_EINVAL, r->path, 0, 0, "%s: %s", ptr && *ptr ? ptr : "/", msg);
}

/* Re-labels a shape error the graph recorded with the pointer of the layer that caused it. */
int gf_graph_err(gf_reader *r, const char *ptr)
{
    if (r->g->err.code == MK_OK) return 0;
    return gf_err(r, ptr, "%s", r->g->err.msg);
}

graph_node *gf_find(gf_reader *r, const char *name)
{
    for (int i = 0; i < r->n; i++)
        if (!strcmp(r->names[i], name)) return r->nodes[i];
    return NULL;
}

int gf_define(gf_reader *r, const char *ptr, const char *name, graph_node *n)
{
    if (gf_find(r, name)) return gf_err(r, ptr, "a layer named '%s' already exists", name);
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->names = mk_xrealloc(r->names, (size_t)r->cap * sizeof *r->names);
        r->nodes = mk_xrealloc(r->nodes, (size_t)r->cap * sizeof *r->nodes);
    }
    r->names[r->n] = mk_arena_strdup(&r->g->arena, name);
    r->nodes[r->n++] = n;
    return 0;
}

void gf_reader_fini(gf_reader *r)
{
    free(r->names);
    free(r->nodes);
}

/* An int (or [h, w] pair) field: *h, *w. Absent: the defaults stay. */
int gf_pair(gf_reader *r, const char *ptr, json_t *obj, const char *key, int min, int *h, int *w)
{
    json_t *v = json_object_get(obj, key);
    if (!v) return 0;
    char p[512];
    snprintf(p, sizeof p, "%s/%s", ptr, key);
    if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        if (x < min || x > 1 << 20) return gf_err(r, p, "must be an integer >= %d", min);
        *h = *w = (int)x;
        return 0;
    }
    if (json_is_array(v) && json_array_size(v) == 2 && json_is_integer(json_array_get(v, 0)) &&
        json_is_integer(json_array_get(v, 1))) {
        json_int_t a = json_integer_value(json_array_get(v, 0));
        json_int_t b = json_integer_value(json_array_get(v, 1));
        if (a < min || b < min || a > 1 << 20 || b > 1 << 20)
            return gf_err(r, p, "values must be integers >= %d", min);
        *h = (int)a;
        *w = (int)b;
        return 0;
    }
    return gf_err(r, p, "must be an integer or a pair [h, w] of integers");
}

/* ---- modak's format: reading ---- */

static const char *const known_keys[] = {
    "name", "op",    "inputs", "filters", "kernel",   "stride", "padding",  "bias", "activation",
    "init", "units", "pool",   "eps",     "momentum", "rate",   "channels", "algo", NULL,
};

static int get_int(gf_reader *r, const char *ptr, json_t *l, const char *key, int min, int def,
                   int required, int *out)
{
    json_t *v = json_object_get(l, key);
    char p[512];
    snprintf(p, sizeof p, "%s/%s", ptr, key);
    if (!v) {
        if (required) return gf_err(r, ptr, "'%s' is required", key);
        *out = def;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > 1 << 24)
        return gf_err(r, p, "must be an integer >= %d", min);
    *out = (int)json_integer_value(v);
    return 0;
}

static int get_num(gf_reader *r, const char *ptr, json_t *l, const char *key, double def,
                   double *out)
{
    json_t *v = json_object_get(l, key);
    if (!v) {
        *out = def;
        return 0;
    }
    if (!json_is_number(v)) {
        char p[512];
        snprintf(p, sizeof p, "%s/%s", ptr, key);
        return gf_err(r, p, "must be a number");
    }
    *out = json_number_value(v);
    return 0;
}

static int get_bool(gf_reader *r, const char *ptr, json_t *l, const char *key, int def, int *out)
{
    json_t *v = json_object_get(l, key);
    if (!v) {
        *out = def;
        return 0;
    }
    if (!json_is_boolean(v)) {
        char p[512];
        snprintf(p, sizeof p, "%s/%s", ptr, key);
        return gf_err(r, p, "must be true or false");
    }
    *out = json_is_true(v);
    return 0;
}

static int get_act(gf_reader *r, const char *ptr, json_t *l, int *relu)
{
    json_t *v = json_object_get(l, "activation");
    *relu = 0;
    if (!v) return 0;
    char p[512];
    snprintf(p, sizeof p, "%s/activation", ptr);
    if (!json_is_string(v)) return gf_err(r, p, "must be \"relu\" or \"linear\"");
    if (!strcmp(json_string_value(v), "relu"))
        *relu = 1;
    else if (strcmp(json_string_value(v), "linear"))
        return gf_err(r, p, "unsupported activation '%s' (modak has \"relu\" and \"linear\")",
                      json_string_value(v));
    return 0;
}

static int get_init(gf_reader *r, const char *ptr, json_t *l, graph_init def, graph_init *out)
{
    json_t *v = json_object_get(l, "init");
    *out = def;
    if (!v) return 0;
    char p[512];
    snprintf(p, sizeof p, "%s/init", ptr);
    int i = json_is_string(v) ? graph_init_from_name(json_string_value(v)) : -1;
    if (i < 0)
        return gf_err(r, p,
                      "must be one of \"zeros\", \"ones\", \"he_normal\", \"he_uniform\", "
                      "\"glorot_uniform\", \"glorot_normal\", \"lecun_uniform\"");
    *out = (graph_init)i;
    return 0;
}

/* "algo": the kernels' convolution algorithm, instead of the compiler's choice. */
static const char *const algo_names[] = {"auto",   "im2col", "im2col_batched",
                                         "1x1",    "direct", "winograd"};
_Static_assert(sizeof algo_names / sizeof *algo_names == KERN_CONV_ALGO_COUNT,
               "one name per kern_conv_algo");

static int get_algo(gf_reader *r, const char *ptr, json_t *l, graph_node *conv)
{
    json_t *v = json_object_get(l, "algo");
    if (!v) return 0;
    char p[512];
    snprintf(p, sizeof p, "%s/algo", ptr);
    for (int i = 0; i < KERN_CONV_ALGO_COUNT && json_is_string(v); i++)
        if (!strcmp(algo_names[i], json_string_value(v))) {
            const int32_t *P = conv->op_params;
            if (i == KERN_CONV_1X1 &&
                (conv->src[1]->ne[2] != 1 || conv->src[1]->ne[3] != 1 || P[GRAPH_P_STRIDE_H] != 1 ||
                 P[GRAPH_P_STRIDE_W] != 1 || P[GRAPH_P_PAD_H] || P[GRAPH_P_PAD_W]))
                return gf_err(r, p, "\"1x1\" needs a 1x1 kernel, stride 1 and no padding");
            if (i == KERN_CONV_WINOGRAD &&
                (conv->src[1]->ne[2] != 3 || conv->src[1]->ne[3] != 3 || P[GRAPH_P_STRIDE_H] != 1 ||
                 P[GRAPH_P_STRIDE_W] != 1 || P[GRAPH_P_PAD_H] > 2 || P[GRAPH_P_PAD_W] > 2))
                return gf_err(r, p,
                              "\"winograd\" needs a 3x3 kernel, stride 1 and padding of at most 2");
            conv->op_params[GRAPH_P_ALGO] = i;
            return 0;
        }
    return gf_err(r, p,
                  "must be one of \"auto\", \"im2col\", \"im2col_batched\", \"1x1\", \"direct\", "
                  "\"winograd\"");
}

/* "padding": int | [h, w] | "valid" | "same" (stride 1, odd kernel: (k-1)/2). */
static int get_padding(gf_reader *r, const char *ptr, json_t *l, int kh, int kw, int sh, int sw,
                       int *ph, int *pw)
{
    json_t *v = json_object_get(l, "padding");
    *ph = *pw = 0;
    if (v && json_is_string(v)) {
        char p[512];
        snprintf(p, sizeof p, "%s/padding", ptr);
        if (!strcmp(json_string_value(v), "valid")) return 0;
        if (strcmp(json_string_value(v), "same"))
            return gf_err(r, p, "must be \"valid\", \"same\", an integer or [h, w]");
        if (kh % 2 == 0 || kw % 2 == 0 || sh != 1 || sw != 1)
            return gf_err(r, p,
                          "\"same\" needs an odd kernel and stride 1 here; give the "
                          "padding as numbers");
        *ph = kh / 2;
        *pw = kw / 2;
        return 0;
    }
    return gf_pair(r, ptr, l, "padding", 0, ph, pw);
}

static graph_node *input_of(gf_reader *r, const char *ptr, json_t *l, int k, graph_node *prev)
{
    json_t *in = json_object_get(l, "inputs");
    char p[512];
    if (!in) {
        if (k > 0) {
            gf_err(r, ptr, "this op needs %d \"inputs\"", k + 1);
            return NULL;
        }
        if (!prev) gf_err(r, ptr, "no layer before this one: give \"inputs\"");
        return prev;
    }
    snprintf(p, sizeof p, "%s/inputs", ptr);
    if (!json_is_array(in) || json_array_size(in) < 1) {
        gf_err(r, p, "must be an array of layer names");
        return NULL;
    }
    json_t *e = json_array_get(in, (size_t)k);
    snprintf(p, sizeof p, "%s/inputs/%d", ptr, k);
    if (!e || !json_is_string(e)) {
        gf_err(r, e ? p : ptr, e ? "must be a layer name" : "too few inputs");
        return NULL;
    }
    graph_node *n = gf_find(r, json_string_value(e));
    if (!n) gf_err(r, p, "no layer named '%s' before this one", json_string_value(e));
    return n;
}

static graph_node *read_layer(gf_reader *r, const char *ptr, json_t *l, graph_node *prev,
                              const char *name)
{
    graph *g = r->g;
    char p[512];
    const char *key;
    json_t *val;
    json_object_foreach(l, key, val)
    {
        int ok = 0;
        for (int i = 0; known_keys[i]; i++)
            ok |= !strcmp(known_keys[i], key);
        if (!ok) {
            snprintf(p, sizeof p, "%s/%s", ptr, key);
            gf_err(r, p, "unknown field '%s'", key);
            return NULL;
        }
    }
    json_t *opv = json_object_get(l, "op");
    snprintf(p, sizeof p, "%s/op", ptr);
    if (!opv || !json_is_string(opv)) {
        gf_err(r, opv ? p : ptr, opv ? "must be a string" : "'op' is required");
        return NULL;
    }
    const char *op = json_string_value(opv);
    int n_in = json_is_array(json_object_get(l, "inputs"))
                   ? (int)json_array_size(json_object_get(l, "inputs"))
                   : 1;
    graph_node *x = input_of(r, ptr, l, 0, prev);
    if (!x) return NULL;
    if (strcmp(op, "add") && n_in != 1) {
        snprintf(p, sizeof p, "%s/inputs", ptr);
        gf_err(r, p, "%s takes one input", op);
        return NULL;
    }
    int relu = 0, bias = 0, kh = 0, kw = 0, sh = 1, sw = 1, ph = 0, pw = 0, units = 0;
    graph_init init;
    graph_node *y = NULL;
    if (!strcmp(op, "conv2d")) {
        if (get_int(r, ptr, l, "filters", 1, 0, 1, &units) ||
            (!json_object_get(l, "kernel") && gf_err(r, ptr, "'kernel' is required")) ||
            gf_pair(r, ptr, l, "kernel", 1, &kh, &kw) ||
            gf_pair(r, ptr, l, "stride", 1, &sh, &sw) ||
            get_padding(r, ptr, l, kh, kw, sh, sw, &ph, &pw) ||
            get_bool(r, ptr, l, "bias", 1, &bias) || get_act(r, ptr, l, &relu) ||
            get_init(r, ptr, l, GRAPH_INIT_GLOROT_UNIFORM, &init))
            return NULL;
        y = graph_layer_conv(g, x, units, kh, kw, sh, sw, ph, pw, bias, init, name);
        if (y && get_algo(r, ptr, l, y->op == GRAPH_OP_BIAS_ADD ? y->src[0] : y)) return NULL;
    } else if (!strcmp(op, "dense")) {
        if (get_int(r, ptr, l, "units", 1, 0, 1, &units) || get_bool(r, ptr, l, "bias", 1, &bias) ||
            get_act(r, ptr, l, &relu) || get_init(r, ptr, l, GRAPH_INIT_GLOROT_UNIFORM, &init))
            return NULL;
        y = graph_layer_dense(g, x, units, bias, init, name);
    } else if (!strcmp(op, "bias_add")) {
        graph_node *b = graph_param(g, mk_arena_printf(&g->arena, "%s.bias", name), x->ne[1], 1, 1,
                                    1, GRAPH_INIT_ZEROS, 0, 0);
        y = graph_bias_add(g, x, b, name);
    } else if (!strcmp(op, "relu")) {
        y = graph_relu(g, x, name);
    } else if (!strcmp(op, "maxpool") || !strcmp(op, "avgpool")) {
        if ((!json_object_get(l, "pool") && gf_err(r, ptr, "'pool' is required")) ||
            gf_pair(r, ptr, l, "pool", 1, &kh, &kw))
            return NULL;
        sh = kh;
        sw = kw;
        if (gf_pair(r, ptr, l, "stride", 1, &sh, &sw) ||
            get_padding(r, ptr, l, kh, kw, sh, sw, &ph, &pw))
            return NULL;
        y = op[0] == 'm' ? graph_maxpool(g, x, kh, kw, sh, sw, ph, pw, name)
                         : graph_avgpool(g, x, kh, kw, sh, sw, ph, pw, name);
    } else if (!strcmp(op, "global_avgpool")) {
        y = graph_global_avgpool(g, x, name);
    } else if (!strcmp(op, "batchnorm")) {
        double eps = 0, mom = 0;
        if (get_num(r, ptr, l, "eps", 1e-5, &eps) || get_num(r, ptr, l, "momentum", 0.1, &mom) ||
            get_act(r, ptr, l, &relu))
            return NULL;
        y = graph_layer_bn(g, x, (float)eps, (float)mom, name);
    } else if (!strcmp(op, "add")) {
        if (n_in < 2) {
            gf_err(r, ptr, "add needs at least 2 \"inputs\"");
            return NULL;
        }
        if (get_act(r, ptr, l, &relu)) return NULL;
        y = x;
        for (int k = 1; k < n_in && y; k++) {
            graph_node *b = input_of(r, ptr, l, k, prev);
            if (!b) return NULL;
            y = graph_add(g, y, b,
                          k == n_in - 1 ? name : mk_arena_printf(&g->arena, "%s.%d", name, k));
        }
    } else if (!strcmp(op, "pad")) {
        int c0 = 0, c1 = 0, t = 0, b = 0, le = 0, ri = 0;
        json_t *pv = json_object_get(l, "padding");
        snprintf(p, sizeof p, "%s/padding", ptr);
        if (pv && json_is_array(pv) && json_array_size(pv) == 2 &&
            json_is_array(json_array_get(pv, 0))) {
            if (json_unpack(pv, "[[ii][ii]]", &t, &b, &le, &ri) || t < 0 || b < 0 || le < 0 ||
                ri < 0) {
                gf_err(r, p, "must be [[top, bottom], [left, right]] of integers >= 0");
                return NULL;
            }
        } else {
            if (gf_pair(r, ptr, l, "padding", 0, &t, &le)) return NULL;
            b = t;
            ri = le;
        }
        if (gf_pair(r, ptr, l, "channels", 0, &c0, &c1)) return NULL;
        y = graph_pad(g, x, c0, c1, t, b, le, ri, name);
    } else if (!strcmp(op, "flatten")) {
        y = graph_flatten(g, x, name);
    } else if (!strcmp(op, "dropout")) {
        double rate = 0;
        if (get_num(r, ptr, l, "rate", 0.5, &rate)) return NULL;
        y = graph_dropout(g, x, (float)rate, name);
    } else {
        gf_err(r, p,
               "unknown op '%s' (layers are conv2d, dense, bias_add, relu, maxpool, avgpool, "
               "global_avgpool, batchnorm, add, pad, flatten, dropout)",
               op);
        return NULL;
    }
    if (y && relu) y = graph_relu(g, y, mk_arena_printf(&g->arena, "%s.relu", name));
    if (!y) gf_graph_err(r, ptr);
    return y;
}

graph *graph_from_json(json_t *root, const char *path, int64_t batch, mk_err *err)
{
    gf_reader r = {.path = path, .err = err};
    json_t *fmt = json_object_get(root, "format"), *ver = json_object_get(root, "version");
    if (!fmt || !json_is_string(fmt) || strcmp(json_string_value(fmt), "modak-graph")) {
        gf_err(&r, "/format", "must be \"modak-graph\"");
        return NULL;
    }
    if (!ver || !json_is_integer(ver) || json_integer_value(ver) != 1) {
        gf_err(&r, "/version", "must be 1 (the only version this modak reads)");
        return NULL;
    }
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val)
    {
        if (strcmp(key, "format") && strcmp(key, "version") && strcmp(key, "name") &&
            strcmp(key, "input") && strcmp(key, "layers") && strcmp(key, "output")) {
            char p[300];
            snprintf(p, sizeof p, "/%s", key);
            gf_err(&r, p, "unknown field '%s'", key);
            return NULL;
        }
    }
    json_t *name = json_object_get(root, "name");
    if (name && !json_is_string(name)) {
        gf_err(&r, "/name", "must be a string");
        return NULL;
    }
    json_t *in = json_object_get(root, "input");
    json_int_t c, h, w;
    const char *in_name = "input";
    if (!in || json_unpack(in, "{s:[III]}", "shape", &c, &h, &w) || c < 1 || h < 1 || w < 1 ||
        c > 1 << 16 || h > 1 << 16 || w > 1 << 16) {
        gf_err(&r, in ? "/input/shape" : "/input",
               "must be [channels, height, width] of positive integers");
        return NULL;
    }
    json_t *inn = json_object_get(in, "name");
    if (inn && !json_is_string(inn)) {
        gf_err(&r, "/input/name", "must be a string");
        return NULL;
    }
    if (inn) in_name = json_string_value(inn);
    json_t *layers = json_object_get(root, "layers");
    if (!layers || !json_is_array(layers) || !json_array_size(layers)) {
        gf_err(&r, "/layers", "must be a non-empty array of layers");
        return NULL;
    }
    graph *g = graph_new(name ? json_string_value(name) : "net", batch);
    r.g = g;
    graph_node *prev = graph_input(g, in_name, c, h, w);
    gf_define(&r, "/input/name", in_name, prev);
    size_t i;
    json_t *l;
    const char *last = NULL;
    json_array_foreach(layers, i, l)
    {
        char ptr[64];
        snprintf(ptr, sizeof ptr, "/layers/%zu", i);
        if (!json_is_object(l)) {
            gf_err(&r, ptr, "must be an object");
            goto fail;
        }
        json_t *ln = json_object_get(l, "name");
        if (ln && !json_is_string(ln)) {
            char p[80];
            snprintf(p, sizeof p, "%s/name", ptr);
            gf_err(&r, p, "must be a string");
            goto fail;
        }
        const char *lname = ln ? json_string_value(ln) : mk_arena_printf(&g->arena, "layer%zu", i);
        if (gf_find(&r, lname)) {
            gf_err(&r, ptr, "a layer named '%s' already exists", lname);
            goto fail;
        }
        graph_node *y = read_layer(&r, ptr, l, prev, lname);
        if (!y || gf_define(&r, ptr, lname, y)) goto fail;
        prev = y;
        last = lname;
    }
    json_t *out = json_object_get(root, "output");
    if (out && !json_is_string(out)) {
        gf_err(&r, "/output", "must be a layer name");
        goto fail;
    }
    graph_node *logits = gf_find(&r, out ? json_string_value(out) : last);
    if (!logits) {
        gf_err(&r, "/output", "no layer named '%s'", json_string_value(out));
        goto fail;
    }
    graph_softmax_xent(g, logits, graph_labels(g, "labels"), "loss");
    if (gf_graph_err(&r, out ? "/output" : "/layers")) goto fail;
    gf_reader_fini(&r);
    return g;
fail:
    gf_reader_fini(&r);
    graph_free(g);
    return NULL;
}

/* ---- modak's format: writing ---- */

static void put_pair(mk_buf *b, const char *key, int h, int w)
{
    if (h == w)
        mk_buf_printf(b, ", \"%s\": %d", key, h);
    else
        mk_buf_printf(b, ", \"%s\": [%d, %d]", key, h, w);
}

/* The layer name a node is referred to by: a conv/dense's bias_add is folded into it. */
static const char *ref_name(const graph_node *n)
{
    if (n->op == GRAPH_OP_BIAS_ADD &&
        (n->src[0]->op == GRAPH_OP_CONV2D || n->src[0]->op == GRAPH_OP_DENSE)) {
        const char *want = n->src[1]->name, *base = n->src[0]->name;
        size_t bl = strlen(base);
        if (!strncmp(want, base, bl) && !strcmp(want + bl, ".bias")) return base;
    }
    return n->name;
}

char *graph_to_json(const graph *gc, mk_err *err)
{
    graph *g = (graph *)gc;
    if (g->n_forward) {
        mk_err_set(err, MK_EINVAL, NULL, 0, 0, "graph_to_json: write the graph before autodiff");
        return NULL;
    }
    if (!g->loss || !g->input) {
        mk_err_set(err, MK_EINVAL, NULL, 0, 0, "graph_to_json: the graph has no input or loss");
        return NULL;
    }
    graph_seq o = graph_order(g, &g->loss, 1);
    /* which bias_adds fold into their conv/dense ("bias": true) */
    unsigned char *folded = mk_xcalloc((size_t)g->n_nodes, 1);
    int *users = mk_xcalloc((size_t)g->n_nodes, sizeof *users);
    for (int i = 0; i < o.n; i++)
        for (int s = 0; s < GRAPH_MAX_SRC && o.v[i]->src[s]; s++)
            users[o.v[i]->src[s]->id]++;
    for (int i = 0; i < o.n; i++)
        if (o.v[i]->op == GRAPH_OP_BIAS_ADD && ref_name(o.v[i]) != o.v[i]->name &&
            users[o.v[i]->src[0]->id] == 1)
            folded[o.v[i]->src[0]->id] = 1, folded[o.v[i]->id] = 2;
    mk_buf b;
    mk_buf_init(&b);
    mk_buf_puts(&b, "{\n  \"format\": \"modak-graph\",\n  \"version\": 1,\n  \"name\": ");
    mk_buf_put_json_str(&b, g->name);
    mk_buf_puts(&b, ",\n  \"input\": {\"name\": ");
    mk_buf_put_json_str(&b, g->input->name);
    mk_buf_printf(&b, ", \"shape\": [%lld, %lld, %lld]},\n  \"layers\": [",
                  (long long)g->input->ne[1], (long long)g->input->ne[2],
                  (long long)g->input->ne[3]);
    int first = 1, bad = 0;
    for (int i = 0; i < o.n && !bad; i++) {
        const graph_node *n = o.v[i];
        if (n->op == GRAPH_OP_INPUT || n->op == GRAPH_OP_PARAM || n->op == GRAPH_OP_STATE ||
            n->op == GRAPH_OP_SOFTMAX_XENT || folded[n->id] == 2)
            continue;
        const char *op = graph_op_name(n->op);
        mk_buf_puts(&b, first ? "\n    {\"name\": " : ",\n    {\"name\": ");
        first = 0;
        mk_buf_put_json_str(&b, n->name);
        mk_buf_printf(&b, ", \"op\": \"%s\", \"inputs\": [", op);
        int nin = n->op == GRAPH_OP_ADD ? 2 : 1;
        for (int s = 0; s < nin; s++) {
            const graph_node *src = n->src[s];
            mk_buf_puts(&b, s ? ", " : "");
            mk_buf_put_json_str(&b, folded[src->id] == 2 ? ref_name(src) : src->name);
        }
        mk_buf_puts(&b, "]");
        const int32_t *P = n->op_params;
        switch (n->op) {
        case GRAPH_OP_CONV2D:
            mk_buf_printf(&b, ", \"filters\": %lld", (long long)n->ne[1]);
            put_pair(&b, "kernel", (int)n->src[1]->ne[2], (int)n->src[1]->ne[3]);
            put_pair(&b, "stride", P[GRAPH_P_STRIDE_H], P[GRAPH_P_STRIDE_W]);
            put_pair(&b, "padding", P[GRAPH_P_PAD_H], P[GRAPH_P_PAD_W]);
            mk_buf_printf(&b, ", \"bias\": %s, \"init\": \"%s\"", folded[n->id] ? "true" : "false",
                          graph_init_name(n->src[1]->op_params[GRAPH_P_INIT]));
            if (P[GRAPH_P_ALGO] > 0 && P[GRAPH_P_ALGO] < KERN_CONV_ALGO_COUNT)
                mk_buf_printf(&b, ", \"algo\": \"%s\"", algo_names[P[GRAPH_P_ALGO]]);
            break;
        case GRAPH_OP_DENSE:
            mk_buf_printf(&b, ", \"units\": %lld, \"bias\": %s, \"init\": \"%s\"",
                          (long long)n->ne[1], folded[n->id] ? "true" : "false",
                          graph_init_name(n->src[1]->op_params[GRAPH_P_INIT]));
            break;
        case GRAPH_OP_MAXPOOL:
        case GRAPH_OP_AVGPOOL:
            put_pair(&b, "pool", P[GRAPH_P_KERNEL_H], P[GRAPH_P_KERNEL_W]);
            put_pair(&b, "stride", P[GRAPH_P_STRIDE_H], P[GRAPH_P_STRIDE_W]);
            put_pair(&b, "padding", P[GRAPH_P_PAD_H], P[GRAPH_P_PAD_W]);
            break;
        case GRAPH_OP_BATCHNORM:
            mk_buf_printf(&b, ", \"eps\": %.9g, \"momentum\": %.9g",
                          (double)graph_get_f(n, GRAPH_P_BN_EPS),
                          (double)graph_get_f(n, GRAPH_P_BN_MOMENTUM));
            break;
        case GRAPH_OP_PAD:
            mk_buf_printf(&b, ", \"channels\": [%d, %d], \"padding\": [[%d, %d], [%d, %d]]",
                          P[GRAPH_P_PAD_C0], P[GRAPH_P_PAD_C1], P[GRAPH_P_PAD_TOP],
                          P[GRAPH_P_PAD_BOTTOM], P[GRAPH_P_PAD_LEFT], P[GRAPH_P_PAD_RIGHT]);
            break;
        case GRAPH_OP_DROPOUT:
            mk_buf_printf(&b, ", \"rate\": %.9g", (double)graph_get_f(n, GRAPH_P_DROP_RATE));
            break;
        case GRAPH_OP_BIAS_ADD:
        case GRAPH_OP_RELU:
        case GRAPH_OP_GLOBAL_AVGPOOL:
        case GRAPH_OP_ADD:
        case GRAPH_OP_FLATTEN:
            break;
        default:
            bad = 1;
            mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                       "graph_to_json: op '%s' (node '%s') has no layer form", op, n->name);
            break;
        }
        if (n->op_params[GRAPH_P_ACT] && (n->op == GRAPH_OP_CONV2D || n->op == GRAPH_OP_DENSE ||
                                          n->op == GRAPH_OP_BATCHNORM || n->op == GRAPH_OP_ADD)) {
            bad = 1;
            mk_err_set(err, MK_EINVAL, NULL, 0, 0, "graph_to_json: write the graph before fusion");
        }
        mk_buf_puts(&b, "}");
    }
    mk_buf_puts(&b, "\n  ],\n  \"output\": ");
    mk_buf_put_json_str(&b, folded[g->logits->id] == 2 ? ref_name(g->logits) : g->logits->name);
    mk_buf_puts(&b, "\n}\n");
    free(folded);
    free(users);
    if (bad) {
        mk_buf_fini(&b);
        return NULL;
    }
    return mk_buf_detach(&b);
}

/* ---- entry points ---- */

graph *graph_load_text(const char *text, size_t len, const char *path, int64_t batch, mk_err *err)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        mk_err_set(err, MK_EINVAL, path, je.line, je.column, "%s", je.text);
        return NULL;
    }
    graph *g = NULL;
    if (!json_is_object(root))
        mk_err_set(err, MK_EINVAL, path, 0, 0, "/: a graph file is a JSON object");
    else if (json_object_get(root, "format"))
        g = graph_from_json(root, path, batch, err);
    else if (json_object_get(root, "class_name"))
        g = graph_from_keras(root, path, batch, err);
    else
        mk_err_set(
            err, MK_EINVAL, path, 0, 0,
            "/: neither a modak graph (no \"format\") nor a Keras model (no \"class_name\")");
    json_decref(root);
    return g;
}

graph *graph_load_file(const char *path, int64_t batch, mk_err *err)
{
    char *text;
    size_t len;
    if (mk_file_read(path, 16u << 20, &text, &len, err)) return NULL;
    graph *g = graph_load_text(text, len, path, batch, err);
    free(text);
    return g;
}

graph *graph_load_spec(const char *spec, int64_t batch, mk_err *err)
{
    for (const graph_zoo_entry *e = graph_zoo(); e->name; e++)
        if (!strcmp(e->name, spec)) return e->build(batch, err);
    if (!mk_is_file(spec)) {
        mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                   "'%s' is neither a network of the zoo (mnist_cnn, resnet20, resnet50) nor a "
                   "graph file",
                   spec);
        return NULL;
    }
    return graph_load_file(spec, batch, err);
}
