/* tosca_value — TOSCA values: primitive types, scalar-units, versions and constraints.
 *
 * Kept apart from the type system so that the rules for one value are in one place:
 * tosca_value_check() says whether a doc node is a value of a primitive type, and
 * tosca_constraint_check() applies one constraint clause. Comparisons follow the type:
 * numbers numerically, scalar-units after normalising to the base unit, versions by
 * component, strings bytewise. */
#include "tosca_int.h"

#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const primitives[] = {"string", "integer", "float", "boolean", "timestamp",
                                         "null", "version", "range", "list", "map",
                                         "scalar-unit.size", "scalar-unit.time",
                                         "scalar-unit.frequency", "scalar-unit.bitrate",
                                         "any"};

int tosca_is_primitive(const char *t)
{
    for (size_t i = 0; i < sizeof primitives / sizeof *primitives; i++)
        if (!strcmp(t, primitives[i])) return 1;
    return 0;
}

typedef struct unit {
    const char *name;
    double factor;
    int case_insensitive;
} unit;

/* TOSCA 1.3 section 3.3.6: units and their factors to the base unit. */
static const unit size_units[] = {{"B", 1, 1},        {"kB", 1e3, 1},      {"KiB", 1024., 1},
                                  {"MB", 1e6, 1},      {"MiB", 1048576., 1}, {"GB", 1e9, 1},
                                  {"GiB", 1073741824., 1}, {"TB", 1e12, 1},
                                  {"TiB", 1099511627776., 1}};
static const unit time_units[] = {{"d", 86400, 0}, {"h", 3600, 0},  {"m", 60, 0},    {"s", 1, 0},
                                  {"ms", 1e-3, 0}, {"us", 1e-6, 0}, {"ns", 1e-9, 0}};
static const unit freq_units[] = {{"Hz", 1, 1}, {"kHz", 1e3, 1}, {"MHz", 1e6, 1}, {"GHz", 1e9, 1}};
static const unit bitrate_units[] = {{"bps", 1, 0},         {"Kbps", 1e3, 0},
                                     {"Kibps", 1024., 0},   {"Mbps", 1e6, 0},
                                     {"Mibps", 1048576., 0}, {"Gbps", 1e9, 0},
                                     {"Gibps", 1073741824., 0}, {"Tbps", 1e12, 0},
                                     {"Tibps", 1099511627776., 0}, {"Bps", 8, 0},
                                     {"KBps", 8e3, 0},      {"MBps", 8e6, 0},
                                     {"GBps", 8e9, 0},      {"TBps", 8e12, 0}};

/* Parses "<number> <unit>" for the scalar-unit type t; returns 0 and the value in the
 * base unit, -1 when it is not one, with a message in why. */
int tosca_scalar_unit(const char *t, const char *s, double *out, const char **why)
{
    const unit *units;
    size_t n;
    if (!strcmp(t, "scalar-unit.size"))
        units = size_units, n = sizeof size_units / sizeof *size_units;
    else if (!strcmp(t, "scalar-unit.time"))
        units = time_units, n = sizeof time_units / sizeof *time_units;
    else if (!strcmp(t, "scalar-unit.frequency"))
        units = freq_units, n = sizeof freq_units / sizeof *freq_units;
    else
        units = bitrate_units, n = sizeof bitrate_units / sizeof *bitrate_units;
    char *end;
    while (isspace((unsigned char)*s)) s++;
    if (!isdigit((unsigned char)*s) && *s != '.') {
        *why = "expected a number followed by a unit";
        return -1;
    }
    double v = strtod(s, &end);
    if (end == s || !isfinite(v)) {
        *why = "expected a number followed by a unit";
        return -1;
    }
    while (isspace((unsigned char)*end)) end++;
    size_t ul = strlen(end);
    while (ul && isspace((unsigned char)end[ul - 1])) ul--;
    for (size_t i = 0; i < n; i++) {
        if (strlen(units[i].name) != ul) continue;
        if (units[i].case_insensitive ? !strncasecmp(end, units[i].name, ul)
                                      : !strncmp(end, units[i].name, ul)) {
            *out = v * units[i].factor;
            return 0;
        }
    }
    *why = ul ? "unknown unit" : "a unit is missing";
    return -1;
}

