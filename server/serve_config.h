/* octet serve — the server's settings from defaults, file, environment and flags. */
#ifndef OCT_SERVER_SERVE_CONFIG_H
#define OCT_SERVER_SERVE_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "serve.h"

void oct_srv_settings_default(oct_srv_settings *s);
/* A server config file: {"port": 8000, "model_repository": "models", ...} (keys as the flags, '_' for '-'). */
oct_status oct_srv_settings_file(oct_srv_settings *s, const char *path);
/* OCTET_MODEL_REPOSITORY, OCTET_HOST, OCTET_PORT, ... */
oct_status oct_srv_settings_env(oct_srv_settings *s);
/* --flag value (flag without the dashes); *known = 0 when it is not a setting. */
oct_status oct_srv_settings_flag(oct_srv_settings *s, const char *flag, const char *value, int *known);
/* One line per setting: flag, environment variable, kind. */
void oct_srv_settings_help(FILE *f);

#endif
