#!/bin/bash
## START OF HEADER ##
#SBATCH -J daint-scaled
#SBATCH --time=0:30:00
#SBATCH -N 1
#SBATCH --output=scaled.out
#SBATCH --constraint=mc
#SBATCH --mail-type=END,FAIL
#SBATCH --mail-user=user@example.org
## END OF HEADER ##

cd "${SLURM_SUBMIT_DIR}" || exit 1
export PATH="${SLURM_SUBMIT_DIR}:${PATH}"
# MODAK: Start Script<id=2fd6b1db-9920-52cc-bc2f-1d8c11a7f3b4>
module swap PrgEnv-cray PrgEnv-gnu
module load singularity
# MODAK: End   Script<id=2fd6b1db-9920-52cc-bc2f-1d8c11a7f3b4>

export OMP_NUM_THREADS=2
srun -n 6 singularity exec "$SINGULARITY_DIR/mpich_ub1804_cuda101_mpi314_gnugprof.sif" ./solver input.dat
