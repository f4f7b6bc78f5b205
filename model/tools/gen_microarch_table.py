#!/usr/bin/env python3
"""Writes model/microarch_table.c, modak's table of CPU micro-architectures, from the facts in
archspec's microarchitectures.json (names, vendor, parents, required flags, per-compiler
-march flags, POWER generation, ARM part number). A developer tool: modak never reads
archspec at run time, and tests/model/test_microarch.c checks the table against the file.

usage: gen_microarch_table.py ../shared/reference/archspec/microarchitectures.json > model/microarch_table.c
"""
import json
import sys


def cstr(s):
    if s is None:
        return "NULL"
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def ident(name):
    return "".join(c if c.isalnum() else "_" for c in name)


def main():
    data = json.load(open(sys.argv[1]))
    table = data["microarchitectures"]
    out = []
    w = out.append
    w("/* microarch_table — modak's table of CPU micro-architectures (GENERATED, do not edit).")
    w(" *")
    w(" * Written by model/tools/gen_microarch_table.py from the facts in archspec's")
    w(" * microarchitectures.json (archspec/archspec-json, cpu/; Apache-2.0 OR MIT): each row's")
    w(" * name, vendor, parents (in archspec's order), the ISA flags it requires, and the flags")
    w(" * each compiler version needs to target it. tests/model/test_microarch.c compares this")
    w(" * table with archspec's file when $MODAK_REFERENCE_DIR is set. */")
    w('#include "microarch.h"')
    w("")
    w("/* clang-format off */")
    for name, m in table.items():
        i = ident(name)
        frm = m["from"]
        if isinstance(frm, str):
            frm = [frm]
        w("static const char *const %s_parents[] = {%s};" % (i, ", ".join([cstr(p) for p in frm] + ["NULL"])))
        w("static const char *const %s_features[] = {%s};" % (i, ", ".join([cstr(f) for f in m["features"]] + ["NULL"])))
        rows = []
        for comp, lst in m.get("compilers", {}).items():
            if isinstance(lst, dict):
                lst = [lst]
            for e in lst:
                rows.append("    {%s, %s, %s, %s, %s, %s}," % (
                    cstr(comp), cstr(e.get("versions")), cstr(e.get("name")), cstr(e.get("flags")),
                    cstr(e.get("warnings")), cstr(e.get("family"))))
        if rows:
            w("static const microarch_cflags %s_cflags[] = {" % i)
            out.extend(rows)
            w("};")
    w("")
    w("const microarch microarch_table[] = {")
    for name, m in table.items():
        i = ident(name)
        n = sum(len(l) if isinstance(l, list) else 1 for l in m.get("compilers", {}).values())
        w("    {%s, %s, %s_parents, %s_features, %s, %d, %s, %s}," % (
            cstr(name), cstr(m["vendor"]), i, i, ("%s_cflags" % i) if n else "NULL", n,
            str(m.get("generation", 0)), cstr(m.get("cpupart"))))
    w("};")
    w("const size_t microarch_table_len = sizeof microarch_table / sizeof *microarch_table;")
    w("/* clang-format on */")
    print("\n".join(out))


if __name__ == "__main__":
    main()
