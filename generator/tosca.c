/* tosca — reading TOSCA files (imports, type tables, scopes) and checking them.
 *
 * Loading: every file is read once per tosca_ctx, keyed by its real path; its type
 * sections become tables of (kind, name, definition). Imports resolve relative to the
 * importing file, then on each --types search path (trying the import path, then the path
 * with its leading folders dropped, so `iac-modules/hpc/app/apps.yml` finds `apps.yml`),
 * then modak's own types, then a file of the same name already read in this run. URLs are
 * refused: modak never fetches from the network. A cycle is a warning; each file is read once.
 *
 * Checking: a type file's definitions are checked once, in the scope of its own imports; a
 * blueprint's topology is checked in its scope (normative types + closure of its imports):
 * node, capability, relationship, data types; properties (required, type, default,
 * constraints, entry_schema, unknown), capabilities, requirements (target exists, its type
 * fits, occurrences), interfaces, inputs, outputs and the get_input / get_property /
 * get_attribute functions. */
#include "tosca_int.h"

#include <limits.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "mk_fs.h"

typedef enum tkind {
    TK_DATA,
    TK_ARTIFACT,
    TK_CAP,
    TK_IFACE,
    TK_REL,
    TK_NODE,
    TK_GROUP,
    TK_POLICY,
    TK_COUNT
} tkind;

static const char *const section_names[] = {"data_types",         "artifact_types",
                                            "capability_types",   "interface_types",
                                            "relationship_types", "node_types",
                                            "group_types",        "policy_types"};
static const char *const kind_words[] = {"data type",         "artifact type", "capability type",
                                         "interface type",    "relationship type", "node type",
                                         "group type",        "policy type"};
_Static_assert(sizeof section_names / sizeof *section_names == TK_COUNT, "section_names");
_Static_assert(sizeof kind_words / sizeof *kind_words == TK_COUNT, "kind_words");

typedef struct tfile tfile;
typedef struct ttype {
    tkind kind;
    const char *name;
    const struct ttype *parent; /* resolved derived_from, valid in the scope of generation pgen */
    unsigned long pgen;
    const doc_node *def; /* the definition map (may be an empty map) */
    const doc_node *key; /* the name's node, for positions */
    tfile *file;
} ttype;

struct tfile {
    char *key;  /* real path, or "<modak:...>" for built-in texts */
    char *dir;  /* folder imports are relative to (NULL for built-ins) */
    char *base; /* file name */
    doc *d;
    ttype *types;
    size_t ntypes;
    tfile **imports;
    const char **import_names; /* each import as written (parallel to imports) */
    size_t nimports;
    int loading, checked, is_builtin;
    dev_t dev; /* identity of a file on disk (two paths may name one file) */
    ino_t ino;
    const char **input_refs; /* names of get_input in its node types (for unused inputs) */
    size_t ninput_refs;
    int refs_done;
};

typedef struct shared_scope {
    tfile **imports; /* the import list it was built for */
    size_t n;
    tosca_scope *scope;
} shared_scope;

typedef struct resolved {
    char *key; /* importing folder, NUL, import name */
    size_t keylen;
    tfile *file;
} resolved;

struct tosca_ctx {
    unsigned long scope_gen; /* scopes built so far */
    resolved *resolved; /* import resolutions already made, by (folder, name) */
    size_t nresolved;
    shared_scope *shared; /* scopes of type-less blueprints, by import list */
    size_t nshared;
    char **search;
    size_t nsearch;
    char *modak_types_dir;
    doc_limits limits;
    tosca_check_section_fn check_section;
    tosca_check_cross_fn check_cross;
    tfile **files;
    size_t nfiles;
    tfile *normative;
};

typedef struct defs defs;
typedef struct defs_cache defs_cache;

struct tosca_scope {
    tosca_ctx *c;
    tfile *root;
    tfile **files; /* normative first, then the closure of root's imports, root last */
    size_t n;
    const ttype **tab; /* open addressing on (kind, name); the first definition wins */
    size_t tabcap;
    defs_cache *cache; /* collected definitions per (type, section) */
    int drop_root;     /* the root was read for this scope alone: forget it when done */
    int borrowed;      /* files, tab and cache belong to a shared scope in the ctx */
    unsigned long gen; /* unique per built scope (never 0): tags memos in the types */
};

/* ------------------------------------------------------------------ loading */

static void file_free(tfile *f)
{
    if (!f) return;
    free(f->key);
    free(f->dir);
    free(f->base);
    free(f->types);
    free(f->imports);
    free(f->import_names);
    free(f->input_refs);
    doc_free(f->d);
    free(f);
}

static void index_types(tfile *f)
{
    const doc_node *root = f->d->root;
    size_t n = 0;
    for (int k = 0; k < TK_COUNT; k++) {
        const doc_node *sec = doc_map_get(root, section_names[k]);
        if (sec && sec->kind == DOC_MAP) n += sec->n;
    }
    f->types = mk_xcalloc(n ? n : 1, sizeof *f->types);
    for (int k = 0; k < TK_COUNT; k++) {
        const doc_node *sec = doc_map_get(root, section_names[k]);
        if (!sec || sec->kind != DOC_MAP) continue;
        for (size_t i = 0; i < sec->n; i++) {
            ttype *t = &f->types[f->ntypes++];
            t->kind = (tkind)k;
            t->name = sec->pairs[i].key->text;
            t->key = sec->pairs[i].key;
            t->def = sec->pairs[i].val;
            t->file = f;
        }
    }
}

static tfile *find_loaded(tosca_ctx *c, const char *key)
{
    for (size_t i = 0; i < c->nfiles; i++)
        if (c->files[i]->is_builtin && !strcmp(c->files[i]->key, key)) return c->files[i];
    return NULL;
}

/* The file at path if it was read already; *st gets path's identity (st_ino 0 when it
 * cannot be stat'ed). */
static tfile *find_loaded_path(tosca_ctx *c, const char *path, struct stat *st)
{
    if (stat(path, st) != 0) {
        memset(st, 0, sizeof *st);
        return NULL;
    }
    for (size_t i = 0; i < c->nfiles; i++)
        if (!c->files[i]->is_builtin && c->files[i]->dev == st->st_dev &&
            c->files[i]->ino == st->st_ino)
            return c->files[i];
    return NULL;
}

static tfile *add_file(tosca_ctx *c, const char *key, const char *dir, doc *d, int builtin)
{
    tfile *f = mk_xcalloc(1, sizeof *f);
    f->key = mk_xstrdup(key);
    f->dir = dir ? mk_xstrdup(dir) : NULL;
    f->base = mk_path_stem(key, 0);
    f->d = d;
    f->is_builtin = builtin;
    index_types(f);
    c->files = mk_xrealloc(c->files, (c->nfiles + 1) * sizeof *c->files);
    c->files[c->nfiles++] = f;
    return f;
}

static void load_imports(tosca_ctx *c, tfile *f, diag_list *out);

static tfile *load_path(tosca_ctx *c, const char *path, diag_list *out, const doc_mark *from)
{
    struct stat st;
    tfile *f = find_loaded_path(c, path, &st);
    if (f) return f;
    mk_err e;
    mk_err_clear(&e);
    doc *d = doc_read_file(path, &c->limits, &e);
    if (!d) {
        diag *dg = diag_add_err(out, &e, e.code == MK_ELIMIT ? "input.limit" : "yaml.syntax");
        if (from && from->file)
            diag_hint(dg, "imported from %s:%d:%d", from->file, from->line, from->col);
        return NULL;
    }
    char *dir = mk_path_dirname(path);
    f = add_file(c, path, dir, d, 0);
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    free(dir);
    load_imports(c, f, out);
    return f;
}

static tfile *load_builtin(tosca_ctx *c, const char *key, const char *text, size_t len,
                           diag_list *out)
{
    tfile *f = find_loaded(c, key);
    if (f) return f;
    mk_err e;
    mk_err_clear(&e);
    doc *d = doc_read_yaml(key, text, len, NULL, &e);
    if (!d) {
        diag_add_err(out, &e, "modak.internal");
        return NULL;
    }
    f = add_file(c, key, NULL, d, 1);
    load_imports(c, f, out);
    return f;
}

/* The file name an import entry names (string, {file: ...} or {name: {file: ...}}). */
static const doc_node *import_file_node(const doc_node *imp)
{
    if (doc_is_str(imp)) return imp;
    if (imp && imp->kind == DOC_MAP) {
        const doc_node *f = doc_map_get(imp, "file");
        if (f) return f;
        if (imp->n == 1) return import_file_node(imp->pairs[0].val);
    }
    return NULL;
}

static tfile *resolve_import_uncached(tosca_ctx *c, tfile *from, const doc_node *fn,
                                     diag_list *out);

/* Blueprints in one folder import the same files: each (folder, name) is resolved once;
 * failures are not remembered, so each importer gets its own diagnostic. */
static tfile *resolve_import(tosca_ctx *c, tfile *from, const doc_node *fn, diag_list *out)
{
    const char *dir = from->dir ? from->dir : from->key;
    size_t dl = strlen(dir), nl = strlen(fn->text);
    for (size_t i = 0; i < c->nresolved; i++) {
        const resolved *r = &c->resolved[i];
        if (r->keylen == dl + 1 + nl && !memcmp(r->key, dir, dl + 1) &&
            !memcmp(r->key + dl + 1, fn->text, nl))
            return r->file;
    }
    tfile *f = resolve_import_uncached(c, from, fn, out);
    if (f && !f->is_builtin && f != from) {
        c->resolved = mk_xrealloc(c->resolved, (c->nresolved + 1) * sizeof *c->resolved);
        resolved *r = &c->resolved[c->nresolved++];
        r->keylen = dl + 1 + nl;
        r->key = mk_xmalloc(r->keylen);
        memcpy(r->key, dir, dl + 1);
        memcpy(r->key + dl + 1, fn->text, nl);
        r->file = f;
    }
    return f;
}

