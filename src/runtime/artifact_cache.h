/* octet — the quantized-model cache of the model repository. A static INT8
 * model is calibrated once; the quantized graph is kept as a QDQ ONNX file
 * named by a key over everything that decides it: the model file's bytes, the
 * config's "quantization" section (canonical JSON), the calibration data's
 * bytes, and the artifact format version. A changed model, config or data set
 * gives a new key (a new calibration); a hit loads the file instead. */
#ifndef OCT_RUNTIME_ARTIFACT_CACHE_H
#define OCT_RUNTIME_ARTIFACT_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "runtime/model_config.h"

/* The key of model cfg (config.json at cfg_path). */
oct_status oct_artifact_key(const oct_model_config *cfg, const char *cfg_path, uint64_t *key);
/* dir/<name>-<key>.int8.onnx into buf. */
oct_status oct_artifact_path(const char *dir, const char *name, uint64_t key, char *buf, size_t n);
/* The cache directory (created): dir when not NULL, else $OCTET_CACHE_DIR, else
 * $XDG_CACHE_HOME/octet/models, else $HOME/.cache/octet/models. */
oct_status oct_artifact_dir(const char *dir, char *buf, size_t n);

#endif
