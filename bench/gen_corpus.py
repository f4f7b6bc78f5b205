#!/usr/bin/python3
"""Generate a corpus of SODALITE-style TOSCA blueprints for bench/validate.sh.

    gen_corpus.py [-n N] [--seed S] [--invalid-rate R] [--gap-rate R] [--site-rate R]
                  [--reference DIR | --builtin] OUT

Writes into OUT (created; must be empty or absent):
  bp-0001.yaml ... bp-NNNN.yaml   the blueprints, variations of SODALITE's hpc-service.yaml
  iac-modules/hpc/app/*.yml       the SODALITE types they import, at the paths they name
  iac-modules/hpc/modak/job/*.yml SODALITE's MODAK job types (checked as type files only)
  iac-modules/hpc/app/site-NN.yml generated type files deriving a constrained training app
  manifest.tsv                    one row per YAML file: file, expect, tosca_parser,
                                  category, mutation, detail

How a blueprint is made. The reference blueprint (read at run time from
$MODAK_REFERENCE_DIR/sodalite-tosca, --reference, or ../shared/reference beside the project;
when absent, a message says so and a built-in template written for modak with the same
type and property names is used) gives one prototype node per role: the workload manager
(cluster), the container runtime, the application, the job execution, and the workflow
job and result. Each blueprint chains 1-8 training jobs (app -> job -> workflow job ->
result, each workflow job depending on the previous result) over 1-2 clusters, with its own
naming style, scheduler, resources, job sizes, optional properties, extra typed inputs used
through get_input, outputs, and sometimes a site type file whose derived application type
adds properties with valid_values and range constraints. Property schemas are read from the
type files, so mutations hit real required/typed/constrained properties.

Categories (column `category`, with `expect` the verdict strict TOSCA 1.3 gives and
`tosca_parser` the one tosca-parser 2.6 gives):
  valid    expect=valid   tosca_parser=valid
  invalid  expect=invalid tosca_parser=invalid: one mutation both validators must catch
           (unknown node type, string for an integer/boolean, missing required property,
           value outside valid_values, value outside a range constraint, requirement to a
           missing node, get_input of an undeclared input, unknown property, missing import,
           input of an unknown type)
  gap      expect=invalid tosca_parser=valid: a defect tosca-parser 2.6 lets through
           (float or numeric string or boolean for an integer, "true" string for a boolean,
           requirement to a node of the wrong type, get_input of an undeclared input in an
           attribute). Not compared between the two validators;
           bench/validate.sh reports modak's verdict on them separately.
Type files are rows of category `types` (valid for both).

Deterministic for a given seed and reference. Needs PyYAML (Debian python3-yaml).
"""

import argparse
import copy
import os
import random
import re
import sys

import yaml

WM = "sodalite.nodes.hpc.WM"
RUNTIME = "sodalite.nodes.batch.Container.Runtime"
APP = "sodalite.nodes.batch.Container.Application"
JOB = "sodalite.nodes.batch.Container.JobExecution"
WFJOB = "sodalite.nodes.workflow.Job"
WFRES = "sodalite.nodes.workflow.Result"
ROLES = (WM, RUNTIME, APP, JOB, WFJOB, WFRES)

SITES = ["hlrs", "psnc", "cineca", "jsc", "lrz", "bsc", "csc", "surf", "ichec", "ifca",
         "cesga", "ecmwf"]
TRAININGS = [  # (executable, arguments, container image)
    ("python3 resnet/resnet_imagenet_main.py",
     "--data_dir=/mnt/nfs/data/tf_records/train/ --batch_size={b} --train_epochs={e}",
     "docker://modakopt/modak:tensorflow-2.1-gpu-src"),
    ("python3 mnist/main.py", "--batch-size {b} --epochs {e} --lr 0.01",
     "docker://modakopt/modak:pytorch-1.5-gpu"),
    ("python3 bert/run_pretraining.py", "--train_batch_size={b} --num_train_steps={e}000",
     "docker://modakopt/modak:tensorflow-2.2-gpu"),
    ("python3 unet/train.py", "--batch {b} --epochs {e} --amp",
     "shub://sodalite/unet:latest"),
    ("python3 snow/skyline_training.py", "-b {b} -n {e}",
     "docker://modakopt/modak:keras-2.3-tf-2.1-gpu"),
]
WRONG_WORDS = ["four", "many", "lots", "n/a", "unknown", "auto"]
WRONG_CHOICES = ["lsf", "docker", "podman", "sge", "fp64", "mxnet", "oar", "kubernetes"]

