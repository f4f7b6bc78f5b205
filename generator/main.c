/* modak — the command-line entry point; everything else lives in the generator library. */
#include "commands.h"

int main(int argc, char **argv)
{
    return modak_main(argc, argv);
}
