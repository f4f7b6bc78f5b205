/* modak — the command-line entry point; everything else lives in the generator library. */
#include <malloc.h>

#include "commands.h"

int main(int argc, char **argv)
{
    /* A batch run parses thousands of files, each into an arena freed at once: without
     * these, glibc hands the heap top back to the kernel after every file and takes it
     * again (page faults dominated `modak validate` on a 1,000-file corpus). */
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_TOP_PAD, 8 << 20);
    return modak_main(argc, argv);
}
