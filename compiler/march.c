/* march — the compiler flags for each CPU micro-architecture modak targets, per compiler
 * and version, and the host's micro-architecture.
 *
 * The table below is data taken from archspec's microarchitectures.json (archspec project,
 * Apache-2.0 or MIT; ../shared/reference/archspec/): for each micro-architecture its family,
 * vendor, first parent, the CPU features it requires, and for gcc and clang the flags for
 * each version range ("a:b" inclusive, open ends allowed). It is compiled in: modak never
 * reads archspec at run time. A compiler version older than any row of an architecture
 * falls back to the parent's flags, as archspec does. */
#include "codegen.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mk_buf.h"

static const graph_march table[] = {
    {"x86_64",
     "x86_64",
     "generic",
     "",
     "",
     {
         {"gcc", "4.2.0:", "-march=x86-64 -mtune=generic"},
         {"gcc", ":4.1.2", "-march=x86-64 -mtune=x86-64"},
         {"clang", ":", "-march=x86-64 -mtune=generic"},
     }},
    {"x86_64_v2",
     "x86_64",
     "generic",
     "x86_64",
     "cx16 lahf_lm mmx sse sse2 ssse3 sse4_1 sse4_2 popcnt",
     {
         {"gcc", "11.1:", "-march=x86-64-v2 -mtune=generic"},
         {"gcc", "4.6:11.0",
          "-march=x86-64 -mtune=generic -mcx16 -msahf -mpopcnt -msse3 -msse4.1 -msse4.2 -mssse3"},
         {"clang", "12.0:", "-march=x86-64-v2 -mtune=generic"},
         {"clang", "3.9:11.1",
          "-march=x86-64 -mtune=generic -mcx16 -msahf -mpopcnt -msse3 -msse4.1 -msse4.2 -mssse3"},
     }},
    {"x86_64_v3",
     "x86_64",
     "generic",
     "x86_64_v2",
     "cx16 lahf_lm mmx sse sse2 ssse3 sse4_1 sse4_2 popcnt avx avx2 bmi1 bmi2 f16c fma abm movbe "
     "xsave",
     {
         {"gcc", "11.1:", "-march=x86-64-v3 -mtune=generic"},
         {"gcc", "4.8:11.0",
          "-march=x86-64 -mtune=generic -mcx16 -msahf -mpopcnt -msse3 -msse4.1 -msse4.2 -mssse3 "
          "-mavx -mavx2 -mbmi -mbmi2 -mf16c -mfma -mlzcnt -mmovbe -mxsave"},
         {"clang", "12.0:", "-march=x86-64-v3 -mtune=generic"},
         {"clang", "3.9:11.1",
          "-march=x86-64 -mtune=generic -mcx16 -msahf -mpopcnt -msse3 -msse4.1 -msse4.2 -mssse3 "
          "-mavx -mavx2 -mbmi -mbmi2 -mf16c -mfma -mlzcnt -mmovbe -mxsave"},
     }},
    {"x86_64_v4",
     "x86_64",
     "generic",
     "x86_64_v3",
     "cx16 lahf_lm mmx sse sse2 ssse3 sse4_1 sse4_2 popcnt avx avx2 bmi1 bmi2 f16c fma abm movbe "
     "xsave avx512f avx512bw avx512cd avx512dq avx512vl",
     {
         {"gcc", "11.1:", "-march=x86-64-v4 -mtune=generic"},
         {"gcc", "6.0:11.0",
          "-march=x86-64 -mtune=generic -mcx16 -msahf -mpopcnt -msse3 -msse4.1 -msse4.2 -mssse3 "
          "-mavx -mavx2 -mbmi -mbmi2 -mf16c -mfma -mlzcnt -mmovbe -mxsave -mavx512f -mavx512bw "
          "-mavx512cd -mavx512dq -mavx512vl"},
         {"clang", "12.0:", "-march=x86-64-v4 -mtune=generic"},
         {"clang", "3.9:11.1",
          "-march=x86-64 -mtune=generic -mcx16 -msahf -mpopcnt -msse3 -msse4.1 -msse4.2 -mssse3 "
          "-mavx -mavx2 -mbmi -mbmi2 -mf16c -mfma -mlzcnt -mmovbe -mxsave -mavx512f -mavx512bw "
          "-mavx512cd -mavx512dq -mavx512vl"},
     }},
    {"nocona",
     "x86_64",
     "GenuineIntel",
     "x86_64",
     "mmx sse sse2 sse3",
     {
         {"gcc", "4.0.4:", "-march=nocona -mtune=nocona"},
         {"clang", "3.9:", "-march=nocona -mtune=nocona"},
     }},
    {"core2",
     "x86_64",
     "GenuineIntel",
     "nocona",
     "mmx sse sse2 ssse3",
     {
         {"gcc", "4.3.0:", "-march=core2 -mtune=core2"},
         {"clang", "3.9:", "-march=core2 -mtune=core2"},
     }},
    {"nehalem",
     "x86_64",
     "GenuineIntel",
     "core2",
     "mmx sse sse2 ssse3 sse4_1 sse4_2 popcnt lahf_lm cx16",
     {
         {"gcc", "4.9:", "-march=nehalem -mtune=nehalem"},
         {"gcc", "4.6:4.8.5", "-march=corei7 -mtune=corei7"},
         {"clang", "3.9:", "-march=nehalem -mtune=nehalem"},
     }},
    {"westmere",
     "x86_64",
     "GenuineIntel",
     "nehalem",
     "mmx sse sse2 ssse3 sse4_1 sse4_2 popcnt lahf_lm cx16 aes pclmulqdq",
     {
         {"gcc", "4.9:", "-march=westmere -mtune=westmere"},
         {"clang", "3.9:", "-march=westmere -mtune=westmere"},
     }},
    {"sandybridge",
     "x86_64",
     "GenuineIntel",
     "westmere",
     "mmx sse sse2 ssse3 sse4_1 sse4_2 popcnt lahf_lm cx16 aes pclmulqdq avx",
     {
         {"gcc", "4.9:", "-march=sandybridge -mtune=sandybridge"},
         {"gcc", "4.6:4.8.5", "-march=corei7-avx -mtune=corei7-avx"},
         {"clang", "3.9:", "-march=sandybridge -mtune=sandybridge"},
     }},
    {"ivybridge",
     "x86_64",
     "GenuineIntel",
     "sandybridge",
     "mmx sse sse2 ssse3 sse4_1 sse4_2 popcnt lahf_lm cx16 aes pclmulqdq avx rdrand f16c",
     {
         {"gcc", "4.9:", "-march=ivybridge -mtune=ivybridge"},
         {"gcc", "4.6:4.8.5", "-march=core-avx-i -mtune=core-avx-i"},
         {"clang", "3.9:", "-march=ivybridge -mtune=ivybridge"},
     }},
    {"haswell",
     "x86_64",
     "GenuineIntel",
     "ivybridge",
     "mmx sse sse2 ssse3 sse4_1 sse4_2 popcnt abm lahf_lm xsave cx16 aes pclmulqdq avx rdrand f16c "
     "movbe fma avx2 bmi1 bmi2",
     {
         {"gcc", "4.9:", "-march=haswell -mtune=haswell"},
         {"gcc", "4.8:4.8.5", "-march=core-avx2 -mtune=core-avx2"},
         {"clang", "3.9:", "-march=haswell -mtune=haswell"},
     }},
    {"broadwell",
     "x86_64",
     "GenuineIntel",
     "haswell",
     "mmx sse sse2 ssse3 sse4_1 sse4_2 abm popcnt xsave lahf_lm cx16 aes pclmulqdq avx rdrand f16c "
     "movbe fma avx2 bmi1 bmi2 rdseed adx",
     {
         {"gcc", "4.9:", "-march=broadwell -mtune=broadwell"},
         {"clang", "3.9:", "-march=broadwell -mtune=broadwell"},
     }},
    {"skylake",
     "x86_64",
     "GenuineIntel",
     "broadwell",
     "mmx sse sse2 ssse3 sse4_1 sse4_2 popcnt abm lahf_lm xsave cx16 aes pclmulqdq avx rdrand f16c "
     "movbe fma avx2 bmi1 bmi2 rdseed adx clflushopt xsavec xsaveopt",
     {
         {"gcc", "6.0:", "-march=skylake -mtune=skylake"},
         {"clang", "3.9:", "-march=skylake -mtune=skylake"},
     }},
    {"skylake_avx512",
     "x86_64",
     "GenuineIntel",
     "skylake",
     "mmx sse sse2 ssse3 sse4_1 sse4_2 popcnt abm lahf_lm cx16 aes pclmulqdq avx rdrand f16c movbe "
     "fma avx2 bmi1 bmi2 rdseed adx clflushopt xsave xsavec xsaveopt avx512f clwb avx512vl "
     "avx512bw avx512dq avx512cd",
     {
         {"gcc", "6.0:", "-march=skylake-avx512 -mtune=skylake-avx512"},
         {"clang", "3.9:", "-march=skylake-avx512 -mtune=skylake-avx512"},
     }},
    {"cascadelake",
     "x86_64",
     "GenuineIntel",
     "skylake_avx512",
     "mmx sse sse2 ssse3 sse4_1 sse4_2 popcnt abm lahf_lm cx16 aes pclmulqdq avx rdrand f16c movbe "
     "fma avx2 bmi1 bmi2 rdseed adx clflushopt xsave xsavec xsaveopt avx512f clwb avx512vl "
     "avx512bw avx512dq avx512cd avx512_vnni",
     {
         {"gcc", "9.0:", "-march=cascadelake -mtune=cascadelake"},
         {"clang", "8.0:", "-march=cascadelake -mtune=cascadelake"},
     }},
    {"icelake",
     "x86_64",
     "GenuineIntel",
     "cascadelake",
     "mmx sse sse2 ssse3 sse4_1 sse4_2 popcnt abm lahf_lm cx16 aes sha_ni pclmulqdq avx rdrand "
     "f16c movbe fma avx2 bmi1 bmi2 rdseed adx clflushopt xsave xsavec xsaveopt avx512f avx512vl "
     "avx512bw avx512dq avx512cd avx512vbmi avx512ifma sha_ni clwb rdpid gfni avx512_vbmi2 "
     "avx512_vpopcntdq avx512_bitalg avx512_vnni vpclmulqdq vaes",
     {
         {"gcc", "8.0:", "-march=icelake-client -mtune=icelake-client"},
         {"clang", "7.0:", "-march=icelake-client -mtune=icelake-client"},
         {"clang", "6.0:6.9", "-march=icelake -mtune=icelake"},
     }},
    {"sapphirerapids",
     "x86_64",
     "GenuineIntel",
     "icelake",
     "mmx sse sse2 ssse3 sse4_1 sse4_2 popcnt abm lahf_lm cx16 sha_ni aes pclmulqdq avx rdrand "
     "f16c movbe fma avx2 bmi1 bmi2 rdseed adx clflushopt xsave xsavec xsaveopt avx512f avx512vl "
     "avx512bw avx512dq avx512cd avx512vbmi avx512ifma sha_ni clwb rdpid gfni avx512_vbmi2 "
     "avx512_vpopcntdq avx512_bitalg avx512_vnni vpclmulqdq vaes avx512_bf16 cldemote movdir64b "
     "movdiri serialize waitpkg amx_bf16 amx_tile amx_int8",
     {
         {"gcc", "11.0:", "-march=sapphirerapids -mtune=sapphirerapids"},
         {"clang", "12.0:", "-march=sapphirerapids -mtune=sapphirerapids"},
     }},
    {"zen",
     "x86_64",
     "AuthenticAMD",
     "x86_64_v3",
     "bmi1 bmi2 f16c fma fsgsbase avx avx2 rdseed clzero aes pclmulqdq cx16 movbe mmx sse sse2 "
     "sse4a ssse3 sse4_1 sse4_2 abm xsave xsavec xsaveopt clflushopt popcnt lahf_lm cx16",
     {
         {"gcc", "6.0:", "-march=znver1 -mtune=znver1"},
         {"clang", "4.0:", "-march=znver1 -mtune=znver1"},
     }},
    {"zen2",
     "x86_64",
     "AuthenticAMD",
     "zen",
     "bmi1 bmi2 f16c fma fsgsbase avx avx2 rdseed clzero aes pclmulqdq cx16 movbe mmx sse sse2 "
     "sse4a ssse3 sse4_1 sse4_2 abm xsave xsavec xsaveopt clflushopt popcnt clwb lahf_lm",
     {
         {"gcc", "9.0:", "-march=znver2 -mtune=znver2"},
         {"clang", "9.0:", "-march=znver2 -mtune=znver2"},
     }},
    {"zen3",
     "x86_64",
     "AuthenticAMD",
     "zen2",
     "bmi1 bmi2 f16c fma fsgsbase avx avx2 rdseed clzero aes pclmulqdq cx16 movbe mmx sse sse2 "
     "sse4a ssse3 sse4_1 sse4_2 abm xsave xsavec xsaveopt clflushopt popcnt lahf_lm clwb vaes "
     "vpclmulqdq pku",
     {
         {"gcc", "10.3:", "-march=znver3 -mtune=znver3"},
         {"clang", "12.0:", "-march=znver3 -mtune=znver3"},
     }},
    {"zen4",
     "x86_64",
     "AuthenticAMD",
     "zen3",
     "bmi1 bmi2 f16c fma fsgsbase avx avx2 rdseed clzero aes pclmulqdq cx16 movbe mmx sse sse2 "
     "sse4a ssse3 sse4_1 sse4_2 abm xsave xsavec xsaveopt clflushopt popcnt lahf_lm clwb vaes "
     "vpclmulqdq pku gfni flush_l1d avx512f avx512dq avx512ifma avx512cd avx512bw avx512vl "
     "avx512_bf16 avx512vbmi avx512_vbmi2 avx512_vnni avx512_bitalg avx512_vpopcntdq",
     {
         {"gcc", "10.3:12.2",
          "-march=znver3 -mtune=znver3 -mavx512f -mavx512dq -mavx512ifma -mavx512cd -mavx512bw "
          "-mavx512vl -mavx512vbmi -mavx512vbmi2 -mavx512vnni -mavx512bitalg"},
         {"gcc", "12.3:", "-march=znver4 -mtune=znver4"},
         {"clang", "12.0:15.9",
          "-march=znver3 -mtune=znver3 -mavx512f -mavx512dq -mavx512ifma -mavx512cd -mavx512bw "
          "-mavx512vl -mavx512vbmi -mavx512vbmi2 -mavx512vnni -mavx512bitalg"},
         {"clang", "16.0:", "-march=znver4 -mtune=znver4"},
     }},
    {"zen5",
     "x86_64",
     "AuthenticAMD",
     "zen4",
     "abm aes avx avx2 avx512_bf16 avx512_bitalg avx512bw avx512cd avx512dq avx512f avx512ifma "
     "avx512vbmi avx512_vbmi2 avx512vl avx512_vnni avx512_vp2intersect avx512_vpopcntdq avx_vnni "
     "bmi1 bmi2 clflushopt clwb clzero cx16 f16c flush_l1d fma fsgsbase gfni mmx movbe movdir64b "
     "lahf_lm movdiri pclmulqdq popcnt pku rdseed sse sse2 sse4_1 sse4_2 sse4a ssse3 tsc_adjust "
     "vaes vpclmulqdq xsave xsavec xsaveopt",
     {
         {"gcc", "14.1:", "-march=znver5 -mtune=znver5"},
         {"clang", "19.1:", "-march=znver5 -mtune=znver5"},
     }},
    {"aarch64",
     "aarch64",
     "generic",
     "",
     "",
     {
         {"gcc", "4.8.0:", "-march=armv8-a -mtune=generic"},
         {"clang", ":", "-march=armv8-a -mtune=generic"},
     }},
    {"neoverse_n1",
     "aarch64",
     "ARM",
     "cortex_a72",
     "fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop "
     "asimddp",
     {
         {"gcc", "4.8:4.8.9", "-march=armv8-a"},
         {"gcc", "4.9:5.9", "-march=armv8-a+crc+crypto"},
         {"gcc", "6:6.9", "-march=armv8.1-a"},
         {"gcc", "7:7.9", "-march=armv8.2-a+fp16 -mtune=cortex-a72"},
         {"gcc", "8.0:8.0", "-march=armv8.2-a+fp16+dotprod+crypto -mtune=cortex-a72"},
         {"gcc", "8.1:8.9", "-march=armv8.2-a+fp16+rcpc+dotprod+crypto -mtune=cortex-a72"},
         {"gcc", "9.0:", "-mcpu=neoverse-n1"},
         {"clang", "3.9:4.9", "-march=armv8.2-a+fp16+crc+crypto"},
         {"clang", "5:", "-march=armv8.2-a+fp16+rcpc+dotprod+crypto"},
         {"clang", "10:", "-mcpu=neoverse-n1"},
     }},
    {"neoverse_v1",
     "aarch64",
     "ARM",
     "neoverse_n1",
     "fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm jscvt fcma "
     "lrcpc dcpop sha3 asimddp sha512 sve asimdfhm dit uscat ilrcpc flagm dcpodp svei8mm svebf16 "
     "i8mm bf16 dgh rng",
     {
         {"gcc", "4.8:4.8.9", "-march=armv8-a"},
         {"gcc", "4.9:5.9", "-march=armv8-a+crc+crypto"},
         {"gcc", "6:6.9", "-march=armv8.1-a"},
         {"gcc", "7:7.9", "-march=armv8.2-a+crypto+fp16 -mtune=cortex-a72"},
         {"gcc", "8.0:8.4", "-march=armv8.2-a+fp16+dotprod+crypto -mtune=cortex-a72"},
         {"gcc", "8.5:8.9", "-mcpu=neoverse-v1"},
         {"gcc", "9.0:9.3", "-march=armv8.2-a+fp16+dotprod+crypto -mtune=cortex-a72"},
         {"gcc", "9.4:9.9", "-mcpu=neoverse-v1"},
         {"gcc", "10.0:10.1", "-march=armv8.2-a+fp16+dotprod+crypto -mtune=cortex-a72"},
         {"gcc", "10.2:10.2.99", "-mcpu=zeus"},
         {"gcc", "10.3:", "-mcpu=neoverse-v1"},
         {"clang", "3.9:4.9", "-march=armv8.2-a+fp16+crc+crypto"},
         {"clang", "5:10", "-march=armv8.2-a+fp16+rcpc+dotprod+crypto"},
         {"clang", "11:", "-march=armv8.4-a+sve+fp16+bf16+crypto+i8mm+rng"},
         {"clang", "12:", "-mcpu=neoverse-v1"},
     }},
    {"a64fx",
     "aarch64",
     "Fujitsu",
     "armv8.2a",
     "fp asimd evtstrm sha1 sha2 crc32 atomics cpuid asimdrdm fphp asimdhp fcma dcpop sve",
     {
         {"gcc", "4.8:4.8.9", "-march=armv8-a"},
         {"gcc", "4.9:5.9", "-march=armv8-a+crc+crypto"},
         {"gcc", "6:6.9", "-march=armv8.1-a+crc+crypto"},
         {"gcc", "7:7.9", "-march=armv8.2-a+crc+crypto+fp16"},
         {"gcc", "8:10.2", "-march=armv8.2-a+crc+sha2+fp16+sve -msve-vector-bits=512"},
         {"gcc", "10.3:", "-mcpu=a64fx -msve-vector-bits=512"},
         {"clang", "3.9:4.9", "-march=armv8.2-a+crc+sha2+fp16"},
         {"clang", "5:10", "-march=armv8.2-a+crc+sha2+fp16+sve"},
         {"clang", "11:", "-mcpu=a64fx"},
     }},
};

