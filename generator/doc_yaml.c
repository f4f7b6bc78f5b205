/* doc_yaml — builds a doc tree from libyaml's event stream.
 *
 * Events rather than libyaml's document loader, because the loader expands nothing but
 * also bounds nothing: here every node records its expanded weight, and each alias adds
 * the weight of what it names to a budget, so a "billion laughs" document is refused after
 * a few hundred events with a few KiB allocated. Depth is bounded the same way. Duplicate
 * keys are errors (PyYAML silently keeps the last one, which hides mistakes). One document
 * per file; explicit tags are limited to the YAML 1.1 core ones. */
#include "doc.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "mk_buf.h"

typedef struct frame {
    doc_node *node;
    doc_node **items; /* children being collected (malloc'd, moved into the arena at the end) */
    size_t n, cap;
} frame;

typedef struct anchor {
    char *name;
    doc_node *node;
    int open; /* still being built: an alias to it would be recursive */
} anchor;

typedef struct builder {
    doc *d;
    const char *file;
    const doc_limits *lim;
    frame *stack;
    size_t depth, cap;
    anchor *anchors;
    size_t nanchors, acap;
    size_t expanded; /* nodes after alias expansion so far */
    mk_err *err;
} builder;

static doc_mark mark_of(builder *b, yaml_mark_t m)
{
    doc_mark k = {b->file, (int)m.line + 1, (int)m.column + 1};
    return k;
}

static int fail_at(builder *b, yaml_mark_t m, int code, const char *msg, const char *arg)
{
    return mk_err_set(b->err, code, b->file, (int)m.line + 1, (int)m.column + 1, msg, arg);
}

static void push_child(frame *f, doc_node *n)
{
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 8;
        f->items = mk_xrealloc(f->items, f->cap * sizeof *f->items);
    }
    f->items[f->n++] = n;
}

static int add_anchor(builder *b, const char *name, doc_node *n, int open)
{
    if (b->nanchors == b->acap) {
        b->acap = b->acap ? b->acap * 2 : 8;
        b->anchors = mk_xrealloc(b->anchors, b->acap * sizeof *b->anchors);
    }
    b->anchors[b->nanchors].name = mk_xstrdup(name);
    b->anchors[b->nanchors].node = n;
    b->anchors[b->nanchors].open = open;
    b->nanchors++;
    return 0;
}

static anchor *find_anchor(builder *b, const char *name)
{
    for (size_t i = b->nanchors; i-- > 0;) /* the latest definition wins */
        if (!strcmp(b->anchors[i].name, name)) return &b->anchors[i];
    return NULL;
}

static int count_node(builder *b, yaml_mark_t m, size_t weight)
{
    b->expanded += weight;
    if (b->expanded <= b->lim->max_expansion) return 0;
    mk_err_set(b->err, MK_ELIMIT, b->file, (int)m.line + 1, (int)m.column + 1,
               "document expands to more than %zu nodes through aliases (a \"billion laughs\" "
               "document?); modak refuses it",
               b->lim->max_expansion);
    mk_err_rule(b->err, "input.alias-budget");
    return -1;
}

/* Attaches a finished node to the container on top of the stack. */
static int attach(builder *b, doc_node *n)
{
    if (!b->depth) {
        b->d->root = n;
        return 0;
    }
    push_child(&b->stack[b->depth - 1], n);
    return 0;
}

static const char *check_tag(builder *b, const char *tag, yaml_mark_t m, int *bad)
{
    static const char *const ok[] = {"tag:yaml.org,2002:str",  "tag:yaml.org,2002:int",
                                     "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
                                     "tag:yaml.org,2002:null",  "tag:yaml.org,2002:map",
                                     "tag:yaml.org,2002:seq",  "tag:yaml.org,2002:timestamp", "!"};
    *bad = 0;
    if (!tag) return NULL;
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        if (!strcmp(tag, ok[i])) return mk_arena_strdup(&b->d->arena, tag);
    *bad = 1;
    mk_err_set(b->err, MK_EINVAL, b->file, (int)m.line + 1, (int)m.column + 1,
               "unsupported YAML tag '%s': blueprints use plain YAML values (remove the tag)",
               tag);
    mk_err_rule(b->err, "yaml.tag");
    return NULL;
}

