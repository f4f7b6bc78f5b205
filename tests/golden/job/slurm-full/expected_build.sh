#!/bin/bash
## START OF HEADER ##
#SBATCH -J cirrus-full_build
#SBATCH -A dc117
#SBATCH --partition=standard
#SBATCH --qos=standard
#SBATCH --time=1-06:30:00
#SBATCH -N 1
#SBATCH --ntasks-per-node=4
#SBATCH --mem=4G
#SBATCH --mem-per-cpu=489M
#SBATCH --nodelist=r1i0n[1-2]
#SBATCH --output=build-full-%j.out
#SBATCH --error=build-full-%j.err
#SBATCH --constraint=standard
#SBATCH --export=ALL,OMP_PLACES
#SBATCH --dependency=afterok:123
#SBATCH --mail-type=BEGIN,END,FAIL
#SBATCH --mail-user=user@example.org
#SBATCH --begin=2024-03-01T18:30
#SBATCH --exclusive
## END OF HEADER ##

cd "${SLURM_SUBMIT_DIR}" || exit 1
export PATH="${SLURM_SUBMIT_DIR}:${PATH}"
# MODAK: Start Script<id=66528ae6-93e5-5fd2-9e63-c54632ded5ff>
module load mpt
module load intel-compilers-18
module load singularity
# MODAK: End   Script<id=66528ae6-93e5-5fd2-9e63-c54632ded5ff>

git clone https://github.com/olcf/XC30-Training.git

singularity exec "$SINGULARITY_DIR/openmpi_3.1.3.sif" make -C XC30-Training/affinity -j 4