# --- built-in template: used only when the reference files are absent --------------------
# Written for modak from the SODALITE iac-modules HPC types (type and property names, their
# types, required/default and constraints); operations and descriptions are left out.
BUILTIN_TYPES = {
    "iac-modules/hpc/app/runtimes.yml": """\
tosca_definitions_version: tosca_simple_yaml_1_3
node_types:
  sodalite.nodes.batch.Container.Runtime:
    derived_from: tosca.nodes.SoftwareComponent
    properties:
      runtime: {type: string, constraints: [{valid_values: [singularity]}]}
      images_location: {type: string, required: false, default: images}
      certs_location: {type: string, required: false, default: ""}
      private_registry: {type: string, required: false, default: ""}
      puller_image: {type: string, default: puller.sif}
      puller_image_remote: {type: string, default: "modakopt/modak:puller"}
    attributes:
      images_location_full_path: {type: string}
    requirements:
      - host: {node: tosca.nodes.Compute, capability: tosca.capabilities.Compute,
               relationship: tosca.relationships.HostedOn}
""",
    "iac-modules/hpc/app/workload_managers.yml": """\
tosca_definitions_version: tosca_simple_yaml_1_3
capability_types:
  sodalite.capabilities.OptimisedTarget:
    derived_from: tosca.capabilities.Compute
    properties:
      target: {type: string}
  sodalite.capabilities.WM.JobResources:
    derived_from: tosca.capabilities.Compute
    properties:
      gpus: {type: integer, required: true}
      cpus: {type: integer, required: true}
      memory: {type: integer, required: false}
node_types:
  sodalite.nodes.hpc.WM:
    derived_from: tosca.nodes.Compute
    properties:
      scheduler: {type: string, default: batch,
                  constraints: [{valid_values: [torque, pbs, slurm, batch]}]}
      username: {type: string}
      ssh-key: {type: string, required: false, default: ""}
      hpc_label: {type: string, required: false, default: ""}
      scrape_interval: {type: integer, required: false, default: 15}
    capabilities:
      resources: {type: sodalite.capabilities.WM.JobResources}
      optimisations: {type: sodalite.capabilities.OptimisedTarget}
""",
    "iac-modules/hpc/app/apps.yml": """\
tosca_definitions_version: tosca_simple_yaml_1_3
imports:
  - runtimes.yml
  - workload_managers.yml
data_types:
  sodalite.datatypes.application.build:
    derived_from: tosca.datatypes.Root
    properties:
      src: {type: string}
      build_command: {type: string}
node_types:
  sodalite.nodes.batch.Container.Application:
    derived_from: tosca.nodes.Root
    properties:
      app_tag: {type: string}
      app_type: {type: string}
      container_runtime: {type: string}
      executable: {type: string}
      arguments: {type: string, required: false, default: ""}
      mpi_ranks: {type: integer, required: false, default: null}
      threads: {type: integer, required: false, default: null}
      minimal_efficiency: {type: float, required: false, default: null}
      storage_class_pref: {type: string, required: false, default: null}
      build: {type: map, required: false, default: null,
              entry_schema: {type: sodalite.datatypes.application.build}}
    requirements:
      - runtime: {node: sodalite.nodes.batch.Container.Runtime,
                  capability: tosca.capabilities.Node, relationship: tosca.relationships.DependsOn}
      - host: {node: tosca.nodes.Compute, capability: tosca.capabilities.Compute,
               relationship: tosca.relationships.HostedOn}
  sodalite.nodes.batch.Container.BatchExecution:
    derived_from: tosca.nodes.SoftwareComponent
    properties:
      content: {type: string}
      workspace: {type: string, required: false, default: "~/"}
    attributes:
      env: {type: map, default: {}}
      exec_name: {type: string}
    requirements:
      - application: {node: sodalite.nodes.batch.Container.Application,
                      capability: tosca.capabilities.Node,
                      relationship: tosca.relationships.DependsOn}
      - runtime: {node: sodalite.nodes.batch.Container.Runtime,
                  capability: tosca.capabilities.Node, relationship: tosca.relationships.DependsOn}
      - host: {node: tosca.nodes.Compute, capability: tosca.capabilities.Compute,
               relationship: tosca.relationships.HostedOn}
  sodalite.nodes.batch.Container.JobExecution:
    derived_from: sodalite.nodes.batch.Container.BatchExecution
    properties:
      job_name: {type: string}
      partition: {type: string, required: false, default: null}
      queue: {type: string, required: false, default: null}
      wall_time_limit: {type: string, required: false, default: null}
      node_count: {type: integer, required: false, default: null}
      core_count: {type: integer, required: false, default: null}
      process_count_per_node: {type: integer, required: false, default: null}
      request_gpus: {type: integer, required: false, default: null}
      request_specific_nodes: {type: string, required: false, default: null}
      standard_output_file: {type: string, required: false, default: null}
      standard_error_file: {type: string, required: false, default: null}
      combine_stdout_stderr: {type: boolean, required: false, default: null}
      copy_environment: {type: boolean, required: false, default: null}
      copy_environment_variable: {type: string, required: false, default: null}
      request_event_notification: {type: string, required: false, default: null}
      email_address: {type: string, required: false, default: null}
    requirements:
      - host: {node: sodalite.nodes.hpc.WM, capability: tosca.capabilities.Compute,
               relationship: tosca.relationships.HostedOn}
""",
    "iac-modules/hpc/app/workflows.yml": """\
tosca_definitions_version: tosca_simple_yaml_1_3
imports:
  - apps.yml
  - workload_managers.yml
node_types:
  sodalite.nodes.workflow.Job:
    derived_from: tosca.nodes.SoftwareComponent
    requirements:
      - host: {node: tosca.nodes.Compute, capability: tosca.capabilities.Compute,
               relationship: tosca.relationships.HostedOn}
      - execution: {node: sodalite.nodes.batch.Container.BatchExecution,
                    capability: tosca.capabilities.Node,
                    relationship: tosca.relationships.DependsOn}
    attributes:
      job_id: {type: string}
      job_walltime: {type: string}
  sodalite.nodes.workflow.Result:
    derived_from: tosca.nodes.SoftwareComponent
    requirements:
      - host: {node: tosca.nodes.Compute, capability: tosca.capabilities.Compute,
               relationship: tosca.relationships.HostedOn}
      - job: {node: sodalite.nodes.workflow.Job, capability: tosca.capabilities.Node,
              relationship: tosca.relationships.DependsOn}
    properties:
      monitor_period: {type: integer, default: 10}
      monitor_retries_headroom: {type: integer, default: 2}
""",
}

