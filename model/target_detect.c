/* target_detect — describes this machine as a target.
 *
 * Topology comes from hwloc's XML (a file, or `lstopo-no-graphics --of xml -` when it is
 * installed), else from /proc and /sys; the micro-architecture from /proc/cpuinfo's ISA
 * flags (microarch.c); GPUs from `nvidia-smi -q -x` XML (a file, or the tool when present).
 *
 * XML is read with libxml2 with XML_PARSE_NONET and without XML_PARSE_NOENT or
 * XML_PARSE_DTDLOAD, so no entity is ever substituted and no DTD or external entity is
 * ever fetched; a document that declares entities at all is refused, so an XXE or
 * "billion laughs" file is an error rather than something half-read. hwloc 2 makes a
 * NUMANode a memory child of its package rather than an ancestor of its cores: cores are
 * matched to NUMA nodes by cpuset. */
#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <libxml/entities.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "mk_fs.h"
#include "target_detect.h"

#define XML_MAX_BYTES (64u << 20)

/* ---- safe XML ---------------------------------------------------------------------------- */

static int xml_err(mk_err *err, const char *name, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int xml_err(mk_err *err, const char *name, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = mk_err_vset(err, MK_EINVAL, name, line, 0, fmt, ap);
    va_end(ap);
    return rc;
}

xmlDocPtr target_xml_read(const char *name, const char *text, size_t len, mk_err *err)
{
    if (len > XML_MAX_BYTES || len > (size_t)INT32_MAX) {
        mk_err_set(err, MK_ELIMIT, name, 0, 0, "XML file over %u bytes", XML_MAX_BYTES);
        return NULL;
    }
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        mk_err_set(err, MK_ENOMEM, name, 0, 0, "out of memory");
        return NULL;
    }
    /* NONET: never fetch; no NOENT: never substitute entities; no DTDLOAD/DTDATTR: never
     * read a DTD; NOERROR/NOWARNING: libxml2 must not print (errors come back as values). */
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, text, (int)len, name, NULL, opts);
    if (!doc) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        char msg[512] = "not well-formed XML";
        if (e && e->message) {
            snprintf(msg, sizeof msg, "malformed XML: %s", e->message);
            size_t l = strlen(msg);
            while (l && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
                msg[--l] = 0;
        }
        mk_err_set(err, MK_EINVAL, name, e ? e->line : 0, e ? e->int2 : 0, "%s", msg);
        xmlFreeParserCtxt(ctxt);
        return NULL;
    }
    xmlFreeParserCtxt(ctxt);
    xmlDtdPtr dtd = doc->intSubset;
    if (dtd && (dtd->entities || dtd->pentities)) {
        /* Find a declared entity's name for the message. */
        const char *ent = "?";
        for (xmlNodePtr n = dtd->children; n; n = n->next)
            if (n->type == XML_ENTITY_DECL) { /* an xmlEntity: only its name is read */
                ent = (const char *)((xmlEntityPtr)n)->name;
                break;
            }
        mk_err_set(err, MK_EINVAL, name, 0, 0,
                   "the XML declares entities (<!ENTITY %s ...>); modak never resolves "
                   "entities, and hwloc and nvidia-smi never write them",
                   ent);
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

static const char *attr(xmlNodePtr n, const char *name)
{
    /* libxml2 keeps attribute values as text children; without NOENT an entity reference
     * inside one would be a separate node — the document has none (checked above). */
    for (xmlAttrPtr a = n->properties; a; a = a->next)
        if (!strcmp((const char *)a->name, name) && a->children &&
            a->children->type == XML_TEXT_NODE)
            return (const char *)a->children->content;
    return NULL;
}

static int is_el(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (is_el(c, name)) return c;
    return NULL;
}

/* The text of an element (its first text child), trimmed into buf. */
static const char *text_of(xmlNodePtr n, char *buf, size_t size)
{
    buf[0] = 0;
    if (!n) return NULL;
    for (xmlNodePtr c = n->children; c; c = c->next)
        if (c->type == XML_TEXT_NODE && c->content) {
            const char *s = (const char *)c->content;
            while (isspace((unsigned char)*s))
                s++;
            snprintf(buf, size, "%s", s);
            size_t l = strlen(buf);
            while (l && isspace((unsigned char)buf[l - 1]))
                buf[--l] = 0;
            return buf;
        }
    return NULL;
}

/* ---- cpusets ----------------------------------------------------------------------------- */

#define SET_WORDS 128 /* 8192 PUs */
typedef struct cpuset {
    uint64_t w[SET_WORDS];
} cpuset;

/* hwloc's bitmap syntax: comma-separated 32-bit hex words, most significant first;
 * "0xf...f" sets every bit from there up. */
static int cpuset_parse(const char *s, cpuset *out)
{
    memset(out, 0, sizeof *out);
    if (!s) return -1;
    const char *words[SET_WORDS * 2 + 1];
    size_t n = 0;
    for (const char *p = s; *p && n < sizeof words / sizeof *words;) {
        words[n++] = p;
        const char *c = strchr(p, ',');
        if (!c) break;
        p = c + 1;
    }
    for (size_t i = 0; i < n; i++) {
        const char *w = words[i];
        size_t idx = n - 1 - i; /* 32-bit word index */
        if (!strncmp(w, "0xf...f", 7)) {
            for (size_t b = idx * 32; b < SET_WORDS * 64; b++)
                out->w[b / 64] |= 1ull << (b % 64);
            continue;
        }
        if (strncmp(w, "0x", 2)) return -1;
        char *end;
        unsigned long long v = strtoull(w + 2, &end, 16);
        if (end == w + 2 || (*end && *end != ',') || v > 0xffffffffull) return -1;
        if (idx * 32 >= SET_WORDS * 64) continue;
        out->w[idx / 2] |= (uint64_t)v << (32 * (idx % 2));
    }
    return 0;
}

static int cpuset_count(const cpuset *s)
{
    int n = 0;
    for (int i = 0; i < SET_WORDS; i++)
        n += __builtin_popcountll(s->w[i]);
    return n;
}

static int cpuset_subset(const cpuset *a, const cpuset *b) /* a ⊆ b, a non-empty */
{
    int any = 0;
    for (int i = 0; i < SET_WORDS; i++) {
        if (a->w[i] & ~b->w[i]) return 0;
        any |= a->w[i] != 0;
    }
    return any;
}

static char *cpuset_list(target *t, const cpuset *s)
{
    mk_buf b;
    mk_buf_init(&b);
    for (int i = 0; i < SET_WORDS * 64;) {
        if (!(s->w[i / 64] >> (i % 64) & 1)) {
            i++;
            continue;
        }
        int j = i;
        while (j + 1 < SET_WORDS * 64 && (s->w[(j + 1) / 64] >> ((j + 1) % 64) & 1))
            j++;
        if (j == SET_WORDS * 64 - 1) { /* an infinite set: stop */
            mk_buf_printf(&b, "%s%d-", b.len ? "," : "", i);
            break;
        }
        if (j > i)
            mk_buf_printf(&b, "%s%d-%d", b.len ? "," : "", i, j);
        else
            mk_buf_printf(&b, "%s%d", b.len ? "," : "", i);
        i = j + 1;
    }
    char *r = mk_arena_strdup(&t->arena, b.s ? b.s : "");
    mk_buf_fini(&b);
    return r;
}

/* ---- hwloc ------------------------------------------------------------------------------- */

typedef struct hw {
    target *t;
    const char *file;
    mk_err *err;
    int packages, cores, pus;
    cpuset *core_sets;
    size_t ncore_sets, cap_core_sets;
    cpuset numa_sets[TARGET_MAX_NUMA];
    double machine_memory;
} hw;

static int num_attr(hw *h, xmlNodePtr n, const char *name, int required, double *out)
{
    const char *v = attr(n, name);
    if (!v) {
        if (!required) return 0;
        return xml_err(h->err, h->file, n->line, "<object type=\"%s\">: missing attribute %s",
                       attr(n, "type"), name);
    }
    char *end;
    double x = strtod(v, &end);
    if (end == v || *end || x < 0)
        return xml_err(h->err, h->file, n->line,
                       "<object type=\"%s\">: attribute %s: '%s' is not a non-negative number",
                       attr(n, "type"), name, v);
    *out = x;
    return 0;
}

static int set_attr(hw *h, xmlNodePtr n, cpuset *s)
{
    const char *v = attr(n, "cpuset");
    if (!v)
        return xml_err(h->err, h->file, n->line, "<object type=\"%s\">: missing attribute cpuset",
                       attr(n, "type"));
    if (cpuset_parse(v, s))
        return xml_err(h->err, h->file, n->line,
                       "<object type=\"%s\">: attribute cpuset: '%s' is not an hwloc bitmap",
                       attr(n, "type"), v);
    return 0;
}

static void info_of(xmlNodePtr obj, const char *key, const char **out, target *t)
{
    for (xmlNodePtr c = obj->children; c; c = c->next)
        if (is_el(c, "info")) {
            const char *nm = attr(c, "name"), *val = attr(c, "value");
            if (nm && val && !strcmp(nm, key) && !*out) *out = target_strdup(t, val);
        }
}

static int add_cache(hw *h, xmlNodePtr n, const char *type)
{
    double size = 0, depth = 0, ctype = 0;
    if (num_attr(h, n, "cache_size", 1, &size) || num_attr(h, n, "depth", 1, &depth) ||
        num_attr(h, n, "cache_type", 0, &ctype))
        return -1;
    cpuset s;
    if (set_attr(h, n, &s)) return -1;
    const char *kind = ctype == 1 ? "data" : ctype == 2 ? "instruction" : "unified";
    if (!strcmp(type, "L1iCache")) kind = "instruction";
    target_cpu *c = &h->t->cpu;
    for (size_t i = 0; i < c->ncaches; i++)
        if (c->caches[i].level == (int)depth && !strcmp(c->caches[i].type, kind)) {
            c->caches[i].count++;
            return 0;
        }
    if (c->ncaches == TARGET_MAX_CACHES) return 0;
    target_cache *tc = &c->caches[c->ncaches++];
    tc->level = (int)depth;
    tc->type = kind;
    tc->size = size;
    tc->shared_by = cpuset_count(&s);
    tc->count = 1;
    return 0;
}

static int walk(hw *h, xmlNodePtr n, int depth)
{
    if (depth > 64) return xml_err(h->err, h->file, n->line, "objects nested too deeply");
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (!is_el(c, "object")) continue;
        const char *type = attr(c, "type");
        if (!type) return xml_err(h->err, h->file, c->line, "<object> without a type attribute");
        if (!strcmp(type, "Machine")) {
            info_of(c, "Architecture", &h->t->cpu.arch, h->t);
            double mem = 0;
            if (num_attr(h, c, "local_memory", 0, &mem)) return -1;
            h->machine_memory += mem;
        } else if (!strcmp(type, "Package")) {
            h->packages++;
            info_of(c, "CPUModel", &h->t->cpu.model, h->t);
            info_of(c, "CPUVendor", &h->t->cpu.vendor, h->t);
        } else if (!strcmp(type, "Core")) {
            if (h->ncore_sets == h->cap_core_sets) {
                h->cap_core_sets = h->cap_core_sets ? 2 * h->cap_core_sets : 64;
                h->core_sets = mk_xrealloc(h->core_sets, h->cap_core_sets * sizeof *h->core_sets);
            }
            if (set_attr(h, c, &h->core_sets[h->ncore_sets])) return -1;
            h->ncore_sets++;
            h->cores++;
        } else if (!strcmp(type, "PU")) {
            h->pus++;
        } else if (!strcmp(type, "NUMANode")) {
            if (h->t->nnuma == TARGET_MAX_NUMA)
                return xml_err(h->err, h->file, c->line, "more than %d NUMA nodes",
                               TARGET_MAX_NUMA);
            target_numa *nu = &h->t->numa[h->t->nnuma];
            double mem = 0, idx = (double)h->t->nnuma;
            if (num_attr(h, c, "local_memory", 0, &mem) || num_attr(h, c, "os_index", 0, &idx) ||
                set_attr(h, c, &h->numa_sets[h->t->nnuma]))
                return -1;
            nu->id = (int)idx;
            nu->memory = mem;
            h->t->nnuma++;
        } else if (strstr(type, "Cache")) {
            if (add_cache(h, c, type)) return -1;
        }
        if (walk(h, c, depth + 1)) return -1;
    }
    return 0;
}