static int scalar_event(builder *b, yaml_event_t *ev)
{
    int bad;
    doc_node *n = mk_arena_alloc(&b->d->arena, sizeof *n);
    n->kind = DOC_SCALAR;
    n->mark = mark_of(b, ev->start_mark);
    n->tag = check_tag(b, (const char *)ev->data.scalar.tag, ev->start_mark, &bad);
    if (bad) return -1;
    n->text = mk_arena_strndup(&b->d->arena, (const char *)ev->data.scalar.value,
                               ev->data.scalar.length);
    n->len = ev->data.scalar.length;
    n->weight = 1;
    n->start = ev->start_mark.index;
    n->end = ev->end_mark.index;
    n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
    if (n->tag && strcmp(n->tag, "!") != 0) {
        /* an explicit core tag: resolve as if plain, then insist on the tagged type */
        const char *t = n->tag + strlen("tag:yaml.org,2002:");
        doc_resolve_plain(n);
        if (!strcmp(t, "str")) {
            n->type = DOC_T_STR;
        } else {
            static const char *const names[] = {"null", "bool", "int", "float", "str",
                                                "timestamp"};
            if (n->type == DOC_T_INT && !strcmp(t, "float")) {
                n->v.f = (double)n->v.i;
                n->type = DOC_T_FLOAT;
            }
            if ((unsigned)n->type >= DOC_T_COUNT || strcmp(names[n->type], t) != 0) {
                return fail_at(b, ev->start_mark, MK_EINVAL, "value does not fit its tag !!%s", t);
            }
        }
    } else if (n->quoted || n->tag) {
        n->type = DOC_T_STR;
    } else {
        doc_resolve_plain(n);
    }
    if (count_node(b, ev->start_mark, 1)) return -1;
    if (ev->data.scalar.anchor) add_anchor(b, (const char *)ev->data.scalar.anchor, n, 0);
    return attach(b, n);
}

static int start_event(builder *b, yaml_event_t *ev, doc_kind kind)
{
    if ((int)b->depth >= b->lim->max_depth) {
        mk_err_set(b->err, MK_ELIMIT, b->file, (int)ev->start_mark.line + 1,
                   (int)ev->start_mark.column + 1, "nesting deeper than %d levels; modak refuses it",
                   b->lim->max_depth);
        mk_err_rule(b->err, "input.depth");
        return -1;
    }
    const yaml_char_t *tag = kind == DOC_MAP ? ev->data.mapping_start.tag
                                             : ev->data.sequence_start.tag;
    const yaml_char_t *anc = kind == DOC_MAP ? ev->data.mapping_start.anchor
                                             : ev->data.sequence_start.anchor;
    int bad;
    doc_node *n = mk_arena_alloc(&b->d->arena, sizeof *n);
    n->kind = kind;
    n->mark = mark_of(b, ev->start_mark);
    n->start = ev->start_mark.index;
    n->flow = kind == DOC_MAP ? ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                              : ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
    n->tag = check_tag(b, (const char *)tag, ev->start_mark, &bad);
    if (bad) return -1;
    if (n->tag && ((kind == DOC_MAP && strstr(n->tag, ":seq")) ||
                   (kind == DOC_SEQ && strstr(n->tag, ":map")) || strstr(n->tag, ":str") ||
                   strstr(n->tag, ":int") || strstr(n->tag, ":float") || strstr(n->tag, ":bool") ||
                   strstr(n->tag, ":null") || strstr(n->tag, ":timestamp")))
        return fail_at(b, ev->start_mark, MK_EINVAL, "value does not fit its tag %s", n->tag);
    if (count_node(b, ev->start_mark, 1)) return -1;
    if (anc) add_anchor(b, (const char *)anc, n, 1);
    if (b->depth == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->stack = mk_xrealloc(b->stack, b->cap * sizeof *b->stack);
    }
    frame *f = &b->stack[b->depth++];
    memset(f, 0, sizeof *f);
    f->node = n;
    return 0;
}

static int cmp_pair_key(const void *x, const void *y)
{
    const doc_pair *a = *(doc_pair *const *)x, *c = *(doc_pair *const *)y;
    return strcmp(a->key->text, c->key->text);
}