BUILTIN_BLUEPRINT = """\
tosca_definitions_version: tosca_simple_yaml_1_3
imports:
  - iac-modules/hpc/app/apps.yml
  - iac-modules/hpc/app/workflows.yml
topology_template:
  inputs:
    frontend-address: {type: string}
    username: {type: string}
  node_templates:
    testbed:
      type: sodalite.nodes.hpc.WM
      properties:
        scheduler: torque
        username: {get_input: username}
      attributes:
        public_address: {get_input: frontend-address}
      capabilities:
        resources: {properties: {gpus: 4, cpus: 128, memory: 262144}}
        optimisations: {properties: {target: testbed}}
    runtime:
      type: sodalite.nodes.batch.Container.Runtime
      properties: {runtime: singularity, images_location: images}
      requirements:
        - host: testbed
    app-1:
      type: sodalite.nodes.batch.Container.Application
      properties:
        app_tag: app-1
        app_type: python
        executable: python3 train.py
        arguments: --epochs 3
        container_runtime: docker://modakopt/modak:tensorflow-2.1-gpu-src
      requirements:
        - runtime: runtime
        - host: testbed
    job-1:
      type: sodalite.nodes.batch.Container.JobExecution
      properties:
        job_name: job-1
        wall_time_limit: "12:00:00"
        node_count: 1
        core_count: 40
        request_gpus: 1
        queue: gpu
        standard_output_file: job-1.out
        standard_error_file: job-1.err
        combine_stdout_stderr: true
        copy_environment: true
        request_event_notification: abe
        email_address: user@example.org
        workspace: ~/batch-app
        content: "#!/bin/bash\\npython3 train.py\\n"
      attributes:
        env: {SOME_VAR: SOME_VALUE}
      requirements:
        - application: app-1
        - runtime: runtime
        - host: testbed
    step-1:
      type: sodalite.nodes.workflow.Job
      requirements:
        - execution: job-1
        - host: testbed
    result-1:
      type: sodalite.nodes.workflow.Result
      requirements:
        - job: step-1
        - host: testbed
"""


# --- sources --------------------------------------------------------------------------------
def project_root():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def find_reference(explicit):
    """The sodalite-tosca folder of the reference data, or None."""
    bases = [explicit] if explicit else [os.environ.get("MODAK_REFERENCE_DIR"),
                                         os.path.join(project_root(), "..", "shared", "reference")]
    for base in bases:
        if not base:
            continue
        for cand in (os.path.join(base, "sodalite-tosca"), base):
            if os.path.isfile(os.path.join(cand, "blueprints", "hpc-service.yaml")):
                return os.path.normpath(cand)
    return None


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def collect_imports(types_dir, src_rel, dst_rel, out):
    """Copies types_dir/src_rel to dst_rel in OUT, following its relative imports."""
    if dst_rel in out:
        return
    text = read(os.path.join(types_dir, src_rel))
    out[dst_rel] = text
    for imp in (yaml.safe_load(text) or {}).get("imports") or []:
        name = imp if isinstance(imp, str) else (imp.get("file") if isinstance(imp, dict) else None)
        if not name:
            continue
        collect_imports(types_dir, os.path.normpath(os.path.join(os.path.dirname(src_rel), name)),
                        os.path.normpath(os.path.join(os.path.dirname(dst_rel), name)), out)


def load_reference(sod):
    """Blueprint dict, {relative path in OUT: type file text} from the reference folder."""
    bp = yaml.safe_load(read(os.path.join(sod, "blueprints", "hpc-service.yaml")))
    types_dir = os.path.join(sod, "types")
    types = {}
    # The blueprint names iac-modules/hpc/app/<file>; the reference keeps those files in types/.
    for imp in bp.get("imports") or []:
        collect_imports(types_dir, os.path.basename(imp), os.path.normpath(imp), types)
    if os.path.isfile(os.path.join(types_dir, "modak", "main.yml")):
        collect_imports(types_dir, "modak/main.yml", "iac-modules/hpc/modak/job/main.yml", types)
    return bp, types


# --- schema ---------------------------------------------------------------------------------
class Schema:
    """Property schemas of the node and capability types in a set of type files."""

    def __init__(self, docs):
        self.nodes, self.caps = {}, {}
        for d in docs:
            self.nodes.update(d.get("node_types") or {})
            self.caps.update(d.get("capability_types") or {})

    @staticmethod
    def _chain(table, name):
        seen = []
        while name in table and name not in seen:
            seen.append(name)
            name = (table[name] or {}).get("derived_from")
        return [table[n] or {} for n in seen]

    def _merged(self, table, name, key):
        merged = {}
        for d in reversed(self._chain(table, name)):
            merged.update(d.get(key) or {})
        return merged

    def node_props(self, t):
        return self._merged(self.nodes, t, "properties")

    def node_caps(self, t):
        caps = self._merged(self.nodes, t, "capabilities")
        return {k: (v if isinstance(v, str) else (v or {}).get("type")) for k, v in caps.items()}

    def cap_props(self, ct):
        return self._merged(self.caps, ct, "properties")


