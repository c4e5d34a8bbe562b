/* octet serve — POST /v2/models/{m}[/versions/1]/infer, the KServe v2
 * inference protocol as Triton serves it, with the binary tensor extension:
 * when the request has an Inference-Header-Content-Length header, the body
 * is that many bytes of JSON followed by the inputs' raw bytes (each input
 * with parameters.binary_data_size, in order); outputs asked for with
 * parameters.binary_data (or the request's binary_data_output) come back the
 * same way. */
#include <stdlib.h>
#include <string.h>

#include "core/dtype.h"
#include "infer.h"

typedef struct bin_cursor {
    const char *p;
    size_t left;
} bin_cursor;

static oct_status parse_shape(const oct_jval *sh, const char *name, int *rank, int64_t *dims)
{
    if (!oct_jis(sh, OCT_J_ARR) || sh->n > OCT_MAX_RANK)
        return oct_err(OCT_E_INVALID, "input '%s': \"shape\" must be an array of at most %d integers", name,
                       OCT_MAX_RANK);
    for (uint32_t i = 0; i < sh->n; i++) {
        int64_t d;
        if (!oct_jint(oct_jat(sh, i), &d) || d < 0 || d > ((int64_t)1 << 40))
            return oct_err(OCT_E_INVALID, "input '%s': shape[%u] must be a non-negative integer", name, i);
        dims[i] = d;
    }
    *rank = (int)sh->n;
    return OCT_OK;
}

static oct_status bool_param(const oct_jval *params, const char *key, int *out)
{
    const oct_jval *v = oct_jget(params, key);
    if (!v) return OCT_OK;
    if (!oct_jis_bool(v)) return oct_err(OCT_E_INVALID, "parameter \"%s\" must be true or false", key);
    *out = v->type == OCT_J_TRUE;
    return OCT_OK;
}

static oct_status parse_input(oct_req *r, const oct_jval *e, bin_cursor *bin, int *seen)
{
    oct_model *m = r->model;
    const oct_jval *nm = oct_jget(e, "name"), *dt = oct_jget(e, "datatype"), *sh = oct_jget(e, "shape");
    if (!oct_jis(e, OCT_J_OBJ) || !oct_jis(nm, OCT_J_STR))
        return oct_err(OCT_E_INVALID, "every input needs \"name\", \"shape\", \"datatype\" and \"data\"");
    const char *name = nm->u.str;
    int i = 0;
    while (i < m->n_in && strcmp(m->in[i].name, name)) i++;
    if (i == m->n_in) return oct_err(OCT_E_NOT_FOUND, "model '%s' has no input '%s'", m->name, name);
    if (seen[i]) return oct_err(OCT_E_INVALID, "input '%s' is given twice", name);
    seen[i] = 1;
    if (!oct_jis(dt, OCT_J_STR)) return oct_err(OCT_E_INVALID, "input '%s': \"datatype\" is missing", name);
    oct_dtype t = oct_dtype_from_v2(dt->u.str);
    if (t == OCT_DT_UNDEFINED || !oct_json_elem_size(t))
        return oct_err(OCT_E_DTYPE, "input '%s': unknown or unsupported datatype '%s'", name, dt->u.str);
    if (t != m->in[i].dtype)
        return oct_err(OCT_E_DTYPE, "input '%s' has datatype %s, the model takes %s", name, dt->u.str,
                       oct_dtype_to_v2(m->in[i].dtype));
    if (!sh) return oct_err(OCT_E_INVALID, "input '%s': \"shape\" is missing", name);
    int rank = 0;
    int64_t dims[OCT_MAX_RANK] = {0};
    OCT_TRY(parse_shape(sh, name, &rank, dims));
    OCT_TRY(oct_infer_check_shape(m, i, rank, dims));
    const oct_jval *params = oct_jget(e, "parameters"), *bsz = oct_jget(params, "binary_data_size");
    const oct_jval *data = oct_jget(e, "data");
    if (bsz) {
        int64_t got;
        if (data) return oct_err(OCT_E_INVALID, "input '%s' has both \"data\" and binary_data_size", name);
        if (!oct_jint(bsz, &got) || got < 0)
            return oct_err(OCT_E_INVALID, "input '%s': binary_data_size must be a non-negative integer", name);
        uint64_t want = oct_json_elem_size(t); /* checked before allocating: no bigger than what was sent */
        for (int d = 0; d < rank && want; d++)
            want = (uint64_t)dims[d] > UINT64_MAX / want ? UINT64_MAX : want * (uint64_t)dims[d];
        if ((uint64_t)got != want)
            return oct_err(OCT_E_SHAPE, "input '%s': binary_data_size is %lld bytes, the shape and datatype need %llu",
                           name, (long long)got, (unsigned long long)want);
        if (want > bin->left)
            return oct_err(OCT_E_SHAPE, "input '%s': %llu binary bytes announced, only %zu follow the JSON", name,
                           (unsigned long long)want, bin->left);
        oct_tensor *x = oct_tensor_new(t, rank, dims);
        if (!x) return oct_err(OCT_E_NOMEM, "out of memory for input '%s'", name);
        r->job.in[i] = x;
        memcpy(x->data, bin->p, (size_t)want);
        bin->p += want, bin->left -= (size_t)want;
        return OCT_OK;
    }
    if (!data) return oct_err(OCT_E_INVALID, "input '%s': \"data\" is missing", name);
    oct_status st = oct_json_to_tensor(data, t, rank, dims, &r->job.in[i]);
    if (st != OCT_OK) return oct_err_ctx(st, "input '%s': ", name);
    return OCT_OK;
}