static tfile *resolve_import_uncached(tosca_ctx *c, tfile *from, const doc_node *fn,
                                     diag_list *out)
{
    const char *name = fn->text;
    if (strstr(name, "://")) {
        diag_hint(diag_add(out, DIAG_ERROR, &fn->mark, "tosca.import.url", NULL,
                           "import '%s' is a URL: modak never fetches from the network", name),
                  "download the file and import it by path, or pass its folder with --types DIR");
        return NULL;
    }
    /* 1. relative to the importing file */
    if (from->dir || name[0] == '/') {
        char *p = mk_path_join(from->dir, name);
        int ok = mk_is_file(p);
        tfile *f = ok ? load_path(c, p, out, &fn->mark) : NULL;
        free(p);
        if (ok) return f;
    }
    /* 2. search paths, dropping leading folders of the import path one by one */
    for (size_t i = 0; i < c->nsearch; i++) {
        for (const char *suffix = name; suffix; suffix = strchr(suffix, '/')) {
            if (*suffix == '/') suffix++;
            char *p = mk_path_join(c->search[i], suffix);
            int ok = mk_is_file(p);
            tfile *f = ok ? load_path(c, p, out, &fn->mark) : NULL;
            free(p);
            if (ok) return f;
        }
    }
    /* 3. modak's own types */
    static const struct {
        const char *name;
        const char *text;
        const unsigned long *len;
    } bundled[] = {{"modak-types.yaml", modak_types_yaml, &modak_types_yaml_len},
                   {"sodalite-hpc.yaml", sodalite_hpc_yaml, &sodalite_hpc_yaml_len}};
    char *base = mk_path_stem(name, 0);
    tfile *found = NULL;
    int done = 0;
    for (size_t i = 0; i < sizeof bundled / sizeof *bundled && !done; i++) {
        if (strcmp(base, bundled[i].name) != 0) continue;
        if (c->modak_types_dir) {
            char *p = mk_path_join(c->modak_types_dir, base);
            if (mk_is_file(p)) {
                found = load_path(c, p, out, &fn->mark);
                done = 1;
            }
            free(p);
        }
        if (!done) {
            char key[64];
            snprintf(key, sizeof key, "<modak>/%s", bundled[i].name);
            found = load_builtin(c, key, bundled[i].text, *bundled[i].len, out);
            done = 1;
        }
    }
    /* 4. a file of that name already read in this run */
    for (size_t i = 0; !done && i < c->nfiles; i++)
        if (!c->files[i]->is_builtin && !strcmp(c->files[i]->base, base)) {
            found = c->files[i];
            done = 1;
        }
    free(base);
    if (done) return found;
    diag_hint(diag_add(out, DIAG_ERROR, &fn->mark, "tosca.import.missing", NULL,
                       "cannot find imported file '%s'", name),
              "it is looked for relative to %s and on the --types DIR search paths",
              from->is_builtin ? "modak's types" : from->key);
    return NULL;
}

static void load_imports(tosca_ctx *c, tfile *f, diag_list *out)
{
    const doc_node *imps = doc_map_get(f->d->root, "imports");
    if (!imps || imps->kind != DOC_SEQ) return; /* wrong shapes are reported by the checker */
    f->loading = 1;
    for (size_t i = 0; i < imps->n; i++) {
        const doc_node *fn = import_file_node(imps->items[i]);
        if (!fn || !doc_is_str(fn)) continue;
        tfile *g = resolve_import(c, f, fn, out);
        if (!g) continue;
        if (g == f || g->loading) {
            diag_hint(diag_add(out, DIAG_WARNING, &fn->mark, "tosca.import.cycle", NULL,
                               "import cycle: '%s' is already being imported", fn->text),
                      "each file is read once, so this is harmless; remove the import to silence "
                      "this warning");
        }
        f->imports = mk_xrealloc(f->imports, (f->nimports + 1) * sizeof *f->imports);
        f->import_names =
            mk_xrealloc(f->import_names, (f->nimports + 1) * sizeof *f->import_names);
        f->import_names[f->nimports] = fn->text;
        f->imports[f->nimports++] = g;
    }
    f->loading = 0;
}

tosca_ctx *tosca_ctx_new(const tosca_opts *opts, mk_err *err)
{
    tosca_ctx *c = mk_xcalloc(1, sizeof *c);
    if (opts) {
        c->nsearch = opts->nsearch;
        c->search = mk_xcalloc(c->nsearch ? c->nsearch : 1, sizeof *c->search);
        for (size_t i = 0; i < c->nsearch; i++) c->search[i] = mk_xstrdup(opts->search_paths[i]);
        c->modak_types_dir = opts->modak_types_dir ? mk_xstrdup(opts->modak_types_dir) : NULL;
        c->limits = opts->limits;
        c->check_section = opts->check_section;
        c->check_cross = opts->check_cross;
    }
    diag_list tmp;
    diag_list_init(&tmp);
    c->normative = load_builtin(c, "<tosca>/normative-types.yaml", tosca_normative_yaml,
                                tosca_normative_yaml_len, &tmp);
    if (!c->normative || tmp.errors) {
        mk_err_set(err, MK_EINTERNAL, NULL, 0, 0, "built-in TOSCA normative types do not load: %s",
                   tmp.n ? tmp.v[0].msg : "?");
        diag_list_fini(&tmp);
        tosca_ctx_free(c);
        return NULL;
    }
    diag_list_fini(&tmp);
    return c;
}

void tosca_ctx_free(tosca_ctx *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->nshared; i++) {
        c->shared[i].scope->borrowed = 0;
        tosca_scope_free(c->shared[i].scope);
        free(c->shared[i].imports);
    }
    free(c->shared);
    for (size_t i = 0; i < c->nresolved; i++) free(c->resolved[i].key);
    free(c->resolved);
    for (size_t i = 0; i < c->nfiles; i++) file_free(c->files[i]);
    free(c->files);
    for (size_t i = 0; i < c->nsearch; i++) free(c->search[i]);
    free(c->search);
    free(c->modak_types_dir);
    free(c);
}

/* ------------------------------------------------------------------ scopes */

static int scope_has(const tosca_scope *s, const tfile *f)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->files[i] == f) return 1;
    return 0;
}

static void scope_add(tosca_scope *s, tfile *f)
{
    if (scope_has(s, f)) return;
    s->files = mk_xrealloc(s->files, (s->n + 1) * sizeof *s->files);
    s->files[s->n++] = f;
    for (size_t i = 0; i < f->nimports; i++) scope_add(s, f->imports[i]);
}

static size_t type_hash(tkind k, const char *name)
{
    size_t h = 1469598103934665603u ^ (size_t)k;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    return h;
}

static defs_cache *cache_new(void);

/* A scope of the normative types, root's types (when root) and the closure of imports. */
static tosca_scope *scope_build(tosca_ctx *c, tfile *root, tfile *const *imports, size_t nimports)
{
    tosca_scope *s = mk_xcalloc(1, sizeof *s);
    s->c = c;
    s->root = root;
    s->gen = ++c->scope_gen;
    scope_add(s, c->normative);
    if (root)
        scope_add(s, root);
    else
        for (size_t i = 0; i < nimports; i++) scope_add(s, imports[i]);
    size_t total = 0;
    for (size_t i = 0; i < s->n; i++) total += s->files[i]->ntypes;
    s->tabcap = 64;
    while (s->tabcap < 2 * total) s->tabcap *= 2;
    s->tab = mk_xcalloc(s->tabcap, sizeof *s->tab);
    for (size_t i = 0; i < s->n; i++)
        for (size_t j = 0; j < s->files[i]->ntypes; j++) {
            const ttype *t = &s->files[i]->types[j];
            size_t h = type_hash(t->kind, t->name) & (s->tabcap - 1);
            while (s->tab[h] && !(s->tab[h]->kind == t->kind && !strcmp(s->tab[h]->name, t->name)))
                h = (h + 1) & (s->tabcap - 1);
            if (!s->tab[h]) s->tab[h] = t;
        }
    s->cache = cache_new();
    return s;
}

/* The scope of root: its own when it defines types, else a shared one for its imports (in a
 * batch run, thousands of blueprints import the same few files: their types are indexed and
 * their definitions collected once). */
static tosca_scope *scope_new(tosca_ctx *c, tfile *root)
{
    if (root->ntypes) return scope_build(c, root, NULL, 0);
    tosca_scope *base = NULL;
    for (size_t i = 0; i < c->nshared && !base; i++) {
        const shared_scope *sh = &c->shared[i];
        if (sh->n == root->nimports &&
            (!sh->n || !memcmp(sh->imports, root->imports, sh->n * sizeof *sh->imports)))
            base = sh->scope;
    }
    if (!base) {
        base = scope_build(c, NULL, root->imports, root->nimports);
        c->shared = mk_xrealloc(c->shared, (c->nshared + 1) * sizeof *c->shared);
        shared_scope *sh = &c->shared[c->nshared++];
        sh->n = root->nimports;
        sh->imports = mk_xmalloc((sh->n ? sh->n : 1) * sizeof *sh->imports);
        if (sh->n) memcpy(sh->imports, root->imports, sh->n * sizeof *sh->imports);
        sh->scope = base;
    }
    tosca_scope *s = mk_xmalloc(sizeof *s);
    *s = *base;
    s->root = root;
    s->borrowed = 1;
    return s;
}

static void cache_free(defs_cache *c);

/* Forgets a blueprint read for one check, so a batch run does not keep every file. */
static void drop_file(tosca_ctx *c, tfile *f)
{
    for (size_t i = 0; i < c->nfiles; i++)
        for (size_t j = 0; j < c->files[i]->nimports; j++)
            if (c->files[i]->imports[j] == f) return; /* imported after all (a cycle) */
    for (size_t i = 0; i < c->nfiles; i++)
        if (c->files[i] == f) {
            c->files[i] = c->files[--c->nfiles];
            file_free(f);
            return;
        }
}

void tosca_scope_free(tosca_scope *s)
{
    if (!s) return;
    if (s->drop_root) drop_file(s->c, s->root);
    if (!s->borrowed) {
        cache_free(s->cache);
        free(s->tab);
        free(s->files);
    }
    free(s);
}

static const ttype *find_type(const tosca_scope *s, tkind k, const char *name)
{
    if (!name) return NULL;
    size_t h = type_hash(k, name) & (s->tabcap - 1);
    for (const ttype *t; (t = s->tab[h]); h = (h + 1) & (s->tabcap - 1))
        if (t->kind == k && !strcmp(t->name, name)) return t;
    return NULL;
}

