/* The subcommands of `modak`: one row each in commands.c's table, one file each (cmd_*.c).
 * A command returns the process exit status: 0 success, 1 the input has errors (or a
 * run failed), 2 usage or I/O problems. Only commands print. */
#ifndef MODAK_COMMANDS_H
#define MODAK_COMMANDS_H

enum { EXIT_OK = 0, EXIT_INVALID = 1, EXIT_USAGE = 2 };


int cmd_compile(int argc, char **argv);

/* Dispatches argv[1] to its subcommand; returns the exit status. */
int modak_main(int argc, char **argv);

#endif