int target_hwloc_parse(target *t, const char *name, const char *xml, size_t len, mk_err *err)
{
    xmlDocPtr doc = target_xml_read(name, xml, len, err);
    if (!doc) return -1;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    hw h = {.t = t, .file = name, .err = err};
    int rc = 0;
    if (!root || !is_el(root, "topology")) {
        rc = xml_err(err, name, root ? root->line : 0,
                     "not an hwloc topology: the root element is <%s>, not <topology>",
                     root ? (const char *)root->name : "(none)");
        goto cleanup;
    }
    t->cpu.ncaches = 0;
    t->nnuma = 0;
    if ((rc = walk(&h, root, 0))) goto cleanup;
    if (!h.cores || !h.pus) {
        rc = xml_err(err, name, root->line, "the topology has no Core or PU objects");
        goto cleanup;
    }
    t->cpu.sockets = h.packages ? h.packages : 1;
    t->cpu.cores = h.cores;
    t->cpu.threads = h.pus;
    double mem = 0;
    for (size_t i = 0; i < t->nnuma; i++) {
        mem += t->numa[i].memory;
        int cores = 0;
        for (size_t k = 0; k < h.ncore_sets; k++)
            cores += cpuset_subset(&h.core_sets[k], &h.numa_sets[i]);
        t->numa[i].cores = cores;
        t->numa[i].pus = cpuset_count(&h.numa_sets[i]);
        t->numa[i].cpus = cpuset_list(t, &h.numa_sets[i]);
    }
    t->memory = mem > 0 ? mem : h.machine_memory;
    /* caches: hwloc counts instances; sort by level then type for stable output */
    for (size_t i = 0; i < t->cpu.ncaches; i++)
        for (size_t j = i + 1; j < t->cpu.ncaches; j++) {
            target_cache *a = &t->cpu.caches[i], *b = &t->cpu.caches[j];
            if (b->level < a->level || (b->level == a->level && strcmp(b->type, a->type) < 0)) {
                target_cache tmp = *a;
                *a = *b;
                *b = tmp;
            }
        }
cleanup:
    free(h.core_sets);
    xmlFreeDoc(doc);
    return rc;
}