static const char *parent_name(const ttype *t)
{
    return doc_str(doc_map_get(t->def, "derived_from"));
}

/* Parents are looked up once per scope table (shared scopes share tables) and kept. */
static const ttype *parent_of(const tosca_scope *s, const ttype *t)
{
    if (t->pgen != s->gen) {
        ttype *m = (ttype *)t; /* a memo, not part of the type's meaning */
        m->parent = find_type(s, t->kind, parent_name(t));
        m->pgen = s->gen;
    }
    return t->parent;
}

static int derives(const tosca_scope *s, tkind k, const char *name, const char *ancestor)
{
    const ttype *t = find_type(s, k, name);
    if (name && !strcmp(name, ancestor)) return 1;
    for (int guard = 0; t && guard < 64; guard++) {
        const char *pn = parent_name(t);
        if (!pn) return 0;
        if (!strcmp(pn, ancestor)) return 1;
        t = parent_of(s, t);
    }
    return 0;
}

int tosca_type_is_a(const tosca_scope *s, const char *type, const char *ancestor)
{
    return derives(s, TK_NODE, type, ancestor);
}

const doc_node *tosca_scope_root(const tosca_scope *s)
{
    return s->root->d->root;
}

const doc *tosca_scope_doc(const tosca_scope *s)
{
    return s->root->d;
}

/* The chain from the root type down to t (so children override parents). */
static size_t chain_of(const tosca_scope *s, const ttype *t, const ttype **chain, size_t max)
{
    size_t n = 0;
    for (const ttype *p = t; p && n < max; p = parent_of(s, p)) {
        for (size_t i = 0; i < n; i++)
            if (chain[i] == p) return n; /* derivation cycle: reported by the type checks */
        chain[n++] = p;
    }
    for (size_t i = 0; i < n / 2; i++) {
        const ttype *x = chain[i];
        chain[i] = chain[n - 1 - i];
        chain[n - 1 - i] = x;
    }
    return n;
}

/* Named definitions collected along a type's chain (properties, attributes, ...). */
struct defs {
    const char **names;
    const doc_node **defs;
    const ttype **owner;
    size_t n;
};

static void defs_fini(defs *d)
{
    free(d->names);
    free(d->defs);
    free(d->owner);
    memset(d, 0, sizeof *d);
}

static void defs_put(defs *d, const char *name, const doc_node *def, const ttype *owner)
{
    for (size_t i = 0; i < d->n; i++)
        if (!strcmp(d->names[i], name)) {
            d->defs[i] = def;
            d->owner[i] = owner;
            return;
        }
    d->names = mk_xrealloc(d->names, (d->n + 1) * sizeof *d->names);
    d->defs = mk_xrealloc(d->defs, (d->n + 1) * sizeof *d->defs);
    d->owner = mk_xrealloc(d->owner, (d->n + 1) * sizeof *d->owner);
    d->names[d->n] = name;
    d->defs[d->n] = def;
    d->owner[d->n] = owner;
    d->n++;
}

static const doc_node *defs_get(const defs *d, const char *name, const ttype **owner)
{
    for (size_t i = 0; i < d->n; i++)
        if (!strcmp(d->names[i], name)) {
            if (owner) *owner = d->owner[i];
            return d->defs[i];
        }
    return NULL;
}

/* section is a map (properties, attributes, capabilities, interfaces) or, for
 * "requirements", a list of one-key maps. */
static void collect(const tosca_scope *s, const ttype *t, const char *section, defs *out)
{
    const ttype *chain[64];
    size_t n = chain_of(s, t, chain, 64);
    for (size_t i = 0; i < n; i++) {
        const doc_node *sec = doc_map_get(chain[i]->def, section);
        if (!sec) continue;
        if (sec->kind == DOC_MAP) {
            for (size_t j = 0; j < sec->n; j++)
                defs_put(out, sec->pairs[j].key->text, sec->pairs[j].val, chain[i]);
        } else if (sec->kind == DOC_SEQ) {
            for (size_t j = 0; j < sec->n; j++) {
                const doc_node *it = sec->items[j];
                if (it->kind == DOC_MAP && it->n == 1)
                    defs_put(out, it->pairs[0].key->text, it->pairs[0].val, chain[i]);
            }
        }
    }
}

/* Collected definitions are asked for again and again (every node, every function):
 * the scope keeps them per (type, section). */
enum { SEC_PROPERTIES, SEC_ATTRIBUTES, SEC_CAPABILITIES, SEC_REQUIREMENTS, SEC_INTERFACES,
       SEC_COUNT };
static const char *const sec_names[] = {"properties", "attributes", "capabilities", "requirements",
                                        "interfaces"};
_Static_assert(sizeof sec_names / sizeof *sec_names == SEC_COUNT, "sec_names");

struct defs_cache {
    const ttype **keys;
    defs **vals; /* SEC_COUNT each, allocated once: pointers to them stay valid */
    unsigned char *have;
    size_t n, cap;
};

static defs_cache *cache_new(void)
{
    return mk_xcalloc(1, sizeof(defs_cache));
}

static void cache_free(defs_cache *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) {
        for (int k = 0; k < SEC_COUNT; k++)
            if (c->have[i * SEC_COUNT + k]) defs_fini(&c->vals[i][k]);
        free(c->vals[i]);
    }
    free(c->keys);
    free(c->vals);
    free(c->have);
    free(c);
}

static const defs *cached(const tosca_scope *s, const ttype *t, int sec)
{
    defs_cache *c = s->cache; /* shared by the scopes of blueprints with the same imports */
    size_t i = 0;
    while (i < c->n && c->keys[i] != t) i++;
    if (i == c->n) {
        if (c->n == c->cap) {
            c->cap = c->cap ? c->cap * 2 : 16;
            c->keys = mk_xrealloc(c->keys, c->cap * sizeof *c->keys);
            c->vals = mk_xrealloc(c->vals, c->cap * sizeof *c->vals);
            c->have = mk_xrealloc(c->have, c->cap * SEC_COUNT);
        }
        c->keys[i] = t;
        c->vals[i] = mk_xcalloc(SEC_COUNT, sizeof **c->vals);
        memset(&c->have[i * SEC_COUNT], 0, SEC_COUNT);
        c->n++;
    }
    defs *d = &c->vals[i][sec];
    if (!c->have[i * SEC_COUNT + sec]) {
        collect(s, t, sec_names[sec], d);
        c->have[i * SEC_COUNT + sec] = 1;
    }
    return d;
}

/* ------------------------------------------------------------------ checking */

typedef struct chk {
    tosca_ctx *c;
    const tosca_scope *s;
    diag_list *out;
    mk_arena arena; /* JSON pointers */
    const doc_node *tt, *inputs, *nodes;
    int in_template; /* functions are resolved against the topology */
} chk;

static const char *P(chk *k, const char *ptr, const char *tok)
{
    return doc_ptr_append(&k->arena, ptr, tok);
}

static diag *vadd_at(chk *k, diag_sev sev, const doc_node *n, const char *rule, const char *ptr,
                     const char *fmt, va_list ap)
{
    mk_buf b;
    mk_buf_init(&b);
    mk_buf_vprintf(&b, fmt, ap);
    diag *d = diag_add(k->out, sev, n ? &n->mark : NULL, rule, ptr, "%s", b.s);
    mk_buf_fini(&b);
    return d;
}

static diag *err_at(chk *k, const doc_node *n, const char *rule, const char *ptr, const char *fmt,
                    ...) __attribute__((format(printf, 5, 6)));
static diag *err_at(chk *k, const doc_node *n, const char *rule, const char *ptr, const char *fmt,
                    ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag *d = vadd_at(k, DIAG_ERROR, n, rule, ptr, fmt, ap);
    va_end(ap);
    return d;
}

static diag *warn_at(chk *k, const doc_node *n, const char *rule, const char *ptr, const char *fmt,
                     ...) __attribute__((format(printf, 5, 6)));
static diag *warn_at(chk *k, const doc_node *n, const char *rule, const char *ptr, const char *fmt,
                     ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag *d = vadd_at(k, DIAG_WARNING, n, rule, ptr, fmt, ap);
    va_end(ap);
    return d;
}


static const char *closest(const char *name, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t bd = 99, len = strlen(name);
    for (size_t i = 0; i < n; i++) {
        size_t d = mk_edit_distance(name, cands[i], 0);
        if (d < bd) {
            bd = d;
            best = cands[i];
        }
    }
    return best && bd <= (len < 6 ? 2 : 3) ? best : NULL;
}

static const char *closest_type(const tosca_scope *s, tkind k, const char *name)
{
    const char *best = NULL;
    size_t bd = 99;
    for (size_t i = 0; i < s->n; i++)
        for (size_t j = 0; j < s->files[i]->ntypes; j++) {
            const ttype *t = &s->files[i]->types[j];
            if (t->kind != k) continue;
            size_t d = mk_edit_distance(name, t->name, 0);
            if (d < bd) {
                bd = d;
                best = t->name;
            }
        }
    return bd <= 4 ? best : NULL;
}

static void unknown_type(chk *k, tkind kind, const doc_node *n, const char *ptr)
{
    diag *d = err_at(k, n, "tosca.type.unknown", ptr, "unknown %s '%s'", kind_words[kind],
                     doc_str(n) ? doc_str(n) : "?");
    const char *sug = doc_str(n) ? closest_type(k->s, kind, doc_str(n)) : NULL;
    if (sug)
        diag_hint(d, "did you mean '%s'?", sug);
    else
        diag_hint(d, "define it, or import the file that defines it (imports: / --types DIR)");
}

static void check_keys(chk *k, const doc_node *map, const char *const *allowed, size_t n,
                       const char *what, const char *ptr)
{
    if (!map || map->kind != DOC_MAP) return;
    for (size_t i = 0; i < map->n; i++) {
        const char *key = map->pairs[i].key->text;
        int ok = 0;
        for (size_t j = 0; j < n && !ok; j++) ok = !strcmp(key, allowed[j]);
        if (ok) continue;
        diag *d = err_at(k, map->pairs[i].key, "tosca.key.unknown", P(k, ptr, key),
                         "unknown key '%s' in %s", key, what);
        const char *sug = closest(key, allowed, n);
        if (sug) diag_hint(d, "did you mean '%s'?", sug);
    }
}

