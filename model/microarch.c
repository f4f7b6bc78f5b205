/* microarch — lookups over the micro-architecture table, compiler flags per version, vector
 * facts, the OpenBLAS core type, and host detection from /proc/cpuinfo.
 *
 * Detection is archspec's: candidates are the table's rows of the host's family whose
 * vendor is the host's (or "generic") and whose required flags the host has; the best
 * generic level is found first and, when some vendor row descends from it, the deepest
 * such row (most ancestors, then most flags) wins. Virtual machines routinely hide a few
 * flags that are not instruction sets (flush_l1d is an MSR, pku needs the kernel to enable
 * it), which would make a Zen 4 guest look like a generic x86_64_v4; `best` forgives those,
 * `strict` does not, and both are reported. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "microarch.h"
#include "mk_buf.h"
#include "mk_fs.h"

/* Flags whose absence detection forgives (see above). */
static const char forgiven_flags[] = "flush_l1d pku";

const microarch *microarch_find(const char *name)
{
    if (!name) return NULL;
    for (size_t i = 0; i < microarch_table_len; i++)
        if (!strcmp(microarch_table[i].name, name)) return &microarch_table[i];
    return NULL;
}


const char *microarch_suggest(const char *name)
{
    if (!name) return NULL;
    const char *best = NULL;
    size_t bestd = (size_t)-1;
    for (size_t i = 0; i < microarch_table_len; i++) {
        size_t d = mk_edit_distance(name, microarch_table[i].name, 1);
        if (d < bestd) {
            bestd = d;
            best = microarch_table[i].name;
        }
    }
    return bestd <= 3 ? best : NULL;
}

static int seen(const microarch **v, size_t n, const microarch *m)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == m) return 1;
    return 0;
}

/* Appends m's ancestors to v (archspec: each parent, then that parent's ancestors). */
static void collect_ancestors(const microarch *m, const microarch **v, size_t *n, size_t cap)
{
    for (const char *const *p = m->parents; *p; p++) {
        const microarch *par = microarch_find(*p);
        if (!par) continue;
        if (!seen(v, *n < cap ? *n : cap, par)) {
            if (*n < cap) v[*n] = par;
            (*n)++;
        }
        collect_ancestors(par, v, n, cap);
    }
}

size_t microarch_ancestors(const microarch *m, const microarch **out, size_t cap)
{
    /* Collect into a scratch array big enough for the whole table, then copy. */
    const microarch *tmp[256];
    size_t n = 0;
    collect_ancestors(m, tmp, &n, sizeof tmp / sizeof *tmp);
    if (n > sizeof tmp / sizeof *tmp) n = sizeof tmp / sizeof *tmp;
    for (size_t i = 0; i < n && i < cap; i++)
        out[i] = tmp[i];
    return n;
}

int microarch_is_a(const microarch *m, const char *name)
{
    if (!m || !name) return 0;
    if (!strcmp(m->name, name)) return 1;
    const microarch *anc[256];
    size_t n = microarch_ancestors(m, anc, 256);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(anc[i]->name, name)) return 1;
    return 0;
}

const microarch *microarch_family(const microarch *m)
{
    /* archspec: the family is the root of the ancestry; follow the first parent up. */
    while (m && m->parents[0]) {
        const microarch *p = microarch_find(m->parents[0]);
        if (!p) break;
        m = p;
    }
    return m;
}

/* modak's vector facts: simd width and FMA pipes per core, from the vendors' optimisation
 * manuals (Intel 64 and IA-32 Architectures Optimization Reference Manual, AMD Software
 * Optimization Guides for family 17h/19h/1Ah, Arm Neoverse software optimisation guides,
 * Fujitsu A64FX microarchitecture manual). Rows not listed inherit from their nearest
 * ancestor that is. */
