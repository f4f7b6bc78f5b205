/* doc_json — builds a doc tree from a JSON text with jansson.
 *
 * jansson is the strict judge of JSON syntax (its errors carry line and column) and the
 * source of the values (JSON numbers are not YAML 1.1 scalars: 1e3 is a number here).
 * jansson keeps no positions, so the same text is also read as YAML (JSON is, for the
 * documents modak reads, a subset of it), and when both trees have the same shape the
 * YAML tree lends its marks: diagnostics can then point at lines as well as JSON pointers. */
#include "doc.h"

#include <jansson.h>
#include <string.h>

#include "mk_buf.h"
#include "mk_fs.h"

static doc_node *convert(doc *d, json_t *j, int depth, int max_depth, mk_err *err)
{
    if (depth > max_depth) {
        mk_err_set(err, MK_ELIMIT, d->file, 0, 0, "nesting deeper than %d levels; modak refuses it",
                   max_depth);
        return NULL;
    }
    doc_node *n = mk_arena_alloc(&d->arena, sizeof *n);
    n->mark.file = d->file;
    n->weight = 1;
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        n->kind = DOC_MAP;
        n->n = json_object_size(j);
        n->pairs = mk_arena_alloc(&d->arena, n->n * sizeof *n->pairs);
        size_t i = 0;
        const char *key;
        json_t *v;
        json_object_foreach(j, key, v)
        {
            doc_node *k = mk_arena_alloc(&d->arena, sizeof *k);
            k->kind = DOC_SCALAR;
            k->type = DOC_T_STR;
            k->quoted = 1;
            k->text = mk_arena_strdup(&d->arena, key);
            k->len = strlen(key);
            k->mark.file = d->file;
            k->weight = 1;
            doc_node *c = convert(d, v, depth + 1, max_depth, err);
            if (!c) return NULL;
            n->pairs[i].key = k;
            n->pairs[i].val = c;
            n->weight += c->weight;
            i++;
        }
        break;
    }
    case JSON_ARRAY: {
        n->kind = DOC_SEQ;
        n->n = json_array_size(j);
        n->items = mk_arena_alloc(&d->arena, n->n * sizeof *n->items);
        for (size_t i = 0; i < n->n; i++) {
            n->items[i] = convert(d, json_array_get(j, i), depth + 1, max_depth, err);
            if (!n->items[i]) return NULL;
            n->weight += n->items[i]->weight;
        }
        break;
    }
    case JSON_STRING:
        n->kind = DOC_SCALAR;
        n->type = DOC_T_STR;
        n->quoted = 1;
        n->len = json_string_length(j);
        n->text = mk_arena_strndup(&d->arena, json_string_value(j), n->len);
        break;
    case JSON_INTEGER:
        n->kind = DOC_SCALAR;
        n->type = DOC_T_INT;
        n->v.i = json_integer_value(j);
        n->text = mk_arena_printf(&d->arena, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        n->len = strlen(n->text);
        break;
    case JSON_REAL:
        n->kind = DOC_SCALAR;
        n->type = DOC_T_FLOAT;
        n->v.f = json_real_value(j);
        n->text = mk_arena_printf(&d->arena, "%.17g", json_real_value(j));
        n->len = strlen(n->text);
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        n->kind = DOC_SCALAR;
        n->type = DOC_T_BOOL;
        n->v.b = json_is_true(j);
        n->text = n->v.b ? "true" : "false";
        n->len = strlen(n->text);
        break;
    case JSON_NULL:
        n->kind = DOC_SCALAR;
        n->type = DOC_T_NULL;
        n->text = "null";
        n->len = 4;
        break;
    }
    return n;
}

/* Copies marks from the YAML reading y onto the JSON reading n where the shapes agree.
 * jansson keeps object keys in insertion order, as in the text, so pairs line up. */
static void lend_marks(doc_node *n, const doc_node *y)
{
    if (!y || n->kind != y->kind) return;
    /* line and column only: y's file name lives in y's arena, freed after lending */
    n->mark.line = y->mark.line;
    n->mark.col = y->mark.col;
    if (n->kind == DOC_SEQ && n->n == y->n) {
        for (size_t i = 0; i < n->n; i++) lend_marks(n->items[i], y->items[i]);
    } else if (n->kind == DOC_MAP && n->n == y->n) {
        for (size_t i = 0; i < n->n; i++) {
            if (strcmp(n->pairs[i].key->text, y->pairs[i].key->text) != 0) return;
            n->pairs[i].key->mark.line = y->pairs[i].key->mark.line;
            n->pairs[i].key->mark.col = y->pairs[i].key->mark.col;
            lend_marks(n->pairs[i].val, y->pairs[i].val);
        }
    }
}

doc *doc_read_json(const char *name, const char *text, size_t len, const doc_limits *lim_in,
                   mk_err *err)
{
    doc_limits lim;
    if (doc_check_input(name, text, len, lim_in, &lim, err)) return NULL;
    json_error_t je;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!j) {
        mk_err_set(err, MK_EINVAL, name, je.line > 0 ? je.line : 0,
                   je.column > 0 ? je.column : 0, "JSON syntax error: %s", je.text);
        mk_err_rule(err, "json.syntax");
        return NULL;
    }
    mk_arena arena;
    mk_arena_init(&arena);
    doc *d = mk_arena_alloc(&arena, sizeof *d);
    d->file = mk_arena_strdup(&arena, name);
    d->text = mk_arena_strndup(&arena, text, len);
    d->text_len = len;
    d->is_json = 1;
    d->arena = arena;
    d->root = convert(d, j, 1, lim.max_depth, err);
    json_decref(j);
    if (!d->root) {
        doc_free(d);
        return NULL;
    }
    /* positions: best effort, never an error */
    doc *y = doc_read_yaml(name, text, len, &lim, NULL);
    if (y) {
        lend_marks(d->root, y->root);
        doc_free(y);
    }
    return d;
}

static int looks_like_json(const char *path, const char *text, size_t len)
{
    size_t n = strlen(path);
    if (n >= 5 && !strcmp(path + n - 5, ".json")) return 1;
    return 0;
    (void)text;
    (void)len;
}

doc *doc_read_file(const char *path, const doc_limits *lim, mk_err *err)
{
    char *text;
    size_t len;
    size_t max = lim && lim->max_bytes ? lim->max_bytes : DOC_DEFAULT_MAX_BYTES;
    if (mk_file_read(path, max, &text, &len, err)) return NULL;
    doc *d = looks_like_json(path, text, len) ? doc_read_json(path, text, len, lim, err)
                                              : doc_read_yaml(path, text, len, lim, err);
    free(text);
    return d;
}