/* ---- nvidia-smi ---------------------------------------------------------------------------- */

static double pcie_lane_gbs(int gen)
{
    static const double lane[] = {0, 0.25, 0.5, 0.985, 1.969, 3.938, 7.563};
    return gen >= 1 && gen <= 6 ? lane[gen] : 0;
}

int target_nvsmi_parse(target *t, const char *name, const char *xml, size_t len, mk_err *err)
{
    xmlDocPtr doc = target_xml_read(name, xml, len, err);
    if (!doc) return -1;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    int rc = 0;
    if (!root || !is_el(root, "nvidia_smi_log")) {
        rc = xml_err(err, name, root ? root->line : 0,
                     "not nvidia-smi -q -x output: the root element is <%s>, not <nvidia_smi_log>",
                     root ? (const char *)root->name : "(none)");
        goto cleanup;
    }
    for (xmlNodePtr g = root->children; g; g = g->next) {
        if (!is_el(g, "gpu")) continue;
        char prod[256], buf[128];
        if (!text_of(child(g, "product_name"), prod, sizeof prod) || !*prod) {
            rc = xml_err(err, name, g->line, "<gpu>: missing <product_name>");
            goto cleanup;
        }
        /* one accelerator entry per product */
        target_accel *a = NULL;
        for (size_t i = 0; i < t->naccels; i++)
            if (!strcmp(t->accels[i].model, prod)) a = &t->accels[i];
        if (a) {
            a->count++;
            continue;
        }
        if (t->naccels == TARGET_MAX_ACCELS) {
            rc = xml_err(err, name, g->line, "more than %d kinds of GPU", TARGET_MAX_ACCELS);
            goto cleanup;
        }
        a = &t->accels[t->naccels];
        memset(a, 0, sizeof *a);
        if (target_accel_lookup(prod, a) != 0) {
            rc = xml_err(err, name, child(g, "product_name")->line,
                         "<product_name> '%s' is not in modak's accelerator catalogue: describe "
                         "it in a target file (peak_tflops, memory_gib, bandwidth_gbs)",
                         prod);
            goto cleanup;
        }
        t->naccels++;
        a->model = target_strdup(t, prod);
        a->vendor = "nvidia";
        a->count = 1;
        xmlNodePtr fb = child(child(g, "fb_memory_usage"), "total");
        if (text_of(fb, buf, sizeof buf)) {
            char *end;
            double v = strtod(buf, &end);
            while (*end == ' ')
                end++;
            if (end == buf || v <= 0 || (strcmp(end, "MiB") && strcmp(end, "GiB"))) {
                rc = xml_err(err, name, fb->line,
                             "<fb_memory_usage><total>: '%s' is not a size in MiB", buf);
                goto cleanup;
            }
            a->memory = v * (strcmp(end, "GiB") ? 1048576.0 : 1073741824.0);
        }
        xmlNodePtr link = child(child(g, "pci"), "pci_gpu_link_info");
        char gen[32], width[32];
        if (text_of(child(child(link, "pcie_gen"), "max_link_gen"), gen, sizeof gen) &&
            text_of(child(child(link, "link_widths"), "max_link_width"), width, sizeof width)) {
            int gn = atoi(gen), w = atoi(width);
            if (pcie_lane_gbs(gn) > 0 && w > 0) {
                a->link = mk_arena_printf(&t->arena, "pcie%d", gn);
                a->link_bandwidth = pcie_lane_gbs(gn) * w * 1e9;
            }
        }
    }
cleanup:
    xmlFreeDoc(doc);
    return rc;
}

