/* microarch_table — modak's table of CPU micro-architectures (GENERATED, do not edit).
 *
 * Written by model/tools/gen_microarch_table.py from the facts in archspec's
 * microarchitectures.json (archspec/archspec-json, cpu/; Apache-2.0 OR MIT): each row's
 * name, vendor, parents (in archspec's order), the ISA flags it requires, and the flags
 * each compiler version needs to target it. tests/model/test_microarch.c compares this
 * table with archspec's file when $MODAK_REFERENCE_DIR is set. */
#include "microarch.h"

/* clang-format off */
static const char *const x86_parents[] = {NULL};
static const char *const x86_features[] = {NULL};
static const char *const i686_parents[] = {"x86", NULL};
static const char *const i686_features[] = {NULL};
static const char *const pentium2_parents[] = {"i686", NULL};
static const char *const pentium2_features[] = {"mmx", NULL};
static const char *const pentium3_parents[] = {"pentium2", NULL};
static const char *const pentium3_features[] = {"mmx", "sse", NULL};
static const char *const pentium4_parents[] = {"pentium3", NULL};
static const char *const pentium4_features[] = {"mmx", "sse", "sse2", NULL};
static const char *const prescott_parents[] = {"pentium4", NULL};
static const char *const prescott_features[] = {"mmx", "sse", "sse2", "sse3", NULL};
static const char *const x86_64_parents[] = {NULL};
static const char *const x86_64_features[] = {NULL};
static const microarch_cflags x86_64_cflags[] = {
    {"gcc", "4.2.0:", "x86-64", "-march={name} -mtune=generic", NULL, NULL},
    {"gcc", ":4.1.2", "x86-64", "-march={name} -mtune={name}", NULL, NULL},
    {"apple-clang", ":", "x86-64", "-march={name}", NULL, NULL},
    {"clang", ":", "x86-64", "-march={name} -mtune=generic", NULL, NULL},
    {"aocc", "2.2:", "x86-64", "-march={name} -mtune=generic", NULL, NULL},
    {"intel", ":", "pentium4", "-march={name} -mtune=generic", NULL, NULL},
    {"oneapi", ":", "x86-64", "-march={name} -mtune=generic", NULL, NULL},
    {"dpcpp", ":", "x86-64", "-march={name} -mtune=generic", NULL, NULL},
};
static const char *const x86_64_v2_parents[] = {"x86_64", NULL};
static const char *const x86_64_v2_features[] = {"cx16", "lahf_lm", "mmx", "sse", "sse2", "ssse3", "sse4_1", "sse4_2", "popcnt", NULL};
static const microarch_cflags x86_64_v2_cflags[] = {
    {"gcc", "11.1:", "x86-64-v2", "-march={name} -mtune=generic", NULL, NULL},
    {"gcc", "4.6:11.0", "x86-64", "-march={name} -mtune=generic -mcx16 -msahf -mpopcnt -msse3 -msse4.1 -msse4.2 -mssse3", NULL, NULL},
    {"clang", "12.0:", "x86-64-v2", "-march={name} -mtune=generic", NULL, NULL},
    {"clang", "3.9:11.1", "x86-64", "-march={name} -mtune=generic -mcx16 -msahf -mpopcnt -msse3 -msse4.1 -msse4.2 -mssse3", NULL, NULL},
    {"aocc", "2.2:", "x86-64-v2", "-march={name} -mtune=generic", NULL, NULL},
    {"intel", "16.0:", "corei7", "-march={name} -mtune=generic -mpopcnt", NULL, NULL},
    {"oneapi", "2021.2.0:", "x86-64-v2", "-march={name} -mtune=generic", NULL, NULL},
    {"dpcpp", "2021.2.0:", "x86-64-v2", "-march={name} -mtune=generic", NULL, NULL},
};
static const char *const x86_64_v3_parents[] = {"x86_64_v2", NULL};
static const char *const x86_64_v3_features[] = {"cx16", "lahf_lm", "mmx", "sse", "sse2", "ssse3", "sse4_1", "sse4_2", "popcnt", "avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave", NULL};
static const microarch_cflags x86_64_v3_cflags[] = {
    {"gcc", "11.1:", "x86-64-v3", "-march={name} -mtune=generic", NULL, NULL},
    {"gcc", "4.8:11.0", "x86-64", "-march={name} -mtune=generic -mcx16 -msahf -mpopcnt -msse3 -msse4.1 -msse4.2 -mssse3 -mavx -mavx2 -mbmi -mbmi2 -mf16c -mfma -mlzcnt -mmovbe -mxsave", NULL, NULL},
    {"clang", "12.0:", "x86-64-v3", "-march={name} -mtune=generic", NULL, NULL},
    {"clang", "3.9:11.1", "x86-64", "-march={name} -mtune=generic -mcx16 -msahf -mpopcnt -msse3 -msse4.1 -msse4.2 -mssse3 -mavx -mavx2 -mbmi -mbmi2 -mf16c -mfma -mlzcnt -mmovbe -mxsave", NULL, NULL},
    {"aocc", "2.2:", "x86-64-v3", "-march={name} -mtune=generic", NULL, NULL},
    {"apple-clang", "8.0:", "x86-64", "-march={name} -mtune=generic -mcx16 -msahf -mpopcnt -msse3 -msse4.1 -msse4.2 -mssse3 -mavx -mavx2 -mbmi -mbmi2 -mf16c -mfma -mlzcnt -mmovbe -mxsave", NULL, NULL},
    {"intel", "16.0:", "core-avx2", "-march={name} -mtune={name} -fma -mf16c", NULL, NULL},
    {"oneapi", "2021.2.0:", "x86-64-v3", "-march={name} -mtune=generic", NULL, NULL},
    {"dpcpp", "2021.2.0:", "x86-64-v3", "-march={name} -mtune=generic", NULL, NULL},
    {"nvhpc", ":", "px", "-tp {name} -mpopcnt -msse3 -msse4.1 -msse4.2 -mssse3 -mavx -mavx2 -mbmi -mbmi2 -mf16c -mfma -mlzcnt -mxsave", NULL, NULL},
};
static const char *const x86_64_v4_parents[] = {"x86_64_v3", NULL};
static const char *const x86_64_v4_features[] = {"cx16", "lahf_lm", "mmx", "sse", "sse2", "ssse3", "sse4_1", "sse4_2", "popcnt", "avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave", "avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl", NULL};
static const microarch_cflags x86_64_v4_cflags[] = {
    {"gcc", "11.1:", "x86-64-v4", "-march={name} -mtune=generic", NULL, NULL},
    {"gcc", "6.0:11.0", "x86-64", "-march={name} -mtune=generic -mcx16 -msahf -mpopcnt -msse3 -msse4.1 -msse4.2 -mssse3 -mavx -mavx2 -mbmi -mbmi2 -mf16c -mfma -mlzcnt -mmovbe -mxsave -mavx512f -mavx512bw -mavx512cd -mavx512dq -mavx512vl", NULL, NULL},
    {"clang", "12.0:", "x86-64-v4", "-march={name} -mtune=generic", NULL, NULL},
    {"clang", "3.9:11.1", "x86-64", "-march={name} -mtune=generic -mcx16 -msahf -mpopcnt -msse3 -msse4.1 -msse4.2 -mssse3 -mavx -mavx2 -mbmi -mbmi2 -mf16c -mfma -mlzcnt -mmovbe -mxsave -mavx512f -mavx512bw -mavx512cd -mavx512dq -mavx512vl", NULL, NULL},
    {"aocc", "4:", "x86-64-v4", "-march={name} -mtune=generic", NULL, NULL},
    {"apple-clang", "8.0:", "x86-64", "-march={name} -mtune=generic -mcx16 -msahf -mpopcnt -msse3 -msse4.1 -msse4.2 -mssse3 -mavx -mavx2 -mbmi -mbmi2 -mf16c -mfma -mlzcnt -mmovbe -mxsave -mavx512f -mavx512bw -mavx512cd -mavx512dq -mavx512vl", NULL, NULL},
    {"intel", "16.0:", "skylake-avx512", "-march={name} -mtune={name}", NULL, NULL},
    {"oneapi", "2021.2.0:", "x86-64-v4", "-march={name} -mtune=generic", NULL, NULL},
    {"dpcpp", "2021.2.0:", "x86-64-v4", "-march={name} -mtune=generic", NULL, NULL},
    {"nvhpc", ":", "px", "-tp {name} -mpopcnt -msse3 -msse4.1 -msse4.2 -mssse3 -mavx -mavx2 -mbmi -mbmi2 -mf16c -mfma -mlzcnt -mxsave -mavx512f -mavx512bw -mavx512cd -mavx512dq -mavx512vl", NULL, NULL},
};
static const char *const nocona_parents[] = {"x86_64", NULL};
static const char *const nocona_features[] = {"mmx", "sse", "sse2", "sse3", NULL};
static const microarch_cflags nocona_cflags[] = {
    {"gcc", "4.0.4:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "3.9:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"aocc", "2.2:", NULL, "-march={name} -mtune=generic", NULL, NULL},
    {"apple-clang", "8.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"intel", "16.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"oneapi", ":", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"dpcpp", ":", NULL, "-march={name} -mtune={name}", NULL, NULL},
};
static const char *const core2_parents[] = {"nocona", NULL};
static const char *const core2_features[] = {"mmx", "sse", "sse2", "ssse3", NULL};
static const microarch_cflags core2_cflags[] = {
    {"gcc", "4.3.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "3.9:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"aocc", "2.2:", NULL, "-march={name} -mtune=generic", NULL, NULL},
    {"apple-clang", "8.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"intel", "16.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"oneapi", ":", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"dpcpp", ":", NULL, "-march={name} -mtune={name}", NULL, NULL},
};
static const char *const nehalem_parents[] = {"core2", "x86_64_v2", NULL};
static const char *const nehalem_features[] = {"mmx", "sse", "sse2", "ssse3", "sse4_1", "sse4_2", "popcnt", "lahf_lm", "cx16", NULL};
static const microarch_cflags nehalem_cflags[] = {
    {"gcc", "4.9:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"gcc", "4.6:4.8.5", "corei7", "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "3.9:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"aocc", "2.2:", NULL, "-march={name} -mtune=generic", NULL, NULL},
    {"apple-clang", "8.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"intel", "16.0:", "corei7", "-march={name} -mtune={name}", NULL, NULL},
    {"oneapi", ":", "corei7", "-march={name} -mtune={name}", NULL, NULL},
    {"dpcpp", ":", "corei7", "-march={name} -mtune={name}", NULL, NULL},
};
static const char *const westmere_parents[] = {"nehalem", NULL};
static const char *const westmere_features[] = {"mmx", "sse", "sse2", "ssse3", "sse4_1", "sse4_2", "popcnt", "lahf_lm", "cx16", "aes", "pclmulqdq", NULL};
static const microarch_cflags westmere_cflags[] = {
    {"gcc", "4.9:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "3.9:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"aocc", "2.2:", NULL, "-march={name} -mtune=generic", NULL, NULL},
    {"apple-clang", "8.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"intel", "16.0:", "corei7", "-march={name} -mtune={name}", NULL, NULL},
    {"oneapi", ":", "corei7", "-march={name} -mtune={name}", NULL, NULL},
    {"dpcpp", ":", "corei7", "-march={name} -mtune={name}", NULL, NULL},
};
static const char *const sandybridge_parents[] = {"westmere", NULL};
static const char *const sandybridge_features[] = {"mmx", "sse", "sse2", "ssse3", "sse4_1", "sse4_2", "popcnt", "lahf_lm", "cx16", "aes", "pclmulqdq", "avx", NULL};
static const microarch_cflags sandybridge_cflags[] = {
    {"gcc", "4.9:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"gcc", "4.6:4.8.5", "corei7-avx", "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "3.9:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"aocc", "2.2:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"apple-clang", "8.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"intel", "16.0:17.9.0", "corei7-avx", "-march={name} -mtune={name}", NULL, NULL},
    {"intel", "18.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"oneapi", ":", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"dpcpp", ":", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"nvhpc", ":", NULL, "-tp {name}", NULL, NULL},
};
static const char *const ivybridge_parents[] = {"sandybridge", NULL};
static const char *const ivybridge_features[] = {"mmx", "sse", "sse2", "ssse3", "sse4_1", "sse4_2", "popcnt", "lahf_lm", "cx16", "aes", "pclmulqdq", "avx", "rdrand", "f16c", NULL};
static const microarch_cflags ivybridge_cflags[] = {
    {"gcc", "4.9:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"gcc", "4.6:4.8.5", "core-avx-i", "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "3.9:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"aocc", "2.2:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"apple-clang", "8.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"intel", "16.0:17.9.0", "core-avx-i", "-march={name} -mtune={name}", NULL, NULL},
    {"intel", "18.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"oneapi", ":", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"dpcpp", ":", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"nvhpc", ":", NULL, "-tp {name}", NULL, NULL},
};
static const char *const haswell_parents[] = {"ivybridge", "x86_64_v3", NULL};
static const char *const haswell_features[] = {"mmx", "sse", "sse2", "ssse3", "sse4_1", "sse4_2", "popcnt", "abm", "lahf_lm", "xsave", "cx16", "aes", "pclmulqdq", "avx", "rdrand", "f16c", "movbe", "fma", "avx2", "bmi1", "bmi2", NULL};
static const microarch_cflags haswell_cflags[] = {
    {"gcc", "4.9:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"gcc", "4.8:4.8.5", "core-avx2", "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "3.9:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"aocc", "2.2:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"apple-clang", "8.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"intel", "16.0:17.9.0", "core-avx2", "-march={name} -mtune={name}", NULL, NULL},
    {"intel", "18.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"oneapi", ":", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"dpcpp", ":", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"nvhpc", ":", NULL, "-tp {name}", NULL, NULL},
};
static const char *const broadwell_parents[] = {"haswell", NULL};
static const char *const broadwell_features[] = {"mmx", "sse", "sse2", "ssse3", "sse4_1", "sse4_2", "abm", "popcnt", "xsave", "lahf_lm", "cx16", "aes", "pclmulqdq", "avx", "rdrand", "f16c", "movbe", "fma", "avx2", "bmi1", "bmi2", "rdseed", "adx", NULL};
static const microarch_cflags broadwell_cflags[] = {
    {"gcc", "4.9:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "3.9:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"aocc", "2.2:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"apple-clang", "8.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"intel", "18.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"oneapi", ":", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"dpcpp", ":", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"nvhpc", ":", "haswell", "-tp {name}", NULL, NULL},
};
static const char *const skylake_parents[] = {"broadwell", NULL};
static const char *const skylake_features[] = {"mmx", "sse", "sse2", "ssse3", "sse4_1", "sse4_2", "popcnt", "abm", "lahf_lm", "xsave", "cx16", "aes", "pclmulqdq", "avx", "rdrand", "f16c", "movbe", "fma", "avx2", "bmi1", "bmi2", "rdseed", "adx", "clflushopt", "xsavec", "xsaveopt", NULL};
static const microarch_cflags skylake_cflags[] = {
    {"gcc", "6.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "3.9:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"aocc", "2.2:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"apple-clang", "8.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"intel", "18.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"oneapi", ":", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"dpcpp", ":", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"nvhpc", ":", "haswell", "-tp {name}", NULL, NULL},
};
static const char *const mic_knl_parents[] = {"broadwell", NULL};
static const char *const mic_knl_features[] = {"mmx", "sse", "sse2", "ssse3", "sse4_1", "sse4_2", "popcnt", "abm", "lahf_lm", "cx16", "aes", "xsave", "pclmulqdq", "avx", "rdrand", "f16c", "movbe", "avx2", "fma", "avx2", "bmi1", "bmi2", "rdseed", "adx", "avx512f", "avx512pf", "avx512er", "avx512cd", NULL};
static const microarch_cflags mic_knl_cflags[] = {
    {"gcc", "5.1:", "knl", "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "3.9:", "knl", "-march={name} -mtune={name}", NULL, NULL},
    {"aocc", "2.2:", "knl", "-march={name} -mtune=generic", NULL, NULL},
    {"apple-clang", "8.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"intel", "18.0:2021.2", "knl", "-march={name} -mtune={name}", NULL, NULL},
    {"oneapi", ":2021.2", "knl", "-march={name} -mtune={name}", NULL, NULL},
    {"dpcpp", ":2021.2", "knl", "-march={name} -mtune={name}", NULL, NULL},
};
static const char *const skylake_avx512_parents[] = {"skylake", "x86_64_v4", NULL};
static const char *const skylake_avx512_features[] = {"mmx", "sse", "sse2", "ssse3", "sse4_1", "sse4_2", "popcnt", "abm", "lahf_lm", "cx16", "aes", "pclmulqdq", "avx", "rdrand", "f16c", "movbe", "fma", "avx2", "bmi1", "bmi2", "rdseed", "adx", "clflushopt", "xsave", "xsavec", "xsaveopt", "avx512f", "clwb", "avx512vl", "avx512bw", "avx512dq", "avx512cd", NULL};
static const microarch_cflags skylake_avx512_cflags[] = {
    {"gcc", "6.0:", "skylake-avx512", "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "3.9:", "skylake-avx512", "-march={name} -mtune={name}", NULL, NULL},
    {"aocc", "2.2:", "skylake-avx512", "-march={name} -mtune=generic", NULL, NULL},
    {"apple-clang", "8.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"intel", "18.0:", "skylake-avx512", "-march={name} -mtune={name}", NULL, NULL},
    {"oneapi", ":", "skylake-avx512", "-march={name} -mtune={name}", NULL, NULL},
    {"dpcpp", ":", "skylake-avx512", "-march={name} -mtune={name}", NULL, NULL},
    {"nvhpc", ":", "skylake", "-tp {name}", NULL, NULL},
};
static const char *const cannonlake_parents[] = {"skylake", "x86_64_v4", NULL};
static const char *const cannonlake_features[] = {"mmx", "sse", "sse2", "ssse3", "sse4_1", "sse4_2", "popcnt", "abm", "lahf_lm", "cx16", "aes", "pclmulqdq", "avx", "rdrand", "f16c", "movbe", "fma", "avx2", "bmi1", "bmi2", "rdseed", "adx", "clflushopt", "xsave", "xsavec", "xsaveopt", "avx512f", "avx512vl", "avx512bw", "avx512dq", "avx512cd", "avx512vbmi", "avx512ifma", "sha_ni", NULL};
static const microarch_cflags cannonlake_cflags[] = {
    {"gcc", "8.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "3.9:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"aocc", "2.2:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"apple-clang", "8.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"intel", "18.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"oneapi", ":", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"dpcpp", ":", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"nvhpc", ":", "skylake", "-tp {name}", NULL, NULL},
};
static const char *const cascadelake_parents[] = {"skylake_avx512", NULL};
static const char *const cascadelake_features[] = {"mmx", "sse", "sse2", "ssse3", "sse4_1", "sse4_2", "popcnt", "abm", "lahf_lm", "cx16", "aes", "pclmulqdq", "avx", "rdrand", "f16c", "movbe", "fma", "avx2", "bmi1", "bmi2", "rdseed", "adx", "clflushopt", "xsave", "xsavec", "xsaveopt", "avx512f", "clwb", "avx512vl", "avx512bw", "avx512dq", "avx512cd", "avx512_vnni", NULL};
static const microarch_cflags cascadelake_cflags[] = {
    {"gcc", "9.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "8.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"aocc", "2.2:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"apple-clang", "11.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"intel", "19.0.1:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"oneapi", ":", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"dpcpp", ":", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"nvhpc", ":", "skylake", "-tp {name}", NULL, NULL},
};
static const char *const icelake_parents[] = {"cascadelake", "cannonlake", NULL};
static const char *const icelake_features[] = {"mmx", "sse", "sse2", "ssse3", "sse4_1", "sse4_2", "popcnt", "abm", "lahf_lm", "cx16", "aes", "sha_ni", "pclmulqdq", "avx", "rdrand", "f16c", "movbe", "fma", "avx2", "bmi1", "bmi2", "rdseed", "adx", "clflushopt", "xsave", "xsavec", "xsaveopt", "avx512f", "avx512vl", "avx512bw", "avx512dq", "avx512cd", "avx512vbmi", "avx512ifma", "sha_ni", "clwb", "rdpid", "gfni", "avx512_vbmi2", "avx512_vpopcntdq", "avx512_bitalg", "avx512_vnni", "vpclmulqdq", "vaes", NULL};
static const microarch_cflags icelake_cflags[] = {
    {"gcc", "8.0:", "icelake-client", "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "7.0:", "icelake-client", "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "6.0:6.9", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"aocc", "2.2:", "icelake-client", "-march={name} -mtune={name}", NULL, NULL},
    {"apple-clang", "10.0.1:", "icelake-client", "-march={name} -mtune={name}", NULL, NULL},
    {"apple-clang", "10.0.0:10.0.99", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"intel", "18.0:", "icelake-client", "-march={name} -mtune={name}", NULL, NULL},
    {"oneapi", ":", "icelake-client", "-march={name} -mtune={name}", NULL, NULL},
    {"dpcpp", ":", "icelake-client", "-march={name} -mtune={name}", NULL, NULL},
    {"nvhpc", ":", "skylake", "-tp {name}", NULL, NULL},
};
static const char *const sapphirerapids_parents[] = {"icelake", NULL};
static const char *const sapphirerapids_features[] = {"mmx", "sse", "sse2", "ssse3", "sse4_1", "sse4_2", "popcnt", "abm", "lahf_lm", "cx16", "sha_ni", "aes", "pclmulqdq", "avx", "rdrand", "f16c", "movbe", "fma", "avx2", "bmi1", "bmi2", "rdseed", "adx", "clflushopt", "xsave", "xsavec", "xsaveopt", "avx512f", "avx512vl", "avx512bw", "avx512dq", "avx512cd", "avx512vbmi", "avx512ifma", "sha_ni", "clwb", "rdpid", "gfni", "avx512_vbmi2", "avx512_vpopcntdq", "avx512_bitalg", "avx512_vnni", "vpclmulqdq", "vaes", "avx512_bf16", "cldemote", "movdir64b", "movdiri", "serialize", "waitpkg", "amx_bf16", "amx_tile", "amx_int8", NULL};
static const microarch_cflags sapphirerapids_cflags[] = {
    {"gcc", "11.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "12.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"intel", "2021.2:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"oneapi", "2021.2:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"dpcpp", "2021.2:", NULL, "-march={name} -mtune={name}", NULL, NULL},
};
static const char *const alderlake_parents[] = {"skylake", NULL};
static const char *const alderlake_features[] = {"mmx", "sse", "sse2", "ssse3", "sse4_1", "sse4_2", "popcnt", "abm", "lahf_lm", "xsave", "cx16", "aes", "pclmulqdq", "avx", "rdrand", "f16c", "movbe", "fma", "avx2", "bmi1", "bmi2", "rdseed", "adx", "clflushopt", "xsavec", "xsaveopt", "avx_vnni", "sha_ni", "clwb", "rdpid", "gfni", "vaes", "vpclmulqdq", "movdiri", "movdir64b", "serialize", "waitpkg", NULL};
static const microarch_cflags alderlake_cflags[] = {
    {"gcc", "11.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "12.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
};
static const char *const arrowlake_parents[] = {"alderlake", NULL};
static const char *const arrowlake_features[] = {"mmx", "sse", "sse2", "ssse3", "sse4_1", "sse4_2", "popcnt", "abm", "lahf_lm", "xsave", "cx16", "aes", "pclmulqdq", "avx", "rdrand", "f16c", "movbe", "fma", "avx2", "bmi1", "bmi2", "rdseed", "adx", "clflushopt", "xsavec", "xsaveopt", "avx_vnni", "sha_ni", "clwb", "rdpid", "gfni", "vaes", "vpclmulqdq", "movdiri", "movdir64b", "serialize", "waitpkg", "avx_ifma", "avx_ne_convert", "avx_vnni_int8", "cmpccxadd", NULL};
static const microarch_cflags arrowlake_cflags[] = {
    {"gcc", "14.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "18.0:", NULL, "-march={name} -mtune={name}", NULL, NULL},
};
static const char *const arrowlake_s_parents[] = {"arrowlake", NULL};
static const char *const arrowlake_s_features[] = {"mmx", "sse", "sse2", "ssse3", "sse4_1", "sse4_2", "popcnt", "abm", "lahf_lm", "xsave", "cx16", "aes", "pclmulqdq", "avx", "rdrand", "f16c", "movbe", "fma", "avx2", "bmi1", "bmi2", "rdseed", "adx", "clflushopt", "xsavec", "xsaveopt", "avx_vnni", "sha_ni", "clwb", "rdpid", "gfni", "vaes", "vpclmulqdq", "movdiri", "movdir64b", "serialize", "waitpkg", "avx_ifma", "avx_ne_convert", "avx_vnni_int8", "cmpccxadd", "avx_vnni_int16", "sha512", "sm3", "sm4", NULL};
static const microarch_cflags arrowlake_s_cflags[] = {
    {"gcc", "14.0:", "arrowlake-s", "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "18.0:", "arrowlake-s", "-march={name} -mtune={name}", NULL, NULL},
};
static const char *const k10_parents[] = {"x86_64", NULL};
static const char *const k10_features[] = {"mmx", "sse", "sse2", "sse4a", "abm", "cx16", "3dnow", "3dnowext", NULL};
static const microarch_cflags k10_cflags[] = {
    {"gcc", "4.3:", "amdfam10", "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "3.9:", "amdfam10", "-march={name} -mtune={name}", NULL, NULL},
    {"aocc", "2.2:", "amdfam10", "-march={name} -mtune={name}", NULL, NULL},
    {"intel", "16.0:", NULL, "-msse2", "Intel's compilers may or may not optimize to the same degree for non-Intel microprocessors for optimizations that are not unique to Intel microprocessors", NULL},
    {"oneapi", ":", NULL, "-msse2", "Intel's compilers may or may not optimize to the same degree for non-Intel microprocessors for optimizations that are not unique to Intel microprocessors", NULL},
    {"dpcpp", ":", NULL, "-msse2", "Intel's compilers may or may not optimize to the same degree for non-Intel microprocessors for optimizations that are not unique to Intel microprocessors", NULL},
};
static const char *const bulldozer_parents[] = {"x86_64_v2", NULL};
static const char *const bulldozer_features[] = {"mmx", "sse", "sse2", "sse4a", "popcnt", "lahf_lm", "cx16", "xsave", "abm", "avx", "xop", "fma4", "aes", "pclmulqdq", "cx16", "ssse3", "sse4_1", "sse4_2", NULL};
static const microarch_cflags bulldozer_cflags[] = {
    {"gcc", "4.7:", "bdver1", "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "3.9:", "bdver1", "-march={name} -mtune={name}", NULL, NULL},
    {"aocc", "2.2:", "bdver1", "-march={name} -mtune={name}", NULL, NULL},
    {"intel", "16.0:", NULL, "-msse3", "Intel's compilers may or may not optimize to the same degree for non-Intel microprocessors for optimizations that are not unique to Intel microprocessors", NULL},
    {"oneapi", ":", NULL, "-msse3", "Intel's compilers may or may not optimize to the same degree for non-Intel microprocessors for optimizations that are not unique to Intel microprocessors", NULL},
    {"dpcpp", ":", NULL, "-msse3", "Intel's compilers may or may not optimize to the same degree for non-Intel microprocessors for optimizations that are not unique to Intel microprocessors", NULL},
    {"nvhpc", ":", NULL, "-tp {name}", NULL, NULL},
};
static const char *const piledriver_parents[] = {"bulldozer", NULL};
static const char *const piledriver_features[] = {"mmx", "sse", "sse2", "sse4a", "popcnt", "lahf_lm", "cx16", "xsave", "abm", "avx", "xop", "fma4", "aes", "pclmulqdq", "cx16", "ssse3", "sse4_1", "sse4_2", "bmi1", "f16c", "fma", "tbm", NULL};
static const microarch_cflags piledriver_cflags[] = {
    {"gcc", "4.7:", "bdver2", "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "3.9:", "bdver2", "-march={name} -mtune={name}", NULL, NULL},
    {"aocc", "2.2:", "bdver2", "-march={name} -mtune={name}", NULL, NULL},
    {"intel", "16.0:", NULL, "-msse3", "Intel's compilers may or may not optimize to the same degree for non-Intel microprocessors for optimizations that are not unique to Intel microprocessors", NULL},
    {"oneapi", ":", NULL, "-msse3", "Intel's compilers may or may not optimize to the same degree for non-Intel microprocessors for optimizations that are not unique to Intel microprocessors", NULL},
    {"dpcpp", ":", NULL, "-msse3", "Intel's compilers may or may not optimize to the same degree for non-Intel microprocessors for optimizations that are not unique to Intel microprocessors", NULL},
    {"nvhpc", ":", NULL, "-tp {name}", NULL, NULL},
};
static const char *const steamroller_parents[] = {"piledriver", NULL};
static const char *const steamroller_features[] = {"mmx", "sse", "sse2", "sse4a", "popcnt", "lahf_lm", "cx16", "xsave", "abm", "avx", "xop", "fma4", "aes", "pclmulqdq", "cx16", "ssse3", "sse4_1", "sse4_2", "bmi1", "f16c", "fma", "fsgsbase", "tbm", NULL};
static const microarch_cflags steamroller_cflags[] = {
    {"gcc", "4.8:", "bdver3", "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "3.9:", "bdver3", "-march={name} -mtune={name}", NULL, NULL},
    {"aocc", "2.2:", "bdver3", "-march={name} -mtune={name}", NULL, NULL},
    {"intel", "16.0:", NULL, "-msse4.2", "Intel's compilers may or may not optimize to the same degree for non-Intel microprocessors for optimizations that are not unique to Intel microprocessors", NULL},
    {"oneapi", ":", NULL, "-msse4.2", "Intel's compilers may or may not optimize to the same degree for non-Intel microprocessors for optimizations that are not unique to Intel microprocessors", NULL},
    {"dpcpp", ":", NULL, "-msse4.2", "Intel's compilers may or may not optimize to the same degree for non-Intel microprocessors for optimizations that are not unique to Intel microprocessors", NULL},
    {"nvhpc", ":", "piledriver", "-tp {name}", NULL, NULL},
};
static const char *const excavator_parents[] = {"steamroller", "x86_64_v3", NULL};
static const char *const excavator_features[] = {"mmx", "sse", "sse2", "sse4a", "popcnt", "lahf_lm", "cx16", "xsave", "abm", "avx", "xop", "fma4", "aes", "pclmulqdq", "cx16", "ssse3", "sse4_1", "sse4_2", "bmi1", "f16c", "fma", "fsgsbase", "bmi2", "avx2", "movbe", "tbm", NULL};
static const microarch_cflags excavator_cflags[] = {
    {"gcc", "4.9:", "bdver4", "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "3.9:", "bdver4", "-march={name} -mtune={name}", NULL, NULL},
    {"aocc", "2.2:", "bdver4", "-march={name} -mtune={name}", NULL, NULL},
    {"intel", "16.0:", "core-avx2", "-march={name} -mtune={name}", "Intel's compilers may or may not optimize to the same degree for non-Intel microprocessors for optimizations that are not unique to Intel microprocessors", NULL},
    {"oneapi", ":", "core-avx2", "-march={name} -mtune={name}", "Intel's compilers may or may not optimize to the same degree for non-Intel microprocessors for optimizations that are not unique to Intel microprocessors", NULL},
    {"dpcpp", ":", "core-avx2", "-march={name} -mtune={name}", "Intel's compilers may or may not optimize to the same degree for non-Intel microprocessors for optimizations that are not unique to Intel microprocessors", NULL},
    {"nvhpc", ":", "piledriver", "-tp {name}", NULL, NULL},
};
static const char *const zen_parents[] = {"x86_64_v3", NULL};
static const char *const zen_features[] = {"bmi1", "bmi2", "f16c", "fma", "fsgsbase", "avx", "avx2", "rdseed", "clzero", "aes", "pclmulqdq", "cx16", "movbe", "mmx", "sse", "sse2", "sse4a", "ssse3", "sse4_1", "sse4_2", "abm", "xsave", "xsavec", "xsaveopt", "clflushopt", "popcnt", "lahf_lm", "cx16", NULL};
static const microarch_cflags zen_cflags[] = {
    {"gcc", "6.0:", "znver1", "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "4.0:", "znver1", "-march={name} -mtune={name}", NULL, NULL},
    {"aocc", "2.2:", "znver1", "-march={name} -mtune={name}", NULL, NULL},
    {"intel", "16.0:", "core-avx2", "-march={name} -mtune={name}", "Intel's compilers may or may not optimize to the same degree for non-Intel microprocessors for optimizations that are not unique to Intel microprocessors", NULL},
    {"oneapi", ":", "core-avx2", "-march={name} -mtune={name}", "Intel's compilers may or may not optimize to the same degree for non-Intel microprocessors for optimizations that are not unique to Intel microprocessors", NULL},
    {"dpcpp", ":", "core-avx2", "-march={name} -mtune={name}", "Intel's compilers may or may not optimize to the same degree for non-Intel microprocessors for optimizations that are not unique to Intel microprocessors", NULL},
    {"nvhpc", ":", NULL, "-tp {name}", NULL, NULL},
};
static const char *const zen2_parents[] = {"zen", NULL};
static const char *const zen2_features[] = {"bmi1", "bmi2", "f16c", "fma", "fsgsbase", "avx", "avx2", "rdseed", "clzero", "aes", "pclmulqdq", "cx16", "movbe", "mmx", "sse", "sse2", "sse4a", "ssse3", "sse4_1", "sse4_2", "abm", "xsave", "xsavec", "xsaveopt", "clflushopt", "popcnt", "clwb", "lahf_lm", NULL};
static const microarch_cflags zen2_cflags[] = {
    {"gcc", "9.0:", "znver2", "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "9.0:", "znver2", "-march={name} -mtune={name}", NULL, NULL},
    {"aocc", "2.2:", "znver2", "-march={name} -mtune={name}", NULL, NULL},
    {"intel", "16.0:", "core-avx2", "-march={name} -mtune={name}", "Intel's compilers may or may not optimize to the same degree for non-Intel microprocessors for optimizations that are not unique to Intel microprocessors", NULL},
    {"oneapi", ":", "core-avx2", "-march={name} -mtune={name}", "Intel's compilers may or may not optimize to the same degree for non-Intel microprocessors for optimizations that are not unique to Intel microprocessors", NULL},
    {"dpcpp", ":", "core-avx2", "-march={name} -mtune={name}", "Intel's compilers may or may not optimize to the same degree for non-Intel microprocessors for optimizations that are not unique to Intel microprocessors", NULL},
    {"nvhpc", "20.5:", NULL, "-tp {name}", NULL, NULL},
};
static const char *const zen3_parents[] = {"zen2", NULL};
static const char *const zen3_features[] = {"bmi1", "bmi2", "f16c", "fma", "fsgsbase", "avx", "avx2", "rdseed", "clzero", "aes", "pclmulqdq", "cx16", "movbe", "mmx", "sse", "sse2", "sse4a", "ssse3", "sse4_1", "sse4_2", "abm", "xsave", "xsavec", "xsaveopt", "clflushopt", "popcnt", "lahf_lm", "clwb", "vaes", "vpclmulqdq", "pku", NULL};
static const microarch_cflags zen3_cflags[] = {
    {"gcc", "10.3:", "znver3", "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "12.0:", "znver3", "-march={name} -mtune={name}", NULL, NULL},
    {"aocc", "3.0:", "znver3", "-march={name} -mtune={name}", NULL, NULL},
    {"intel", "16.0:", "core-avx2", "-march={name} -mtune={name}", "Intel's compilers may or may not optimize to the same degree for non-Intel microprocessors for optimizations that are not unique to Intel microprocessors", NULL},
    {"oneapi", ":", "core-avx2", "-march={name} -mtune={name}", "Intel's compilers may or may not optimize to the same degree for non-Intel microprocessors for optimizations that are not unique to Intel microprocessors", NULL},
    {"dpcpp", ":", "core-avx2", "-march={name} -mtune={name}", "Intel's compilers may or may not optimize to the same degree for non-Intel microprocessors for optimizations that are not unique to Intel microprocessors", NULL},
    {"nvhpc", "21.11:", NULL, "-tp {name}", NULL, NULL},
};
static const char *const zen4_parents[] = {"zen3", "x86_64_v4", NULL};
static const char *const zen4_features[] = {"bmi1", "bmi2", "f16c", "fma", "fsgsbase", "avx", "avx2", "rdseed", "clzero", "aes", "pclmulqdq", "cx16", "movbe", "mmx", "sse", "sse2", "sse4a", "ssse3", "sse4_1", "sse4_2", "abm", "xsave", "xsavec", "xsaveopt", "clflushopt", "popcnt", "lahf_lm", "clwb", "vaes", "vpclmulqdq", "pku", "gfni", "flush_l1d", "avx512f", "avx512dq", "avx512ifma", "avx512cd", "avx512bw", "avx512vl", "avx512_bf16", "avx512vbmi", "avx512_vbmi2", "avx512_vnni", "avx512_bitalg", "avx512_vpopcntdq", NULL};
static const microarch_cflags zen4_cflags[] = {
    {"gcc", "10.3:12.2", "znver3", "-march={name} -mtune={name} -mavx512f -mavx512dq -mavx512ifma -mavx512cd -mavx512bw -mavx512vl -mavx512vbmi -mavx512vbmi2 -mavx512vnni -mavx512bitalg", NULL, NULL},
    {"gcc", "12.3:", "znver4", "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "12.0:15.9", "znver3", "-march={name} -mtune={name} -mavx512f -mavx512dq -mavx512ifma -mavx512cd -mavx512bw -mavx512vl -mavx512vbmi -mavx512vbmi2 -mavx512vnni -mavx512bitalg", NULL, NULL},
    {"clang", "16.0:", "znver4", "-march={name} -mtune={name}", NULL, NULL},
    {"aocc", "3.0:3.9", "znver3", "-march={name} -mtune={name} -mavx512f -mavx512dq -mavx512ifma -mavx512cd -mavx512bw -mavx512vl -mavx512vbmi -mavx512vbmi2 -mavx512vnni -mavx512bitalg", "Zen4 processors are not fully supported by AOCC versions < 4.0.  For optimal performance please upgrade to a newer version of AOCC", NULL},
    {"aocc", "4.0:", "znver4", "-march={name} -mtune={name}", NULL, NULL},
    {"nvhpc", "21.11:23.8", "zen3", "-tp {name}", "zen4 is not fully supported by nvhpc versions < 23.9, falling back to zen3", NULL},
    {"nvhpc", "23.9:", NULL, "-tp {name}", NULL, NULL},
};
static const char *const zen5_parents[] = {"zen4", NULL};
static const char *const zen5_features[] = {"abm", "aes", "avx", "avx2", "avx512_bf16", "avx512_bitalg", "avx512bw", "avx512cd", "avx512dq", "avx512f", "avx512ifma", "avx512vbmi", "avx512_vbmi2", "avx512vl", "avx512_vnni", "avx512_vp2intersect", "avx512_vpopcntdq", "avx_vnni", "bmi1", "bmi2", "clflushopt", "clwb", "clzero", "cx16", "f16c", "flush_l1d", "fma", "fsgsbase", "gfni", "mmx", "movbe", "movdir64b", "lahf_lm", "movdiri", "pclmulqdq", "popcnt", "pku", "rdseed", "sse", "sse2", "sse4_1", "sse4_2", "sse4a", "ssse3", "tsc_adjust", "vaes", "vpclmulqdq", "xsave", "xsavec", "xsaveopt", NULL};
static const microarch_cflags zen5_cflags[] = {
    {"gcc", "14.1:", "znver5", "-march={name} -mtune={name}", NULL, NULL},
    {"aocc", "5.0:", "znver5", "-march={name} -mtune={name}", NULL, NULL},
    {"clang", "19.1:", "znver5", "-march={name} -mtune={name}", NULL, NULL},
};
static const char *const ppc64_parents[] = {NULL};
static const char *const ppc64_features[] = {NULL};
static const microarch_cflags ppc64_cflags[] = {
    {"gcc", ":", "powerpc64", "-mcpu={name} -mtune={name}", NULL, NULL},
    {"clang", ":", NULL, "-mcpu={name} -mtune={name}", NULL, NULL},
};
static const char *const power7_parents[] = {"ppc64", NULL};
static const char *const power7_features[] = {NULL};
static const microarch_cflags power7_cflags[] = {
    {"gcc", "4.4:", NULL, "-mcpu={name} -mtune={name}", NULL, NULL},
    {"clang", "3.9:", NULL, "-mcpu={name} -mtune={name}", NULL, NULL},
};
static const char *const power8_parents[] = {"power7", NULL};
static const char *const power8_features[] = {NULL};
static const microarch_cflags power8_cflags[] = {
    {"gcc", "4.9:", NULL, "-mcpu={name} -mtune={name}", NULL, NULL},
    {"gcc", "4.8:4.8.5", NULL, "-mcpu={name} -mtune={name}", "Using GCC 4.8 to optimize for Power 8 might not work if you are not on Red Hat Enterprise Linux 7, where a custom backport of the feature has been done. Upstream support from GCC starts in version 4.9", NULL},
    {"clang", "3.9:", NULL, "-mcpu={name} -mtune={name}", NULL, NULL},
};
static const char *const power9_parents[] = {"power8", NULL};
static const char *const power9_features[] = {NULL};
static const microarch_cflags power9_cflags[] = {
    {"gcc", "6.0:", NULL, "-mcpu={name} -mtune={name}", NULL, NULL},
    {"clang", "3.9:", NULL, "-mcpu={name} -mtune={name}", NULL, NULL},
};
static const char *const power10_parents[] = {"power9", NULL};
static const char *const power10_features[] = {NULL};
static const microarch_cflags power10_cflags[] = {
    {"gcc", "11.1:", NULL, "-mcpu={name} -mtune={name}", NULL, NULL},
    {"clang", "11.0:", NULL, "-mcpu={name} -mtune={name}", NULL, NULL},
};
static const char *const ppc64le_parents[] = {NULL};
static const char *const ppc64le_features[] = {NULL};
static const microarch_cflags ppc64le_cflags[] = {
    {"gcc", "4.8:", "powerpc64le", "-mcpu={name} -mtune={name}", NULL, NULL},
    {"clang", ":", NULL, "-mcpu={name} -mtune={name}", NULL, NULL},
};
static const char *const power8le_parents[] = {"ppc64le", NULL};
static const char *const power8le_features[] = {NULL};
static const microarch_cflags power8le_cflags[] = {
    {"gcc", "4.9:", "power8", "-mcpu={name} -mtune={name}", NULL, NULL},
    {"gcc", "4.8:4.8.5", "power8", "-mcpu={name} -mtune={name}", "Using GCC 4.8 to optimize for Power 8 might not work if you are not on Red Hat Enterprise Linux 7, where a custom backport of the feature has been done. Upstream support from GCC starts in version 4.9", NULL},
    {"clang", "3.9:", "power8", "-mcpu={name} -mtune={name}", NULL, "ppc64le"},
    {"nvhpc", ":", "pwr8", "-tp {name}", NULL, NULL},
};
static const char *const power9le_parents[] = {"power8le", NULL};
static const char *const power9le_features[] = {NULL};
static const microarch_cflags power9le_cflags[] = {
    {"gcc", "6.0:", "power9", "-mcpu={name} -mtune={name}", NULL, NULL},
    {"clang", "3.9:", "power9", "-mcpu={name} -mtune={name}", NULL, "ppc64le"},
    {"nvhpc", ":", "pwr9", "-tp {name}", NULL, NULL},
};
static const char *const power10le_parents[] = {"power9le", NULL};
static const char *const power10le_features[] = {NULL};
static const microarch_cflags power10le_cflags[] = {
    {"gcc", "11.1:", "power10", "-mcpu={name} -mtune={name}", NULL, NULL},
    {"clang", "11.0:", "power10", "-mcpu={name} -mtune={name}", NULL, "ppc64le"},
};
static const char *const aarch64_parents[] = {NULL};
static const char *const aarch64_features[] = {NULL};
static const microarch_cflags aarch64_cflags[] = {
    {"gcc", "4.8.0:", NULL, "-march=armv8-a -mtune=generic", NULL, NULL},
    {"clang", ":", NULL, "-march=armv8-a -mtune=generic", NULL, NULL},
    {"apple-clang", ":", NULL, "-march=armv8-a -mtune=generic", NULL, NULL},
    {"arm", ":", NULL, "-march=armv8-a -mtune=generic", NULL, NULL},
};
static const char *const armv8_1a_parents[] = {"aarch64", NULL};
static const char *const armv8_1a_features[] = {NULL};
static const microarch_cflags armv8_1a_cflags[] = {
    {"gcc", "5:", NULL, "-march=armv8.1-a -mtune=generic", NULL, NULL},
    {"clang", ":", NULL, "-march=armv8.1-a -mtune=generic", NULL, NULL},
    {"apple-clang", ":", NULL, "-march=armv8.1-a -mtune=generic", NULL, NULL},
    {"arm", ":", NULL, "-march=armv8.1-a -mtune=generic", NULL, NULL},
};
static const char *const armv8_2a_parents[] = {"armv8.1a", NULL};
static const char *const armv8_2a_features[] = {NULL};
static const microarch_cflags armv8_2a_cflags[] = {
    {"gcc", "6:", NULL, "-march=armv8.2-a -mtune=generic", NULL, NULL},
    {"clang", ":", NULL, "-march=armv8.2-a -mtune=generic", NULL, NULL},
    {"apple-clang", ":", NULL, "-march=armv8.2-a -mtune=generic", NULL, NULL},
    {"arm", ":", NULL, "-march=armv8.2-a -mtune=generic", NULL, NULL},
};
static const char *const armv8_3a_parents[] = {"armv8.2a", NULL};
static const char *const armv8_3a_features[] = {NULL};
static const microarch_cflags armv8_3a_cflags[] = {
    {"gcc", "6:", NULL, "-march=armv8.3-a -mtune=generic", NULL, NULL},
    {"clang", "6:", NULL, "-march=armv8.3-a -mtune=generic", NULL, NULL},
    {"apple-clang", ":", NULL, "-march=armv8.3-a -mtune=generic", NULL, NULL},
    {"arm", ":", NULL, "-march=armv8.3-a -mtune=generic", NULL, NULL},
};
static const char *const armv8_4a_parents[] = {"armv8.3a", NULL};
static const char *const armv8_4a_features[] = {NULL};
static const microarch_cflags armv8_4a_cflags[] = {
    {"gcc", "8:", NULL, "-march=armv8.4-a -mtune=generic", NULL, NULL},
    {"clang", "8:", NULL, "-march=armv8.4-a -mtune=generic", NULL, NULL},
    {"apple-clang", ":", NULL, "-march=armv8.4-a -mtune=generic", NULL, NULL},
    {"arm", ":", NULL, "-march=armv8.4-a -mtune=generic", NULL, NULL},
};
static const char *const armv8_5a_parents[] = {"armv8.4a", NULL};
static const char *const armv8_5a_features[] = {NULL};
static const microarch_cflags armv8_5a_cflags[] = {
    {"gcc", "9:", NULL, "-march=armv8.5-a -mtune=generic", NULL, NULL},
    {"clang", "11:", NULL, "-march=armv8.5-a -mtune=generic", NULL, NULL},
    {"apple-clang", ":", NULL, "-march=armv8.5-a -mtune=generic", NULL, NULL},
    {"arm", ":", NULL, "-march=armv8.5-a -mtune=generic", NULL, NULL},
};
static const char *const armv8_6a_parents[] = {"armv8.5a", NULL};
static const char *const armv8_6a_features[] = {NULL};
static const microarch_cflags armv8_6a_cflags[] = {
    {"gcc", "10.1:", NULL, "-march=armv8.6-a -mtune=generic", NULL, NULL},
    {"clang", "11:", NULL, "-march=armv8.6-a -mtune=generic", NULL, NULL},
};
static const char *const armv9_0a_parents[] = {"armv8.5a", NULL};
static const char *const armv9_0a_features[] = {NULL};
static const microarch_cflags armv9_0a_cflags[] = {
    {"gcc", "12:", NULL, "-march=armv9-a -mtune=generic", NULL, NULL},
    {"clang", "14:", NULL, "-march=armv9-a -mtune=generic", NULL, NULL},
    {"apple-clang", ":", NULL, "-march=armv9-a -mtune=generic", NULL, NULL},
    {"arm", ":", NULL, "-march=armv9-a -mtune=generic", NULL, NULL},
};
static const char *const armv9_2a_parents[] = {"armv9.0a", "armv8.6a", NULL};
static const char *const armv9_2a_features[] = {NULL};
static const microarch_cflags armv9_2a_cflags[] = {
    {"gcc", "13:", NULL, "-march=armv9.2-a -mtune=generic", NULL, NULL},
    {"clang", "14:", NULL, "-march=armv9.2-a -mtune=generic", NULL, NULL},
    {"apple-clang", ":", NULL, "-march=armv9.2-a -mtune=generic", NULL, NULL},
    {"arm", ":", NULL, "-march=armv9.2-a -mtune=generic", NULL, NULL},
};
static const char *const thunderx2_parents[] = {"armv8.1a", NULL};
static const char *const thunderx2_features[] = {"fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "atomics", "cpuid", "asimdrdm", NULL};
static const microarch_cflags thunderx2_cflags[] = {
    {"gcc", "4.8:4.8.9", NULL, "-march=armv8-a", NULL, NULL},
    {"gcc", "4.9:5.9", NULL, "-march=armv8-a+crc+crypto", NULL, NULL},
    {"gcc", "6:6.9", NULL, "-march=armv8.1-a+crc+crypto", NULL, NULL},
    {"gcc", "7:", NULL, "-mcpu=thunderx2t99", NULL, NULL},
    {"clang", "3.9:4.9", NULL, "-march=armv8.1-a+crc+crypto", NULL, NULL},
    {"clang", "5:", NULL, "-mcpu=thunderx2t99", NULL, NULL},
};
static const char *const a64fx_parents[] = {"armv8.2a", NULL};
static const char *const a64fx_features[] = {"fp", "asimd", "evtstrm", "sha1", "sha2", "crc32", "atomics", "cpuid", "asimdrdm", "fphp", "asimdhp", "fcma", "dcpop", "sve", NULL};
static const microarch_cflags a64fx_cflags[] = {
    {"gcc", "4.8:4.8.9", NULL, "-march=armv8-a", NULL, NULL},
    {"gcc", "4.9:5.9", NULL, "-march=armv8-a+crc+crypto", NULL, NULL},
    {"gcc", "6:6.9", NULL, "-march=armv8.1-a+crc+crypto", NULL, NULL},
    {"gcc", "7:7.9", NULL, "-march=armv8.2-a+crc+crypto+fp16", NULL, NULL},
    {"gcc", "8:10.2", NULL, "-march=armv8.2-a+crc+sha2+fp16+sve -msve-vector-bits=512", NULL, NULL},
    {"gcc", "10.3:", NULL, "-mcpu=a64fx -msve-vector-bits=512", NULL, NULL},
    {"clang", "3.9:4.9", NULL, "-march=armv8.2-a+crc+sha2+fp16", NULL, NULL},
    {"clang", "5:10", NULL, "-march=armv8.2-a+crc+sha2+fp16+sve", NULL, NULL},
    {"clang", "11:", NULL, "-mcpu=a64fx", NULL, NULL},
    {"arm", "20:", NULL, "-march=armv8.2-a+crc+crypto+fp16+sve", NULL, NULL},
};
static const char *const cortex_a72_parents[] = {"aarch64", NULL};
static const char *const cortex_a72_features[] = {"fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "cpuid", NULL};
static const microarch_cflags cortex_a72_cflags[] = {
    {"gcc", "4.8:4.8.9", NULL, "-march=armv8-a", NULL, NULL},
    {"gcc", "4.9:5.9", NULL, "-march=armv8-a+crc+crypto", NULL, NULL},
    {"gcc", "6:", NULL, "-mcpu=cortex-a72", NULL, NULL},
    {"clang", "3.9:", NULL, "-mcpu=cortex-a72", NULL, NULL},
};
static const char *const neoverse_n1_parents[] = {"cortex_a72", "armv8.2a", NULL};
static const char *const neoverse_n1_features[] = {"fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "atomics", "fphp", "asimdhp", "cpuid", "asimdrdm", "lrcpc", "dcpop", "asimddp", NULL};
static const microarch_cflags neoverse_n1_cflags[] = {
    {"gcc", "4.8:4.8.9", NULL, "-march=armv8-a", NULL, NULL},
    {"gcc", "4.9:5.9", NULL, "-march=armv8-a+crc+crypto", NULL, NULL},
    {"gcc", "6:6.9", NULL, "-march=armv8.1-a", NULL, NULL},
    {"gcc", "7:7.9", NULL, "-march=armv8.2-a+fp16 -mtune=cortex-a72", NULL, NULL},
    {"gcc", "8.0:8.0", NULL, "-march=armv8.2-a+fp16+dotprod+crypto -mtune=cortex-a72", NULL, NULL},
    {"gcc", "8.1:8.9", NULL, "-march=armv8.2-a+fp16+rcpc+dotprod+crypto -mtune=cortex-a72", NULL, NULL},
    {"gcc", "9.0:", NULL, "-mcpu=neoverse-n1", NULL, NULL},
    {"clang", "3.9:4.9", NULL, "-march=armv8.2-a+fp16+crc+crypto", NULL, NULL},
    {"clang", "5:", NULL, "-march=armv8.2-a+fp16+rcpc+dotprod+crypto", NULL, NULL},
    {"clang", "10:", NULL, "-mcpu=neoverse-n1", NULL, NULL},
    {"arm", "20:21.9", NULL, "-march=armv8.2-a+fp16+rcpc+dotprod+crypto", NULL, NULL},
    {"arm", "22:", NULL, "-mcpu=neoverse-n1", NULL, NULL},
    {"nvhpc", "22.5:", "neoverse-n1", "-tp {name}", NULL, NULL},
};
static const char *const neoverse_v1_parents[] = {"neoverse_n1", "armv8.4a", NULL};
static const char *const neoverse_v1_features[] = {"fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "atomics", "fphp", "asimdhp", "cpuid", "asimdrdm", "jscvt", "fcma", "lrcpc", "dcpop", "sha3", "asimddp", "sha512", "sve", "asimdfhm", "dit", "uscat", "ilrcpc", "flagm", "dcpodp", "svei8mm", "svebf16", "i8mm", "bf16", "dgh", "rng", NULL};
static const microarch_cflags neoverse_v1_cflags[] = {
    {"gcc", "4.8:4.8.9", NULL, "-march=armv8-a", NULL, NULL},
    {"gcc", "4.9:5.9", NULL, "-march=armv8-a+crc+crypto", NULL, NULL},
    {"gcc", "6:6.9", NULL, "-march=armv8.1-a", NULL, NULL},
    {"gcc", "7:7.9", NULL, "-march=armv8.2-a+crypto+fp16 -mtune=cortex-a72", NULL, NULL},
    {"gcc", "8.0:8.4", NULL, "-march=armv8.2-a+fp16+dotprod+crypto -mtune=cortex-a72", NULL, NULL},
    {"gcc", "8.5:8.9", NULL, "-mcpu=neoverse-v1", NULL, NULL},
    {"gcc", "9.0:9.3", NULL, "-march=armv8.2-a+fp16+dotprod+crypto -mtune=cortex-a72", NULL, NULL},
    {"gcc", "9.4:9.9", NULL, "-mcpu=neoverse-v1", NULL, NULL},
    {"gcc", "10.0:10.1", NULL, "-march=armv8.2-a+fp16+dotprod+crypto -mtune=cortex-a72", NULL, NULL},
    {"gcc", "10.2:10.2.99", NULL, "-mcpu=zeus", NULL, NULL},
    {"gcc", "10.3:", NULL, "-mcpu=neoverse-v1", NULL, NULL},
    {"clang", "3.9:4.9", NULL, "-march=armv8.2-a+fp16+crc+crypto", NULL, NULL},
    {"clang", "5:10", NULL, "-march=armv8.2-a+fp16+rcpc+dotprod+crypto", NULL, NULL},
    {"clang", "11:", NULL, "-march=armv8.4-a+sve+fp16+bf16+crypto+i8mm+rng", NULL, NULL},
    {"clang", "12:", NULL, "-mcpu=neoverse-v1", NULL, NULL},
    {"arm", "20:21.9", NULL, "-march=armv8.2-a+sve+fp16+rcpc+dotprod+crypto", NULL, NULL},
    {"arm", "22:", NULL, "-mcpu=neoverse-v1", NULL, NULL},
    {"nvhpc", "22.5:", "neoverse-n1", "-tp {name}", NULL, NULL},
};
static const char *const neoverse_v2_parents[] = {"neoverse_n1", "armv9.0a", NULL};
static const char *const neoverse_v2_features[] = {"fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "atomics", "fphp", "asimdhp", "cpuid", "asimdrdm", "jscvt", "fcma", "lrcpc", "dcpop", "sha3", "asimddp", "sha512", "sve", "asimdfhm", "uscat", "ilrcpc", "flagm", "sb", "dcpodp", "sve2", "flagm2", "frint", "svei8mm", "svebf16", "i8mm", "bf16", NULL};
static const microarch_cflags neoverse_v2_cflags[] = {
    {"gcc", "4.8:5.99", NULL, "-march=armv8-a", NULL, NULL},
    {"gcc", "6:6.99", NULL, "-march=armv8.1-a", NULL, NULL},
    {"gcc", "7.0:7.99", NULL, "-march=armv8.2-a -mtune=cortex-a72", NULL, NULL},
    {"gcc", "8.0:8.99", NULL, "-march=armv8.4-a+sve -mtune=cortex-a72", NULL, NULL},
    {"gcc", "9.0:9.99", NULL, "-march=armv8.5-a+sve -mtune=cortex-a76", NULL, NULL},
    {"gcc", "10.0:11.3.99", NULL, "-march=armv8.5-a+sve+sve2+i8mm+bf16 -mtune=cortex-a77", NULL, NULL},
    {"gcc", "11.4:11.99", NULL, "-mcpu=neoverse-v2", NULL, NULL},
    {"gcc", "12.0:12.2.99", NULL, "-march=armv9-a+i8mm+bf16 -mtune=cortex-a710", NULL, NULL},
    {"gcc", "12.3:", NULL, "-mcpu=neoverse-v2", NULL, NULL},
    {"clang", "9.0:10.99", NULL, "-march=armv8.5-a+sve", NULL, NULL},
    {"clang", "11.0:13.99", NULL, "-march=armv8.5-a+sve+sve2+i8mm+bf16", NULL, NULL},
    {"clang", "14.0:15.99", NULL, "-march=armv9-a+i8mm+bf16", NULL, NULL},
    {"clang", "16.0:", NULL, "-mcpu=neoverse-v2", NULL, NULL},
    {"arm", "23.04.0:", NULL, "-mcpu=neoverse-v2", NULL, NULL},
    {"nvhpc", "23.3:", "neoverse-v2", "-tp {name}", NULL, NULL},
};
static const char *const neoverse_n2_parents[] = {"neoverse_n1", "armv9.0a", NULL};
static const char *const neoverse_n2_features[] = {"fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "atomics", "fphp", "asimdhp", "cpuid", "asimdrdm", "jscvt", "fcma", "lrcpc", "dcpop", "sha3", "asimddp", "sha512", "sve", "asimdfhm", "uscat", "ilrcpc", "flagm", "sb", "dcpodp", "sve2", "flagm2", "frint", "svei8mm", "svebf16", "i8mm", "bf16", NULL};
static const microarch_cflags neoverse_n2_cflags[] = {
    {"gcc", "4.8:5.99", NULL, "-march=armv8-a", NULL, NULL},
    {"gcc", "6:6.99", NULL, "-march=armv8.1-a", NULL, NULL},
    {"gcc", "7.0:7.99", NULL, "-march=armv8.2-a -mtune=cortex-a72", NULL, NULL},
    {"gcc", "8.0:8.99", NULL, "-march=armv8.4-a+sve -mtune=cortex-a72", NULL, NULL},
    {"gcc", "9.0:9.99", NULL, "-march=armv8.5-a+sve -mtune=cortex-a76", NULL, NULL},
    {"gcc", "10.0:10.99", NULL, "-march=armv8.5-a+sve+sve2+i8mm+bf16 -mtune=cortex-a77", NULL, NULL},
    {"gcc", "11.0:", NULL, "-mcpu=neoverse-n2", NULL, NULL},
    {"clang", "9.0:10.99", NULL, "-march=armv8.5-a+sve", NULL, NULL},
    {"clang", "11.0:13.99", NULL, "-march=armv8.5-a+sve+sve2+i8mm+bf16", NULL, NULL},
    {"clang", "14.0:15.99", NULL, "-march=armv9-a+i8mm+bf16", NULL, NULL},
    {"clang", "16.0:", NULL, "-mcpu=neoverse-n2", NULL, NULL},
    {"arm", "23.04.0:", NULL, "-mcpu=neoverse-n2", NULL, NULL},
    {"nvhpc", "23.3:", "neoverse-n1", "-tp {name}", NULL, NULL},
};
static const char *const ampere1_parents[] = {"neoverse_n1", "armv8.6a", NULL};
static const char *const ampere1_features[] = {"fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "atomics", "fphp", "asimdhp", "cpuid", "asimdrdm", "jscvt", "fcma", "lrcpc", "dcpop", "sha3", "asimddp", "sha512", "asimdfhm", "dit", "uscat", "ilrcpc", "flagm", "ssbs", "sb", "paca", "pacg", "dcpodp", "flagm2", "frint", "i8mm", "bf16", "rng", "bti", "ecv", NULL};
static const microarch_cflags ampere1_cflags[] = {
    {"gcc", "9.0:10.4.99", NULL, "-mcpu=neoverse-n1", NULL, NULL},
    {"gcc", "10.5:10.99", NULL, "-mcpu=ampere1", NULL, NULL},
    {"gcc", "11.0:11.2.99", NULL, "-mcpu=neoverse-n1", NULL, NULL},
    {"gcc", "11.3:11.99", NULL, "-mcpu=ampere1", NULL, NULL},
    {"gcc", "12.0:12.0.99", NULL, "-mcpu=neoverse-n1", NULL, NULL},
    {"gcc", "12.1:12.99", NULL, "-mcpu=ampere1", NULL, NULL},
    {"gcc", "13:", NULL, "-mcpu=ampere1", NULL, NULL},
    {"clang", "10:", NULL, "-mcpu=neoverse-n1", NULL, NULL},
    {"clang", "16:", NULL, "-mcpu=ampere1", NULL, NULL},
    {"arm", "22:", NULL, "-mcpu=neoverse-n1", NULL, NULL},
    {"nvhpc", "22.5:", "neoverse-n1", "-tp {name}", NULL, NULL},
};
static const char *const ampere1a_parents[] = {"ampere1", NULL};
static const char *const ampere1a_features[] = {"fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "atomics", "fphp", "asimdhp", "cpuid", "asimdrdm", "jscvt", "fcma", "lrcpc", "dcpop", "sha3", "sm3", "sm4", "asimddp", "sha512", "asimdfhm", "dit", "uscat", "ilrcpc", "flagm", "ssbs", "sb", "paca", "pacg", "dcpodp", "flagm2", "frint", "i8mm", "bf16", "rng", "bti", "ecv", NULL};
static const microarch_cflags ampere1a_cflags[] = {
    {"gcc", "9.0:10.4.99", NULL, "-mcpu=neoverse-n1", NULL, NULL},
    {"gcc", "10.5:10.99", NULL, "-mcpu=ampere1a", NULL, NULL},
    {"gcc", "11.0:11.3.99", NULL, "-mcpu=neoverse-n1", NULL, NULL},
    {"gcc", "11.4:11.99", NULL, "-mcpu=ampere1a", NULL, NULL},
    {"gcc", "12.0:12.2.99", NULL, "-mcpu=neoverse-n1", NULL, NULL},
    {"gcc", "12.3:12.99", NULL, "-mcpu=ampere1a", NULL, NULL},
    {"gcc", "13:", NULL, "-mcpu=ampere1a", NULL, NULL},
    {"clang", "10:", NULL, "-mcpu=neoverse-n1", NULL, NULL},
    {"clang", "16:", NULL, "-mcpu=ampere1", NULL, NULL},
    {"arm", "22:", NULL, "-mcpu=neoverse-n1", NULL, NULL},
    {"nvhpc", "22.5:", "neoverse-n1", "-tp {name}", NULL, NULL},
};
static const char *const neoverse_v3ae_parents[] = {"neoverse_v2", "armv9.2a", NULL};
static const char *const neoverse_v3ae_features[] = {"aes", "afp", "asimd", "asimddp", "asimdfhm", "asimdhp", "asimdrdm", "atomics", "bf16", "bti", "cpuid", "crc32", "dcpodp", "dcpop", "dgh", "dit", "ecv", "evtstrm", "fcma", "flagm", "flagm2", "fp", "fphp", "frint", "i8mm", "ilrcpc", "jscvt", "lrcpc", "paca", "pacg", "pmull", "sb", "sha1", "sha2", "sha3", "sha512", "sm3", "sm4", "sve", "sve2", "sveaes", "svebf16", "svebitperm", "svei8mm", "svepmull", "svesha3", "svesm4", "uscat", "wfxt", NULL};
static const microarch_cflags neoverse_v3ae_cflags[] = {
    {"gcc", "15.0:", NULL, "-mcpu=neoverse-v3ae", NULL, NULL},
    {"clang", "19.0:", NULL, "-mcpu=neoverse-v3ae", NULL, NULL},
};
static const char *const m1_parents[] = {"armv8.4a", NULL};
static const char *const m1_features[] = {"fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "atomics", "fphp", "asimdhp", "cpuid", "asimdrdm", "jscvt", "fcma", "lrcpc", "dcpop", "sha3", "asimddp", "sha512", "asimdfhm", "dit", "uscat", "ilrcpc", "flagm", "ssbs", "sb", "paca", "pacg", "dcpodp", "flagm2", "frint", NULL};
static const microarch_cflags m1_cflags[] = {
    {"gcc", "8.0:", NULL, "-march=armv8.4-a -mtune=generic", NULL, NULL},
    {"gcc", "15.1:", NULL, "-mcpu=apple-m1", NULL, NULL},
    {"clang", "9.0:12.0", NULL, "-march=armv8.4-a", NULL, NULL},
    {"clang", "13.0:", NULL, "-mcpu=apple-m1", NULL, NULL},
    {"apple-clang", "11.0:12.5", NULL, "-march=armv8.4-a", NULL, NULL},
    {"apple-clang", "13.0:", NULL, "-mcpu=apple-m1", NULL, NULL},
};
static const char *const m2_parents[] = {"m1", "armv8.5a", NULL};
static const char *const m2_features[] = {"fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "atomics", "fphp", "asimdhp", "cpuid", "asimdrdm", "jscvt", "fcma", "lrcpc", "dcpop", "sha3", "asimddp", "sha512", "asimdfhm", "dit", "uscat", "ilrcpc", "flagm", "ssbs", "sb", "paca", "pacg", "dcpodp", "flagm2", "frint", "ecv", "bf16", "i8mm", "bti", NULL};
static const microarch_cflags m2_cflags[] = {
    {"gcc", "10.1:", NULL, "-march=armv8.6-a -mtune=generic", NULL, NULL},
    {"gcc", "15.1:", NULL, "-mcpu=apple-m2", NULL, NULL},
    {"clang", "9.0:12.0", NULL, "-march=armv8.5-a", NULL, NULL},
    {"clang", "13.0:", NULL, "-mcpu=apple-m1", NULL, NULL},
    {"clang", "16.0:", NULL, "-mcpu=apple-m2", NULL, NULL},
    {"apple-clang", "11.0:12.5", NULL, "-march=armv8.5-a", NULL, NULL},
    {"apple-clang", "13.0:14.0.2", NULL, "-mcpu=apple-m1", NULL, NULL},
    {"apple-clang", "14.0.2:", NULL, "-mcpu=apple-m2", NULL, NULL},
};
static const char *const m3_parents[] = {"m2", "armv8.6a", NULL};
static const char *const m3_features[] = {"fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "atomics", "fphp", "asimdhp", "cpuid", "asimdrdm", "jscvt", "fcma", "lrcpc", "dcpop", "sha3", "asimddp", "sha512", "asimdfhm", "dit", "uscat", "ilrcpc", "flagm", "ssbs", "sb", "paca", "pacg", "dcpodp", "flagm2", "frint", "ecv", "bf16", "i8mm", "bti", NULL};
static const microarch_cflags m3_cflags[] = {
    {"gcc", "10.1:", NULL, "-march=armv8.6-a -mtune=generic", NULL, NULL},
    {"gcc", "15.1:", NULL, "-mcpu=apple-m3", NULL, NULL},
    {"clang", "9.0:12.0", NULL, "-march=armv8.5-a", NULL, NULL},
    {"clang", "13.0:", NULL, "-mcpu=apple-m1", NULL, NULL},
    {"clang", "16.0:", NULL, "-mcpu=apple-m3", NULL, NULL},
    {"apple-clang", "11.0:12.5", NULL, "-march=armv8.5-a", NULL, NULL},
    {"apple-clang", "13.0:14.0.2", NULL, "-mcpu=apple-m1", NULL, NULL},
    {"apple-clang", "14.0.2:15", NULL, "-mcpu=apple-m2", NULL, NULL},
    {"apple-clang", "16:", NULL, "-mcpu=apple-m3", NULL, NULL},
};
static const char *const m4_parents[] = {"m3", "armv8.6a", NULL};
static const char *const m4_features[] = {"fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "atomics", "fphp", "asimdhp", "cpuid", "asimdrdm", "jscvt", "fcma", "lrcpc", "dcpop", "sha3", "asimddp", "sha512", "asimdfhm", "dit", "uscat", "ilrcpc", "flagm", "ssbs", "sb", "paca", "pacg", "dcpodp", "flagm2", "frint", "ecv", "bf16", "i8mm", "bti", "sme", "sme2", NULL};
static const microarch_cflags m4_cflags[] = {
    {"gcc", "14.1:", NULL, "-march=armv9.2-a+sme2 -fno-tree-vectorize -fno-tree-slp-vectorize -mtune=generic", NULL, NULL},
    {"clang", "9.0:12.0", NULL, "-march=armv8.5-a", NULL, NULL},
    {"clang", "13.0:", NULL, "-mcpu=apple-m1", NULL, NULL},
    {"clang", "16.0:18", NULL, "-mcpu=apple-m3", NULL, NULL},
    {"clang", "19:", NULL, "-mcpu=apple-m4", NULL, NULL},
    {"apple-clang", "11.0:12.5", NULL, "-march=armv8.5-a", NULL, NULL},
    {"apple-clang", "13.0:14.0.2", NULL, "-mcpu=apple-m1", NULL, NULL},
    {"apple-clang", "14.0.2:15", NULL, "-mcpu=apple-m2", NULL, NULL},
    {"apple-clang", "16:", NULL, "-mcpu=apple-m3", NULL, NULL},
    {"apple-clang", "17:", NULL, "-mcpu=apple-m4", NULL, NULL},
};
static const char *const arm_parents[] = {NULL};
static const char *const arm_features[] = {NULL};
static const microarch_cflags arm_cflags[] = {
    {"clang", ":", NULL, "-march={family} -mcpu=generic", NULL, "arm"},
};
static const char *const ppc_parents[] = {NULL};
static const char *const ppc_features[] = {NULL};
static const char *const ppcle_parents[] = {NULL};
static const char *const ppcle_features[] = {NULL};
static const char *const sparc_parents[] = {NULL};
static const char *const sparc_features[] = {NULL};
static const char *const sparc64_parents[] = {NULL};
static const char *const sparc64_features[] = {NULL};
static const char *const riscv64_parents[] = {NULL};
static const char *const riscv64_features[] = {NULL};
static const microarch_cflags riscv64_cflags[] = {
    {"gcc", "7.1:", NULL, "-march=rv64gc", NULL, NULL},
    {"clang", "9.0:", NULL, "-march=rv64gc", NULL, NULL},
};
static const char *const u74mc_parents[] = {"riscv64", NULL};
static const char *const u74mc_features[] = {NULL};
static const microarch_cflags u74mc_cflags[] = {
    {"gcc", "10.2:", NULL, "-march=rv64gc -mtune=sifive-7-series", NULL, NULL},
    {"clang", "12.0:", NULL, "-march=rv64gc -mtune=sifive-7-series", NULL, NULL},
};
static const char *const x60_parents[] = {"riscv64", NULL};
static const char *const x60_features[] = {NULL};
static const microarch_cflags x60_cflags[] = {
    {"gcc", "14:", NULL, "-march=rv64imafdcv_zicbom_zicboz_zicntr_zicond_zicsr_zifencei_zihintpause_zihpm_zfh_zfhmin_zca_zcd_zba_zbb_zbc_zbs_zkt_zve32f_zve32x_zve64d_zve64f_zve64x_zvfh_zvfhmin_zvkt_sscofpmf_sstc_svinval_svnapot_svpbmt", NULL, NULL},
    {"clang", "21.0:", NULL, "-march=rv64i2p1_m2p0_a2p1_f2p2_d2p2_c2p0_zicsr2p0_zmmul1p0_zaamo1p0_zalrsc1p0_zca1p0_zcd1p0", NULL, NULL},
};

const microarch microarch_table[] = {
    {"x86", "generic", x86_parents, x86_features, NULL, 0, 0, NULL},
    {"i686", "GenuineIntel", i686_parents, i686_features, NULL, 0, 0, NULL},
    {"pentium2", "GenuineIntel", pentium2_parents, pentium2_features, NULL, 0, 0, NULL},
    {"pentium3", "GenuineIntel", pentium3_parents, pentium3_features, NULL, 0, 0, NULL},
    {"pentium4", "GenuineIntel", pentium4_parents, pentium4_features, NULL, 0, 0, NULL},
    {"prescott", "GenuineIntel", prescott_parents, prescott_features, NULL, 0, 0, NULL},
    {"x86_64", "generic", x86_64_parents, x86_64_features, x86_64_cflags, 8, 0, NULL},
    {"x86_64_v2", "generic", x86_64_v2_parents, x86_64_v2_features, x86_64_v2_cflags, 8, 0, NULL},
    {"x86_64_v3", "generic", x86_64_v3_parents, x86_64_v3_features, x86_64_v3_cflags, 10, 0, NULL},
    {"x86_64_v4", "generic", x86_64_v4_parents, x86_64_v4_features, x86_64_v4_cflags, 10, 0, NULL},
    {"nocona", "GenuineIntel", nocona_parents, nocona_features, nocona_cflags, 7, 0, NULL},
    {"core2", "GenuineIntel", core2_parents, core2_features, core2_cflags, 7, 0, NULL},
    {"nehalem", "GenuineIntel", nehalem_parents, nehalem_features, nehalem_cflags, 8, 0, NULL},
    {"westmere", "GenuineIntel", westmere_parents, westmere_features, westmere_cflags, 7, 0, NULL},
    {"sandybridge", "GenuineIntel", sandybridge_parents, sandybridge_features, sandybridge_cflags, 10, 0, NULL},
    {"ivybridge", "GenuineIntel", ivybridge_parents, ivybridge_features, ivybridge_cflags, 10, 0, NULL},
    {"haswell", "GenuineIntel", haswell_parents, haswell_features, haswell_cflags, 10, 0, NULL},
    {"broadwell", "GenuineIntel", broadwell_parents, broadwell_features, broadwell_cflags, 8, 0, NULL},
    {"skylake", "GenuineIntel", skylake_parents, skylake_features, skylake_cflags, 8, 0, NULL},
    {"mic_knl", "GenuineIntel", mic_knl_parents, mic_knl_features, mic_knl_cflags, 7, 0, NULL},
    {"skylake_avx512", "GenuineIntel", skylake_avx512_parents, skylake_avx512_features, skylake_avx512_cflags, 8, 0, NULL},
    {"cannonlake", "GenuineIntel", cannonlake_parents, cannonlake_features, cannonlake_cflags, 8, 0, NULL},
    {"cascadelake", "GenuineIntel", cascadelake_parents, cascadelake_features, cascadelake_cflags, 8, 0, NULL},
    {"icelake", "GenuineIntel", icelake_parents, icelake_features, icelake_cflags, 10, 0, NULL},
    {"sapphirerapids", "GenuineIntel", sapphirerapids_parents, sapphirerapids_features, sapphirerapids_cflags, 5, 0, NULL},
    {"alderlake", "GenuineIntel", alderlake_parents, alderlake_features, alderlake_cflags, 2, 0, NULL},
    {"arrowlake", "GenuineIntel", arrowlake_parents, arrowlake_features, arrowlake_cflags, 2, 0, NULL},
    {"arrowlake_s", "GenuineIntel", arrowlake_s_parents, arrowlake_s_features, arrowlake_s_cflags, 2, 0, NULL},
    {"k10", "AuthenticAMD", k10_parents, k10_features, k10_cflags, 6, 0, NULL},
    {"bulldozer", "AuthenticAMD", bulldozer_parents, bulldozer_features, bulldozer_cflags, 7, 0, NULL},
    {"piledriver", "AuthenticAMD", piledriver_parents, piledriver_features, piledriver_cflags, 7, 0, NULL},
    {"steamroller", "AuthenticAMD", steamroller_parents, steamroller_features, steamroller_cflags, 7, 0, NULL},
    {"excavator", "AuthenticAMD", excavator_parents, excavator_features, excavator_cflags, 7, 0, NULL},
    {"zen", "AuthenticAMD", zen_parents, zen_features, zen_cflags, 7, 0, NULL},
    {"zen2", "AuthenticAMD", zen2_parents, zen2_features, zen2_cflags, 7, 0, NULL},
    {"zen3", "AuthenticAMD", zen3_parents, zen3_features, zen3_cflags, 7, 0, NULL},
    {"zen4", "AuthenticAMD", zen4_parents, zen4_features, zen4_cflags, 8, 0, NULL},
    {"zen5", "AuthenticAMD", zen5_parents, zen5_features, zen5_cflags, 3, 0, NULL},
    {"ppc64", "generic", ppc64_parents, ppc64_features, ppc64_cflags, 2, 0, NULL},
    {"power7", "IBM", power7_parents, power7_features, power7_cflags, 2, 7, NULL},
    {"power8", "IBM", power8_parents, power8_features, power8_cflags, 3, 8, NULL},
    {"power9", "IBM", power9_parents, power9_features, power9_cflags, 2, 9, NULL},
    {"power10", "IBM", power10_parents, power10_features, power10_cflags, 2, 10, NULL},
    {"ppc64le", "generic", ppc64le_parents, ppc64le_features, ppc64le_cflags, 2, 0, NULL},
    {"power8le", "IBM", power8le_parents, power8le_features, power8le_cflags, 4, 8, NULL},
    {"power9le", "IBM", power9le_parents, power9le_features, power9le_cflags, 3, 9, NULL},
    {"power10le", "IBM", power10le_parents, power10le_features, power10le_cflags, 2, 10, NULL},
    {"aarch64", "generic", aarch64_parents, aarch64_features, aarch64_cflags, 4, 0, NULL},
    {"armv8.1a", "generic", armv8_1a_parents, armv8_1a_features, armv8_1a_cflags, 4, 0, NULL},
    {"armv8.2a", "generic", armv8_2a_parents, armv8_2a_features, armv8_2a_cflags, 4, 0, NULL},
    {"armv8.3a", "generic", armv8_3a_parents, armv8_3a_features, armv8_3a_cflags, 4, 0, NULL},
    {"armv8.4a", "generic", armv8_4a_parents, armv8_4a_features, armv8_4a_cflags, 4, 0, NULL},
    {"armv8.5a", "generic", armv8_5a_parents, armv8_5a_features, armv8_5a_cflags, 4, 0, NULL},
    {"armv8.6a", "generic", armv8_6a_parents, armv8_6a_features, armv8_6a_cflags, 2, 0, NULL},
    {"armv9.0a", "generic", armv9_0a_parents, armv9_0a_features, armv9_0a_cflags, 4, 0, NULL},
    {"armv9.2a", "generic", armv9_2a_parents, armv9_2a_features, armv9_2a_cflags, 4, 0, NULL},
    {"thunderx2", "Cavium", thunderx2_parents, thunderx2_features, thunderx2_cflags, 6, 0, "0x0af"},
    {"a64fx", "Fujitsu", a64fx_parents, a64fx_features, a64fx_cflags, 10, 0, "0x001"},
    {"cortex_a72", "ARM", cortex_a72_parents, cortex_a72_features, cortex_a72_cflags, 4, 0, "0xd08"},
    {"neoverse_n1", "ARM", neoverse_n1_parents, neoverse_n1_features, neoverse_n1_cflags, 13, 0, "0xd0c"},
    {"neoverse_v1", "ARM", neoverse_v1_parents, neoverse_v1_features, neoverse_v1_cflags, 18, 0, "0xd40"},
    {"neoverse_v2", "ARM", neoverse_v2_parents, neoverse_v2_features, neoverse_v2_cflags, 15, 0, "0xd4f"},
    {"neoverse_n2", "ARM", neoverse_n2_parents, neoverse_n2_features, neoverse_n2_cflags, 13, 0, "0xd49"},
    {"ampere1", "Ampere", ampere1_parents, ampere1_features, ampere1_cflags, 11, 0, "0xac3"},
    {"ampere1a", "Ampere", ampere1a_parents, ampere1a_features, ampere1a_cflags, 11, 0, "0xac4"},
    {"neoverse_v3ae", "ARM", neoverse_v3ae_parents, neoverse_v3ae_features, neoverse_v3ae_cflags, 2, 0, "0xd83"},
    {"m1", "Apple", m1_parents, m1_features, m1_cflags, 6, 0, "0x022"},
    {"m2", "Apple", m2_parents, m2_features, m2_cflags, 8, 0, "0x032"},
    {"m3", "Apple", m3_parents, m3_features, m3_cflags, 9, 0, "Unknown"},
    {"m4", "Apple", m4_parents, m4_features, m4_cflags, 10, 0, "Unknown"},
    {"arm", "generic", arm_parents, arm_features, arm_cflags, 1, 0, NULL},
    {"ppc", "generic", ppc_parents, ppc_features, NULL, 0, 0, NULL},
    {"ppcle", "generic", ppcle_parents, ppcle_features, NULL, 0, 0, NULL},
    {"sparc", "generic", sparc_parents, sparc_features, NULL, 0, 0, NULL},
    {"sparc64", "generic", sparc64_parents, sparc64_features, NULL, 0, 0, NULL},
    {"riscv64", "generic", riscv64_parents, riscv64_features, riscv64_cflags, 2, 0, NULL},
    {"u74mc", "SiFive", u74mc_parents, u74mc_features, u74mc_cflags, 2, 0, NULL},
    {"x60", "SpacemiT", x60_parents, x60_features, x60_cflags, 2, 0, NULL},
};
const size_t microarch_table_len = sizeof microarch_table / sizeof *microarch_table;
/* clang-format on */
