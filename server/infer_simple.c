/* octet serve — POST /infer, the simple form:
 *   {"model": "fmnist_cnn", "inputs": {"input": [[...]]}, "top_k": 3, "timeout_us": 50000, "outputs": ["logits"]}
 * "inputs" may be the array alone for a single-input model. An input's nesting
 * gives its shape: the model's full shape (batch first), one example (the
 * shape without the batch), a flat list of whole examples, or a list of
 * flattened examples ([batch, values per example]). The answer:
 *   {"model", "outputs": {"logits": [[...]]}, "top_k": [[{"class", "score", "label"}...]...],
 *    "precision", "device", "batch_size", "timing_us": {"queue", "compute", "total"}} */
#include <stdlib.h>
#include <string.h>

#include "infer.h"

/* The tensor for model input i from the nested arrays v. */
static oct_status input_tensor(const oct_model *m, int i, const oct_jval *v, oct_tensor **out)
{
    const oct_model_io *io = &m->in[i];
    int64_t sh[OCT_MAX_RANK + 1], dims[OCT_MAX_RANK];
    int r = 0;
    if (!oct_jis(v, OCT_J_ARR)) return oct_err(OCT_E_SHAPE, "input '%s' must be an array", io->name);
    OCT_TRY(oct_json_shape(v, sh, &r));
    int64_t per = 1; /* values per example, when every non-batch dimension is fixed */
    for (int d = m->batch_dim ? 1 : 0; d < io->rank; d++) per = io->dims[d] < 0 || per < 0 ? -1 : per * io->dims[d];
    if (r == io->rank) {
        memcpy(dims, sh, sizeof(int64_t) * (size_t)r);
    } else if (m->batch_dim && r == io->rank - 1) { /* one example */
        dims[0] = 1;
        memcpy(dims + 1, sh, sizeof(int64_t) * (size_t)r);
        r = io->rank;
    } else if (m->batch_dim && r == 1 && per > 0 && sh[0] % per == 0 && sh[0]) { /* flat examples */
        memcpy(dims, io->dims, sizeof dims);
        dims[0] = sh[0] / per;
        r = io->rank;
    } else if (m->batch_dim && r == 2 && per > 0 && sh[1] == per) { /* a list of flattened examples */
        memcpy(dims, io->dims, sizeof dims);
        dims[0] = sh[0];
        r = io->rank;
    } else {
        return oct_err(OCT_E_SHAPE, "input '%s': arrays nested %d deep with %lld values at the top; the model takes %d "
                       "dimensions%s", io->name, r, r ? (long long)sh[0] : 0LL, io->rank,
                       m->batch_dim ? " (or one example without the batch dimension, or flat examples)" : "");
    }
    OCT_TRY(oct_infer_check_shape(m, i, r, dims));
    return oct_json_to_tensor(v, io->dtype, r, dims, out);
}

static int is_one_of(const char *k, const char *const *keys)
{
    for (; *keys; keys++)
        if (!strcmp(k, *keys)) return 1;
    return 0;
}

static oct_status parse(oct_req *r, const oct_jval *root)
{
    static const char *const keys[] = {"model", "inputs", "outputs", "top_k", "timeout_us", "id", NULL};
    for (uint32_t i = 0; i < root->n; i++)
        if (!is_one_of(oct_jkey(root, i), keys))
            return oct_err(OCT_E_INVALID, "unknown key '%s' (model, inputs, outputs, top_k, timeout_us, id)",
                           oct_jkey(root, i));
    const oct_jval *name = oct_jget(root, "model"), *v;
    if (!oct_jis(name, OCT_J_STR)) return oct_err(OCT_E_INVALID, "\"model\" (a string) is missing");
    oct_model *m = oct_repo_find(r->srv->repo, name->u.str);
    if (!m) return oct_err(OCT_E_NOT_FOUND, "unknown model '%s'", name->u.str);
    r->model = m;
    if (!oct_infer_model_ok(r, m)) return OCT_OK; /* answered */
    const oct_jval *in = oct_jget(root, "inputs");
    if (!in) return oct_err(OCT_E_INVALID, "\"inputs\" is missing");
    if (oct_jis(in, OCT_J_ARR)) {
        if (m->n_in != 1)
            return oct_err(OCT_E_INVALID, "model '%s' has %d inputs: give \"inputs\" as an object by name", m->name,
                           m->n_in);
        OCT_TRY(input_tensor(m, 0, in, &r->job.in[0]));
    } else if (oct_jis(in, OCT_J_OBJ)) {
        for (uint32_t k = 0; k < in->n; k++) {
            int found = 0;
            for (int i = 0; i < m->n_in; i++) found |= !strcmp(m->in[i].name, oct_jkey(in, k));
            if (!found) return oct_err(OCT_E_NOT_FOUND, "model '%s' has no input '%s'", m->name, oct_jkey(in, k));
        }
        for (int i = 0; i < m->n_in; i++) {
            const oct_jval *x = oct_jget(in, m->in[i].name);
            if (!x) return oct_err(OCT_E_INVALID, "input '%s' is missing", m->in[i].name);
            OCT_TRY(input_tensor(m, i, x, &r->job.in[i]));
        }
    } else {
        return oct_err(OCT_E_INVALID, "\"inputs\" must be an object (name: nested arrays) or an array");
    }
    r->job.n_in = m->n_in;
    OCT_TRY(oct_infer_check_rows(m, r->job.in));
    const oct_jval *outs = oct_jget(root, "outputs");
    r->n_out_req = 0;
    if (outs) {
        if (!oct_jis(outs, OCT_J_ARR)) return oct_err(OCT_E_INVALID, "\"outputs\" must be an array of output names");
        for (uint32_t i = 0; i < outs->n; i++) {
            v = oct_jat(outs, i);
            int k = 0;
            while (k < m->n_out && !(oct_jis(v, OCT_J_STR) && !strcmp(m->out[k].name, v->u.str))) k++;
            if (k == m->n_out) return oct_err(OCT_E_NOT_FOUND, "model '%s' has no output %s", m->name,
                                              oct_jis(v, OCT_J_STR) ? v->u.str : "(not a string)");
            if (r->n_out_req < OCT_JOB_MAX_IO) r->out_req[r->n_out_req++] = (oct_out_req){k, 0};
        }
    } else {
        for (int k = 0; k < m->n_out; k++) r->out_req[r->n_out_req++] = (oct_out_req){k, 0};
    }
    if ((v = oct_jget(root, "top_k"))) {
        int64_t k;
        if (!oct_jint(v, &k) || k < 1 || k > 1000) return oct_err(OCT_E_INVALID, "\"top_k\" must be an integer in [1, 1000]");
        const oct_model_io *o = &m->out[r->n_out_req ? r->out_req[0].index : 0];
        if (o->rank != 2 || (o->dtype != OCT_DT_F32 && o->dtype != OCT_DT_F16))
            return oct_err(OCT_E_INVALID, "\"top_k\" needs a [batch, classes] float output; '%s' is not one", o->name);
        r->top_k = (int)k;
    }
    OCT_TRY(oct_infer_id(r, oct_jget(root, "id")));
    OCT_TRY(oct_infer_deadline(r, oct_jget(root, "timeout_us")));
    oct_infer_submit(r);
    return OCT_OK;
}