const graph_march *graph_march_table(int *count)
{
    *count = (int)(sizeof table / sizeof *table);
    return table;
}

const graph_march *graph_march_find(const char *name)
{
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (!strcmp(table[i].name, name)) return &table[i];
    return NULL;
}

/* Compares version v with bound b over b's components only (so "12.2" covers 12.2.x):
 * <0, 0, >0. */
static int vcmp(const char *v, const char *b, int prefix)
{
    while (*b) {
        long x = strtol(v, (char **)&v, 10), y = strtol(b, (char **)&b, 10);
        if (x != y) return x < y ? -1 : 1;
        if (*b == '.') b++;
        if (*v == '.')
            v++;
        else if (*b && !prefix) { /* v ran out: its missing components are 0 */
            while (*b) {
                y = strtol(b, (char **)&b, 10);
                if (y) return -1;
                if (*b == '.') b++;
            }
            return 0;
        }
    }
    return 0;
}

int graph_march_version_in(const char *version, const char *range)
{
    const char *colon = strchr(range, ':');
    if (!colon) return vcmp(version, range, 1) == 0;
    char lo[32] = "", hi[32] = "";
    snprintf(lo, sizeof lo, "%.*s", (int)(colon - range), range);
    snprintf(hi, sizeof hi, "%s", colon + 1);
    if (lo[0] && vcmp(version, lo, 0) < 0) return 0;
    if (hi[0] && vcmp(version, hi, 1) > 0) return 0;
    return 1;
}