typedef struct vec_row {
    const char *name;
    int simd_bits, fma_units;
} vec_row;
static const vec_row vec_rows[] = {
    {"x86_64", 128, 1},      /* SSE2: one 128-bit add + one mul per cycle */
    {"sandybridge", 256, 1}, /* AVX: 256-bit add + mul ports, no FMA */
    {"haswell", 256, 2},     /* AVX2: two 256-bit FMA ports */
    {"x86_64_v3", 256, 2},
    {"mic_knl", 512, 2},
    {"skylake_avx512", 512, 2}, /* Xeon Gold 6xxx / Platinum: two 512-bit FMA units */
    {"cannonlake", 512, 1},
    {"icelake", 512, 2}, /* server parts (Xeon 83xx) have two */
    {"sapphirerapids", 512, 2},
    {"alderlake", 256, 2},
    {"x86_64_v4", 512, 1}, /* conservative: one 512-bit FMA per cycle */
    {"bulldozer", 128, 2},
    {"zen", 256, 1}, /* two 128-bit FMA pipes */
    {"zen2", 256, 2},
    {"zen3", 256, 2},
    {"zen4", 512, 1}, /* 512-bit ops issue as two 256-bit halves on two pipes */
    {"zen5", 512, 2},
    {"aarch64", 128, 1},
    {"cortex_a72", 128, 1},
    {"thunderx2", 128, 2},
    {"neoverse_n1", 128, 2},
    {"neoverse_n2", 128, 2},
    {"neoverse_v1", 256, 2}, /* SVE 256-bit, two pipes */
    {"neoverse_v2", 128, 4},
    {"a64fx", 512, 2},
    {"m1", 128, 4},
    {"ppc64le", 128, 2},
    {"power10le", 128, 4},
    {"ppc64", 128, 2},
    {"power10", 128, 4},
};

static int has_flag(const char *const *features, const char *f)
{
    for (const char *const *p = features; *p; p++)
        if (!strcmp(*p, f)) return 1;
    return 0;
}

microarch_vec microarch_vector(const microarch *m)
{
    microarch_vec v = {0};
    if (!m) return v;
    const microarch *chain[257];
    chain[0] = m;
    size_t n = 1 + microarch_ancestors(m, chain + 1, 256);
    for (size_t i = 0; i < n && !v.simd_bits; i++)
        for (size_t r = 0; r < sizeof vec_rows / sizeof *vec_rows; r++)
            if (!strcmp(vec_rows[r].name, chain[i]->name)) {
                v.simd_bits = vec_rows[r].simd_bits;
                v.fma_units = vec_rows[r].fma_units;
                v.from = vec_rows[r].name;
                break;
            }
    if (!v.simd_bits) return v;
    v.fp32 = 2.0 * v.fma_units * (v.simd_bits / 32);
    v.fp64 = v.fp32 / 2;
    /* bf16 / int8: dot-product instructions pack 2 (bf16) or 4 (int8) products per lane;
     * AMX tiles on Sapphire Rapids do 1024 bf16 / 2048 int8 ops per cycle per core. */
    if (has_flag(m->features, "amx_bf16"))
        v.bf16 = 1024;
    else if (has_flag(m->features, "avx512_bf16") || has_flag(m->features, "bf16"))
        v.bf16 = 2 * v.fp32;
    if (has_flag(m->features, "amx_int8"))
        v.int8 = 2048;
    else if (has_flag(m->features, "avx512_vnni") || has_flag(m->features, "avx_vnni") ||
             has_flag(m->features, "asimddp"))
        v.int8 = 4 * v.fp32;
    return v;
}

