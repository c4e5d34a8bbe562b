/* octet — whole-file reading with clear errors. */
#ifndef OCT_IO_FILE_H
#define OCT_IO_FILE_H

#include <stddef.h>

#include "core/status.h"

/* Read a whole file (max 4 GiB). *buf is malloc'd (NUL-terminated for convenience). */
oct_status oct_file_read(const char *path, void **buf, size_t *len);
/* Read a whole file, gunzipping it when it starts with the gzip magic. */
oct_status oct_file_read_gz(const char *path, void **buf, size_t *len);

#endif