int graph_march_cflags(const char *arch, const char *compiler, const char *version, char *out,
                       size_t size, mk_err *err)
{
    const graph_march *m = graph_march_find(arch);
    if (!m) return mk_err_set(err, MK_EINVAL, NULL, 0, 0, "unknown micro-architecture '%s'", arch);
    for (int depth = 0; m && depth < 16; depth++) {
        for (int i = 0; i < GRAPH_MARCH_MAX_FLAGS && m->flags[i].compiler; i++)
            if (!strcmp(m->flags[i].compiler, compiler) &&
                graph_march_version_in(version, m->flags[i].versions)) {
                snprintf(out, size, "%s", m->flags[i].flags);
                return 0;
            }
        m = m->parent[0] ? graph_march_find(m->parent) : NULL;
    }
    return mk_err_set(err, MK_EINVAL, NULL, 0, 0,
                      "archspec has no %s %s flags for '%s' or its ancestors that modak knows",
                      compiler, version, arch);
}

static int depth_of(const graph_march *m)
{
    int d = 0;
    while (m && m->parent[0] && d < 32) {
        m = graph_march_find(m->parent);
        d++;
    }
    return d;
}

/* Features a hypervisor commonly hides although the ISA is there: they say nothing about
 * which instructions the compiler may use. */
