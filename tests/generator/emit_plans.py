#!/usr/bin/python3
"""emit_plans.py — writes the plans the emitters' script tests feed to emit_plan.

    emit_plans.py DIR BINARY BASE_IMAGE PWNED

writes DIR/normal.json, DIR/framework.json and DIR/hostile.json (opt_plan as JSON, see
tests/generator/emit_plan.c) and DIR/expect.json: for each node, the words its training
command must have (Python's shlex.split of its train_args, an oracle independent of
modak's splitter) and the values its labels must show. PWNED is a path prefix: every
injection in the hostile plan tries to create PWNED<n>, so a test proves them inert by
finding no such file afterwards.
"""
import json
import os
import shlex
import sys

out, binary, base, pwned = sys.argv[1:5]

shell = f"$(touch {pwned}1)`touch {pwned}2`; touch {pwned}3 # ${{HOME}} $HOME"
jinja = (f"{{{{ lookup('pipe','touch {pwned}4') }}}}"
         f"{{% set x = lookup('pipe','touch {pwned}5') %}}{{# comment #}}")
yamlish = f"!!python/object/apply:os.system ['touch {pwned}6'] &a *a # [x] {{k: v}}"
quotes = "single ' double \" back \\ tick ` end"
evil = f"{shell} {jinja} {quotes}\nsecond line\r\t../../{yamlish} \u2028 \u00e9"
huge = (evil + " ") * 2000  # ~400 KB

JOB = """#!/bin/bash
#SBATCH --job-name={name}
# stand-in job script: {comment}
set -euo pipefail
{run}
"""
# more arguments for a real training binary (MODAK_TEST_TRAIN_ARGS, e.g. --max-steps 20)
EXTRA = " ".join(shlex.quote(w) for w in shlex.split(os.environ.get("MODAK_TEST_TRAIN_ARGS", "")))
BARE = '"$MODAK_BINARY" train --data "$MODAK_DATASET" --metrics "$MODAK_METRICS" ' + EXTRA
# the image deploy built, run by the job (podman's settings come with the environment)
CONTAINED = ('podman run --rm --network=none --pull=never -v "$MODAK_WORKSPACE:/ws" "$MODAK_IMAGE" '
             'train --data /ws/data --metrics "/ws/$(basename "$MODAK_METRICS")" ' + EXTRA)


def decision(**kw):
    d = {"image": "modak-native", "graph_compiler": "modak", "threads": 2, "batch": 64,
         "ranks": 1, "nodes": 1, "predicted_seconds": 12.5, "target": "this-host",
         "openblas_coretype": "Haswell", "reason": "fastest predicted time-to-train"}
    d.update(kw)
    return d


def node(name, **kw):
    n = {"name": name, "job_node": name + "_job", "scheduler": "slurm", "runtime": "docker",
         "workspace": f"{out}/ws/{name}", "dataset": "data", "network": "mnist_cnn", "epochs": 1,
         "train_args": "--data data --epochs 1 --batch 64 --threads 2",
         "job_script": JOB.format(name=name, comment="runs the binary", run=BARE),
         "binary": binary, "base_image": base, "decision": decision()}
    n.update(kw)
    return n


def write(name, plan):
    with open(f"{out}/{name}.json", "w") as f:
        json.dump(plan, f)


normal = {"blueprint": "mnist-service", "nodes": [
    node("mnist", job_script=JOB.format(name="mnist", comment="runs the image", run=CONTAINED)),
    node("mnist.pbs", scheduler="torque"),
    node("mnist.bash", scheduler="batch"),
]}
framework = {"blueprint": "tf-service", "nodes": [
    node("tf_xla", binary=None, runtime="singularity", train_args=None,
         decision=decision(image="docker-daemon://" + base, graph_compiler="xla",
                           openblas_coretype=None, threads=3)),
]}
hostile_words = ["--data", shell, "--tag", jinja, "--q", quotes + "\nnext", "--metrics", "m.jsonl"]
hostile = {"blueprint": evil, "nodes": [
    node("h.o-s_t",
         job_node=evil,
         workspace=f"{out}/ws/{shell}/{jinja}/q'\"`x\nnl/../{yamlish.replace('/', '_')}",
         dataset="data/" + shell.replace("/", "_"),
         network=evil,
         train_args=" ".join(shlex.quote(w) for w in hostile_words),
         job_script=JOB.format(name="hostile", comment=jinja + " " + shell, run=BARE),
         decision=decision(image="docker://example.org/" + evil, graph_compiler=evil,
                           target=evil, reason=huge)),
]}
for name, plan in (("normal", normal), ("framework", framework), ("hostile", hostile)):
    write(name, plan)


def label(v):
    """What a label shows: the value's first 1,024 bytes (then '...'), line breakers blanked."""
    if not v:
        return ""
    b, cut = v.encode(), ""
    if len(b) > 1024:
        n = 1024
        while b[n] & 0xC0 == 0x80:
            n -= 1
        b, cut = b[:n], "..."
    return "".join(" " if ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f or c in "\u2028\u2029\ufeff" else c
                   for c in b.decode()) + cut


expect = {}
for plan in (normal, framework, hostile):
    for n in plan["nodes"]:
        d = n["decision"]
        expect[n["name"]] = {
            # what the binary gets by default (a framework image has no binary)
            "words": ["train"] + shlex.split(n["train_args"] or "") if n["binary"] else [],
            "env": [d["openblas_coretype"] or "", str(d["threads"]), str(d["threads"])],
            "labels": {"org.modak.blueprint": label(plan["blueprint"]),
                       "org.modak.reason": label(d["reason"]),
                       "org.modak.target": label(d["target"]),
                       "org.modak.graph-compiler": label(d["graph_compiler"])},
            "node": n,
            "blueprint": plan["blueprint"],
        }
assert expect["h.o-s_t"]["words"][1:] == hostile_words
with open(f"{out}/expect.json", "w") as f:
    json.dump(expect, f)