def constraint(pdef, key):
    for c in (pdef or {}).get("constraints") or []:
        if isinstance(c, dict) and key in c:
            return c[key]
    return None


def required(pdef):
    return pdef.get("required", True) is not False and pdef.get("default") is None


# --- building a valid blueprint -------------------------------------------------------------
class Prototypes:
    """One prototype node template per role, and the inputs, taken from a blueprint."""

    def __init__(self, bp):
        topo = bp.get("topology_template") or {}
        self.version = bp.get("tosca_definitions_version", "tosca_simple_yaml_1_3")
        self.imports = list(bp.get("imports") or [])
        self.inputs = copy.deepcopy(topo.get("inputs") or {})
        self.nodes = {}
        for name, node in (topo.get("node_templates") or {}).items():
            t = node.get("type")
            if t in ROLES:
                # the first of each role, preferring a workflow job without extra dependencies
                if t not in self.nodes or (t == WFJOB and len(self.nodes[t][1].get(
                        "requirements") or []) > len(node.get("requirements") or [])):
                    self.nodes[t] = (name, copy.deepcopy(node))
        missing = [r for r in ROLES if r not in self.nodes]
        if missing:
            raise SystemExit(f"gen_corpus: the template blueprint has no node of type {missing}")

    def instance(self, role, renames):
        """A copy of the prototype of ROLE with names in strings replaced by RENAMES."""
        old, node = self.nodes[role]
        node = copy.deepcopy(node)
        pairs = sorted(renames.items(), key=lambda kv: -len(kv[0]))

        def sub(v):
            if isinstance(v, str):
                for a, b in pairs:
                    v = v.replace(a, b)
                return v
            if isinstance(v, dict):
                return {k: sub(x) for k, x in v.items()}
            if isinstance(v, list):
                return [sub(x) for x in v]
            return v

        for key in ("properties", "attributes", "capabilities"):
            if key in node:
                node[key] = sub(node[key])
        return node


def names(rng, nclusters):
    style = rng.randrange(3)
    sites = rng.sample(SITES, nclusters)
    if style == 0:
        return sites, {"cluster": "{s}-testbed", "runtime": "batch-app-runtime-{s}",
                       "app": "batch-app-{k}", "job": "batch-job-{k}", "wf": "workflow-elem-{k}",
                       "res": "workflow-elem-result-{k}"}
    if style == 1:
        return sites, {"cluster": "{s}_cluster", "runtime": "{s}_runtime", "app": "train_app_{k}",
                       "job": "train_job_{k}", "wf": "step_{k}", "res": "step_{k}_result"}
    return sites, {"cluster": "{S}Cluster", "runtime": "{S}Singularity", "app": "TrainApp{k}",
                   "job": "TrainJob{k}", "wf": "Step{k}", "res": "Step{k}Result"}


def fmt(pattern, site="", k=0):
    return pattern.format(s=site, S=site.capitalize(), k=k)


def job_script(sched, job, props, exe, args):
    q = props.get("queue") or props.get("partition") or "batch"
    wt = props.get("wall_time_limit", "01:00:00")
    n, g = props.get("node_count", 1), props.get("request_gpus", 0)
    if sched in ("torque", "pbs"):
        head = (f"#PBS -S /bin/bash\n#PBS -N {job}\n#PBS -q {q}\n#PBS -l walltime={wt}\n"
                f"#PBS -l nodes={n}:gpus={g}\n#PBS -o {job}.out\n#PBS -e {job}.err\n"
                "cd $PBS_O_WORKDIR\n")
    elif sched == "slurm":
        head = (f"#!/bin/bash\n#SBATCH --job-name={job}\n#SBATCH --partition={q}\n"
                f"#SBATCH --time={wt}\n#SBATCH --nodes={n}\n#SBATCH --gres=gpu:{g}\n"
                "cd $SLURM_SUBMIT_DIR\n")
    else:
        head = "#!/bin/bash\n"
    return head + f"singularity exec $IMAGE {exe} {args}\n"