/* ---- /proc and /sys ------------------------------------------------------------------------ */

static int read_small(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t k = fread(buf, 1, n - 1, f);
    fclose(f);
    buf[k] = 0;
    while (k && isspace((unsigned char)buf[k - 1]))
        buf[--k] = 0;
    return 0;
}

static int count_list(const char *list) /* "0-3,8" → 5 */
{
    int n = 0;
    for (const char *p = list; *p;) {
        char *end;
        long a = strtol(p, &end, 10), b = a;
        if (end == p) break;
        if (*end == '-') b = strtol(end + 1, &end, 10);
        n += (int)(b - a + 1);
        p = *end == ',' ? end + 1 : end;
        if (!*end || *end == '\n') break;
    }
    return n;
}

static void sysfs_topology(target *t)
{
    int pkgs[1024], npkg = 0, threads = 0;
    long pairs[8192];
    int npairs = 0;
    DIR *d = opendir("/sys/devices/system/cpu");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (strncmp(e->d_name, "cpu", 3) || !isdigit((unsigned char)e->d_name[3])) continue;
        char p[512], v[64];
        snprintf(p, sizeof p, "/sys/devices/system/cpu/%s/topology/physical_package_id", e->d_name);
        if (read_small(p, v, sizeof v)) continue;
        int pkg = atoi(v);
        snprintf(p, sizeof p, "/sys/devices/system/cpu/%s/topology/core_id", e->d_name);
        if (read_small(p, v, sizeof v)) continue;
        long pair = (long)pkg * 100000 + atol(v);
        threads++;
        int seen = 0;
        for (int i = 0; i < npairs; i++)
            seen |= pairs[i] == pair;
        if (!seen && npairs < 8192) pairs[npairs++] = pair;
        seen = 0;
        for (int i = 0; i < npkg; i++)
            seen |= pkgs[i] == pkg;
        if (!seen && npkg < 1024) pkgs[npkg++] = pkg;
    }
    if (d) closedir(d);
    if (threads) {
        t->cpu.threads = threads;
        t->cpu.cores = npairs;
        t->cpu.sockets = npkg ? npkg : 1;
    } else {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        t->cpu.threads = t->cpu.cores = n > 0 ? (int)n : 1;
        t->cpu.sockets = 1;
    }
    /* caches of cpu0 */
    t->cpu.ncaches = 0;
    for (int i = 0; i < 16 && t->cpu.ncaches < TARGET_MAX_CACHES; i++) {
        char p[256], lvl[16], type[32], size[32], shared[256];
        snprintf(p, sizeof p, "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
        if (read_small(p, lvl, sizeof lvl)) break;
        snprintf(p, sizeof p, "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
        read_small(p, type, sizeof type);
        snprintf(p, sizeof p, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        read_small(p, size, sizeof size);
        snprintf(p, sizeof p, "/sys/devices/system/cpu/cpu0/cache/index%d/shared_cpu_list", i);
        if (read_small(p, shared, sizeof shared)) shared[0] = 0;
        target_cache *c = &t->cpu.caches[t->cpu.ncaches++];
        c->level = atoi(lvl);
        c->type = !strcmp(type, "Data")          ? "data"
                  : !strcmp(type, "Instruction") ? "instruction"
                                                 : "unified";
        char *end;
        double sz = strtod(size, &end);
        c->size = sz * (*end == 'M' ? 1048576.0 : *end == 'K' ? 1024.0 : 1.0);
        c->shared_by = count_list(shared);
        if (c->shared_by > 0) c->count = t->cpu.threads / c->shared_by;
    }
    /* memory and NUMA */
    char buf[4096];
    FILE *f = fopen("/proc/meminfo", "r");
    if (f) {
        while (fgets(buf, sizeof buf, f))
            if (!strncmp(buf, "MemTotal:", 9)) t->memory = atof(buf + 9) * 1024;
        fclose(f);
    }
    t->nnuma = 0;
    for (int i = 0; i < 1024 && t->nnuma < TARGET_MAX_NUMA; i++) {
        char p[256], list[1024];
        snprintf(p, sizeof p, "/sys/devices/system/node/node%d/cpulist", i);
        if (read_small(p, list, sizeof list)) continue;
        target_numa *nu = &t->numa[t->nnuma++];
        nu->id = i;
        nu->cpus = target_strdup(t, list);
        nu->pus = count_list(list);
        snprintf(p, sizeof p, "/sys/devices/system/node/node%d/meminfo", i);
        if (read_small(p, buf, sizeof buf) == 0) {
            char *m = strstr(buf, "MemTotal:");
            if (m) nu->memory = atof(m + 9) * 1024;
        }
        nu->cores = t->cpu.threads ? nu->pus * t->cpu.cores / t->cpu.threads : 0;
    }
}

/* ---- running tools ------------------------------------------------------------------------- */

static int in_path(const char *tool)
{
    const char *path = getenv("PATH");
    if (!path) return 0;
    char *copy = mk_xstrdup(path), *save = NULL;
    int found = 0;
    for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
        char *p = mk_path_join(*dir ? dir : ".", tool);
        found = access(p, X_OK) == 0;
        free(p);
    }
    free(copy);
    return found;
}

/* Runs a fixed command line (no user input in it) and captures its stdout. */
static char *run_capture(const char *cmd, size_t *len)
{
    FILE *p = popen(cmd, "r");
    if (!p) return NULL;
    mk_buf b;
    mk_buf_init(&b);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0 && b.len < XML_MAX_BYTES)
        mk_buf_put(&b, chunk, n);
    int st = pclose(p);
    if (st != 0 || !b.len) {
        mk_buf_fini(&b);
        return NULL;
    }
    *len = b.len;
    return mk_buf_detach(&b);
}