static int expect_kind(chk *k, const doc_node *n, doc_kind kind, const char *what,
                       const char *ptr)
{
    if (n && n->kind == kind) return 1;
    err_at(k, n, "tosca.shape", ptr, "%s must be a %s, not a %s", what,
           kind == DOC_MAP ? "map" : kind == DOC_SEQ ? "list" : "single value", doc_kind_name(n));
    return 0;
}

/* ---- functions ---- */

static const char *const function_names[] = {"get_input",  "get_property", "get_attribute",
                                              "get_operation_output", "concat", "join", "token",
                                              "get_nodes_of_type", "get_artifact"};

static const char *function_name(const doc_node *v)
{
    if (!v || v->kind != DOC_MAP || v->n != 1) return NULL;
    const char *key = v->pairs[0].key->text;
    for (size_t i = 0; i < sizeof function_names / sizeof *function_names; i++)
        if (!strcmp(key, function_names[i])) return key;
    return NULL;
}

static const doc_node *node_template(chk *k, const char *name)
{
    return doc_map_get(k->nodes, name);
}

static const ttype *node_type_of(chk *k, const doc_node *tpl)
{
    return find_type(k->s, TK_NODE, doc_str(doc_map_get(tpl, "type")));
}

/* The node template a requirement of tpl named req points to, or NULL. */
static const doc_node *requirement_target(chk *k, const doc_node *tpl, const char *req)
{
    const doc_node *reqs = doc_map_get(tpl, "requirements");
    if (!reqs || reqs->kind != DOC_SEQ) return NULL;
    for (size_t i = 0; i < reqs->n; i++) {
        const doc_node *it = reqs->items[i];
        if (it->kind != DOC_MAP || it->n != 1 || strcmp(it->pairs[0].key->text, req) != 0) continue;
        const doc_node *v = it->pairs[0].val;
        const char *name = doc_str(v) ? doc_str(v) : doc_str(doc_map_get(v, "node"));
        return name ? node_template(k, name) : NULL;
    }
    return NULL;
}

static int node_has(chk *k, const doc_node *tpl, const char *name, int attributes)
{
    const ttype *t = node_type_of(k, tpl);
    if (!t) return 1; /* reported elsewhere */
    return defs_get(cached(k->s, t, SEC_PROPERTIES), name, NULL) ||
           (attributes && defs_get(cached(k->s, t, SEC_ATTRIBUTES), name, NULL));
}

static void check_value_functions(chk *k, const doc_node *v, const char *ptr, const doc_node *self);

static void check_function(chk *k, const doc_node *v, const char *ptr, const doc_node *self)
{
    const char *fn = function_name(v);
    const doc_node *arg = v->pairs[0].val;
    const char *aptr = P(k, ptr, fn);
    if (!strcmp(fn, "get_input")) {
        const doc_node *name = arg->kind == DOC_SEQ && arg->n ? arg->items[0] : arg;
        if (!doc_is_str(name)) {
            err_at(k, arg, "tosca.function.get_input", aptr, "get_input takes an input name");
            return;
        }
        if (!k->inputs || !doc_map_get(k->inputs, name->text)) {
            diag *d = err_at(k, name, "tosca.function.get_input", aptr,
                             "get_input names '%s', which is not an input of the topology",
                             name->text);
            diag_hint(d, "declare it under topology_template: inputs:");
        }
        return;
    }
    if (!strcmp(fn, "get_property") || !strcmp(fn, "get_attribute")) {
        int attr = fn[4] == 'a';
        if (arg->kind != DOC_SEQ || arg->n < 2) {
            err_at(k, arg, "tosca.function.args", aptr,
                   "%s takes a list: [ SELF | SOURCE | TARGET | HOST | node name, "
                   "(requirement or capability,) name ]",
                   fn);
            return;
        }
        for (size_t i = 0; i < arg->n; i++)
            if (!doc_is_scalar(arg->items[i])) {
                err_at(k, arg->items[i], "tosca.function.args", aptr,
                       "%s arguments are names, not a %s", fn, doc_kind_name(arg->items[i]));
                return;
            }
        const char *ent = arg->items[0]->text;
        const doc_node *tpl = NULL;
        if (!strcmp(ent, "SELF"))
            tpl = self;
        else if (!strcmp(ent, "SOURCE") || !strcmp(ent, "TARGET") || !strcmp(ent, "HOST"))
            return; /* resolved at deployment */
        else {
            tpl = node_template(k, ent);
            if (!tpl) {
                err_at(k, arg->items[0], "tosca.function.target", aptr,
                       "%s names '%s', which is not a node template", fn, ent);
                return;
            }
        }
        if (!tpl) return;
        const char *name = arg->items[1]->text;
        if (arg->n >= 3) {
            /* [entity, requirement-or-capability, name, ...] or [entity, name, nested...] */
            const doc_node *target = requirement_target(k, tpl, name);
            if (target) {
                if (!node_has(k, target, arg->items[2]->text, attr))
                    err_at(k, arg->items[2], "tosca.function.target", aptr,
                           "%s: the node '%s' (requirement '%s') has no %s '%s'", fn,
                           doc_str(doc_map_get(k->nodes, "")) ? "" : "target", name,
                           attr ? "attribute or property" : "property", arg->items[2]->text);
                return;
            }
            const ttype *t = node_type_of(k, tpl);
            if (t) {
                if (defs_get(cached(k->s, t, SEC_CAPABILITIES), name, NULL)) return; /* capability properties: checked with the capability */
            }
        }
        if (!node_has(k, tpl, name, attr)) {
            diag *d = err_at(k, arg->items[1], "tosca.function.target", aptr,
                             "%s: node '%s' has no %s '%s'", fn, ent,
                             attr ? "attribute or property" : "property", name);
            if (arg->n >= 3)
                diag_hint(d, "nor a requirement or capability of that name with a target");
        }
        return;
    }
    /* concat, join, token, ...: check nested functions */
    check_value_functions(k, arg, aptr, self);
}

static void check_value_functions(chk *k, const doc_node *v, const char *ptr, const doc_node *self)
{
    if (!v || !k->in_template) return;
    if (function_name(v)) {
        check_function(k, v, ptr, self);
        return;
    }
    if (v->kind == DOC_SEQ)
        for (size_t i = 0; i < v->n; i++) check_value_functions(k, v->items[i], ptr, self);
    else if (v->kind == DOC_MAP)
        for (size_t i = 0; i < v->n; i++)
            check_value_functions(k, v->pairs[i].val, P(k, ptr, v->pairs[i].key->text), self);
}

/* ---- values against definitions ---- */

static void check_value(chk *k, const char *type, const doc_node *def, const doc_node *v,
                        const char *ptr, const doc_node *self, int depth);

static void check_constraints(chk *k, const char *type, const doc_node *cons, const doc_node *v,
                              const char *ptr)
{
    if (!cons || cons->kind != DOC_SEQ) return;
    for (size_t i = 0; i < cons->n; i++) {
        const char *why;
        if (tosca_constraint_wellformed(type, cons->items[i], &why)) continue; /* def check */
        char msg[512];
        if (tosca_constraint_check(type, cons->items[i], v, msg, sizeof msg))
            diag_hint(err_at(k, v, "tosca.property.constraint", ptr, "%s", msg),
                      "the constraint is at %s:%d", cons->items[i]->mark.file,
                      cons->items[i]->mark.line);
    }
}

/* The primitive a data type finally derives from, or NULL for a complex type. */
static const char *data_primitive(const tosca_scope *s, const char *type, const ttype **dt)
{
    *dt = NULL;
    for (int guard = 0; type && guard < 64; guard++) {
        if (tosca_is_primitive(type)) return type;
        const ttype *t = find_type(s, TK_DATA, type);
        if (!t) return NULL;
        if (!*dt) *dt = t;
        type = parent_name(t);
    }
    return NULL;
}

static void check_entry_schema(chk *k, const doc_node *schema, const doc_node *v, const char *ptr,
                               const doc_node *self, int depth)
{
    if (!schema) return;
    const char *et = doc_str(schema) ? doc_str(schema) : doc_str(doc_map_get(schema, "type"));
    if (!et) return;
    const doc_node *edef = schema->kind == DOC_MAP ? schema : NULL;
    if (v->kind == DOC_SEQ)
        for (size_t i = 0; i < v->n; i++)
            check_value(k, et, edef, v->items[i], doc_ptr_index(&k->arena, ptr, i), self, depth + 1);
    else if (v->kind == DOC_MAP)
        for (size_t i = 0; i < v->n; i++)
            check_value(k, et, edef, v->pairs[i].val, P(k, ptr, v->pairs[i].key->text), self,
                        depth + 1);
}

static void check_properties(chk *k, const defs *d, const doc_node *vals, const doc_node *at,
                             const char *ptr, const char *what, const doc_node *self, int depth);

static void check_value(chk *k, const char *type, const doc_node *def, const doc_node *v,
                        const char *ptr, const doc_node *self, int depth)
{
    if (!v || depth > 64) return;
    if (function_name(v)) {
        check_value_functions(k, v, ptr, self);
        return;
    }
    if (doc_is_null(v)) return; /* null means "not given" */
    const ttype *dt;
    const char *prim = data_primitive(k->s, type, &dt);
    if (prim) {
        const char *why;
        if (tosca_value_check(prim, v, &why)) {
            diag *d = doc_is_scalar(v)
                          ? err_at(k, v, "tosca.property.type", ptr, "%s value: %s, found '%s'",
                                   type, why, v->text)
                          : err_at(k, v, "tosca.property.type", ptr, "%s value: %s", type, why);
            if (!strcmp(prim, "string") && doc_is_scalar(v)) diag_hint(d, "write it as \"%s\"", v->text);
            return;
        }
        /* constraints of the data types along the way, then of the definition */
        for (const ttype *t = dt; t; t = parent_of(k->s, t))
            check_constraints(k, prim, doc_map_get(t->def, "constraints"), v, ptr);
        check_constraints(k, prim, doc_map_get(def, "constraints"), v, ptr);
        if (!strcmp(prim, "list") || !strcmp(prim, "map")) {
            const doc_node *schema = doc_map_get(def, "entry_schema");
            for (const ttype *t = dt; !schema && t; t = parent_of(k->s, t))
                schema = doc_map_get(t->def, "entry_schema");
            check_entry_schema(k, schema, v, ptr, self, depth);
        }
        return;
    }
    if (!dt) return; /* unknown type: reported with the definition */
    /* a complex data type: a map of its properties */
    if (v->kind != DOC_MAP) {
        err_at(k, v, "tosca.property.type", ptr, "expected a map of %s's properties, found %s%s%s",
               type, doc_kind_name(v), doc_is_scalar(v) ? " " : "", doc_is_scalar(v) ? v->text : "");
        return;
    }
    char what[300];
    snprintf(what, sizeof what, "data type %s", type);
    check_properties(k, cached(k->s, dt, SEC_PROPERTIES), v, v, ptr, what, self, depth + 1);
    check_constraints(k, type, doc_map_get(def, "constraints"), v, ptr);
}