const char *microarch_openblas_core(const microarch *m)
{
    if (!m) return NULL;
    const microarch *fam = microarch_family(m);
    if (fam && !strcmp(fam->name, "x86_64")) {
        /* By the widest vector ISA: OpenBLAS's kernels are per ISA level, and Debian's
         * DYNAMIC_ARCH build may pick a slower one on CPUs newer than it knows. */
        if (has_flag(m->features, "avx512f") && has_flag(m->features, "avx512bw") &&
            has_flag(m->features, "avx512vl") && has_flag(m->features, "avx512dq"))
            return "SkylakeX";
        if (has_flag(m->features, "avx2") && has_flag(m->features, "fma"))
            return !strcmp(m->vendor, "AuthenticAMD") ? "Zen" : "Haswell";
        if (has_flag(m->features, "avx")) return "Sandybridge";
        if (has_flag(m->features, "sse4_2")) return "Nehalem";
        if (has_flag(m->features, "ssse3")) return "Core2";
        return "Prescott";
    }
    static const struct {
        const char *march, *core;
    } rows[] = {
        {"a64fx", "A64FX"},
        {"neoverse_v1", "NeoverseV1"},
        {"neoverse_n2", "NeoverseN2"},
        {"neoverse_v2", "NeoverseN2"},
        {"neoverse_n1", "NeoverseN1"},
        {"thunderx2", "ThunderX2T99"},
        {"cortex_a72", "CortexA72"},
        {"power10le", "POWER10"},
        {"power9le", "POWER9"},
        {"power8le", "POWER8"},
        {"power10", "POWER10"},
        {"power9", "POWER9"},
        {"power8", "POWER8"},
        {"aarch64", "ARMV8"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        if (microarch_is_a(m, rows[i].march)) return rows[i].core;
    return NULL;
}

/* Parses the leading dotted numbers of a version ("12.2.0-14" → {12,2,0}); returns count. */
static int parse_version(const char *s, long *v, int cap)
{
    int n = 0;
    while (n < cap && isdigit((unsigned char)*s)) {
        v[n++] = strtol(s, (char **)&s, 10);
        if (*s != '.') break;
        s++;
    }
    return n;
}

/* Compares version v (nv components) with bound b (nb): only b's components count. */
static int cmp_bound(const long *v, int nv, const long *b, int nb)
{
    for (int i = 0; i < nb; i++) {
        long x = i < nv ? v[i] : 0;
        if (x != b[i]) return x < b[i] ? -1 : 1;
    }
    return 0;
}

static int version_in(const char *range, const char *version)
{
    long v[8], lo[8], hi[8];
    int nv = parse_version(version, v, 8);
    if (!nv) return 0;
    const char *colon = strchr(range, ':');
    if (!colon) return 0;
    int nlo = parse_version(range, lo, 8);
    int nhi = parse_version(colon + 1, hi, 8);
    if (nlo && cmp_bound(v, nv, lo, nlo) < 0) return 0;
    if (nhi && cmp_bound(v, nv, hi, nhi) > 0) return 0;
    return 1;
}

static int knows_compiler(const microarch *m, const char *compiler)
{
    for (size_t i = 0; i < m->ncflags; i++)
        if (!strcmp(m->cflags[i].compiler, compiler)) return 1;
    return 0;
}

int microarch_cflags_for(const microarch *m, const char *compiler, const char *version, char *out,
                         size_t outsz, const char **warning, mk_err *err)
{
    if (warning) *warning = NULL;
    if (outsz) out[0] = 0;
    if (!knows_compiler(m, compiler)) {
        const microarch *anc[256];
        size_t n = microarch_ancestors(m, anc, 256);
        for (size_t i = 0; i < n; i++)
            if (knows_compiler(anc[i], compiler))
                return mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                                  "%s knows how to optimise up to '%s' in the %s family, not "
                                  "'%s'",
                                  compiler, anc[i]->name, microarch_family(m)->name, m->name);
        return mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                          "no optimisation flags are known for compiler '%s' on '%s'", compiler,
                          m->name);
    }
    mk_buf versions;
    mk_buf_init(&versions);
    for (size_t i = 0; i < m->ncflags; i++) {
        const microarch_cflags *c = &m->cflags[i];
        if (strcmp(c->compiler, compiler)) continue;
        if (!version_in(c->versions, version)) {
            mk_buf_printf(&versions, "%s%s", versions.len ? ", " : "", c->versions);
            continue;
        }
        mk_buf_fini(&versions);
        const char *name = c->name ? c->name : m->name;
        mk_buf b;
        mk_buf_init(&b);
        for (const char *p = c->flags ? c->flags : ""; *p;) {
            if (!strncmp(p, "{name}", 6)) {
                mk_buf_puts(&b, name);
                p += 6;
            } else {
                mk_buf_putc(&b, *p++);
            }
        }
        int rc = 0;
        if (b.len >= outsz)
            rc = mk_err_set(err, MK_EINTERNAL, NULL, 0, 0, "compiler flags too long");
        else
            memcpy(out, b.s, b.len + 1);
        mk_buf_fini(&b);
        if (warning) *warning = c->warnings;
        return rc;
    }
    int rc = mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                        "cannot produce an optimised binary for '%s' with %s %s (supported "
                        "versions: %s)",
                        m->name, compiler, version, versions.s ? versions.s : "");
    mk_buf_fini(&versions);
    return rc;
}

