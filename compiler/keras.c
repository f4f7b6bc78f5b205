/* keras — imports the architecture JSON of a Keras model (model.to_json()).
 *
 * Accepted shapes of the document:
 *   Sequential   {"class_name": "Sequential", "config": {"layers": [...]}} (Keras 2 and 3;
 *                the very old form whose "config" is the layer list too)
 *   functional   {"class_name": "Functional" | "Model", "config": {"layers": [...],
 *                "input_layers": [...], "output_layers": [...]}}, each layer with
 *                "inbound_nodes": Keras 2's [[["name", 0, 0, {}], ...]] or Keras 3's
 *                [{"args": [<__keras_tensor__ with keras_history>], "kwargs": {}}]
 * Layers: InputLayer, Conv2D, Dense, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D,
 * BatchNormalization, Activation (relu, linear; softmax on the output), ReLU, Add, Flatten,
 * Dropout, ZeroPadding2D, Softmax (on the output). The output's softmax is dropped: modak's
 * loss is softmax cross-entropy on logits. Images are NCHW inside modak whatever the
 * model's data_format (only weights would care; the architecture does not). Anything else
 * is an error naming the JSON pointer of the layer. */
#include "gfile.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfile_impl.h"
#include "mk_buf.h"
#include "zoo.h"

typedef struct kr {
    gf_reader r;
    int channels_first;
    graph_node *softmaxed; /* the node whose softmax was dropped (must be the output) */
} kr;

static const char *str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Keras 2 stores a layer's "config"; Keras 3 too, with "module"/"registered_name" beside. */
static int activation(kr *k, const char *ptr, json_t *cfg, int *relu, int *softmax)
{
    json_t *v = json_object_get(cfg, "activation");
    *relu = *softmax = 0;
    if (!v || json_is_null(v)) return 0;
    char p[512];
    snprintf(p, sizeof p, "%s/config/activation", ptr);
    const char *a = json_is_string(v) ? json_string_value(v) : NULL;
    if (!a && json_is_object(v)) a = str(v, "class_name"); /* Keras 3 may serialise an object */
    if (a && !strcmp(a, "relu"))
        *relu = 1;
    else if (a && !strcmp(a, "softmax"))
        *softmax = 1;
    else if (!a || strcmp(a, "linear"))
        return gf_err(&k->r, p,
                      "unsupported activation %s%s%s (modak imports relu, linear, and softmax on "
                      "the output)",
                      a ? "'" : "", a ? a : "(not a name)", a ? "'" : "");
    return 0;
}

static int initializer(kr *k, const char *ptr, json_t *cfg, const char *key, graph_init *out)
{
    static const struct {
        const char *keras;
        graph_init init;
    } map[] = {
        {"GlorotUniform", GRAPH_INIT_GLOROT_UNIFORM},
        {"glorot_uniform", GRAPH_INIT_GLOROT_UNIFORM},
        {"GlorotNormal", GRAPH_INIT_GLOROT_NORMAL},
        {"glorot_normal", GRAPH_INIT_GLOROT_NORMAL},
        {"HeNormal", GRAPH_INIT_HE_NORMAL},
        {"he_normal", GRAPH_INIT_HE_NORMAL},
        {"HeUniform", GRAPH_INIT_HE_UNIFORM},
        {"he_uniform", GRAPH_INIT_HE_UNIFORM},
        {"LecunUniform", GRAPH_INIT_LECUN_UNIFORM},
        {"lecun_uniform", GRAPH_INIT_LECUN_UNIFORM},
        {"Zeros", GRAPH_INIT_ZEROS},
        {"zeros", GRAPH_INIT_ZEROS},
        {"Ones", GRAPH_INIT_ONES},
        {"ones", GRAPH_INIT_ONES},
    };
    json_t *v = json_object_get(cfg, key);
    *out = GRAPH_INIT_GLOROT_UNIFORM; /* Keras's default kernel initializer */
    if (!v || json_is_null(v)) return 0;
    const char *name = json_is_string(v) ? json_string_value(v) : str(v, "class_name");
    for (size_t i = 0; name && i < sizeof map / sizeof *map; i++)
        if (!strcmp(map[i].keras, name)) {
            *out = map[i].init;
            return 0;
        }
    char p[512];
    snprintf(p, sizeof p, "%s/config/%s", ptr, key);
    return gf_err(&k->r, p,
                  "unsupported initializer '%s' (modak has GlorotUniform, GlorotNormal, HeNormal, "
                  "HeUniform, LecunUniform, Zeros, Ones)",
                  name ? name : "?");
}