static int prop_required(const doc_node *def)
{
    const doc_node *r = doc_map_get(def, "required");
    if (!r || !doc_is_scalar(r)) return 1;
    return !(r->type == DOC_T_BOOL && !r->v.b);
}

/* Properties given in vals (a map, may be NULL) against definitions d. */
static void check_properties(chk *k, const defs *d, const doc_node *vals, const doc_node *at,
                             const char *ptr, const char *what, const doc_node *self, int depth)
{
    if (vals && vals->kind == DOC_MAP) {
        for (size_t i = 0; i < vals->n; i++) {
            const char *name = vals->pairs[i].key->text;
            const char *pp = P(k, ptr, name);
            const doc_node *def = defs_get(d, name, NULL);
            if (!def) {
                diag *dg = err_at(k, vals->pairs[i].key, "tosca.property.unknown", pp,
                                  "unknown property '%s' of %s", name, what);
                const char *sug = closest(name, d->names, d->n);
                if (sug) diag_hint(dg, "did you mean '%s'?", sug);
                continue;
            }
            const char *type = doc_str(doc_map_get(def, "type"));
            if (!type) type = "any";
            check_value(k, type, def, vals->pairs[i].val, pp, self, depth);
        }
    }
    for (size_t i = 0; i < d->n; i++) {
        const doc_node *def = d->defs[i];
        if (!prop_required(def) || doc_map_get(def, "default")) continue;
        if (vals && doc_map_pair(vals, d->names[i])) continue;
        diag_hint(err_at(k, at, "tosca.property.required", ptr,
                         "required property '%s' of %s is missing", d->names[i], what),
                  "set it under properties:, or give it a default in the type");
    }
}

/* ---- type definitions ---- */

static const char *const propdef_keys[] = {"type",        "description", "required",
                                           "default",     "status",      "constraints",
                                           "entry_schema", "key_schema", "metadata",
                                           "external-schema", "value"};

static void check_type_name(chk *k, tkind kind, const doc_node *n, const char *ptr)
{
    const char *name = doc_str(n);
    if (!name) return;
    if (kind == TK_DATA && tosca_is_primitive(name)) return;
    if (!find_type(k->s, kind, name)) unknown_type(k, kind, n, ptr);
}

static void check_propdef(chk *k, const doc_node *def, const char *ptr, int is_param)
{
    if (!expect_kind(k, def, DOC_MAP, "a property definition", ptr)) return;
    check_keys(k, def, propdef_keys, sizeof propdef_keys / sizeof *propdef_keys,
               "a property definition", ptr);
    const doc_node *type = doc_map_get(def, "type");
    if (!type && !is_param) {
        err_at(k, def, "tosca.definition.type", ptr, "a property definition needs a type");
        return;
    }
    if (type) check_type_name(k, TK_DATA, type, P(k, ptr, "type"));
    const doc_node *req = doc_map_get(def, "required");
    if (req && !(doc_is_scalar(req) && req->type == DOC_T_BOOL))
        err_at(k, req, "tosca.definition.required", P(k, ptr, "required"),
               "required must be true or false");
    const doc_node *cons = doc_map_get(def, "constraints");
    const char *tname = doc_str(type) ? doc_str(type) : "any";
    const ttype *dt;
    const char *prim = data_primitive(k->s, tname, &dt);
    if (cons) {
        if (expect_kind(k, cons, DOC_SEQ, "constraints", P(k, ptr, "constraints")))
            for (size_t i = 0; i < cons->n; i++) {
                const char *why;
                if (!tosca_constraint_wellformed(prim ? prim : tname, cons->items[i], &why))
                    continue;
                const doc_node *it = cons->items[i];
                diag *d = err_at(k, it, "tosca.definition.constraint",
                                 doc_ptr_index(&k->arena, P(k, ptr, "constraints"), i), "%s%s%s%s",
                                 why, it->kind == DOC_MAP && it->n ? " '" : "",
                                 it->kind == DOC_MAP && it->n ? it->pairs[0].key->text : "",
                                 it->kind == DOC_MAP && it->n ? "'" : "");
                if (it->kind == DOC_MAP && it->n == 1 && !tosca_constraint_known(it->pairs[0].key->text))
                    diag_hint(d, "the operators are equal, greater_than, greater_or_equal, less_than, "
                                 "less_or_equal, in_range, valid_values, length, min_length, "
                                 "max_length, pattern");
            }
    }
    const doc_node *es = doc_map_get(def, "entry_schema");
    if (es) {
        const doc_node *et = doc_is_scalar(es) ? es : doc_map_get(es, "type");
        if (et) check_type_name(k, TK_DATA, et, P(k, ptr, "entry_schema"));
        if (prim && strcmp(prim, "list") != 0 && strcmp(prim, "map") != 0)
            warn_at(k, es, "tosca.definition.entry_schema", P(k, ptr, "entry_schema"),
                    "entry_schema only applies to lists and maps, not to %s", tname);
    }
    const doc_node *dflt = doc_map_get(def, "default");
    if (dflt && type && !function_name(dflt))
        check_value(k, tname, def, dflt, P(k, ptr, "default"), NULL, 0);
}

static void check_propdefs(chk *k, const doc_node *props, const char *ptr, int is_param)
{
    if (!props) return;
    if (!expect_kind(k, props, DOC_MAP, "properties", ptr)) return;
    for (size_t i = 0; i < props->n; i++)
        check_propdef(k, props->pairs[i].val, P(k, ptr, props->pairs[i].key->text), is_param);
}

static void check_requirement_def(chk *k, const doc_node *def, const char *ptr)
{
    if (doc_is_str(def)) { /* short form: the capability type */
        check_type_name(k, TK_CAP, def, ptr);
        return;
    }
    if (!expect_kind(k, def, DOC_MAP, "a requirement definition", ptr)) return;
    static const char *const keys[] = {"capability", "node", "relationship", "occurrences",
                                       "description", "node_filter"};
    check_keys(k, def, keys, sizeof keys / sizeof *keys, "a requirement definition", ptr);
    const doc_node *cap = doc_map_get(def, "capability");
    if (cap && !find_type(k->s, TK_CAP, doc_str(cap)))
        unknown_type(k, TK_CAP, cap, P(k, ptr, "capability"));
    const doc_node *node = doc_map_get(def, "node");
    if (node && !find_type(k->s, TK_NODE, doc_str(node)))
        unknown_type(k, TK_NODE, node, P(k, ptr, "node"));
    const doc_node *rel = doc_map_get(def, "relationship");
    const doc_node *relt = doc_is_scalar(rel) ? rel : doc_map_get(rel, "type");
    if (relt && !find_type(k->s, TK_REL, doc_str(relt)))
        unknown_type(k, TK_REL, relt, P(k, ptr, "relationship"));
    const doc_node *occ = doc_map_get(def, "occurrences");
    if (occ) {
        const char *why;
        if (tosca_value_check("range", occ, &why))
            err_at(k, occ, "tosca.definition.occurrences", P(k, ptr, "occurrences"), "%s", why);
    }
}

static void check_interfaces_def(chk *k, const doc_node *ifs, const char *ptr)
{
    if (!ifs || !expect_kind(k, ifs, DOC_MAP, "interfaces", ptr)) return;
    for (size_t i = 0; i < ifs->n; i++) {
        const doc_node *d = ifs->pairs[i].val;
        const char *ip = P(k, ptr, ifs->pairs[i].key->text);
        const doc_node *t = doc_map_get(d, "type");
        if (t && !find_type(k->s, TK_IFACE, doc_str(t))) unknown_type(k, TK_IFACE, t, P(k, ip, "type"));
    }
}

