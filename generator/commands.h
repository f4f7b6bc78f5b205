/* The subcommands of `modak`: one row each in commands.c's table, one file each (cmd_*.c).
 * A command returns the process exit status: 0 success, 1 the input has errors (or a
 * run failed), 2 usage or I/O problems. Only commands print. */
#ifndef MODAK_COMMANDS_H
#define MODAK_COMMANDS_H

enum { EXIT_OK = 0, EXIT_INVALID = 1, EXIT_USAGE = 2 };

int cmd_optimise(int argc, char **argv); /* cmd_optimise.c */
int cmd_batch(int argc, char **argv);    /* cmd_optimise.c */
int cmd_validate(int argc, char **argv);
int cmd_target(int argc, char **argv); /* cmd_target.c */
int cmd_model(int argc, char **argv);  /* cmd_model.c */

int cmd_job(int argc, char **argv);      /* cmd_job.c: MODAK's /optimise */
int cmd_registry(int argc, char **argv); /* cmd_registry.c: the registry */

int cmd_compile(int argc, char **argv);

/* Dispatches argv[1] to its subcommand; returns the exit status. */
int modak_main(int argc, char **argv);

#endif