static int require(kr *k, const char *ptr, json_t *cfg, const char *key)
{
    if (json_object_get(cfg, key)) return 0;
    return gf_err(&k->r, ptr, "the layer's config has no '%s'", key);
}

/* padding "valid" | "same" for a window (k, stride s) over an extent n: the total padding
 * TensorFlow applies, split before/after (the extra one after). */
static void same_pad(int n, int k, int s, int *before, int *after)
{
    int out = (n + s - 1) / s;
    int total = (out - 1) * s + k - n;
    if (total < 0) total = 0;
    *before = total / 2;
    *after = total - total / 2;
}

static int check_one(kr *k, const char *ptr, json_t *cfg, const char *key, int want)
{
    json_t *v = json_object_get(cfg, key);
    if (!v || json_is_null(v)) return 0;
    int a = want, b = want;
    if (json_is_integer(v))
        a = b = (int)json_integer_value(v);
    else if (json_is_array(v) && json_array_size(v) == 2) {
        a = (int)json_integer_value(json_array_get(v, 0));
        b = (int)json_integer_value(json_array_get(v, 1));
    }
    if (a == want && b == want) return 0;
    char p[512];
    snprintf(p, sizeof p, "%s/config/%s", ptr, key);
    return gf_err(&k->r, p, "only %s %d is supported", key, want);
}

static graph_node *windowed(kr *k, const char *ptr, json_t *cfg, const char *cls, graph_node *x,
                            const char *name, int is_conv)
{
    graph *g = k->r.g;
    char p[512];
    int kh = 0, kw = 0, sh = 1, sw = 1;
    const char *ksize = is_conv ? "kernel_size" : "pool_size";
    snprintf(p, sizeof p, "%s/config", ptr);
    if (require(k, ptr, cfg, ksize) || gf_pair(&k->r, p, cfg, ksize, 1, &kh, &kw)) return NULL;
    if (!is_conv) sh = kh, sw = kw;
    json_t *st = json_object_get(cfg, "strides");
    if (st && !json_is_null(st) && gf_pair(&k->r, p, cfg, "strides", 1, &sh, &sw)) return NULL;
    const char *pad = str(cfg, "padding");
    if (pad && strcmp(pad, "valid") && strcmp(pad, "same")) {
        snprintf(p, sizeof p, "%s/config/padding", ptr);
        gf_err(&k->r, p, "padding must be \"valid\" or \"same\"");
        return NULL;
    }
    int t = 0, b = 0, l = 0, r = 0;
    if (pad && !strcmp(pad, "same")) {
        same_pad((int)x->ne[2], kh, sh, &t, &b);
        same_pad((int)x->ne[3], kw, sw, &l, &r);
    }
    if (t != b || l != r) { /* TensorFlow's asymmetric "same": pad explicitly, then "valid" */
        if (!is_conv) {
            snprintf(p, sizeof p, "%s/config/padding", ptr);
            gf_err(&k->r, p,
                   "\"same\" padding of %s is asymmetric at this size (%lldx%lld, pool %dx%d, "
                   "stride %dx%d): not supported",
                   cls, (long long)x->ne[2], (long long)x->ne[3], kh, kw, sh, sw);
            return NULL;
        }
        x = graph_pad(g, x, 0, 0, t, b, l, r, mk_arena_printf(&g->arena, "%s.pad", name));
        t = b = l = r = 0;
    }
    if (!is_conv) {
        return !strcmp(cls, "MaxPooling2D") ? graph_maxpool(g, x, kh, kw, sh, sw, t, l, name)
                                            : graph_avgpool(g, x, kh, kw, sh, sw, t, l, name);
    }
    int filters = 0, bias = 1, relu, softmax;
    graph_init init;
    json_t *f = json_object_get(cfg, "filters");
    json_t *ub = json_object_get(cfg, "use_bias");
    if (!json_is_integer(f) || json_integer_value(f) < 1) {
        snprintf(p, sizeof p, "%s/config/filters", ptr);
        gf_err(&k->r, f ? p : ptr, "filters must be a positive integer");
        return NULL;
    }
    filters = (int)json_integer_value(f);
    if (ub) bias = json_is_true(ub);
    if (check_one(k, ptr, cfg, "dilation_rate", 1) || check_one(k, ptr, cfg, "groups", 1) ||
        activation(k, ptr, cfg, &relu, &softmax) ||
        initializer(k, ptr, cfg, "kernel_initializer", &init))
        return NULL;
    graph_node *y = graph_layer_conv(g, x, filters, kh, kw, sh, sw, t, l, bias, init, name);
    if (y && relu) y = graph_relu(g, y, mk_arena_printf(&g->arena, "%s.relu", name));
    if (y && softmax) k->softmaxed = y;
    return y;
}