/* major.minor[.fix[.qualifier[-build]]] */
static int version_parse(const char *s, long long part[4])
{
    memset(part, 0, 4 * sizeof *part);
    const char *p = s;
    for (int i = 0; i < 3; i++) {
        if (!isdigit((unsigned char)*p)) return -1;
        part[i] = strtoll(p, (char **)&p, 10);
        if (!*p) return i >= 1 ? 0 : -1;
        if (*p != '.') return -1;
        p++;
    }
    /* qualifier[-build] */
    if (!isalnum((unsigned char)*p)) return -1;
    while (isalnum((unsigned char)*p) || *p == '_') p++;
    if (*p == '-') {
        p++;
        if (!isdigit((unsigned char)*p)) return -1;
        part[3] = strtoll(p, (char **)&p, 10);
    }
    return *p ? -1 : 0;
}

int tosca_value_check(const char *type, const doc_node *v, const char **why)
{
    *why = NULL;
    if (!strcmp(type, "any")) return 0;
    if (!strcmp(type, "map")) {
        if (v->kind != DOC_MAP) return *why = "expected a map", -1;
        return 0;
    }
    if (!strcmp(type, "list")) {
        if (v->kind != DOC_SEQ) return *why = "expected a list", -1;
        return 0;
    }
    if (!strcmp(type, "range")) {
        if (v->kind != DOC_SEQ || v->n != 2) return *why = "expected a range [min, max]", -1;
        const doc_node *lo = v->items[0], *hi = v->items[1];
        if (!doc_is_scalar(lo) || lo->type != DOC_T_INT)
            return *why = "a range starts with an integer", -1;
        if (doc_is_scalar(hi) && hi->type == DOC_T_STR && !strcmp(hi->text, "UNBOUNDED")) return 0;
        if (!doc_is_scalar(hi) || hi->type != DOC_T_INT)
            return *why = "a range ends with an integer or UNBOUNDED", -1;
        if (hi->v.i < lo->v.i) return *why = "a range's minimum is above its maximum", -1;
        return 0;
    }
    if (v->kind != DOC_SCALAR) {
        return *why = v->kind == DOC_MAP ? "expected a single value, found a map"
                                         : "expected a single value, found a list",
               -1;
    }
    if (!strcmp(type, "string")) {
        if (v->type != DOC_T_STR)
            return *why = v->type == DOC_T_NULL ? "expected a string"
                                                : "expected a string (quote the value)",
                   -1;
        return 0;
    }
    if (!strcmp(type, "integer")) {
        if (v->type != DOC_T_INT) return *why = "expected an integer", -1;
        return 0;
    }
    if (!strcmp(type, "float")) {
        /* an integer is accepted where a float is expected: 1 is a fine efficiency */
        if (v->type != DOC_T_FLOAT && v->type != DOC_T_INT) return *why = "expected a number", -1;
        return 0;
    }
    if (!strcmp(type, "boolean")) {
        /* the string "true" is not a boolean (tosca-parser lets it through; xOpera does not) */
        if (v->type == DOC_T_BOOL) return 0;
        if (v->type == DOC_T_STR && (!strcasecmp(v->text, "true") || !strcasecmp(v->text, "false")))
            return *why = "expected true or false, not a string (remove the quotes)", -1;
        return *why = "expected true or false", -1;
    }
    if (!strcmp(type, "timestamp")) {
        if (v->type == DOC_T_TIMESTAMP) return 0;
        return *why = "expected a timestamp such as 2020-12-31T23:59:59Z", -1;
    }
    if (!strcmp(type, "null")) {
        if (v->type == DOC_T_NULL) return 0;
        return *why = "expected null", -1;
    }
    if (!strcmp(type, "version")) {
        long long part[4];
        if ((v->type == DOC_T_STR || v->type == DOC_T_FLOAT || v->type == DOC_T_INT) &&
            (version_parse(v->text, part) == 0 || v->type == DOC_T_INT))
            return 0;
        return *why = "expected a version such as 1.2 or 1.2.3", -1;
    }
    if (!strncmp(type, "scalar-unit.", 12)) {
        double d;
        if (v->type != DOC_T_STR) return *why = "expected a number and a unit such as 4 GB", -1;
        return tosca_scalar_unit(type, v->text, &d, why);
    }
    *why = "unknown type";
    return -1;
}

/* A comparable view of a scalar: numbers (and scalar-units, versions) as doubles. */
typedef struct cmpval {
    int is_num;
    double num;
    long long ver[4];
    int is_ver;
    const char *str;
} cmpval;

