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

static oct_status parse_shape(json_t *sh, const char *name, int *rank, int64_t *dims)
{
    if (!json_is_array(sh) || json_array_size(sh) > OCT_MAX_RANK)
        return oct_err(OCT_E_INVALID, "input '%s': \"shape\" must be an array of at most %d integers", name,
                       OCT_MAX_RANK);
    size_t i;
    json_t *d;
    json_array_foreach(sh, i, d) {
        if (!json_is_integer(d) || json_integer_value(d) < 0 || json_integer_value(d) > ((json_int_t)1 << 40))
            return oct_err(OCT_E_INVALID, "input '%s': shape[%zu] must be a non-negative integer", name, i);
        dims[i] = json_integer_value(d);
    }
    *rank = (int)json_array_size(sh);
    return OCT_OK;
}

static oct_status bool_param(json_t *params, const char *key, int *out)
{
    json_t *v = params ? json_object_get(params, key) : NULL;
    if (!v) return OCT_OK;
    if (!json_is_boolean(v)) return oct_err(OCT_E_INVALID, "parameter \"%s\" must be true or false", key);
    *out = json_is_true(v);
    return OCT_OK;
}

static oct_status parse_input(oct_req *r, json_t *e, bin_cursor *bin, int *seen)
{
    oct_model *m = r->model;
    json_t *nm = json_object_get(e, "name"), *dt = json_object_get(e, "datatype"), *sh = json_object_get(e, "shape");
    if (!json_is_object(e) || !json_is_string(nm))
        return oct_err(OCT_E_INVALID, "every input needs \"name\", \"shape\", \"datatype\" and \"data\"");
    const char *name = json_string_value(nm);
    int i = 0;
    while (i < m->n_in && strcmp(m->in[i].name, name)) i++;
    if (i == m->n_in) return oct_err(OCT_E_NOT_FOUND, "model '%s' has no input '%s'", m->name, name);
    if (seen[i]) return oct_err(OCT_E_INVALID, "input '%s' is given twice", name);
    seen[i] = 1;
    if (!json_is_string(dt)) return oct_err(OCT_E_INVALID, "input '%s': \"datatype\" is missing", name);
    oct_dtype t = oct_dtype_from_v2(json_string_value(dt));
    if (t == OCT_DT_UNDEFINED || !oct_json_elem_size(t))
        return oct_err(OCT_E_DTYPE, "input '%s': unknown or unsupported datatype '%s'", name, json_string_value(dt));
    if (t != m->in[i].dtype)
        return oct_err(OCT_E_DTYPE, "input '%s' has datatype %s, the model takes %s", name, json_string_value(dt),
                       oct_dtype_to_v2(m->in[i].dtype));
    if (!sh) return oct_err(OCT_E_INVALID, "input '%s': \"shape\" is missing", name);
    int rank = 0;
    int64_t dims[OCT_MAX_RANK] = {0};
    OCT_TRY(parse_shape(sh, name, &rank, dims));
    OCT_TRY(oct_infer_check_shape(m, i, rank, dims));
    json_t *params = json_object_get(e, "parameters"), *bsz = params ? json_object_get(params, "binary_data_size") : NULL;
    json_t *data = json_object_get(e, "data");
    if (bsz) {
        if (data) return oct_err(OCT_E_INVALID, "input '%s' has both \"data\" and binary_data_size", name);
        if (!json_is_integer(bsz) || json_integer_value(bsz) < 0)
            return oct_err(OCT_E_INVALID, "input '%s': binary_data_size must be a non-negative integer", name);
        oct_tensor *x = oct_tensor_new(t, rank, dims);
        if (!x) return oct_err(OCT_E_NOMEM, "out of memory for input '%s'", name);
        r->job.in[i] = x;
        size_t want = oct_tensor_nbytes(x), got = (size_t)json_integer_value(bsz);
        if (got != want)
            return oct_err(OCT_E_SHAPE, "input '%s': binary_data_size is %zu bytes, the shape and datatype need %zu",
                           name, got, want);
        if (got > bin->left)
            return oct_err(OCT_E_SHAPE, "input '%s': %zu binary bytes announced, only %zu follow the JSON", name, got,
                           bin->left);
        memcpy(x->data, bin->p, got);
        bin->p += got, bin->left -= got;
        return OCT_OK;
    }
    if (!data) return oct_err(OCT_E_INVALID, "input '%s': \"data\" is missing", name);
    oct_status st = oct_json_to_tensor(data, t, rank, dims, &r->job.in[i]);
    if (st != OCT_OK) return oct_err_ctx(st, "input '%s': ", name);
    return OCT_OK;
}

