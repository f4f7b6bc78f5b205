#!/bin/bash
## START OF HEADER ##
#SBATCH -J solver-build
#SBATCH --time=2:00:00
#SBATCH -N 1
#SBATCH --ntasks-per-node=8
#SBATCH --output=solver.out
#SBATCH --error=solver.err
## END OF HEADER ##

cd "${SLURM_SUBMIT_DIR}" || exit 1
export PATH="${SLURM_SUBMIT_DIR}:${PATH}"
# MODAK: Start Script<id=80593ce7-fc40-4e1d-988d-84c38930f8e5>
module load mpi/openmpi-x86_64
# MODAK: End   Script<id=80593ce7-fc40-4e1d-988d-84c38930f8e5>

wget --no-check-certificate https://example.org/solver-1.0.tar.gz

singularity exec "$SINGULARITY_DIR/openmpi_3.1.3.sif" sh -c 'tar xzf solver-1.0.tar.gz
cd solver-1.0 && make -j8'

export OMP_NUM_THREADS=1
srun -n 8 singularity exec "$SINGULARITY_DIR/openmpi_3.1.3.sif" ./bin/solver
