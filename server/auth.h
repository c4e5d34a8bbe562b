/* octet serve — API key and TLS settings (auth.c). */
#ifndef OCT_SERVER_AUTH_H
#define OCT_SERVER_AUTH_H

#include "serve.h"

/* Read the API key file and the TLS certificate / key (when set); check them. */
oct_status oct_auth_setup(oct_srv *srv);
void oct_auth_free(oct_srv *srv);
/* 1 when r may use url (no key set, a health route, or the right Bearer key);
 * else answers 401 and returns 0. */
int oct_auth_check(oct_req *r, const char *url);

#endif