/* ---- the whole detection ------------------------------------------------------------------- */

static void note(target *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(target *t, const char *fmt, ...)
{
    if (t->nassumptions == TARGET_MAX_LIST) return;
    va_list ap;
    va_start(ap, fmt);
    mk_buf b;
    mk_buf_init(&b);
    mk_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    t->assumptions[t->nassumptions++] = mk_arena_strdup(&t->arena, b.s);
    mk_buf_fini(&b);
}

static void source(target *t, const char *s)
{
    if (t->nsources < TARGET_MAX_LIST) t->sources[t->nsources++] = target_strdup(t, s);
}

/* The base frequency: "@ 2.40GHz" in Intel's model names, else /sys's base_frequency,
 * else /proc/cpuinfo's "cpu MHz" (the current clock). */
static void detect_frequency(target *t, const char *cpuinfo)
{
    const char *at = t->cpu.model ? strstr(t->cpu.model, "@ ") : NULL;
    if (at && strstr(at, "GHz")) {
        t->cpu.freq = atof(at + 2) * 1e9;
        note(t, "frequency: the base clock in the CPU's model name");
    }
    char v[64];
    if (!t->cpu.freq &&
        read_small("/sys/devices/system/cpu/cpu0/cpufreq/base_frequency", v, sizeof v) == 0) {
        t->cpu.freq = atof(v) * 1e3;
        note(t, "frequency: /sys cpufreq base_frequency");
    }
    if (read_small("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", v, sizeof v) == 0)
        t->cpu.freq_max = atof(v) * 1e3;
    if (!t->cpu.freq && cpuinfo) {
        const char *m = strstr(cpuinfo, "cpu MHz");
        if (m && (m = strchr(m, ':'))) {
            t->cpu.freq = atof(m + 1) * 1e6;
            note(t,
                 "frequency: /proc/cpuinfo 'cpu MHz' (%.0f MHz), the current clock; a "
                 "virtual machine may run faster (turbo) — `modak model calibrate` measures "
                 "the FLOP/s actually reached",
                 t->cpu.freq / 1e6);
        }
    }
    if (t->cpu.freq_max && t->cpu.freq_max < t->cpu.freq) t->cpu.freq_max = 0;
}

static void detect_software(target *t)
{
    if (in_path("sbatch"))
        t->scheduler = "slurm";
    else if (in_path("qsub"))
        t->scheduler = "torque";
    else
        t->scheduler = "none";
    static const char *const rts[] = {"singularity", "apptainer",    "docker",
                                      "podman",      "charliecloud", NULL};
    for (const char *const *r = rts; *r && t->nruntimes < TARGET_MAX_LIST; r++)
        if (in_path(!strcmp(*r, "charliecloud") ? "ch-run" : *r)) t->runtimes[t->nruntimes++] = *r;
}

target *target_detect(const target_detect_opts *o, mk_err *err)
{
    target_detect_opts def = {0};
    if (!o) o = &def;
    target *t = target_new();
    t->format = "detected";
    t->name = target_strdup(t, o->name ? o->name : "host");
    t->nodes = 1;
    char *cpuinfo = NULL, *xml = NULL;
    size_t len = 0;
    struct utsname u;
    const char *machine = o->machine;
    if (!machine) machine = uname(&u) == 0 ? u.machine : "unknown";
    char host[256] = "this machine";
    gethostname(host, sizeof host);
    host[sizeof host - 1] = 0;
    t->description = mk_arena_printf(&t->arena, "detected on %s by modak target detect", host);

    /* micro-architecture */
    const char *cpath = o->cpuinfo ? o->cpuinfo : "/proc/cpuinfo";
    if (mk_file_read(cpath, 8u << 20, &cpuinfo, &len, err) != 0) goto fail;
    source(t, o->cpuinfo ? o->cpuinfo : "/proc/cpuinfo (ISA flags)");
    microarch_host mh;
    if (o->microarch) {
        t->cpu.microarch = target_strdup(t, o->microarch);
        note(t, "micro-architecture given on the command line");
    } else {
        if (microarch_detect(cpuinfo, machine, &mh, err) != 0) goto fail;
        t->cpu.microarch = mh.best->name;
        if (*mh.model_name) t->cpu.model = target_strdup(t, mh.model_name);
        if (*mh.vendor) t->cpu.vendor = target_strdup(t, mh.vendor);
        if (mh.best != mh.strict)
            note(t,
                 "micro-architecture %s although the CPU does not report %s (flags that "
                 "virtual machines hide; archspec's strict answer is %s)",
                 mh.best->name, mh.missing, mh.strict->name);
    }

    /* topology */
    if (o->hwloc_xml) {
        if (mk_file_read(o->hwloc_xml, XML_MAX_BYTES, &xml, &len, err) != 0) goto fail;
        if (target_hwloc_parse(t, o->hwloc_xml, xml, len, err) != 0) goto fail;
        source(t, o->hwloc_xml);
    } else if (!o->no_tools && in_path("lstopo-no-graphics") &&
               (xml = run_capture("lstopo-no-graphics --of xml - 2>/dev/null", &len)) != NULL) {
        if (target_hwloc_parse(t, "lstopo-no-graphics --of xml", xml, len, err) != 0) goto fail;
        source(t, "lstopo-no-graphics --of xml (hwloc)");
    } else {
        sysfs_topology(t);
        source(t, "/sys/devices/system/cpu, /sys/devices/system/node, /proc/meminfo");
    }
    free(xml);
    xml = NULL;
    detect_frequency(t, cpuinfo);

    /* GPUs */
    if (o->nvidia_smi_xml) {
        if (mk_file_read(o->nvidia_smi_xml, XML_MAX_BYTES, &xml, &len, err) != 0) goto fail;
        if (target_nvsmi_parse(t, o->nvidia_smi_xml, xml, len, err) != 0) goto fail;
        source(t, o->nvidia_smi_xml);
    } else if (!o->no_tools && in_path("nvidia-smi") &&
               (xml = run_capture("nvidia-smi -q -x 2>/dev/null", &len)) != NULL) {
        if (target_nvsmi_parse(t, "nvidia-smi -q -x", xml, len, err) != 0) goto fail;
        source(t, "nvidia-smi -q -x");
    }
    free(xml);
    xml = NULL;
    if (!o->no_tools)
        detect_software(t);
    else
        t->scheduler = "none";
    if (!t->memory_bandwidth)
        note(t, "memory bandwidth not measured: `modak model calibrate` measures it");
    if (target_finish(t, "detected target", err) != 0) goto fail;
    free(cpuinfo);
    return t;
fail:
    free(cpuinfo);
    free(xml);
    target_free(t);
    return NULL;
}