def build(proto, schema, rng, idx, site_type):
    """A valid blueprint (dict) and a one-line description of it."""
    njobs = rng.choices(range(1, 9), weights=[3, 6, 4, 3, 2, 2, 1, 1])[0]
    nclusters = 2 if njobs > 1 and rng.random() < 0.2 else 1
    sites, pat = names(rng, nclusters)
    inputs = copy.deepcopy(proto.inputs)
    nodes = {}
    old = {r: proto.nodes[r][0] for r in ROLES}

    wm_props = schema.node_props(WM)
    schedulers = constraint(wm_props.get("scheduler"), "valid_values") or ["torque"]
    clusters = []
    for s in sites:
        cname, rname = fmt(pat["cluster"], s), fmt(pat["runtime"], s)
        c = proto.instance(WM, {old[WM]: cname})
        props = c.setdefault("properties", {})
        sched = rng.choice(schedulers)
        props["scheduler"] = sched
        if rng.random() < 0.3:
            props["hpc_label"] = f"{s}-{rng.randrange(100)}"
        if rng.random() < 0.3:
            props["scrape_interval"] = rng.choice([5, 10, 15, 30, 60])
        caps = c.get("capabilities") or {}
        if "resources" in caps:
            caps["resources"]["properties"] = {
                "gpus": rng.choice([0, 1, 2, 4, 5, 8]), "cpus": rng.choice([32, 64, 128, 200, 512]),
                "memory": rng.choice([65536, 131072, 262144, 650687, 1048576])}
        if "optimisations" in caps:
            caps["optimisations"]["properties"] = {"target": f"{s}_testbed"}
        nodes[cname] = c
        r = proto.instance(RUNTIME, {})
        rp = r.setdefault("properties", {})
        rp["images_location"] = rng.choice(["images", "containers", f"/scratch/{s}/images"])
        r["requirements"] = [{"host": cname}]
        nodes[rname] = r
        clusters.append((cname, rname, sched))

    extra_inputs = []
    if rng.random() < 0.4:
        inputs["job-nodes"] = {"type": "integer", "default": rng.choice([1, 2, 4])}
        extra_inputs.append(("node_count", "job-nodes"))
    if rng.random() < 0.3:
        inputs["job-queue"] = {"type": "string", "default": rng.choice(["ssd", "gpu", "batch"])}
        extra_inputs.append(("queue", "job-queue"))

    prev_res = None
    first_job = None
    for k in range(1, njobs + 1):
        cname, rname, sched = clusters[(k - 1) % nclusters]
        an, jn = fmt(pat["app"], k=k), fmt(pat["job"], k=k)
        wn, resn = fmt(pat["wf"], k=k), fmt(pat["res"], k=k)
        exe, args, image = rng.choice(TRAININGS)
        args = args.format(b=rng.choice([32, 64, 96, 128, 256]), e=rng.randint(1, 90))

        a = proto.instance(APP, {old[APP]: an})
        ap = a.setdefault("properties", {})
        ap.update({"app_tag": an, "app_type": rng.choice(["python", "python3", "ai_training"]),
                   "executable": exe, "arguments": args, "container_runtime": image})
        if rng.random() < 0.3:
            ap["mpi_ranks"] = rng.choice([1, 2, 4, 8])
        if rng.random() < 0.3:
            ap["threads"] = rng.choice([1, 4, 8, 16])
        if rng.random() < 0.2:
            ap["minimal_efficiency"] = rng.choice([0.5, 0.75, 0.8, 0.9, 0.95])
        if site_type:
            stype, frameworks, _ = site_type
            a["type"] = stype
            ap["framework"] = rng.choice(frameworks)
            if rng.random() < 0.7:
                ap["epochs"] = rng.randint(1, 100)
            if rng.random() < 0.5:
                ap["batch_size"] = rng.choice([16, 32, 64, 128, 512, 4096])
            if rng.random() < 0.3:
                ap["precision"] = rng.choice(["fp16", "bf16", "fp32"])
        a["requirements"] = [{"runtime": rname}, {"host": cname}]
        nodes[an] = a

        j = proto.instance(JOB, {old[JOB]: jn})
        jp = j.setdefault("properties", {})
        jp.update({"job_name": jn,
                   "wall_time_limit": f"{rng.choice([1, 2, 4, 8, 12, 24, 48]):02d}:00:00",
                   "node_count": rng.choice([1, 1, 2, 4, 8, 16]),
                   "core_count": rng.choice([8, 16, 32, 40, 64, 128]),
                   "request_gpus": rng.choice([0, 1, 1, 2, 4]),
                   "standard_output_file": f"{jn}.out", "standard_error_file": f"{jn}.err",
                   "combine_stdout_stderr": rng.random() < 0.5,
                   "copy_environment": rng.random() < 0.7,
                   "request_event_notification": rng.choice(["abe", "ae", "be", "e"])})
        queue = rng.choice(["ssd", "gpu", "batch", "normal", "debug"])
        jp.pop("queue", None)
        jp.pop("partition", None)
        jp["partition" if sched == "slurm" else "queue"] = queue
        if rng.random() < 0.3:
            jp["process_count_per_node"] = rng.choice([1, 2, 4])
        if rng.random() < 0.2:
            jp["copy_environment_variable"] = "LD_LIBRARY_PATH"
        jp["content"] = job_script(sched, jn, jp, exe, args)
        if rng.random() < 0.5:
            j["attributes"] = {"env": {"SOME_VAR": "SOME_VALUE",
                                       "OMP_NUM_THREADS": str(rng.choice([1, 4, 8]))}}
        j["requirements"] = [{"application": an}, {"runtime": rname}, {"host": cname}]
        nodes[jn] = j
        if first_job is None:
            first_job = jn
            for prop, inp in extra_inputs:
                if prop == "queue" and "queue" not in jp:
                    continue
                jp[prop] = {"get_input": inp}

        w = proto.instance(WFJOB, {})
        w["requirements"] = [{"execution": jn}, {"host": cname}]
        if prev_res:
            w["requirements"].append({"dependency": prev_res})
        nodes[wn] = w
        r = proto.instance(WFRES, {})
        r["requirements"] = [{"job": wn}, {"host": cname}]
        if rng.random() < 0.3:
            r["properties"] = {"monitor_period": rng.choice([5, 10, 30, 60]),
                               "monitor_retries_headroom": rng.choice([1, 2, 3])}
        nodes[resn] = r
        prev_res = resn

    topo = {"inputs": inputs, "node_templates": nodes}
    if rng.random() < 0.3:
        topo["outputs"] = {"first_job_name": {"value": {"get_property": [first_job, "job_name"]}}}
    bp = {"tosca_definitions_version": proto.version,
          "description": f"bench corpus blueprint {idx}: {njobs} training job(s) on "
                         f"{nclusters} cluster(s)",
          "imports": list(proto.imports), "topology_template": topo}
    if site_type:
        bp["imports"].append(site_type[2])
    return bp, f"{njobs} jobs, {nclusters} clusters"


