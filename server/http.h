/* octet serve — the HTTP daemon (libmicrohttpd). */
#ifndef OCT_SERVER_HTTP_H
#define OCT_SERVER_HTTP_H

#include "serve.h"

/* Listen on set.host:set.port (port 0: any free port, written back). */
oct_status oct_http_start(oct_srv *srv);
/* Open connections (for the shutdown wait). */
int oct_http_connections(oct_srv *srv);

#endif