/* ---- detection ---------------------------------------------------------------------- */

static int word_in(const char *list, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = list; p && *p;) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *e = p;
        while (*e && *e != ' ' && *e != '\t' && *e != '\n')
            e++;
        if ((size_t)(e - p) == n && !strncmp(p, w, n)) return 1;
        p = e;
        if (*p == '\n') break;
    }
    return 0;
}

/* archspec's feature aliases plus /proc/cpuinfo's own spellings. */
static int host_has(const char *family, const char *flags, const char *f)
{
    if (word_in(flags, f)) return 1;
    if (!strcmp(f, "sse3")) return word_in(flags, "pni") || word_in(flags, "ssse3");
    if (!strcmp(f, "sse4.1")) return word_in(flags, "sse4_1");
    if (!strcmp(f, "sse4.2")) return word_in(flags, "sse4_2");
    if (!strcmp(f, "avx512"))
        return word_in(flags, "avx512f") || word_in(flags, "avx512vl") ||
               word_in(flags, "avx512bw") || word_in(flags, "avx512dq") ||
               word_in(flags, "avx512cd");
    if (!strcmp(f, "neon")) return !strcmp(family, "aarch64");
    if (!strcmp(f, "altivec") || !strcmp(f, "vsx") || !strcmp(f, "fma"))
        return !strncmp(family, "ppc64", 5);
    return 0;
}

static int rank_cmp(const microarch *a, const microarch *b)
{
    const microarch *tmp[256];
    size_t da = microarch_ancestors(a, tmp, 256), db = microarch_ancestors(b, tmp, 256);
    if (da != db) return da < db ? -1 : 1;
    size_t fa = 0, fb = 0;
    while (a->features[fa])
        fa++;
    while (b->features[fb])
        fb++;
    return fa < fb ? -1 : fa > fb ? 1 : 0;
}

static int candidate(const microarch *m, const char *family, const char *vendor, const char *flags,
                     const char *ignore, const char *cpupart, int generation)
{
    if (!microarch_is_a(m, family)) return 0;
    if (strcmp(m->vendor, "generic") && (!vendor || strcmp(m->vendor, vendor))) return 0;
    if (m->cpupart && cpupart && *cpupart && strcmp(m->cpupart, cpupart)) return 0;
    if (m->generation && generation && m->generation > generation) return 0;
    for (const char *const *f = m->features; *f; f++)
        if (!host_has(family, flags, *f) && !(ignore && word_in(ignore, *f))) return 0;
    return 1;
}

static const microarch *match_gen(const char *family, const char *vendor, const char *flags,
                                  const char *ignore, const char *cpupart, int generation)
{
    const microarch *best_generic = NULL, *best = NULL;
    for (size_t i = 0; i < microarch_table_len; i++) {
        const microarch *m = &microarch_table[i];
        /* Generic levels that require no flags (armv8.1a ... armv9.2a) say nothing about
         * the host: only the family root or levels with flags count as evidence. */
        if (!strcmp(m->vendor, "generic") && (m->features[0] || !m->parents[0]) &&
            candidate(m, family, vendor, flags, ignore, cpupart, generation) &&
            (!best_generic || rank_cmp(m, best_generic) > 0))
            best_generic = m;
    }
    for (size_t i = 0; i < microarch_table_len; i++) {
        const microarch *m = &microarch_table[i];
        if (m == best_generic || !candidate(m, family, vendor, flags, ignore, cpupart, generation))
            continue;
        if (!strcmp(m->vendor, "generic") && !m->features[0]) continue;
        if (best_generic && !microarch_is_a(m, best_generic->name)) continue;
        if (!best || rank_cmp(m, best) > 0) best = m;
    }
    return best ? best : best_generic;
}

const microarch *microarch_match(const char *family, const char *vendor, const char *flags,
                                 const char *ignore, const char *cpupart)
{
    return match_gen(family, vendor, flags, ignore, cpupart, 0);
}