/* One layer: inputs in[0..nin), returns its output node or NULL (error set). */
static graph_node *layer(kr *k, const char *ptr, const char *cls, json_t *cfg, graph_node **in,
                         int nin, const char *name)
{
    graph *g = k->r.g;
    char p[512];
    graph_node *x = in[0];
    int relu = 0, softmax = 0;
    if (k->softmaxed && (x == k->softmaxed || (nin > 1 && in[1] == k->softmaxed))) {
        gf_err(&k->r, ptr, "softmax is only supported on the model's output");
        return NULL;
    }
    if (strcmp(cls, "Add") && nin != 1) {
        gf_err(&k->r, ptr, "%s takes one input, not %d", cls, nin);
        return NULL;
    }
    graph_node *y = NULL;
    if (!strcmp(cls, "Conv2D")) {
        y = windowed(k, ptr, cfg, cls, x, name, 1);
    } else if (!strcmp(cls, "MaxPooling2D") || !strcmp(cls, "AveragePooling2D")) {
        y = windowed(k, ptr, cfg, cls, x, name, 0);
    } else if (!strcmp(cls, "Dense")) {
        json_t *u = json_object_get(cfg, "units");
        json_t *ub = json_object_get(cfg, "use_bias");
        graph_init init;
        if (!json_is_integer(u) || json_integer_value(u) < 1) {
            snprintf(p, sizeof p, "%s/config/units", ptr);
            gf_err(&k->r, u ? p : ptr, "units must be a positive integer");
            return NULL;
        }
        if (activation(k, ptr, cfg, &relu, &softmax) ||
            initializer(k, ptr, cfg, "kernel_initializer", &init))
            return NULL;
        y = graph_layer_dense(g, x, (int)json_integer_value(u), ub ? json_is_true(ub) : 1, init,
                              name);
    } else if (!strcmp(cls, "GlobalAveragePooling2D")) {
        y = graph_global_avgpool(g, x, name);
    } else if (!strcmp(cls, "BatchNormalization")) {
        json_t *ax = json_object_get(cfg, "axis");
        int want = k->channels_first ? 1 : 3, a = want;
        if (json_is_integer(ax))
            a = (int)json_integer_value(ax);
        else if (json_is_array(ax) && json_array_size(ax) == 1)
            a = (int)json_integer_value(json_array_get(ax, 0));
        else if (ax)
            a = -99;
        if (a == -1) a = 3;
        if (a != want) {
            snprintf(p, sizeof p, "%s/config/axis", ptr);
            gf_err(&k->r, p, "batch normalisation must be over the channel axis (%d)", want);
            return NULL;
        }
        json_t *c = json_object_get(cfg, "center"), *s = json_object_get(cfg, "scale");
        if ((c && !json_is_true(c)) || (s && !json_is_true(s))) {
            snprintf(p, sizeof p, "%s/config/%s", ptr, c && !json_is_true(c) ? "center" : "scale");
            gf_err(&k->r, p, "only center=true and scale=true are supported");
            return NULL;
        }
        json_t *e = json_object_get(cfg, "epsilon"), *m = json_object_get(cfg, "momentum");
        double eps = json_is_number(e) ? json_number_value(e) : 1e-3;
        double mom = json_is_number(m) ? json_number_value(m) : 0.99;
        y = graph_layer_bn(g, x, (float)eps, (float)(1.0 - mom),
                           name); /* Keras: m*old + (1-m)*new */
    } else if (!strcmp(cls, "Activation")) {
        if (activation(k, ptr, cfg, &relu, &softmax)) return NULL;
        if (relu) return graph_relu(g, x, name);
        if (softmax) k->softmaxed = x;
        return x; /* linear, or the output's softmax (dropped) */
    } else if (!strcmp(cls, "Softmax")) {
        k->softmaxed = x;
        return x;
    } else if (!strcmp(cls, "ReLU")) {
        json_t *mv = json_object_get(cfg, "max_value"),
               *ns = json_object_get(cfg, "negative_slope"),
               *th = json_object_get(cfg, "threshold");
        if ((mv && !json_is_null(mv)) || (ns && json_number_value(ns) != 0) ||
            (th && json_number_value(th) != 0)) {
            gf_err(&k->r, ptr,
                   "only a plain ReLU is supported (no max_value, negative_slope or threshold)");
            return NULL;
        }
        y = graph_relu(g, x, name);
    } else if (!strcmp(cls, "Add")) {
        if (nin < 2) {
            gf_err(&k->r, ptr, "Add needs at least 2 inputs");
            return NULL;
        }
        y = x;
        for (int i = 1; i < nin && y; i++)
            y = graph_add(g, y, in[i],
                          i == nin - 1 ? name : mk_arena_printf(&g->arena, "%s.%d", name, i));
    } else if (!strcmp(cls, "Flatten")) {
        y = graph_flatten(g, x, name);
    } else if (!strcmp(cls, "Dropout")) {
        json_t *rate = json_object_get(cfg, "rate");
        json_t *ns = json_object_get(cfg, "noise_shape");
        if (ns && !json_is_null(ns)) {
            gf_err(&k->r, ptr, "Dropout with a noise_shape is not supported");
            return NULL;
        }
        y = graph_dropout(g, x, json_is_number(rate) ? (float)json_number_value(rate) : 0.5f, name);
    } else if (!strcmp(cls, "ZeroPadding2D")) {
        json_t *pv = json_object_get(cfg, "padding");
        int t = 1, b = 1, l = 1, r = 1;
        snprintf(p, sizeof p, "%s/config/padding", ptr);
        if (json_is_integer(pv)) {
            t = b = l = r = (int)json_integer_value(pv);
        } else if (json_is_array(pv) && json_array_size(pv) == 2 &&
                   json_is_array(json_array_get(pv, 0))) {
            json_int_t a0, a1, b0, b1;
            if (json_unpack(pv, "[[II][II]]", &a0, &a1, &b0, &b1)) {
                gf_err(&k->r, p, "must be an integer, [h, w] or [[top, bottom], [left, right]]");
                return NULL;
            }
            t = (int)a0, b = (int)a1, l = (int)b0, r = (int)b1;
        } else if (pv) {
            if (gf_pair(&k->r, ptr, cfg, "padding", 0, &t, &l)) return NULL;
            b = t, r = l;
        }
        y = graph_pad(g, x, 0, 0, t, b, l, r, name);
    } else {
        gf_err(&k->r, ptr,
               "unsupported Keras layer '%s' (modak imports InputLayer, Conv2D, Dense, "
               "MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, BatchNormalization, "
               "Activation, ReLU, Add, Flatten, Dropout, ZeroPadding2D, Softmax)",
               cls);
        return NULL;
    }
    if (y && relu) y = graph_relu(g, y, mk_arena_printf(&g->arena, "%s.relu", name));
    if (y && softmax) k->softmaxed = y;
    if (!y) gf_graph_err(&k->r, ptr);
    return y;
}