static void check_type(chk *k, const ttype *t, const char *ptr)
{
    if (t->def->kind != DOC_MAP) {
        if (!doc_is_null(t->def))
            err_at(k, t->def, "tosca.shape", ptr, "a %s definition must be a map", kind_words[t->kind]);
        return;
    }
    const doc_node *df = doc_map_get(t->def, "derived_from");
    if (df) {
        const char *pn = doc_str(df);
        if (!pn)
            err_at(k, df, "tosca.shape", P(k, ptr, "derived_from"), "derived_from names a type");
        else if (!(t->kind == TK_DATA && tosca_is_primitive(pn)) && !find_type(k->s, t->kind, pn))
            unknown_type(k, t->kind, df, P(k, ptr, "derived_from"));
        else if (!strcmp(pn, t->name) || (find_type(k->s, t->kind, pn) &&
                                          derives(k->s, t->kind, pn, t->name)))
            err_at(k, df, "tosca.type.cycle", P(k, ptr, "derived_from"),
                   "%s '%s' derives from itself", kind_words[t->kind], t->name);
    }
    static const char *const common[] = {"derived_from", "version", "metadata", "description"};
    static const char *const node_keys[] = {"derived_from", "version",   "metadata",
                                            "description",  "properties", "attributes",
                                            "requirements", "capabilities", "interfaces",
                                            "artifacts"};
    static const char *const data_keys[] = {"derived_from", "version",    "metadata", "description",
                                            "properties",   "constraints", "key_schema",
                                            "entry_schema"};
    static const char *const cap_keys[] = {"derived_from", "version",    "metadata",
                                           "description",  "properties", "attributes",
                                           "valid_source_types"};
    static const char *const rel_keys[] = {"derived_from", "version",    "metadata",
                                           "description",  "properties", "attributes",
                                           "interfaces",   "valid_target_types"};
    static const char *const if_keys[] = {"derived_from", "version", "metadata", "description",
                                          "inputs", "operations", "notifications"};
    static const char *const art_keys[] = {"derived_from", "version",   "metadata",
                                           "description",  "mime_type", "file_ext",
                                           "properties"};
    switch (t->kind) {
    case TK_NODE:
        check_keys(k, t->def, node_keys, sizeof node_keys / sizeof *node_keys, "a node type", ptr);
        break;
    case TK_DATA:
        check_keys(k, t->def, data_keys, sizeof data_keys / sizeof *data_keys, "a data type", ptr);
        break;
    case TK_CAP:
        check_keys(k, t->def, cap_keys, sizeof cap_keys / sizeof *cap_keys, "a capability type", ptr);
        break;
    case TK_REL:
        check_keys(k, t->def, rel_keys, sizeof rel_keys / sizeof *rel_keys, "a relationship type",
                   ptr);
        break;
    case TK_IFACE:
        /* TOSCA 1.0-1.2 interface types list operations as top-level keys: allow any */
        break;
    case TK_ARTIFACT:
        check_keys(k, t->def, art_keys, sizeof art_keys / sizeof *art_keys, "an artifact type", ptr);
        break;
    default: (void)common; break;
    }
    (void)if_keys;
    check_propdefs(k, doc_map_get(t->def, "properties"), P(k, ptr, "properties"), 0);
    check_propdefs(k, doc_map_get(t->def, "attributes"), P(k, ptr, "attributes"), 0);
    if (t->kind == TK_NODE) {
        const doc_node *reqs = doc_map_get(t->def, "requirements");
        const char *rp = P(k, ptr, "requirements");
        if (reqs && expect_kind(k, reqs, DOC_SEQ, "requirements", rp))
            for (size_t i = 0; i < reqs->n; i++) {
                const doc_node *it = reqs->items[i];
                const char *ip = doc_ptr_index(&k->arena, rp, i);
                if (it->kind != DOC_MAP || it->n != 1) {
                    err_at(k, it, "tosca.shape", ip,
                           "each requirement is a map with one name: '- host: {...}'");
                    continue;
                }
                check_requirement_def(k, it->pairs[0].val, P(k, ip, it->pairs[0].key->text));
            }
        const doc_node *caps = doc_map_get(t->def, "capabilities");
        const char *cp = P(k, ptr, "capabilities");
        if (caps && expect_kind(k, caps, DOC_MAP, "capabilities", cp))
            for (size_t i = 0; i < caps->n; i++) {
                const doc_node *c = caps->pairs[i].val;
                const doc_node *ct = doc_is_scalar(c) ? c : doc_map_get(c, "type");
                const char *ip = P(k, cp, caps->pairs[i].key->text);
                if (!ct)
                    err_at(k, c, "tosca.definition.type", ip, "a capability definition needs a type");
                else if (!find_type(k->s, TK_CAP, doc_str(ct)))
                    unknown_type(k, TK_CAP, ct, ip);
            }
    }
    if (t->kind == TK_NODE || t->kind == TK_REL)
        check_interfaces_def(k, doc_map_get(t->def, "interfaces"), P(k, ptr, "interfaces"));
}

static void check_types_of(chk *k, tfile *f)
{
    for (size_t i = 0; i < f->ntypes; i++) {
        const ttype *t = &f->types[i];
        check_type(k, t, P(k, P(k, "", section_names[t->kind]), t->name));
    }
}

/* ---- the top level and the topology ---- */

static const char *const top_keys[] = {
    "tosca_definitions_version", "namespace",         "metadata",         "description",
    "dsl_definitions",           "repositories",      "imports",          "artifact_types",
    "data_types",                "capability_types",  "interface_types",  "relationship_types",
    "node_types",                "group_types",       "policy_types",     "topology_template"};
static const char *const versions[] = {"tosca_simple_yaml_1_0", "tosca_simple_yaml_1_1",
                                       "tosca_simple_yaml_1_2", "tosca_simple_yaml_1_3"};

static void check_top(chk *k, const doc_node *root)
{
    check_keys(k, root, top_keys, sizeof top_keys / sizeof *top_keys, "a TOSCA file", "");
    const doc_node *v = doc_map_get(root, "tosca_definitions_version");
    if (!v) {
        err_at(k, root, "tosca.version", "", "tosca_definitions_version is missing");
        return;
    }
    for (size_t i = 0; i < sizeof versions / sizeof *versions; i++)
        if (doc_str(v) && !strcmp(doc_str(v), versions[i])) goto imports;
    diag_hint(err_at(k, v, "tosca.version", "/tosca_definitions_version",
                     "unsupported tosca_definitions_version '%s'", doc_str(v) ? doc_str(v) : "?"),
              "use tosca_simple_yaml_1_3");
imports:;
    const doc_node *imps = doc_map_get(root, "imports");
    if (imps && expect_kind(k, imps, DOC_SEQ, "imports", "/imports"))
        for (size_t i = 0; i < imps->n; i++) {
            const doc_node *fn = import_file_node(imps->items[i]);
            if (!fn || !doc_is_str(fn))
                err_at(k, imps->items[i], "tosca.import.shape", doc_ptr_index(&k->arena, "/imports", i),
                       "an import is a file name or a map with 'file:'");
        }
    for (int s = 0; s < TK_COUNT; s++) {
        const doc_node *sec = doc_map_get(root, section_names[s]);
        if (sec && !doc_is_null(sec)) expect_kind(k, sec, DOC_MAP, section_names[s], P(k, "", section_names[s]));
    }
}

static void check_requirements(chk *k, const doc_node *tpl, const ttype *t, const char *name,
                               const char *ptr)
{
    const defs rd = *cached(k->s, t, SEC_REQUIREMENTS);
    size_t *count = mk_xcalloc(rd.n ? rd.n : 1, sizeof *count);
    const doc_node *reqs = doc_map_get(tpl, "requirements");
    const char *rp = P(k, ptr, "requirements");
    if (reqs && expect_kind(k, reqs, DOC_SEQ, "requirements", rp)) {
        for (size_t i = 0; i < reqs->n; i++) {
            const doc_node *it = reqs->items[i];
            const char *ip = doc_ptr_index(&k->arena, rp, i);
            if (it->kind != DOC_MAP || it->n != 1) {
                err_at(k, it, "tosca.shape", ip,
                       "each requirement is a map with one name: '- host: node-name'");
                continue;
            }
            const char *rname = it->pairs[0].key->text;
            const doc_node *val = it->pairs[0].val;
            ip = P(k, ip, rname);
            size_t idx = rd.n;
            for (size_t j = 0; j < rd.n; j++)
                if (!strcmp(rd.names[j], rname)) idx = j;
            if (idx == rd.n) {
                diag *d = err_at(k, it->pairs[0].key, "tosca.requirement.unknown", ip,
                                 "node type %s has no requirement '%s'", t->name, rname);
                const char *sug = closest(rname, rd.names, rd.n);
                if (sug) diag_hint(d, "did you mean '%s'?", sug);
                continue;
            }
            count[idx]++;
            const doc_node *def = rd.defs[idx];
            const doc_node *tn = doc_is_scalar(val) ? val : doc_map_get(val, "node");
            if (val && val->kind == DOC_MAP) {
                static const char *const keys[] = {"node", "capability", "relationship",
                                                   "node_filter", "occurrences"};
                check_keys(k, val, keys, sizeof keys / sizeof *keys, "a requirement", ip);
                const doc_node *rel = doc_map_get(val, "relationship");
                const doc_node *relt = doc_is_scalar(rel) ? rel : doc_map_get(rel, "type");
                if (relt && !find_type(k->s, TK_REL, doc_str(relt)) &&
                    !doc_map_get(doc_map_get(k->tt, "relationship_templates"), doc_str(relt)))
                    unknown_type(k, TK_REL, relt, P(k, ip, "relationship"));
            }
            if (!tn || !doc_is_str(tn)) {
                if (!doc_map_get(val, "node_filter"))
                    err_at(k, val ? val : it, "tosca.requirement.target", ip,
                           "requirement '%s' names no node", rname);
                continue;
            }
            const doc_node *target = node_template(k, tn->text);
            const char *want = doc_str(doc_map_get(def, "node"));
            if (!target) {
                if (find_type(k->s, TK_NODE, tn->text)) continue; /* abstract: a type to match */
                diag *d = err_at(k, tn, "tosca.requirement.target", ip,
                                 "requirement '%s' of '%s' names '%s', which is not a node template",
                                 rname, name, tn->text);
                if (k->nodes && k->nodes->kind == DOC_MAP) {
                    const char **names = mk_xcalloc(k->nodes->n + 1, sizeof *names);
                    for (size_t j = 0; j < k->nodes->n; j++) names[j] = k->nodes->pairs[j].key->text;
                    const char *sug = closest(tn->text, names, k->nodes->n);
                    if (sug) diag_hint(d, "did you mean '%s'?", sug);
                    free(names);
                }
                continue;
            }
            const char *ttype_name = doc_str(doc_map_get(target, "type"));
            if (want && ttype_name && find_type(k->s, TK_NODE, ttype_name) &&
                !derives(k->s, TK_NODE, ttype_name, want)) {
                err_at(k, tn, "tosca.requirement.type", ip,
                       "requirement '%s' needs a %s, but '%s' is a %s", rname, want, tn->text,
                       ttype_name);
                continue;
            }
            /* the target must offer the capability the requirement asks for */
            const char *capw = doc_is_str(def) ? doc_str(def) : doc_str(doc_map_get(def, "capability"));
            const ttype *tt = ttype_name ? find_type(k->s, TK_NODE, ttype_name) : NULL;
            if (capw && tt && find_type(k->s, TK_CAP, capw)) {
                const defs *caps = cached(k->s, tt, SEC_CAPABILITIES);
                int ok = defs_get(caps, capw, NULL) != NULL;
                for (size_t j = 0; j < caps->n && !ok; j++) {
                    const doc_node *cd = caps->defs[j];
                    const char *ct = doc_is_scalar(cd) ? doc_str(cd) : doc_str(doc_map_get(cd, "type"));
                    ok = ct && derives(k->s, TK_CAP, ct, capw);
                }
                if (!ok)
                    err_at(k, tn, "tosca.requirement.capability", ip,
                           "requirement '%s' needs the capability %s, which '%s' (%s) does not offer",
                           rname, capw, tn->text, ttype_name);
            }
        }
    }
    for (size_t j = 0; j < rd.n; j++) {
        const doc_node *occ = doc_map_get(rd.defs[j], "occurrences");
        long long lo = 1, hi = 1;
        int declared = 0;
        if (occ && occ->kind == DOC_SEQ && occ->n == 2 && doc_is_scalar(occ->items[0]) &&
            occ->items[0]->type == DOC_T_INT) {
            declared = 1;
            lo = occ->items[0]->v.i;
            hi = occ->items[1]->type == DOC_T_INT ? occ->items[1]->v.i : -1;
        }
        if (hi >= 0 && (long long)count[j] > hi)
            err_at(k, reqs, "tosca.requirement.occurrences", rp,
                   "requirement '%s' is given %zu times; %s allows at most %lld", rd.names[j],
                   count[j], t->name, hi);
        if ((long long)count[j] < lo) {
            if (declared)
                err_at(k, doc_map_get(k->nodes, name) ? doc_map_pair(k->nodes, name)->key : tpl,
                       "tosca.requirement.occurrences", rp,
                       "requirement '%s' is needed at least %lld times, given %zu", rd.names[j],
                       lo, count[j]);
            else
                diag_hint(warn_at(k, doc_map_pair(k->nodes, name)->key, "tosca.requirement.missing",
                                  rp, "node '%s' does not fill its requirement '%s'", name,
                                  rd.names[j]),
                          "add '- %s: <node>' under requirements:, or the orchestrator must find one",
                          rd.names[j]);
        }
    }
    free(count);
}