static int ignorable(const char *f, size_t n)
{
    static const char *const hidden[] = {"pku", "flush_l1d", "tsc_adjust", NULL};
    for (int i = 0; hidden[i]; i++)
        if (strlen(hidden[i]) == n && !strncmp(hidden[i], f, n)) return 1;
    return 0;
}

static int has_word(const char *list, const char *w, size_t n)
{
    for (const char *p = list; *p;) {
        size_t l = strcspn(p, " \t\n");
        if (l == n && !strncmp(p, w, n)) return 1;
        p += l ? l : 1;
    }
    return 0;
}

const char *graph_march_detect(const char *vendor, const char *flags)
{
    const graph_march *best = NULL;
    int best_depth = -1;
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        const graph_march *m = &table[i];
        if (strcmp(m->family, "x86_64")) continue;
        if (strcmp(m->vendor, "generic") && strcmp(m->vendor, vendor)) continue;
        int ok = 1;
        for (const char *f = m->features; *f && ok;) {
            size_t l = strcspn(f, " ");
            if (l && !ignorable(f, l) && !has_word(flags, f, l)) ok = 0;
            f += l ? l : 1;
        }
        int d = depth_of(m);
        if (ok && d > best_depth) best = m, best_depth = d;
    }
    return best ? best->name : "x86_64";
}

const char *graph_march_host(void)
{
#if defined(__x86_64__)
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return "x86_64";
    char line[8192], vendor[64] = "", *flags = NULL;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "vendor_id", 9) && !vendor[0]) {
            char *c = strchr(line, ':');
            if (c) sscanf(c + 1, "%63s", vendor);
        } else if (!strncmp(line, "flags", 5) && !flags) {
            char *c = strchr(line, ':');
            if (c) flags = mk_xstrdup(c + 1);
        }
        if (vendor[0] && flags) break;
    }
    fclose(f);
    const char *r = graph_march_detect(vendor, flags ? flags : "");
    free(flags);
    return r;
#elif defined(__aarch64__)
    return "aarch64";
#else
    return "unknown";
#endif
}

int graph_march_vector_floats(const char *name)
{
    if (!strcmp(name, "native")) name = graph_march_host();
    const graph_march *m = graph_march_find(name);
    if (!m || strcmp(m->family, "x86_64")) return 4;
    static const char avx512[] = "avx512f", avx[] = "avx";
    if (has_word(m->features, avx512, sizeof avx512 - 1)) return 16;
    if (has_word(m->features, avx, sizeof avx - 1)) return 8;
    return 4;
}
