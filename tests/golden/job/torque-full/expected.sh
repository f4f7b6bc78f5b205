#!/bin/bash
#PBS -S /bin/bash
## START OF HEADER ##
#PBS -N torque-full
#PBS -A proj42
#PBS -q batch
#PBS -l walltime=49:00:00
#PBS -l nodes=n01:ppn=32:gpus=2+n02:ppn=32:gpus=2+1:ppn=32:gpus=2
#PBS -l procs=96
#PBS -l mem=8gb
#PBS -l pmem=512mb
#PBS -t 1-7:2
#PBS -o full.out
#PBS -e full.err
#PBS -j oe
#PBS -l partition=west
#PBS -l feature=haswell
#PBS -l qos=high
#PBS -V
#PBS -v DATA_DIR,OMP_PLACES
#PBS -W depend=afterok:1234
#PBS -m abe
#PBS -M user@example.org
#PBS -a 202403011830.15
#PBS -l naccesspolicy=singlejob
## END OF HEADER ##

cd "${PBS_O_WORKDIR}" || exit 1
export PATH="${PBS_O_WORKDIR}:${PATH}"
# MODAK: Start Script<id=16c9b730-9a2d-4d80-b4c9-a045ab885984>
mkdir xla_dump
export TF_XLA_FLAGS="--tf_xla_auto_jit=2 --tf_xla_cpu_global_jit"
export XLA_FLAGS="--xla_dump_to=xla_dump/generated"
# MODAK: End   Script<id=16c9b730-9a2d-4d80-b4c9-a045ab885984>
singularity exec "--nv" "$SINGULARITY_DIR/tensorflow_2.1.0-gpu-py3.sif" python3 train.py --epochs 3
