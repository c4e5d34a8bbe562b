/* octet serve — the inference endpoints' shared helpers (infer_common.c). */
#ifndef OCT_SERVER_INFER_H
#define OCT_SERVER_INFER_H

#include "serve.h"

/* 1 if m is READY and the server not stopping; else answers 503 and returns 0. */
int oct_infer_model_ok(oct_req *r, oct_model *m);
/* dims fit model input i (rank, fixed dimensions, batch <= max_batch_size). */
oct_status oct_infer_check_shape(const oct_model *m, int i, int rank, const int64_t *dims);
/* Every input has the same batch. */
oct_status oct_infer_check_rows(const oct_model *m, oct_tensor *const *in);
/* A timeout in microseconds (NULL: none) -> r->job.deadline_ns. */
oct_status oct_infer_deadline(oct_req *r, const oct_jval *v);
/* The request's "id" (NULL: none) -> r->id. */
oct_status oct_infer_id(oct_req *r, const oct_jval *v);
/* r->body[0..len) as a JSON object (400-class errors with a clear message). */
oct_status oct_infer_parse_body(oct_req *r, size_t len, oct_jdoc **doc);

void oct_infer_simple_answer(oct_req *r);
void oct_infer_v2_answer(oct_req *r);

#endif