def site_types(n, app_import):
    """N generated type files: {relpath: (text, node type, frameworks)}.

    They sit beside apps.yml and import it by its bare name: tosca-parser 2.6 appends the
    imports of every imported file to the import lists of the others (imports.py,
    _update_custom_def) and resolves them against each file's own folder, so a type file
    in another folder that imports apps.yml fails there on apps.yml's own imports."""
    out = {}
    all_fw = ["tensorflow", "pytorch", "keras", "mxnet", "jax"]
    folder = os.path.dirname(app_import)
    for s in range(1, n + 1):
        rel = os.path.join(folder, f"site-{s:02d}.yml")
        stype = f"bench.site{s:02d}.nodes.TrainingApp"
        frameworks = all_fw[: 2 + s % 3]
        text = yaml.safe_dump({
            "tosca_definitions_version": "tosca_simple_yaml_1_3",
            "description": f"Site {s}: a training application type with constrained settings",
            "imports": [os.path.basename(app_import)],
            "node_types": {stype: {
                "derived_from": APP,
                "properties": {
                    "framework": {"type": "string",
                                  "constraints": [{"valid_values": frameworks}]},
                    "epochs": {"type": "integer", "default": 10,
                               "constraints": [{"greater_or_equal": 1}]},
                    "batch_size": {"type": "integer", "required": False, "default": 64,
                                   "constraints": [{"in_range": [1, 4096]}]},
                    "precision": {"type": "string", "required": False, "default": "fp32",
                                  "constraints": [{"valid_values": ["fp16", "bf16", "fp32"]}]},
                }}}}, sort_keys=False)
        out[rel] = (text, stype, frameworks)
    return out


# --- mutations ------------------------------------------------------------------------------
def prop_sites(bp, schema):
    """(container dict, key, schema def, label) for every property set in the blueprint."""
    for name, node in bp["topology_template"]["node_templates"].items():
        props = schema.node_props(node.get("type"))
        for k in list((node.get("properties") or {})):
            if k in props:
                yield node["properties"], k, props[k] or {}, f"{name}.properties.{k}"
        caps = schema.node_caps(node.get("type"))
        for cname, cap in (node.get("capabilities") or {}).items():
            cprops = schema.cap_props(caps.get(cname))
            for k in list((cap or {}).get("properties") or {}):
                if k in cprops:
                    yield cap["properties"], k, cprops[k] or {}, \
                        f"{name}.capabilities.{cname}.properties.{k}"


def literal(v):
    return not isinstance(v, (dict, list))


def m_unknown_node_type(bp, schema, rng):
    name, node = rng.choice(list(bp["topology_template"]["node_templates"].items()))
    t = node["type"]
    head, _, last = t.rpartition(".")
    i = rng.randrange(1, len(last))
    bad = f"{head}.{last[:i]}{last[i + 1:]}" if rng.random() < 0.5 else f"{t}s"
    if bad in schema.nodes:
        bad = f"{t}Typo"
    node["type"] = bad
    return f"{name}: type {bad}"


def m_wrong_property_type(bp, schema, rng):
    c = [s for s in prop_sites(bp, schema)
         if s[2].get("type") in ("integer", "boolean") and literal(s[0][s[1]])]
    if not c:
        return None
    d, k, pdef, label = rng.choice(c)
    d[k] = rng.choice(WRONG_WORDS) if pdef["type"] == "integer" else rng.choice(["maybe", "on-off"])
    return f"{label} = {d[k]!r} (type {pdef['type']})"


def m_missing_required_property(bp, schema, rng):
    c = [s for s in prop_sites(bp, schema) if required(s[2])]
    if not c:
        return None
    d, k, _, label = rng.choice(c)
    del d[k]
    return f"{label} removed (required)"


def m_valid_values(bp, schema, rng):
    c = [s for s in prop_sites(bp, schema)
         if constraint(s[2], "valid_values") and literal(s[0][s[1]])]
    if not c:
        return None
    d, k, pdef, label = rng.choice(c)
    allowed = constraint(pdef, "valid_values")
    d[k] = next((w for w in rng.sample(WRONG_CHOICES, len(WRONG_CHOICES)) if w not in allowed))
    return f"{label} = {d[k]!r} not in {allowed}"


