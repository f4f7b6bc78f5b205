#!/bin/bash
## START OF HEADER ##
exec >'run log.txt' 2>run.err
## END OF HEADER ##

singularity exec "$SINGULARITY_DIR/train_0.1-x86_64.sif" python3 mnist.py --data "$HOME/data"
# MODAK: Start Script<id=7e1c4a52-0000-4000-8000-000000000001>
echo "training finished with status $?"
# MODAK: End   Script<id=7e1c4a52-0000-4000-8000-000000000001>
