#!/usr/bin/python3
"""Compare modak's and tosca-parser's verdicts on a generated corpus (bench/validate.sh).

    compare_verdicts.py --corpus DIR --tosca TP.txt --tosca-seconds S
                        [--modak MODAK.json --modak-seconds S] [--target 50]

Reads the corpus manifest (bench/gen_corpus.py), the verdict lines of
tests/tools/tosca-validate.py (`PATH: VALID` / `PATH: INVALID: message`) and the JSON array
of diagnostics of `modak validate --format json` (file, line, column, severity, rule,
message; a file is invalid when it has a diagnostic of severity "error"). Prints files/s of
each and their ratio, then the verdicts file by file: both valid / both invalid / disagree
over the files both validators understand (every category but `gap`), every disagreement
with both validators' first messages, modak's verdicts on the `gap` files (defects
tosca-parser lets through), and each validator against the manifest.

Exit status 1 when the two disagree on a compared file or when tosca-parser departs from
the verdict the manifest predicts for it (a corpus bug); timing never fails the run.
"""

import argparse
import csv
import json
import os
import re
import sys

VERDICT = re.compile(r"^(.*?): (VALID|INVALID)(?:: (.*))?$")


def rel(path, corpus):
    return os.path.relpath(os.path.realpath(path), os.path.realpath(corpus))


def read_manifest(corpus):
    with open(os.path.join(corpus, "manifest.tsv"), encoding="utf-8") as f:
        return {r["file"]: r for r in csv.DictReader(f, delimiter="\t")}


def read_tosca(path, corpus):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = VERDICT.match(line.rstrip("\n"))
            if m:
                out[rel(m.group(1), corpus)] = (m.group(2) == "VALID", m.group(3) or "")
    return out


def read_modak(path, corpus, files):
    """{file: (valid, first error message)} for FILES, plus diagnostics with no file."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    data = json.loads(text) if text.strip() else []
    if isinstance(data, dict):
        data = data.get("diagnostics", [])
    out = {f: (True, "") for f in files}
    stray = []
    for d in data:
        if not isinstance(d, dict):
            continue
        f = d.get("file")
        if not f:
            stray.append(d)
            continue
        key = rel(f, corpus)
        valid, msg = out.get(key, (True, ""))
        if d.get("severity") == "error" and valid:
            msg = f"{d.get('line')}:{d.get('column')}: {d.get('message')} [{d.get('rule')}]"
            valid = False
        out[key] = (valid, msg)
    return out, stray


def rate(n, secs):
    return n / secs if secs > 0 else float("inf")


def word(valid):
    return "valid" if valid else "invalid"


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--tosca", required=True)
    ap.add_argument("--tosca-seconds", type=float, required=True)
    ap.add_argument("--modak")
    ap.add_argument("--modak-seconds", type=float)
    ap.add_argument("--target", type=float, default=50.0)
    args = ap.parse_args(argv)

    manifest = read_manifest(args.corpus)
    tp = read_tosca(args.tosca, args.corpus)
    files = sorted(set(manifest) | set(tp))
    n = len(files)
    nbp = sum(1 for f in files if manifest.get(f, {}).get("category") != "types")
    print(f"corpus: {n} files ({nbp} blueprints, {n - nbp} type files) in {args.corpus}")
    tp_rate = rate(len(tp), args.tosca_seconds)
    print(f"tosca-parser: {len(tp)} files in {args.tosca_seconds:.3f} s = {tp_rate:.1f} files/s")
    rc = 0

    # tosca-parser against the manifest: a mismatch is a corpus (generator) bug.
    tp_off = [f for f in files if f in manifest and f in tp
              and word(tp[f][0]) != manifest[f]["tosca_parser"]]
    missing = [f for f in manifest if f not in tp]
    for f in missing:
        print(f"  tosca-parser gave no verdict on {f}")
    if tp_off or missing:
        rc = 1
    print(f"tosca-parser against the manifest: {len(files) - len(tp_off) - len(missing)} as "
          f"predicted, {len(tp_off)} not")
    for f in tp_off:
        r = manifest[f]
        print(f"  {f}: tosca-parser {word(tp[f][0])}, manifest {r['tosca_parser']} "
              f"({r['category']} {r['mutation']}: {r['detail']}) {tp[f][1]}")

    if not args.modak:
        return rc

    md, stray = read_modak(args.modak, args.corpus, files)
    for d in stray:
        print(f"  modak diagnostic without a file: {d}")
    md_rate = rate(n, args.modak_seconds)
    ratio = md_rate / tp_rate if tp_rate else float("inf")
    print(f"modak:        {n} files in {args.modak_seconds:.4f} s = {md_rate:.1f} files/s")
    print(f"speed ratio modak / tosca-parser: {ratio:.1f}x "
          f"(target >= {args.target:g}x: {'met' if ratio >= args.target else 'NOT met'})")

    extra = sorted(f for f in md if f not in manifest and f not in tp)
    for f in extra:
        print(f"  modak reported {f}, which is not in the corpus manifest")
    compared = [f for f in files if manifest.get(f, {}).get("category") != "gap" and f in tp]
    both_valid = sum(1 for f in compared if md[f][0] and tp[f][0])
    both_invalid = sum(1 for f in compared if not md[f][0] and not tp[f][0])
    disagree = [f for f in compared if md[f][0] != tp[f][0]]
    print(f"verdicts on the {len(compared)} files both understand: both valid {both_valid}, "
          f"both invalid {both_invalid}, disagree {len(disagree)}")
    for f in disagree:
        r = manifest.get(f, {})
        print(f"  DISAGREE {f}: modak {word(md[f][0])}, tosca-parser {word(tp[f][0])}; "
              f"manifest {r.get('expect', '?')} ({r.get('category', '?')} "
              f"{r.get('mutation', '')}: {r.get('detail', '')})")
        if md[f][1]:
            print(f"    modak: {md[f][1]}")
        if tp[f][1]:
            print(f"    tosca-parser: {tp[f][1]}")
    if disagree:
        rc = 1

    gaps = [f for f in files if manifest.get(f, {}).get("category") == "gap"]
    if gaps:
        caught = [f for f in gaps if not md[f][0]]
        print(f"defects tosca-parser lets through (category gap): {len(gaps)} files, "
              f"modak invalid on {len(caught)}, valid on {len(gaps) - len(caught)}")
        for f in gaps:
            if md[f][0]:
                r = manifest[f]
                print(f"  modak also misses {f}: {r['mutation']}: {r['detail']}")

    md_off = [f for f in files if f in manifest and word(md[f][0]) != manifest[f]["expect"]]
    print(f"modak against the manifest: {len(files) - len(md_off)} as expected, "
          f"{len(md_off)} not")
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