def m_range(bp, schema, rng):
    c = [s for s in prop_sites(bp, schema) if literal(s[0][s[1]]) and s[2].get("type") == "integer"
         and (constraint(s[2], "greater_or_equal") is not None or constraint(s[2], "in_range"))]
    if not c:
        return None
    d, k, pdef, label = rng.choice(c)
    ge, rg = constraint(pdef, "greater_or_equal"), constraint(pdef, "in_range")
    d[k] = (ge - rng.randint(1, 5)) if ge is not None else rg[1] + rng.randint(1, 1000)
    return f"{label} = {d[k]} outside {pdef['constraints']}"


def m_missing_requirement_target(bp, schema, rng):
    c = [(n, r) for n, node in bp["topology_template"]["node_templates"].items()
         for r in node.get("requirements") or []]
    name, req = rng.choice(c)
    key = next(iter(req))
    req[key] = f"{req[key]}-missing"
    return f"{name}.requirements.{key} -> {req[key]} (no such node)"


def m_unknown_get_input(bp, schema, rng):
    c = [s for s in prop_sites(bp, schema)
         if isinstance(s[0][s[1]], dict) and "get_input" in s[0][s[1]]]
    if not c:
        return None
    d, k, _, label = rng.choice(c)
    d[k] = {"get_input": "undeclared-input"}
    return f"{label} = get_input of undeclared input"


def m_unknown_property(bp, schema, rng):
    name, node = rng.choice(list(bp["topology_template"]["node_templates"].items()))
    node.setdefault("properties", {})[rng.choice(["colour", "gpu_model", "priority_class"])] = "x"
    return f"{name}: unknown property"


def m_missing_import(bp, schema, rng):
    i = rng.randrange(len(bp["imports"]))
    bp["imports"][i] = bp["imports"][i].replace(".yml", "-missing.yml")
    return f"import {bp['imports'][i]} does not exist"


def m_unknown_input_type(bp, schema, rng):
    inputs = bp["topology_template"]["inputs"]
    if not inputs:
        return None
    name = rng.choice(list(inputs))
    inputs[name]["type"] = "strng"
    return f"inputs.{name}.type = strng"


MUTATIONS = {  # name: (function, weight)
    "unknown_node_type": (m_unknown_node_type, 3),
    "wrong_property_type": (m_wrong_property_type, 3),
    "missing_required_property": (m_missing_required_property, 3),
    "value_not_in_valid_values": (m_valid_values, 3),
    "value_out_of_range": (m_range, 3),
    "missing_requirement_target": (m_missing_requirement_target, 3),
    "unknown_get_input": (m_unknown_get_input, 3),
    "unknown_property": (m_unknown_property, 2),
    "missing_import": (m_missing_import, 1),
    "unknown_input_type": (m_unknown_input_type, 1),
}


def g_integer_as(kind):
    def f(bp, schema, rng):
        c = [s for s in prop_sites(bp, schema)
             if s[2].get("type") == "integer" and isinstance(s[0][s[1]], int)
             and not isinstance(s[0][s[1]], bool)]
        if not c:
            return None
        d, k, _, label = rng.choice(c)
        d[k] = {"float": d[k] + 0.5, "string": str(d[k]), "boolean": True}[kind]
        return f"{label} = {d[k]!r} for an integer"
    return f


def g_string_for_boolean(bp, schema, rng):
    c = [s for s in prop_sites(bp, schema)
         if s[2].get("type") == "boolean" and isinstance(s[0][s[1]], bool)]
    if not c:
        return None
    d, k, _, label = rng.choice(c)
    d[k] = "true" if d[k] else "false"
    return f"{label} = {d[k]!r} (a string) for a boolean"


def g_wrong_requirement_type(bp, schema, rng):
    nodes = bp["topology_template"]["node_templates"]
    apps = [n for n, node in nodes.items() if node["type"] != WM and "host" in
            {next(iter(r)) for r in node.get("requirements") or []}]
    others = [n for n, node in nodes.items() if node["type"] == RUNTIME]
    if not apps or not others:
        return None
    name = rng.choice(apps)
    for r in nodes[name]["requirements"]:
        if "host" in r:
            r["host"] = rng.choice(others)
    return f"{name}.requirements.host -> a {RUNTIME}, not a Compute"


def g_get_input_in_attribute(bp, schema, rng):
    c = [(n, node["attributes"], k) for n, node in bp["topology_template"]["node_templates"].items()
         for k, v in (node.get("attributes") or {}).items()
         if isinstance(v, dict) and "get_input" in v]
    if not c:
        return None
    name, attrs, k = rng.choice(c)
    attrs[k] = {"get_input": "undeclared-input"}
    return f"{name}.attributes.{k} = get_input of undeclared input"


GAPS = {
    "float_for_integer": (g_integer_as("float"), 2),
    "numeric_string_for_integer": (g_integer_as("string"), 2),
    "boolean_for_integer": (g_integer_as("boolean"), 1),
    "string_for_boolean": (g_string_for_boolean, 1),
    "requirement_to_wrong_node_type": (g_wrong_requirement_type, 2),
    "unknown_get_input_in_attribute": (g_get_input_in_attribute, 1),
}