/* An input shape [null, ...] from an InputLayer's (or first layer's) config. */
static graph_node *input_layer(kr *k, const char *ptr, json_t *cfg, const char *name)
{
    json_t *s = json_object_get(cfg, "batch_input_shape");
    if (!s) s = json_object_get(cfg, "batch_shape");
    char p[512];
    snprintf(p, sizeof p, "%s/config", ptr);
    if (!json_is_array(s) || json_array_size(s) < 2 || json_array_size(s) > 4) {
        gf_err(&k->r, p, "the input needs a batch_input_shape (or batch_shape) of rank 2 to 4");
        return NULL;
    }
    int64_t d[3] = {1, 1, 1};
    size_t r = json_array_size(s) - 1;
    for (size_t i = 0; i < r; i++) {
        json_t *v = json_array_get(s, i + 1);
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1 << 16) {
            gf_err(&k->r, p, "the input's dimensions must be known positive integers");
            return NULL;
        }
        d[i] = json_integer_value(v);
    }
    int64_t c, h, w;
    if (r == 1) /* features */
        c = d[0], h = 1, w = 1;
    else if (r == 2) /* an image without channels */
        c = 1, h = d[0], w = d[1];
    else if (k->channels_first)
        c = d[0], h = d[1], w = d[2];
    else
        h = d[0], w = d[1], c = d[2];
    return graph_input(k->r.g, name, c, h, w);
}