static oct_status parse(oct_req *r, const oct_jval *root, bin_cursor *bin)
{
    oct_model *m = r->model;
    const oct_jval *params = oct_jget(root, "parameters"), *e;
    OCT_TRY(oct_infer_id(r, oct_jget(root, "id")));
    if (params && !oct_jis(params, OCT_J_OBJ)) return oct_err(OCT_E_INVALID, "\"parameters\" must be an object");
    int all_binary = 0;
    OCT_TRY(bool_param(params, "binary_data_output", &all_binary));
    OCT_TRY(oct_infer_deadline(r, oct_jget(params, "timeout")));
    const oct_jval *ins = oct_jget(root, "inputs");
    if (!oct_jis(ins, OCT_J_ARR)) return oct_err(OCT_E_INVALID, "\"inputs\" (an array) is missing");
    int seen[OCT_JOB_MAX_IO] = {0};
    for (uint32_t i = 0; i < ins->n; i++) OCT_TRY(parse_input(r, oct_jat(ins, i), bin, seen));
    for (int k = 0; k < m->n_in; k++)
        if (!seen[k]) return oct_err(OCT_E_INVALID, "input '%s' is missing", m->in[k].name);
    if (bin->left) return oct_err(OCT_E_SHAPE, "%zu binary bytes after the inputs are not claimed by any", bin->left);
    r->job.n_in = m->n_in;
    OCT_TRY(oct_infer_check_rows(m, r->job.in));
    const oct_jval *outs = oct_jget(root, "outputs");
    r->n_out_req = 0;
    if (outs) {
        if (!oct_jis(outs, OCT_J_ARR)) return oct_err(OCT_E_INVALID, "\"outputs\" must be an array");
        for (uint32_t i = 0; i < outs->n; i++) {
            e = oct_jat(outs, i);
            const oct_jval *nm = oct_jget(e, "name");
            if (!oct_jis(nm, OCT_J_STR)) return oct_err(OCT_E_INVALID, "every requested output needs a \"name\"");
            int k = 0;
            while (k < m->n_out && strcmp(m->out[k].name, nm->u.str)) k++;
            if (k == m->n_out) return oct_err(OCT_E_NOT_FOUND, "model '%s' has no output '%s'", m->name, nm->u.str);
            const oct_jval *op = oct_jget(e, "parameters");
            int b = all_binary;
            OCT_TRY(bool_param(op, "binary_data", &b));
            if (oct_jget(op, "classification"))
                return oct_err(OCT_E_UNSUPPORTED, "the classification extension is not supported (use /infer's top_k)");
            if (r->n_out_req == OCT_JOB_MAX_IO) return oct_err(OCT_E_INVALID, "too many requested outputs");
            r->out_req[r->n_out_req++] = (oct_out_req){k, b};
        }
    } else {
        for (int k = 0; k < m->n_out; k++) r->out_req[r->n_out_req++] = (oct_out_req){k, all_binary};
    }
    return OCT_OK;
}

void oct_h_infer_v2(oct_req *r, oct_model *m)
{
    if (!oct_infer_model_ok(r, m)) return;
    size_t json_len = r->len;
    const char *hl = r->infer_header_len;
    if (hl) {
        char *end;
        unsigned long long n = strtoull(hl, &end, 10);
        if (*end || end == hl || n > r->len) {
            oct_req_error(r, 400, "Inference-Header-Content-Length (%s) is not a length within the body (%zu bytes)",
                          hl, r->len);
            return;
        }
        json_len = (size_t)n;
    }
    oct_jdoc *doc = NULL;
    oct_status st = oct_infer_parse_body(r, json_len, &doc);
    bin_cursor bin = {r->body ? r->body + json_len : NULL, r->len - json_len};
    if (st == OCT_OK) st = parse(r, oct_jdoc_root(doc), &bin);
    oct_jdoc_free(doc);
    if (st != OCT_OK) {
        oct_req_error(r, oct_http_code(st), "%s", oct_errmsg());
        return;
    }
    oct_infer_submit(r);
}

void oct_infer_v2_answer(oct_req *r)
{
    oct_job *j = &r->job;
    oct_model *m = r->model;
    json_t *outs = json_array();
    size_t bin_bytes = 0;
    for (int q = 0; q < r->n_out_req; q++) {
        const oct_tensor *t = j->out[r->out_req[q].index];
        json_t *shape = json_array();
        for (int d = 0; d < t->rank; d++) json_array_append_new(shape, json_integer(t->dims[d]));
        json_t *o = json_pack("{ss ss so}", "name", m->out[r->out_req[q].index].name, "datatype",
                              oct_dtype_to_v2(t->dtype), "shape", shape);
        if (r->out_req[q].binary) {
            json_object_set_new(o, "parameters", json_pack("{sI}", "binary_data_size", (json_int_t)oct_tensor_nbytes(t)));
            bin_bytes += oct_tensor_nbytes(t);
        } else {
            json_object_set_new(o, "data", oct_tensor_to_json(t, 0));
        }
        json_array_append_new(outs, o);
    }
    json_t *ans = json_pack("{ss ss so}", "model_name", m->name, "model_version", "1", "outputs", outs);
    if (r->has_id) json_object_set_new(ans, "id", json_string(r->id));
    oct_req_json(r, 200, ans);
    if (!bin_bytes || r->code != 200) return;
    char *body = realloc(r->resp, r->resp_len + bin_bytes);
    if (!body) {
        oct_req_error(r, 500, "out of memory building the binary answer");
        return;
    }
    r->resp = body;
    r->header_len = r->resp_len;
    for (int q = 0; q < r->n_out_req; q++) {
        const oct_tensor *t = j->out[r->out_req[q].index];
        if (!r->out_req[q].binary) continue;
        memcpy(r->resp + r->resp_len, t->data, oct_tensor_nbytes(t));
        r->resp_len += oct_tensor_nbytes(t);
    }
    r->ctype = "application/octet-stream";
}