def mutate(table, bp, schema, rng):
    names_ = list(table)
    weights = [table[n][1] for n in names_]
    for _ in range(50):
        name = rng.choices(names_, weights=weights)[0]
        detail = table[name][0](bp, schema, rng)
        if detail:
            return name, detail
    raise SystemExit("gen_corpus: no mutation applies to the template")


# --- output ---------------------------------------------------------------------------------
class Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    pass


YAML11_WORDS = {"", "~", "null", "y", "n", "yes", "no", "on", "off", "true", "false"}
NUMBER_LIKE = re.compile(r"^[-+]?\.?[0-9]|^[-+]?\.(inf|nan)$", re.IGNORECASE)


def represent_str(dumper, s):
    """Strings any YAML 1.1 or 1.2 resolver could read as something else ("04:00:00" is a
    base-60 integer to some, "n" a boolean to others) are double-quoted, so that both
    validators see the string meant; scripts are written as literal blocks."""
    style = None
    if "\n" in s:
        style = "|"
    elif s.lower() in YAML11_WORDS or NUMBER_LIKE.match(s):
        style = '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", s, style=style)


Dumper.add_representer(str, represent_str)


def dump(doc):
    return yaml.dump(doc, Dumper=Dumper, sort_keys=False, default_flow_style=False, width=100,
                     allow_unicode=True)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", "--count", type=int, default=1000, help="blueprints (default 1000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--invalid-rate", type=float, default=0.3)
    ap.add_argument("--gap-rate", type=float, default=0.04,
                    help="share of blueprints with a defect tosca-parser misses")
    ap.add_argument("--site-rate", type=float, default=0.2,
                    help="share of blueprints using a generated site type")
    ap.add_argument("--sites", type=int, default=8, help="site type files to generate")
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--reference", help="reference folder (holding sodalite-tosca/)")
    src.add_argument("--builtin", action="store_true", help="use the built-in template")
    ap.add_argument("out")
    args = ap.parse_args(argv)

    if os.path.exists(args.out) and os.listdir(args.out):
        print(f"gen_corpus: {args.out} exists and is not empty", file=sys.stderr)
        return 2
    sod = None if args.builtin else find_reference(args.reference)
    if args.reference and not sod:
        print(f"gen_corpus: no sodalite-tosca/blueprints/hpc-service.yaml under {args.reference}",
              file=sys.stderr)
        return 2
    if sod:
        bp, types = load_reference(sod)
        origin = os.path.join(sod, "blueprints", "hpc-service.yaml")
    else:
        if not args.builtin:
            print("gen_corpus: reference blueprint not found ($MODAK_REFERENCE_DIR, "
                  "../shared/reference); using the built-in template", file=sys.stderr)
        bp, types = yaml.safe_load(BUILTIN_BLUEPRINT), dict(BUILTIN_TYPES)
        origin = "built-in template"
    proto = Prototypes(bp)
    app_import = next((i for i in proto.imports if i.endswith("apps.yml")), proto.imports[0])
    sites = site_types(args.sites, app_import)
    schema = Schema([yaml.safe_load(t) for t in types.values()] +
                    [yaml.safe_load(t[0]) for t in sites.values()])
    site_list = sorted(sites)

    rows = []
    os.makedirs(args.out, exist_ok=True)

    def write(rel, text):
        path = os.path.join(args.out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    for rel, text in sorted(types.items()):
        write(rel, text)
        rows.append((rel, "valid", "valid", "types", "-", "type file"))
    for rel in site_list:
        write(rel, sites[rel][0])
        rows.append((rel, "valid", "valid", "types", "-", "generated site type file"))

    width = max(4, len(str(args.count)))
    for i in range(1, args.count + 1):
        rng = random.Random(f"{args.seed}/{i}")
        site = None
        if rng.random() < args.site_rate:
            rel = rng.choice(site_list)
            site = (sites[rel][1], sites[rel][2], rel)
        doc, what = build(proto, schema, rng, i, site)
        roll = rng.random()
        if roll < args.invalid_rate:
            mut, detail = mutate(MUTATIONS, doc, schema, rng)
            row = ("invalid", "invalid", "invalid", mut, detail)
        elif roll < args.invalid_rate + args.gap_rate:
            mut, detail = mutate(GAPS, doc, schema, rng)
            row = ("invalid", "valid", "gap", mut, detail)
        else:
            what += f", site type {site[2]}" if site else ""
            row = ("valid", "valid", "valid", "-", what)
        rel = f"bp-{i:0{width}d}.yaml"
        write(rel, f"# bench/gen_corpus.py blueprint {i} (seed {args.seed}), from {origin}\n"
              + dump(doc))
        rows.append((rel,) + row)

    with open(os.path.join(args.out, "manifest.tsv"), "w", encoding="utf-8") as f:
        f.write("file\texpect\ttosca_parser\tcategory\tmutation\tdetail\n")
        for r in rows:
            f.write("\t".join(str(x).replace("\t", " ").replace("\n", " ") for x in r) + "\n")
    counts = {}
    for r in rows:
        counts[r[3]] = counts.get(r[3], 0) + 1
    print(f"gen_corpus: {args.count} blueprints + {len(types) + len(sites)} type files in "
          f"{args.out} from {origin}: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