static void check_capabilities(chk *k, const doc_node *tpl, const ttype *t, const char *ptr,
                               const doc_node *self)
{
    const doc_node *caps = doc_map_get(tpl, "capabilities");
    const char *cp = P(k, ptr, "capabilities");
    if (!caps || !expect_kind(k, caps, DOC_MAP, "capabilities", cp)) return;
    const defs cd = *cached(k->s, t, SEC_CAPABILITIES);
    for (size_t i = 0; i < caps->n; i++) {
        const char *cname = caps->pairs[i].key->text;
        const doc_node *ca = caps->pairs[i].val;
        const char *ip = P(k, cp, cname);
        const doc_node *def = defs_get(&cd, cname, NULL);
        if (!def) {
            diag *d = err_at(k, caps->pairs[i].key, "tosca.capability.unknown", ip,
                             "node type %s has no capability '%s'", t->name, cname);
            const char *sug = closest(cname, cd.names, cd.n);
            if (sug) diag_hint(d, "did you mean '%s'?", sug);
            continue;
        }
        if (!ca || doc_is_null(ca)) continue;
        if (!expect_kind(k, ca, DOC_MAP, "a capability assignment", ip)) continue;
        static const char *const keys[] = {"properties", "attributes", "occurrences"};
        check_keys(k, ca, keys, sizeof keys / sizeof *keys, "a capability assignment", ip);
        const char *ctn = doc_is_scalar(def) ? doc_str(def) : doc_str(doc_map_get(def, "type"));
        const ttype *ct = find_type(k->s, TK_CAP, ctn);
        if (!ct) continue;
        char what[300];
        snprintf(what, sizeof what, "capability '%s' (%s)", cname, ct->name);
        const doc_node *props = doc_map_get(ca, "properties");
        check_properties(k, cached(k->s, ct, SEC_PROPERTIES), props, props ? props : ca,
                         P(k, ip, "properties"), what, self, 0);
    }
}

static void check_interfaces(chk *k, const doc_node *tpl, const ttype *t, const char *ptr,
                             const doc_node *self)
{
    const doc_node *ifs = doc_map_get(tpl, "interfaces");
    const char *ip = P(k, ptr, "interfaces");
    if (!ifs || !expect_kind(k, ifs, DOC_MAP, "interfaces", ip)) return;
    const defs id = *cached(k->s, t, SEC_INTERFACES);
    for (size_t i = 0; i < ifs->n; i++) {
        const char *iname = ifs->pairs[i].key->text;
        if (!defs_get(&id, iname, NULL)) {
            diag *d = err_at(k, ifs->pairs[i].key, "tosca.interface.unknown", P(k, ip, iname),
                             "node type %s has no interface '%s'", t->name, iname);
            const char *sug = closest(iname, id.names, id.n);
            if (sug) diag_hint(d, "did you mean '%s'?", sug);
            continue;
        }
        check_value_functions(k, ifs->pairs[i].val, P(k, ip, iname), self);
    }
}

static const char *const modak_sections[] = {"job_options", "application", "target", "optimisation"};

/* SODALITE's MODAK job and modak's AI-training node carry MODAK job-document sections:
 * those are checked with the job-document rules instead of TOSCA's. Returns 1 when the
 * property was handled here. */
static int check_modak_property(chk *k, const doc_node *tpl, int is_sodalite_job, int is_ai,
                                const char *pname, const doc_node *v, const char *pp,
                                const char *nodename)
{
    int is_section = 0;
    for (size_t i = 0; i < 4; i++) is_section |= !strcmp(pname, modak_sections[i]);
    if (!is_section || (!is_sodalite_job && !(is_ai && !strcmp(pname, "optimisation")))) return 0;
    if (doc_is_null(v) || function_name(v)) return 0;
    if (is_sodalite_job && v->kind == DOC_MAP) {
        /* one warning per node, at its first section */
        int first = 1;
        for (size_t i = 0; i < 4; i++) {
            if (!strcmp(modak_sections[i], pname)) break;
            if (doc_map_get(doc_map_get(tpl, "properties"), modak_sections[i])) first = 0;
        }
        if (first)
            diag_hint(warn_at(k, v, "tosca.sodalite-modak-quirk", pp,
                              "node '%s': %s declares its MODAK sections as maps of whole data "
                              "types, which strict TOSCA readers (tosca-parser) reject; modak "
                              "reads them as the flat maps SODALITE meant and checks them with "
                              "the job-document rules",
                              nodename, "sodalite.nodes.modak.job"),
                      "use modak.nodes.ModakJob from modak-types.yaml (modak optimise emits it)");
    }
    if (!k->c->check_section) return 1;
    if (v->kind == DOC_SCALAR && v->type == DOC_T_STR) {
        /* the SODALITE IDE hands the DSL over as a JSON string */
        mk_err e;
        mk_err_clear(&e);
        doc *j = doc_read_json(v->mark.file ? v->mark.file : "", v->text, v->len, &k->c->limits, &e);
        if (!j) {
            err_at(k, v, "dsl.syntax", pp, "%s holds a string that is not valid JSON: %s (line %d "
                   "column %d of the string)", pname, e.msg, e.line, e.col);
            return 1;
        }
        /* positions inside the string: shift them onto the blueprint */
        size_t before = k->out->n;
        k->c->check_section(pname, j->root, pp, k->out);
        for (size_t i = before; i < k->out->n; i++) {
            diag *d = &k->out->v[i];
            d->line = v->mark.line;
            d->col = v->mark.col;
        }
        doc_free(j);
        return 1;
    }
    if (v->kind != DOC_MAP) {
        err_at(k, v, "tosca.property.type", pp,
               "%s must be a map (or a JSON string of one), not a %s", pname, doc_kind_name(v));
        return 1;
    }
    k->c->check_section(pname, v, pp, k->out);
    return 1;
}

static void check_node(chk *k, const char *name, const doc_node *tpl, const char *ptr)
{
    static const char *const keys[] = {"type",         "description", "metadata",   "directives",
                                       "properties",   "attributes",  "requirements",
                                       "capabilities", "interfaces",  "artifacts",  "node_filter",
                                       "copy"};
    if (!expect_kind(k, tpl, DOC_MAP, "a node template", ptr)) return;
    check_keys(k, tpl, keys, sizeof keys / sizeof *keys, "a node template", ptr);
    const doc_node *tn = doc_map_get(tpl, "type");
    if (!tn) {
        err_at(k, tpl, "tosca.node.type", ptr, "node template '%s' has no type", name);
        return;
    }
    const ttype *t = find_type(k->s, TK_NODE, doc_str(tn));
    if (!t) {
        unknown_type(k, TK_NODE, tn, P(k, ptr, "type"));
        return;
    }
    /* properties */
    const defs pd = *cached(k->s, t, SEC_PROPERTIES);
    const int is_sodalite_job = derives(k->s, TK_NODE, t->name, "sodalite.nodes.modak.job");
    const int is_ai = derives(k->s, TK_NODE, t->name, "modak.nodes.AITraining");
    const doc_node *props = doc_map_get(tpl, "properties");
    const char *pp = P(k, ptr, "properties");
    if (props && !doc_is_null(props) && expect_kind(k, props, DOC_MAP, "properties", pp)) {
        for (size_t i = 0; i < props->n; i++) {
            const char *pname = props->pairs[i].key->text;
            const doc_node *v = props->pairs[i].val;
            const char *vp = P(k, pp, pname);
            const doc_node *def = defs_get(&pd, pname, NULL);
            if (!def) {
                diag *d = err_at(k, props->pairs[i].key, "tosca.property.unknown", vp,
                                 "unknown property '%s' of node type %s", pname, t->name);
                if (!strcmp(pname, "optimisation") || !strcmp(pname, "optimization"))
                    diag_hint(d, "an optimisation spec belongs to a modak.nodes.AITraining node: "
                                 "import modak-types.yaml and use that type (it derives from %s)",
                              "sodalite.nodes.batch.Container.Application");
                else {
                    const char *sug = closest(pname, pd.names, pd.n);
                    if (sug) diag_hint(d, "did you mean '%s'?", sug);
                }
                continue;
            }
            if ((is_sodalite_job || is_ai) &&
                check_modak_property(k, tpl, is_sodalite_job, is_ai, pname, v, vp, name))
                continue;
            const char *type = doc_str(doc_map_get(def, "type"));
            check_value(k, type ? type : "any", def, v, vp, tpl, 0);
        }
        const doc_node *jo = doc_map_get(props, "job_options"), *app = doc_map_get(props, "application");
        if (is_sodalite_job && k->c->check_cross && jo && app && jo->kind == DOC_MAP &&
            app->kind == DOC_MAP)
            k->c->check_cross(jo, P(k, pp, "job_options"), app, P(k, pp, "application"), k->out);
    }
    for (size_t i = 0; i < pd.n; i++) {
        const doc_node *def = pd.defs[i];
        if (!prop_required(def) || doc_map_get(def, "default")) continue;
        if (props && doc_map_pair(props, pd.names[i])) continue;
        diag_hint(err_at(k, doc_map_pair(k->nodes, name)->key, "tosca.property.required", pp,
                         "node '%s' (%s) is missing its required property '%s'", name, t->name,
                         pd.names[i]),
                  "set it under properties:");
    }
    /* attributes: known names; values are checked leniently (they are runtime state) */
    const doc_node *attrs = doc_map_get(tpl, "attributes");
    const char *ap = P(k, ptr, "attributes");
    if (attrs && expect_kind(k, attrs, DOC_MAP, "attributes", ap)) {
        const defs *ad = cached(k->s, t, SEC_ATTRIBUTES);
        for (size_t i = 0; i < attrs->n; i++) {
            const char *an = attrs->pairs[i].key->text;
            if (!defs_get(ad, an, NULL) && !defs_get(&pd, an, NULL))
                warn_at(k, attrs->pairs[i].key, "tosca.attribute.unknown", P(k, ap, an),
                        "node type %s declares no attribute '%s'", t->name, an);
            check_value_functions(k, attrs->pairs[i].val, P(k, ap, an), tpl);
        }
    }
    check_capabilities(k, tpl, t, ptr, tpl);
    check_requirements(k, tpl, t, name, ptr);
    check_interfaces(k, tpl, t, ptr, tpl);
}