/* The value of the first "key : value" line of cpuinfo whose key is `key`. */
static int cpuinfo_get(const char *text, const char *key, char *out, size_t n)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len > kl && !strncmp(p, key, kl) && (p[kl] == ' ' || p[kl] == '\t' || p[kl] == ':')) {
            const char *c = memchr(p, ':', len);
            if (c) {
                c++;
                while (*c == ' ' || *c == '\t')
                    c++;
                size_t vl = (size_t)(p + len - c);
                if (vl >= n) vl = n - 1;
                memcpy(out, c, vl);
                out[vl] = 0;
                return 1;
            }
        }
        p = eol ? eol + 1 : NULL;
    }
    out[0] = 0;
    return 0;
}

static const struct {
    const char *id, *name;
} arm_vendors[] = {
    {"0x41", "ARM"},      {"0x42", "Broadcom"},  {"0x43", "Cavium"},  {"0x44", "DEC"},
    {"0x46", "Fujitsu"},  {"0x48", "HiSilicon"}, {"0x4e", "Nvidia"},  {"0x50", "APM"},
    {"0x51", "Qualcomm"}, {"0x53", "Samsung"},   {"0x56", "Marvell"}, {"0x61", "Apple"},
    {"0x69", "Intel"},    {"0xc0", "Ampere"},
};

int microarch_detect(const char *cpuinfo, const char *machine, microarch_host *out, mk_err *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->arch, sizeof out->arch, "%s", machine ? machine : "");
    char *flags = mk_xmalloc(strlen(cpuinfo) + 1);
    char cpupart[32] = "";
    int generation = 0;
    const char *family = out->arch;
    if (!strcmp(out->arch, "x86_64")) {
        cpuinfo_get(cpuinfo, "flags", flags, strlen(cpuinfo) + 1);
        cpuinfo_get(cpuinfo, "vendor_id", out->vendor, sizeof out->vendor);
        cpuinfo_get(cpuinfo, "model name", out->model_name, sizeof out->model_name);
    } else if (!strcmp(out->arch, "aarch64")) {
        char impl[32];
        cpuinfo_get(cpuinfo, "Features", flags, strlen(cpuinfo) + 1);
        cpuinfo_get(cpuinfo, "CPU implementer", impl, sizeof impl);
        cpuinfo_get(cpuinfo, "CPU part", cpupart, sizeof cpupart);
        for (size_t i = 0; i < sizeof arm_vendors / sizeof *arm_vendors; i++)
            if (!strcmp(impl, arm_vendors[i].id))
                snprintf(out->vendor, sizeof out->vendor, "%s", arm_vendors[i].name);
        cpuinfo_get(cpuinfo, "model name", out->model_name, sizeof out->model_name);
    } else if (!strcmp(out->arch, "ppc64le") || !strcmp(out->arch, "ppc64")) {
        char cpu[64];
        flags[0] = 0;
        cpuinfo_get(cpuinfo, "cpu", cpu, sizeof cpu);
        if (!strncmp(cpu, "POWER", 5)) generation = atoi(cpu + 5);
        snprintf(out->vendor, sizeof out->vendor, "IBM");
        snprintf(out->model_name, sizeof out->model_name, "%s", cpu);
    } else {
        free(flags);
        return mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                          "host detection does not know the '%s' architecture",
                          machine ? machine : "(unknown)");
    }
    out->strict = match_gen(family, out->vendor, flags, NULL, cpupart, generation);
    out->best = match_gen(family, out->vendor, flags, forgiven_flags, cpupart, generation);
    if (out->best) {
        mk_buf miss;
        mk_buf_init(&miss);
        for (const char *const *f = out->best->features; *f; f++)
            if (!host_has(family, flags, *f)) mk_buf_printf(&miss, "%s%s", miss.len ? " " : "", *f);
        snprintf(out->missing, sizeof out->missing, "%s", miss.s ? miss.s : "");
        mk_buf_fini(&miss);
    }
    free(flags);
    if (!out->best)
        return mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                          "no micro-architecture of the '%s' family matches this CPU", family);
    return 0;
}

int microarch_detect_host(microarch_host *out, mk_err *err)
{
    struct utsname u;
    if (uname(&u) != 0) return mk_err_set(err, MK_EIO, NULL, 0, 0, "uname failed");
    char *text = NULL;
    size_t len = 0;
    if (mk_file_read("/proc/cpuinfo", 8u << 20, &text, &len, err) != 0) return -1;
    int rc = microarch_detect(text, u.machine, out, err);
    free(text);
    return rc;
}