static int end_event(builder *b, yaml_event_t *ev)
{
    frame *f = &b->stack[b->depth - 1];
    doc_node *n = f->node;
    n->end = ev->end_mark.index;
    size_t weight = 1;
    for (size_t i = 0; i < f->n; i++) weight += f->items[i]->weight;
    n->weight = weight;
    int rc = 0;
    if (n->kind == DOC_SEQ) {
        n->n = f->n;
        n->items = mk_arena_alloc(&b->d->arena, f->n * sizeof *n->items);
        if (f->n) memcpy(n->items, f->items, f->n * sizeof *n->items);
    } else {
        n->n = f->n / 2;
        n->pairs = mk_arena_alloc(&b->d->arena, n->n * sizeof *n->pairs);
        for (size_t i = 0; i < n->n; i++) {
            n->pairs[i].key = f->items[2 * i];
            n->pairs[i].val = f->items[2 * i + 1];
            if (n->pairs[i].key->kind != DOC_SCALAR) {
                doc_mark m = n->pairs[i].key->mark;
                rc = mk_err_set(b->err, MK_EINVAL, b->file, m.line, m.col,
                                "a mapping key must be a plain value, not a %s",
                                doc_kind_name(n->pairs[i].key));
                break;
            }
        }
        if (!rc && n->n > 1 && n->n <= 8) {
            /* duplicate keys in a small map: compare every pair */
            for (size_t i = 1; i < n->n && !rc; i++)
                for (size_t j = 0; j < i && !rc; j++)
                    if (!strcmp(n->pairs[i].key->text, n->pairs[j].key->text)) {
                        rc = mk_err_set(b->err, MK_EINVAL, b->file, n->pairs[i].key->mark.line,
                                        n->pairs[i].key->mark.col,
                                        "duplicate key '%s' (first defined at line %d); remove one",
                                        n->pairs[i].key->text, n->pairs[j].key->mark.line);
                        mk_err_rule(b->err, "yaml.duplicate-key");
                    }
        } else if (!rc && n->n > 8) {
            /* duplicate keys: sort pointers, compare neighbours, report the later one */
            doc_pair **s = mk_xmalloc(n->n * sizeof *s);
            for (size_t i = 0; i < n->n; i++) s[i] = &n->pairs[i];
            qsort(s, n->n, sizeof *s, cmp_pair_key);
            for (size_t i = 1; i < n->n && !rc; i++) {
                if (strcmp(s[i - 1]->key->text, s[i]->key->text) != 0) continue;
                doc_pair *first = s[i - 1] < s[i] ? s[i - 1] : s[i];
                doc_pair *dup = s[i - 1] < s[i] ? s[i] : s[i - 1];
                rc = mk_err_set(b->err, MK_EINVAL, b->file, dup->key->mark.line,
                                dup->key->mark.col,
                                "duplicate key '%s' (first defined at line %d); remove one",
                                dup->key->text, first->key->mark.line);
                mk_err_rule(b->err, "yaml.duplicate-key");
            }
            free(s);
        }
    }
    free(f->items);
    f->items = NULL;
    b->depth--;
    for (size_t i = b->nanchors; i-- > 0;)
        if (b->anchors[i].node == n) b->anchors[i].open = 0;
    if (rc) return rc;
    return attach(b, n);
}

static int alias_event(builder *b, yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    anchor *a = find_anchor(b, name);
    if (!a) return fail_at(b, ev->start_mark, MK_EINVAL, "alias *%s names no anchor", name);
    if (a->open)
        return fail_at(b, ev->start_mark, MK_EINVAL,
                       "alias *%s refers to a node that contains it (recursive data)", name);
    if (count_node(b, ev->start_mark, a->node->weight)) return -1;
    return attach(b, a->node);
}

doc *doc_read_yaml(const char *name, const char *text, size_t len, const doc_limits *lim_in,
                   mk_err *err)
{
    doc_limits lim;
    if (doc_check_input(name, text, len, lim_in, &lim, err)) return NULL;

    mk_arena arena;
    mk_arena_init(&arena);
    doc *d = mk_arena_alloc(&arena, sizeof *d);
    d->file = mk_arena_strdup(&arena, name);
    d->text = mk_arena_strndup(&arena, text, len);
    d->text_len = len;
    d->arena = arena; /* from here on the document owns its arena (and lives in it) */

    builder b = {0};
    b.d = d;
    b.file = d->file;
    b.lim = &lim;
    b.err = err;

    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)d->text, len);
    int rc = 0, docs = 0, done = 0;
    while (!done && rc == 0) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            yaml_mark_t m = parser.problem_mark;
            if (parser.context)
                mk_err_set(err, MK_EINVAL, b.file, (int)m.line + 1, (int)m.column + 1,
                           "YAML syntax error: %s %s", parser.problem ? parser.problem : "error",
                           parser.context);
            else
                mk_err_set(err, MK_EINVAL, b.file, (int)m.line + 1, (int)m.column + 1,
                           "YAML syntax error: %s", parser.problem ? parser.problem : "error");
            mk_err_rule(err, "yaml.syntax");
            rc = -1;
            break;
        }
        switch (ev.type) {
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1)
                rc = fail_at(&b, ev.start_mark, MK_EINVAL, "%s",
                             "more than one YAML document in the file; modak reads one");
            break;
        case YAML_SCALAR_EVENT: rc = scalar_event(&b, &ev); break;
        case YAML_SEQUENCE_START_EVENT: rc = start_event(&b, &ev, DOC_SEQ); break;
        case YAML_MAPPING_START_EVENT: rc = start_event(&b, &ev, DOC_MAP); break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: rc = end_event(&b, &ev); break;
        case YAML_ALIAS_EVENT: rc = alias_event(&b, &ev); break;
        case YAML_STREAM_END_EVENT: done = 1; break;
        default: break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    for (size_t i = 0; i < b.depth; i++) free(b.stack[i].items);
    free(b.stack);
    for (size_t i = 0; i < b.nanchors; i++) free(b.anchors[i].name);
    free(b.anchors);
    if (rc) {
        doc_free(d);
        return NULL;
    }
    return d;
}