static oct_status parse(oct_req *r, json_t *root, bin_cursor *bin)
{
    oct_model *m = r->model;
    if (!json_is_object(root)) return oct_err(OCT_E_INVALID, "the request must be a JSON object");
    json_t *v = json_object_get(root, "id"), *params = json_object_get(root, "parameters");
    if (v) {
        if (!json_is_string(v) || strlen(json_string_value(v)) >= sizeof r->id)
            return oct_err(OCT_E_INVALID, "\"id\" must be a string of at most %zu bytes", sizeof r->id - 1);
        strcpy(r->id, json_string_value(v));
        r->has_id = 1;
    }
    if (params && !json_is_object(params)) return oct_err(OCT_E_INVALID, "\"parameters\" must be an object");
    int all_binary = 0;
    OCT_TRY(bool_param(params, "binary_data_output", &all_binary));
    OCT_TRY(oct_infer_deadline(r, params ? json_object_get(params, "timeout") : NULL));
    json_t *ins = json_object_get(root, "inputs");
    if (!json_is_array(ins)) return oct_err(OCT_E_INVALID, "\"inputs\" (an array) is missing");
    int seen[OCT_JOB_MAX_IO] = {0};
    size_t i;
    json_t *e;
    json_array_foreach(ins, i, e) OCT_TRY(parse_input(r, e, bin, seen));
    for (int k = 0; k < m->n_in; k++)
        if (!seen[k]) return oct_err(OCT_E_INVALID, "input '%s' is missing", m->in[k].name);
    if (bin->left) return oct_err(OCT_E_SHAPE, "%zu binary bytes after the inputs are not claimed by any", bin->left);
    r->job.n_in = m->n_in;
    OCT_TRY(oct_infer_check_rows(m, r->job.in));
    json_t *outs = json_object_get(root, "outputs");
    r->n_out_req = 0;
    if (outs) {
        if (!json_is_array(outs)) return oct_err(OCT_E_INVALID, "\"outputs\" must be an array");
        json_array_foreach(outs, i, e) {
            json_t *nm = json_object_get(e, "name");
            if (!json_is_string(nm)) return oct_err(OCT_E_INVALID, "every requested output needs a \"name\"");
            int k = 0;
            while (k < m->n_out && strcmp(m->out[k].name, json_string_value(nm))) k++;
            if (k == m->n_out)
                return oct_err(OCT_E_NOT_FOUND, "model '%s' has no output '%s'", m->name, json_string_value(nm));
            json_t *op = json_object_get(e, "parameters");
            int b = all_binary;
            OCT_TRY(bool_param(op, "binary_data", &b));
            if (op && json_object_get(op, "classification"))
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
    const char *hl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Inference-Header-Content-Length");
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
    json_error_t err;
    json_t *root = r->body && json_len ? json_loadb(r->body, json_len, JSON_REJECT_DUPLICATES, &err) : NULL;
    if (!root) {
        if (!r->body || !json_len) oct_req_error(r, 400, "the request has no body (a JSON object)");
        else oct_req_error(r, 400, "malformed JSON at line %d, column %d: %s", err.line, err.column, err.text);
        return;
    }
    bin_cursor bin = {r->body + json_len, r->len - json_len};
    oct_status st = parse(r, root, &bin);
    json_decref(root);
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