static int to_cmp(const char *type, const doc_node *v, cmpval *out)
{
    memset(out, 0, sizeof *out);
    if (!doc_is_scalar(v)) return -1;
    const char *why;
    if (!strncmp(type, "scalar-unit.", 12)) {
        if (v->type != DOC_T_STR || tosca_scalar_unit(type, v->text, &out->num, &why)) return -1;
        out->is_num = 1;
        return 0;
    }
    if (!strcmp(type, "version")) {
        if (version_parse(v->text, out->ver) && v->type != DOC_T_INT) return -1;
        if (v->type == DOC_T_INT) {
            memset(out->ver, 0, sizeof out->ver);
            out->ver[0] = v->v.i;
        }
        out->is_ver = 1;
        return 0;
    }
    if (v->type == DOC_T_INT) {
        out->is_num = 1;
        out->num = (double)v->v.i;
        return 0;
    }
    if (v->type == DOC_T_FLOAT) {
        out->is_num = 1;
        out->num = v->v.f;
        return 0;
    }
    out->str = v->text;
    return 0;
}

/* -2 when incomparable, else -1/0/1. */
static int cmp(const cmpval *a, const cmpval *b)
{
    if (a->is_num && b->is_num) return a->num < b->num ? -1 : a->num > b->num;
    if (a->is_ver && b->is_ver) {
        for (int i = 0; i < 4; i++)
            if (a->ver[i] != b->ver[i]) return a->ver[i] < b->ver[i] ? -1 : 1;
        return 0;
    }
    if (a->str && b->str) {
        int c = strcmp(a->str, b->str);
        return c < 0 ? -1 : c > 0;
    }
    return -2;
}

static int values_equal(const char *type, const doc_node *a, const doc_node *b)
{
    if (a->kind != b->kind) return 0;
    if (a->kind == DOC_SCALAR) {
        cmpval x, y;
        if (to_cmp(type, a, &x) || to_cmp(type, b, &y)) return strcmp(a->text, b->text) == 0;
        if ((x.is_num && !y.is_num) || (x.str && !y.str)) return 0;
        return cmp(&x, &y) == 0;
    }
    if (a->n != b->n) return 0;
    if (a->kind == DOC_SEQ) {
        for (size_t i = 0; i < a->n; i++)
            if (!values_equal("any", a->items[i], b->items[i])) return 0;
        return 1;
    }
    for (size_t i = 0; i < a->n; i++) {
        const doc_node *bv = doc_map_get(b, a->pairs[i].key->text);
        if (!bv || !values_equal("any", a->pairs[i].val, bv)) return 0;
    }
    return 1;
}

static size_t length_of(const doc_node *v)
{
    if (v->kind == DOC_SCALAR) {
        size_t n = 0; /* characters, not bytes */
        for (const unsigned char *p = (const unsigned char *)v->text; *p; p++)
            if ((*p & 0xc0) != 0x80) n++;
        return n;
    }
    return v->n;
}

static const char *const constraint_ops[] = {
    "equal",     "greater_than", "greater_or_equal", "less_than", "less_or_equal", "in_range",
    "valid_values", "length",    "min_length",       "max_length", "pattern",      "schema"};

int tosca_constraint_known(const char *op)
{
    for (size_t i = 0; i < sizeof constraint_ops / sizeof *constraint_ops; i++)
        if (!strcmp(op, constraint_ops[i])) return 1;
    return 0;
}

int tosca_constraint_wellformed(const char *type, const doc_node *clause, const char **why)
{
    *why = NULL;
    if (!clause || clause->kind != DOC_MAP || clause->n != 1)
        return *why = "a constraint is a map with one operator, such as {greater_than: 0}", -1;
    const char *op = clause->pairs[0].key->text;
    const doc_node *arg = clause->pairs[0].val;
    if (!tosca_constraint_known(op)) return *why = "unknown constraint operator", -1;
    if (!strcmp(op, "valid_values") && arg->kind != DOC_SEQ)
        return *why = "valid_values takes a list", -1;
    if (!strcmp(op, "in_range") && (arg->kind != DOC_SEQ || arg->n != 2))
        return *why = "in_range takes a list of two values", -1;
    if ((!strcmp(op, "length") || !strcmp(op, "min_length") || !strcmp(op, "max_length")) &&
        (!doc_is_scalar(arg) || arg->type != DOC_T_INT || arg->v.i < 0))
        return *why = "a length constraint takes a non-negative integer", -1;
    if (!strcmp(op, "pattern")) {
        if (!doc_is_str(arg)) return *why = "pattern takes a string", -1;
        regex_t re;
        if (regcomp(&re, arg->text, REG_EXTENDED | REG_NOSUB) != 0)
            return *why = "pattern is not a valid regular expression", -1;
        regfree(&re);
    }
    (void)type;
    return 0;
}

