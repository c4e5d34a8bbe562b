/* octet — the command-line front end: one file per subcommand. */
#ifndef OCT_SERVER_CLI_H
#define OCT_SERVER_CLI_H

#include <stdint.h>

int oct_cmd_inspect(int argc, char **argv);
int oct_cmd_run(int argc, char **argv);
int oct_cmd_eval(int argc, char **argv);
int oct_cmd_conformance(int argc, char **argv);

/* Progress bar on stderr, only when stderr is a terminal. done == total ends the line. */
void oct_cli_progress(const char *label, int64_t done, int64_t total);
/* Parse a positive int option value; prints an error and returns -1 when bad. */
int oct_cli_int(const char *opt, const char *val, int lo, int hi);
/* Monotonic time in seconds. */
double oct_cli_now(void);

#endif