void oct_h_infer_simple(oct_req *r)
{
    oct_jdoc *doc = NULL;
    oct_status st = oct_infer_parse_body(r, r->len, &doc);
    if (st == OCT_OK) st = parse(r, oct_jdoc_root(doc));
    oct_jdoc_free(doc);
    if (st != OCT_OK) oct_req_error(r, oct_http_code(st), "%s", oct_errmsg());
}

/* The k best classes of each row of the [batch, classes] output t. */
static json_t *top_k(const oct_model *m, const oct_tensor *t, int k)
{
    int64_t rows = t->dims[0], cls = t->dims[1];
    if (k > cls) k = (int)cls;
    json_t *all = json_array();
    int64_t *best = malloc(sizeof *best * (size_t)(k ? k : 1));
    for (int64_t r = 0; r < rows && best; r++) {
        json_t *row = json_array();
        int n = 0;
        for (int64_t c = 0; c < cls; c++) { /* insertion into the k best, ties to the lower class */
            double v = oct_dtype_get(t->dtype, t->data, (size_t)(r * cls + c));
            int at = n;
            while (at > 0 && oct_dtype_get(t->dtype, t->data, (size_t)(r * cls + best[at - 1])) < v) at--;
            if (at >= k) continue;
            if (n < k) n++;
            memmove(best + at + 1, best + at, sizeof *best * (size_t)(n - 1 - at));
            best[at] = c;
        }
        for (int q = 0; q < n; q++) {
            json_t *e = json_pack("{sI sf}", "class", (json_int_t)best[q], "score",
                                  oct_dtype_get(t->dtype, t->data, (size_t)(r * cls + best[q])));
            if (m->have_cfg && best[q] < m->cfg.n_labels)
                json_object_set_new(e, "label", json_string(m->cfg.labels[best[q]]));
            json_array_append_new(row, e);
        }
        json_array_append_new(all, row);
    }
    free(best);
    return all;
}

void oct_infer_simple_answer(oct_req *r)
{
    oct_job *j = &r->job;
    oct_model *m = r->model;
    json_t *outs = json_object();
    for (int q = 0; q < r->n_out_req; q++) {
        const oct_tensor *t = j->out[r->out_req[q].index];
        json_object_set_new(outs, m->out[r->out_req[q].index].name, oct_tensor_to_json(t, 1));
    }
    int64_t now = oct_sched_now_ns();
    json_t *ans = json_pack("{ss so ss ss si s{sI sI sI}}", "model", m->name, "outputs", outs, "precision",
                            oct_precision_name(m->precision), "device", oct_model_device(m), "batch_size", j->batch_size,
                            "timing_us", "queue", (json_int_t)((j->t_start_ns - j->t_submit_ns) / 1000), "compute",
                            (json_int_t)((j->t_end_ns - j->t_start_ns) / 1000), "total",
                            (json_int_t)((now - r->t0_ns) / 1000));
    if (r->top_k) json_object_set_new(ans, "top_k", top_k(m, j->out[r->n_out_req ? r->out_req[0].index : 0], r->top_k));
    if (r->has_id) json_object_set_new(ans, "id", json_string(r->id));
    oct_req_json(r, 200, ans);
}