/* Marks every input named by a get_input anywhere under n. */
static void mark_used_inputs(const doc_node *n, const doc_node *inputs, unsigned char *used,
                             int depth)
{
    if (!n || depth > 128) return;
    if (n->kind == DOC_MAP) {
        for (size_t i = 0; i < n->n; i++) {
            if (!strcmp(n->pairs[i].key->text, "get_input")) {
                const doc_node *a = n->pairs[i].val;
                if (a && a->kind == DOC_SEQ && a->n) a = a->items[0];
                for (size_t j = 0; doc_is_scalar(a) && j < inputs->n; j++)
                    if (!strcmp(inputs->pairs[j].key->text, a->text)) used[j] = 1;
            }
            mark_used_inputs(n->pairs[i].val, inputs, used, depth + 1);
        }
    } else if (n->kind == DOC_SEQ) {
        for (size_t i = 0; i < n->n; i++) mark_used_inputs(n->items[i], inputs, used, depth + 1);
    }
}

/* Records in f the names of every get_input under n (type files refer to inputs too). */
static void collect_input_refs(const doc_node *n, tfile *f, int depth)
{
    if (!n || depth > 128) return;
    if (n->kind == DOC_MAP) {
        for (size_t i = 0; i < n->n; i++) {
            if (!strcmp(n->pairs[i].key->text, "get_input")) {
                const doc_node *a = n->pairs[i].val;
                if (a && a->kind == DOC_SEQ && a->n) a = a->items[0];
                if (doc_is_scalar(a)) {
                    f->input_refs =
                        mk_xrealloc(f->input_refs, (f->ninput_refs + 1) * sizeof *f->input_refs);
                    f->input_refs[f->ninput_refs++] = a->text;
                }
            }
            collect_input_refs(n->pairs[i].val, f, depth + 1);
        }
    } else if (n->kind == DOC_SEQ) {
        for (size_t i = 0; i < n->n; i++) collect_input_refs(n->items[i], f, depth + 1);
    }
}

static void check_topology(chk *k, const doc_node *tt)
{
    static const char *const keys[] = {"description",   "inputs",         "node_templates",
                                       "relationship_templates", "groups", "policies",
                                       "outputs",       "substitution_mappings", "workflows"};
    if (!expect_kind(k, tt, DOC_MAP, "topology_template", "/topology_template")) return;
    check_keys(k, tt, keys, sizeof keys / sizeof *keys, "topology_template", "/topology_template");
    k->tt = tt;
    k->inputs = doc_map_get(tt, "inputs");
    k->nodes = doc_map_get(tt, "node_templates");
    k->in_template = 1;
    const char *ip = "/topology_template/inputs";
    if (k->inputs && expect_kind(k, k->inputs, DOC_MAP, "inputs", ip)) {
        check_propdefs(k, k->inputs, ip, 1);
        unsigned char *used = mk_xcalloc(k->inputs->n + 1, 1);
        mark_used_inputs(tt, k->inputs, used, 0);
        for (size_t i = 0; i < k->s->n; i++) {
            tfile *f = k->s->files[i];
            if (f == k->s->root) continue;
            if (!f->refs_done) {
                collect_input_refs(doc_map_get(f->d->root, "node_types"), f, 0);
                f->refs_done = 1;
            }
            for (size_t r = 0; r < f->ninput_refs; r++)
                for (size_t j = 0; j < k->inputs->n; j++)
                    if (!strcmp(k->inputs->pairs[j].key->text, f->input_refs[r])) used[j] = 1;
        }
        for (size_t i = 0; i < k->inputs->n; i++)
            if (!used[i])
                warn_at(k, k->inputs->pairs[i].key, "tosca.input.unused",
                        P(k, ip, k->inputs->pairs[i].key->text), "input '%s' is never used",
                        k->inputs->pairs[i].key->text);
        free(used);
    } else
        k->inputs = NULL;
    const char *np = "/topology_template/node_templates";
    if (!k->nodes) {
        warn_at(k, tt, "tosca.topology.empty", np, "topology_template has no node_templates");
    } else if (expect_kind(k, k->nodes, DOC_MAP, "node_templates", np)) {
        for (size_t i = 0; i < k->nodes->n; i++)
            check_node(k, k->nodes->pairs[i].key->text, k->nodes->pairs[i].val,
                       P(k, np, k->nodes->pairs[i].key->text));
    } else
        k->nodes = NULL;
    const doc_node *outs = doc_map_get(tt, "outputs");
    const char *op = "/topology_template/outputs";
    if (outs && expect_kind(k, outs, DOC_MAP, "outputs", op))
        for (size_t i = 0; i < outs->n; i++) {
            const doc_node *o = outs->pairs[i].val;
            const char *pp = P(k, op, outs->pairs[i].key->text);
            if (!expect_kind(k, o, DOC_MAP, "an output", pp)) continue;
            static const char *const okeys[] = {"description", "value", "type", "status"};
            check_keys(k, o, okeys, sizeof okeys / sizeof *okeys, "an output", pp);
            if (!doc_map_get(o, "value"))
                err_at(k, o, "tosca.output.value", pp, "output '%s' has no value",
                       outs->pairs[i].key->text);
            check_value_functions(k, doc_map_get(o, "value"), P(k, pp, "value"), NULL);
        }
    k->in_template = 0;
}

int tosca_is_tosca(const doc_node *root)
{
    return doc_map_get(root, "tosca_definitions_version") != NULL;
}

static void check_file_types(tosca_ctx *c, tfile *f, diag_list *out)
{
    if (f->checked) return;
    f->checked = 1;
    for (size_t i = 0; i < f->nimports; i++) check_file_types(c, f->imports[i], out);
    if (f->is_builtin) return;
    tosca_scope *s = scope_new(c, f);
    chk k = {0};
    k.c = c;
    k.s = s;
    k.out = out;
    mk_arena_init(&k.arena);
    if (f->d->root && f->d->root->kind == DOC_MAP) {
        check_top(&k, f->d->root);
        check_types_of(&k, f);
    } else {
        err_at(&k, f->d->root, "tosca.shape", "", "a TOSCA file is a map");
    }
    mk_arena_fini(&k.arena);
    tosca_scope_free(s);
}

tosca_scope *tosca_open(tosca_ctx *c, doc *d, diag_list *out)
{
    size_t errors0 = out->errors;
    struct stat st;
    tfile *f = find_loaded_path(c, d->file, &st);
    int fresh = !f;
    if (f) {
        doc_free(d); /* already read as an import of an earlier file */
    } else {
        char *dir = mk_path_dirname(d->file);
        f = add_file(c, d->file, dir, d, 0);
        f->dev = st.st_dev;
        f->ino = st.st_ino;
        free(dir);
        load_imports(c, f, out);
    }
    check_file_types(c, f, out);
    tosca_scope *s = scope_new(c, f);
    s->drop_root = fresh;
    const doc_node *tt = doc_map_get(f->d->root, "topology_template");
    if (tt) {
        chk k = {0};
        k.c = c;
        k.s = s;
        k.out = out;
        mk_arena_init(&k.arena);
        check_topology(&k, tt);
        mk_arena_fini(&k.arena);
    }
    if (out->errors > errors0) {
        tosca_scope_free(s);
        return NULL;
    }
    return s;
}

void tosca_check(tosca_ctx *c, doc *d, diag_list *out)
{
    tosca_scope_free(tosca_open(c, d, out));
}

/* ---- the files of a scope, for writing a self-contained copy ---- */

const tosca_file *tosca_scope_file(const tosca_scope *s)
{
    return (const tosca_file *)s->root;
}

size_t tosca_file_nimports(const tosca_file *f)
{
    return ((const tfile *)f)->nimports;
}

const tosca_file *tosca_file_import(const tosca_file *f, size_t i, const char **name)
{
    const tfile *t = (const tfile *)f;
    if (name) *name = t->import_names[i];
    return (const tosca_file *)t->imports[i];
}

const char *tosca_file_path(const tosca_file *f)
{
    const tfile *t = (const tfile *)f;
    return t->is_builtin ? NULL : t->key;
}

const char *tosca_file_text(const tosca_file *f, size_t *len)
{
    const tfile *t = (const tfile *)f;
    *len = t->d->text_len;
    return t->d->text;
}