static int uses_channels_first(json_t *layers)
{
    size_t i;
    json_t *l;
    json_array_foreach(layers, i, l)
    {
        const char *df = str(json_object_get(l, "config"), "data_format");
        if (df && !strcmp(df, "channels_first")) return 1;
    }
    return 0;
}

static const char *layer_name(json_t *l, json_t *cfg)
{
    const char *n = str(l, "name");
    return n ? n : str(cfg, "name");
}

static int finish(kr *k, graph_node *out, const char *ptr)
{
    graph *g = k->r.g;
    if (k->softmaxed && k->softmaxed != out)
        return gf_err(&k->r, ptr, "softmax is only supported on the model's output");
    graph_softmax_xent(g, out, graph_labels(g, "labels"), "loss");
    return gf_graph_err(&k->r, ptr);
}

static graph *sequential(kr *k, json_t *layers, const char *lptr, const char *name, int64_t batch)
{
    graph *g = graph_new(name, batch);
    k->r.g = g;
    k->channels_first = uses_channels_first(layers);
    graph_node *x = NULL;
    size_t i;
    json_t *l;
    char ptr[128];
    json_array_foreach(layers, i, l)
    {
        snprintf(ptr, sizeof ptr, "%s/%zu", lptr, i);
        json_t *cfg = json_object_get(l, "config");
        const char *cls = str(l, "class_name");
        if (!cls || !json_is_object(cfg)) {
            gf_err(&k->r, ptr, "a layer needs \"class_name\" and a \"config\" object");
            return NULL;
        }
        const char *lname = layer_name(l, cfg);
        if (!lname) lname = mk_arena_printf(&g->arena, "layer%zu", i);
        if (!strcmp(cls, "InputLayer")) {
            if (x) {
                gf_err(&k->r, ptr, "an InputLayer after the first layer");
                return NULL;
            }
            if (!(x = input_layer(k, ptr, cfg, lname))) return NULL;
            continue;
        }
        if (!x) { /* Keras 2: the first layer may carry batch_input_shape itself */
            if (!json_object_get(cfg, "batch_input_shape") &&
                !json_object_get(cfg, "batch_shape")) {
                gf_err(&k->r, ptr,
                       "the model's input shape is unknown: no InputLayer and no "
                       "batch_input_shape on the first layer");
                return NULL;
            }
            if (!(x = input_layer(k, ptr, cfg, "input"))) return NULL;
        }
        graph_node *y = layer(k, ptr, cls, cfg, &x, 1, lname);
        if (!y || gf_define(&k->r, ptr, lname, y)) return NULL;
        x = y;
    }
    if (!x || x->op == GRAPH_OP_INPUT) {
        gf_err(&k->r, lptr, "the model has no layers");
        return NULL;
    }
    if (finish(k, x, lptr)) return NULL;
    return g;
}

/* Collects the keras_history triples of Keras 3's call arguments (recursively). */
static void k3_tensors(json_t *v, json_t **out, int *n, int max)
{
    if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) k3_tensors(e, out, n, max);
    } else if (json_is_object(v)) {
        json_t *cfg = json_object_get(v, "config");
        json_t *h = json_object_get(cfg, "keras_history");
        if (json_is_array(h) && *n < max) {
            out[(*n)++] = h;
            return;
        }
    }
}

