#!/usr/bin/python3
"""Check TOSCA files with OpenStack tosca-parser, one verdict line per file.

    tosca-validate.py [--defs FILE] [--no-cache] [--stats] PATH...

PATH is a file or a folder (searched recursively for *.yaml and *.yml, in sorted order).
Each file is parsed on its own, as its own ToscaTemplate, and gets one line on stdout:
    PATH: VALID
    PATH: INVALID: <tosca-parser's first error, on one line>
Exit status: 0 when every file is valid, 1 when any is invalid, 2 for usage problems or
when tosca-parser cannot be loaded.

modak's independent reference checker (tests and bench/validate.sh). It runs Debian 12's
python3-tosca-parser 2.6.0 as installed, working around the package's two defects without
touching it: the .deb lacks toscaparser/elements/TOSCA_definition_1_0.yaml, which the
parser loads when imported, so its YAML loader is redirected to modak's own
tosca_normative_types.yaml beside this script; and 2.6.0 rejects tosca_simple_yaml_1_3,
which is accepted here by adding the version to the parser's three lists of known
versions, as upstream 2.11 does (no 1.3-specific semantics come with it).

What is reused across files, so that a thousand files check in one process: the parser and
its normative types are imported once, and every imported file (types) is parsed once per
(path, mtime, size) and handed to the parser as a deep copy, because tosca-parser mutates
what it loads (it appends the imports of each imported file to the others' lists).
--no-cache turns the import cache off. The template itself is always read
fresh. Must run with Debian's /usr/bin/python3 (a python3 earlier on PATH may not see
Debian's packages).
"""

import argparse
import copy
import logging
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DEFS = os.path.join(HERE, "tosca_normative_types.yaml")
V13 = "tosca_simple_yaml_1_3"
EXTENSIONS = (".yaml", ".yml")


def clone(value):
    """A deep copy of what a YAML safe loader builds (dicts, lists, sets and immutable
    scalars), about four times faster than copy.deepcopy; aliases become copies."""
    t = type(value)
    if t is dict:
        return {k: clone(v) for k, v in value.items()}
    if t is list:
        return [clone(v) for v in value]
    if t is set:
        return set(value)
    if t in (str, int, float, bool, type(None)):
        return value
    return copy.deepcopy(value)


class Loader:
    """Stands in for toscaparser.utils.yamlparser.load_yaml: supplies the missing
    normative-types file and caches parsed imports."""

    def __init__(self, orig_load, defs, cache):
        self.orig_load = orig_load
        self.defs = defs
        self.cache = {} if cache else None
        self.current = None  # realpath of the template being checked: never cached
        self.hits = 0
        self.misses = 0

    def __call__(self, path, a_file=True):
        if not a_file:
            return self.orig_load(path, a_file)
        path = str(path)
        if os.path.basename(path) == "TOSCA_definition_1_0.yaml" and not os.path.exists(path):
            path = self.defs
        if self.cache is None:
            return self.orig_load(path, a_file)
        real = os.path.realpath(path)
        if real == self.current:
            return self.orig_load(path, a_file)
        try:
            st = os.stat(real)
        except OSError:
            return self.orig_load(path, a_file)  # let tosca-parser report it
        key = (real, st.st_mtime_ns, st.st_size)
        tpl = self.cache.get(key)
        if tpl is None:
            self.misses += 1
            tpl = self.orig_load(path, a_file)
            if tpl is None:
                return None
            self.cache[key] = tpl
        else:
            self.hits += 1
        return clone(tpl)


def load_parser(defs, cache):
    """Imports tosca-parser with the loader patched in before any module binds it."""
    import toscaparser.utils.yamlparser as yp

    loader = Loader(yp.load_yaml, defs, cache)
    yp.load_yaml = loader

    from toscaparser.common.exception import ExceptionCollector
    from toscaparser.elements.tosca_type_validation import TypeValidation
    from toscaparser.tosca_template import SPECIAL_SECTIONS, ToscaTemplate

    for versions in (ToscaTemplate.MAIN_TEMPLATE_VERSIONS,
                     ToscaTemplate.VALID_TEMPLATE_VERSIONS,
                     TypeValidation.VALID_TEMPLATE_VERSIONS):
        if V13 not in versions:
            versions.append(V13)
    ToscaTemplate.ADDITIONAL_SECTIONS.setdefault(V13, SPECIAL_SECTIONS)
    return loader, ToscaTemplate, ExceptionCollector


def one_line(text):
    return " ".join(str(text).split())


def check(path, loader, tosca_template, collector):
    """Returns None when PATH is valid, else tosca-parser's first error."""
    loader.current = os.path.realpath(path)
    try:
        tosca_template(path)
        return None
    except Exception as e:  # ValidationError, and whatever a malformed file raises
        errors = collector.getExceptionsReport(full=False)
        return one_line(errors[0] if errors else f"{type(e).__name__}: {e}")
    finally:
        loader.current = None
        collector.clear()


def expand(paths):
    """Files named, and *.yaml/*.yml under folders named, in sorted order."""
    for p in paths:
        if os.path.isdir(p):
            found = []
            for root, dirs, files in os.walk(p):
                dirs.sort()
                found.extend(os.path.join(root, f) for f in files if f.endswith(EXTENSIONS))
            yield from sorted(found)
        else:
            yield p


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--defs", default=DEFAULT_DEFS,
                    help="normative types file standing in for TOSCA_definition_1_0.yaml")
    ap.add_argument("--no-cache", action="store_true",
                    help="parse every imported file again for every template")
    ap.add_argument("--stats", action="store_true",
                    help="print files, seconds and files/s to stderr at the end")
    ap.add_argument("paths", nargs="+", metavar="PATH")
    args = ap.parse_args(argv)

    if not os.path.isfile(args.defs):
        print(f"tosca-validate: normative types file not found: {args.defs}", file=sys.stderr)
        return 2
    # tosca-parser logs what it also collects as errors, and warnings (inputs without values)
    # that say nothing of validity: the verdict lines carry all that matters.
    logging.disable(logging.CRITICAL)
    try:
        loader, tosca_template, collector = load_parser(args.defs, not args.no_cache)
    except Exception as e:  # ImportError, or the defs file failing to parse
        print(f"tosca-validate: cannot load tosca-parser: {type(e).__name__}: {e}\n"
              "  (install python3-tosca-parser and run with /usr/bin/python3)", file=sys.stderr)
        return 2

    files = list(expand(args.paths))
    if not files:
        print("tosca-validate: no *.yaml or *.yml files found", file=sys.stderr)
        return 2
    start = time.perf_counter()
    invalid = 0
    out = sys.stdout
    for f in files:
        err = check(f, loader, tosca_template, collector)
        if err is None:
            out.write(f"{f}: VALID\n")
        else:
            invalid += 1
            out.write(f"{f}: INVALID: {err}\n")
    out.flush()
    if args.stats:
        secs = time.perf_counter() - start
        print(f"tosca-validate: {len(files)} files ({invalid} invalid) in {secs:.3f} s, "
              f"{len(files) / secs:.1f} files/s; imports parsed {loader.misses}, "
              f"reused {loader.hits}", file=sys.stderr)
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