int tosca_constraint_check(const char *type, const doc_node *clause, const doc_node *v,
                           char *why, size_t whylen)
{
    const char *op = clause->pairs[0].key->text;
    const doc_node *arg = clause->pairs[0].val;
    why[0] = 0;
    if (!strcmp(op, "valid_values")) {
        for (size_t i = 0; i < arg->n; i++)
            if (values_equal(type, v, arg->items[i])) return 0;
        mk_buf b;
        mk_buf_init(&b);
        for (size_t i = 0; i < arg->n && i < 12; i++)
            mk_buf_printf(&b, "%s%s", i ? ", " : "", doc_is_scalar(arg->items[i]) ? arg->items[i]->text : "…");
        snprintf(why, whylen, "'%s' is not one of the valid values: %s",
                 doc_is_scalar(v) ? v->text : doc_kind_name(v), b.s ? b.s : "");
        mk_buf_fini(&b);
        return -1;
    }
    if (!strcmp(op, "equal")) {
        if (values_equal(type, v, arg)) return 0;
        snprintf(why, whylen, "must equal %s", doc_is_scalar(arg) ? arg->text : "the given value");
        return -1;
    }
    if (!strcmp(op, "length") || !strcmp(op, "min_length") || !strcmp(op, "max_length")) {
        size_t n = length_of(v);
        long long want = arg->v.i;
        if ((!strcmp(op, "length") && (long long)n != want) ||
            (!strcmp(op, "min_length") && (long long)n < want) ||
            (!strcmp(op, "max_length") && (long long)n > want)) {
            snprintf(why, whylen, "length %zu breaks %s %lld", n, op, want);
            return -1;
        }
        return 0;
    }
    if (!strcmp(op, "pattern")) {
        if (!doc_is_scalar(v)) return 0;
        regex_t re;
        if (regcomp(&re, arg->text, REG_EXTENDED | REG_NOSUB) != 0) return 0;
        /* TOSCA patterns match the whole value */
        mk_buf anchored;
        mk_buf_init(&anchored);
        mk_buf_printf(&anchored, "^(%s)$", arg->text);
        regfree(&re);
        int rc = regcomp(&re, anchored.s, REG_EXTENDED | REG_NOSUB);
        mk_buf_fini(&anchored);
        if (rc != 0) return 0;
        int m = regexec(&re, v->text, 0, NULL, 0);
        regfree(&re);
        if (m == 0) return 0;
        snprintf(why, whylen, "'%s' does not match the pattern %s", v->text, arg->text);
        return -1;
    }
    if (!strcmp(op, "schema")) return 0;
    /* ordering */
    cmpval x, lo, hi;
    if (to_cmp(type, v, &x)) return 0; /* the type check reports it */
    if (!strcmp(op, "in_range")) {
        const doc_node *a = arg->items[0], *b = arg->items[1];
        int unbounded = doc_is_str(b) && !strcmp(b->text, "UNBOUNDED");
        if (to_cmp(type, a, &lo) || (!unbounded && to_cmp(type, b, &hi))) return 0;
        int c1 = cmp(&x, &lo), c2 = unbounded ? -1 : cmp(&x, &hi);
        if (c1 == -2 || c2 == -2) return 0;
        if (c1 < 0 || c2 > 0) {
            snprintf(why, whylen, "%s is outside the range [%s, %s]", v->text, a->text,
                     doc_is_scalar(b) ? b->text : "?");
            return -1;
        }
        return 0;
    }
    if (to_cmp(type, arg, &lo)) return 0;
    int c = cmp(&x, &lo);
    if (c == -2) return 0;
    int ok = !strcmp(op, "greater_than")       ? c > 0
             : !strcmp(op, "greater_or_equal") ? c >= 0
             : !strcmp(op, "less_than")        ? c < 0
                                               : c <= 0;
    if (ok) return 0;
    snprintf(why, whylen, "%s breaks %s %s", v->text, op, doc_is_scalar(arg) ? arg->text : "?");
    return -1;
}
