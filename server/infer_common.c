/* octet serve — what both inference endpoints share: the model's readiness,
 * checking an input tensor against the model's metadata, the deadline, and
 * handing the answer back from the worker. */
#include <stdio.h>
#include <string.h>

#include "infer.h"

int oct_infer_model_ok(oct_req *r, oct_model *m)
{
    r->model = m;
    if (__atomic_load_n(&r->srv->stopping, __ATOMIC_ACQUIRE)) {
        oct_req_error(r, 503, "the server is shutting down");
        return 0;
    }
    oct_model_state st = oct_model_get_state(m);
    if (st == OCT_MODEL_READY) return 1;
    if (st == OCT_MODEL_LOADING) oct_req_error(r, 503, "model '%s' is loading", m->name);
    else oct_req_error(r, 503, "model '%s' is not available: %s", m->name, m->reason);
    return 0;
}

static void dims_str(char *buf, size_t n, int rank, const int64_t *dims)
{
    size_t at = 0;
    at += (size_t)snprintf(buf, n, "[");
    for (int d = 0; d < rank && at < n; d++)
        at += (size_t)snprintf(buf + at, n - at, "%s%lld", d ? "," : "", (long long)dims[d]);
    if (at < n) snprintf(buf + at, n - at, "]");
}

oct_status oct_infer_check_shape(const oct_model *m, int i, int rank, const int64_t *dims)
{
    const oct_model_io *io = &m->in[i];
    int ok = rank == io->rank;
    for (int d = 0; ok && d < rank; d++) ok = dims[d] >= 0 && (io->dims[d] < 0 || io->dims[d] == dims[d]);
    if (!ok) {
        char got[256], want[256];
        dims_str(got, sizeof got, rank, dims);
        dims_str(want, sizeof want, io->rank, io->dims);
        return oct_err(OCT_E_SHAPE, "input '%s' has shape %s, the model takes %s (-1: any)", io->name, got, want);
    }
    if (m->batch_dim && rank > 0 && dims[0] > m->cfg.max_batch_size)
        return oct_err(OCT_E_SHAPE, "input '%s' has a batch of %lld, above the model's max_batch_size %d", io->name,
                       (long long)dims[0], m->cfg.max_batch_size);
    if (m->batch_dim && rank > 0 && dims[0] == 0) return oct_err(OCT_E_SHAPE, "input '%s' has an empty batch", io->name);
    return OCT_OK;
}

oct_status oct_infer_check_rows(const oct_model *m, oct_tensor *const *in)
{
    for (int i = 1; m->batch_dim && i < m->n_in; i++)
        if (in[i]->dims[0] != in[0]->dims[0])
            return oct_err(OCT_E_SHAPE, "inputs '%s' and '%s' have different batch sizes (%lld, %lld)", m->in[0].name,
                           m->in[i].name, (long long)in[0]->dims[0], (long long)in[i]->dims[0]);
    return OCT_OK;
}

oct_status oct_infer_deadline(oct_req *r, const oct_jval *v)
{
    if (!v) return OCT_OK;
    int64_t us;
    if (!oct_jint(v, &us) || us < 0 || us > (int64_t)3600 * 1000000)
        return oct_err(OCT_E_INVALID, "the timeout must be an integer number of microseconds in [0, 3600000000]");
    if (us > 0) r->job.deadline_ns = oct_sched_now_ns() + us * 1000;
    return OCT_OK;
}

oct_status oct_infer_id(oct_req *r, const oct_jval *v)
{
    if (!v) return OCT_OK;
    if (!oct_jis(v, OCT_J_STR) || v->n >= sizeof r->id)
        return oct_err(OCT_E_INVALID, "\"id\" must be a string of at most %zu bytes", sizeof r->id - 1);
    memcpy(r->id, v->u.str, (size_t)v->n + 1);
    r->has_id = 1;
    return OCT_OK;
}

oct_status oct_infer_parse_body(oct_req *r, size_t len, oct_jdoc **doc)
{
    *doc = NULL;
    if (!r->body || !len) return oct_err(OCT_E_INVALID, "the request has no body (a JSON object)");
    oct_status st = oct_jdoc_parse(r->body, len, doc);
    if (st == OCT_E_PARSE) return oct_err_ctx(OCT_E_PARSE, "malformed JSON: ");
    if (st == OCT_OK && !oct_jis(oct_jdoc_root(*doc), OCT_J_OBJ)) {
        oct_jdoc_free(*doc);
        *doc = NULL;
        return oct_err(OCT_E_INVALID, "the request must be a JSON object");
    }
    return st;
}

void oct_infer_answer(oct_req *r)
{
    oct_job *j = &r->job;
    if (j->status != OCT_OK) {
        unsigned code = oct_http_code(j->status);
        if (j->status == OCT_E_INVALID || j->status == OCT_E_SHAPE || j->status == OCT_E_DTYPE ||
            j->status == OCT_E_UNSUPPORTED || j->status == OCT_E_NOT_FOUND)
            code = 500; /* validated requests do not fail on their data: a fault of the model or engine */
        if (j->status == OCT_E_INVALID && !strcmp(j->err, "the client disconnected"))
            code = 499; /* nginx's "client closed request": nobody reads it, the metrics count it */
        oct_req_error(r, code, "model '%s': %s", r->model->name, j->err);
        return;
    }
    if (r->endpoint == OCT_EP_INFER) oct_infer_simple_answer(r);
    else oct_infer_v2_answer(r);
}