static graph *functional(kr *k, json_t *cfg, const char *name, int64_t batch)
{
    json_t *layers = json_object_get(cfg, "layers");
    graph *g = graph_new(name, batch);
    k->r.g = g;
    k->channels_first = uses_channels_first(layers);
    size_t i;
    json_t *l;
    char ptr[128];
    json_array_foreach(layers, i, l)
    {
        snprintf(ptr, sizeof ptr, "/config/layers/%zu", i);
        json_t *lc = json_object_get(l, "config");
        const char *cls = str(l, "class_name");
        const char *lname = layer_name(l, lc);
        if (!cls || !json_is_object(lc) || !lname) {
            gf_err(&k->r, ptr, "a layer needs \"class_name\", \"name\" and a \"config\" object");
            return NULL;
        }
        if (!strcmp(cls, "InputLayer")) {
            graph_node *x = input_layer(k, ptr, lc, lname);
            if (!x || gf_define(&k->r, ptr, lname, x)) return NULL;
            continue;
        }
        json_t *nodes = json_object_get(l, "inbound_nodes");
        if (!json_is_array(nodes) || json_array_size(nodes) == 0) {
            gf_err(&k->r, ptr, "the layer has no inbound_nodes");
            return NULL;
        }
        if (json_array_size(nodes) > 1) {
            gf_err(&k->r, ptr, "layer '%s' is called %zu times: shared layers are not supported",
                   lname, json_array_size(nodes));
            return NULL;
        }
        json_t *call = json_array_get(nodes, 0);
        json_t *hist[8];
        int nh = 0;
        if (json_is_array(call)) { /* Keras 2: [["name", node, tensor, {kwargs}], ...] */
            size_t j;
            json_t *e;
            json_array_foreach(call, j, e) if (nh < 8) hist[nh++] = e;
        } else if (json_is_object(call)) { /* Keras 3: {"args": [...], "kwargs": {...}} */
            k3_tensors(json_object_get(call, "args"), hist, &nh, 8);
        }
        graph_node *in[8];
        if (nh == 0) {
            gf_err(&k->r, ptr, "cannot read the layer's inbound_nodes");
            return NULL;
        }
        for (int j = 0; j < nh; j++) {
            const char *src =
                json_is_array(hist[j]) ? json_string_value(json_array_get(hist[j], 0)) : NULL;
            json_t *ti = json_is_array(hist[j]) ? json_array_get(hist[j], 2) : NULL;
            if (!src || (ti && json_integer_value(ti) != 0)) {
                gf_err(&k->r, ptr, "inbound tensor %d is not a layer's only output", j);
                return NULL;
            }
            if (!(in[j] = gf_find(&k->r, src))) {
                gf_err(&k->r, ptr, "layer '%s' takes '%s', which is not defined before it", lname,
                       src);
                return NULL;
            }
        }
        graph_node *y = layer(k, ptr, cls, lc, in, nh, lname);
        if (!y || gf_define(&k->r, ptr, lname, y)) return NULL;
    }
    json_t *outs = json_object_get(cfg, "output_layers");
    json_t *out = outs;
    if (json_is_array(outs) && json_array_size(outs) == 1 && json_is_array(json_array_get(outs, 0)))
        out = json_array_get(outs, 0);
    const char *oname = json_is_array(out) ? json_string_value(json_array_get(out, 0)) : NULL;
    if (!oname) {
        gf_err(&k->r, "/config/output_layers", "the model must have exactly one output");
        return NULL;
    }
    graph_node *o = gf_find(&k->r, oname);
    if (!o) {
        gf_err(&k->r, "/config/output_layers", "no layer named '%s'", oname);
        return NULL;
    }
    if (finish(k, o, "/config/output_layers")) return NULL;
    return g;
}

graph *graph_from_keras(json_t *root, const char *path, int64_t batch, mk_err *err)
{
    kr k = {.r = {.path = path, .err = err}};
    const char *cls = str(root, "class_name");
    json_t *cfg = json_object_get(root, "config");
    graph *g = NULL;
    if (!cls) {
        gf_err(&k.r, "/class_name", "must be a string");
        return NULL;
    }
    const char *name = json_is_object(cfg) && str(cfg, "name") ? str(cfg, "name") : "keras_model";
    if (!strcmp(cls, "Sequential")) {
        if (json_is_array(cfg))
            g = sequential(&k, cfg, "/config", name, batch);
        else if (json_is_array(json_object_get(cfg, "layers")))
            g = sequential(&k, json_object_get(cfg, "layers"), "/config/layers", name, batch);
        else
            gf_err(&k.r, "/config", "a Sequential model needs \"layers\"");
    } else if (!strcmp(cls, "Functional") || !strcmp(cls, "Model")) {
        if (json_is_object(cfg) && json_is_array(json_object_get(cfg, "layers")))
            g = functional(&k, cfg, name, batch);
        else
            gf_err(&k.r, "/config", "a functional model needs \"layers\"");
    } else {
        gf_err(&k.r, "/class_name", "'%s' is not a Keras model (Sequential, Functional or Model)",
               cls);
    }
    if (!g) graph_free(k.r.g);
    gf_reader_fini(&k.r);
    return g;
}
