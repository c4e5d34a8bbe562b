/* octet serve — health, server and model metadata, the model list and
 * /metrics (KServe v2 shapes as Triton answers them). */
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "serve.h"

#ifndef OCTET_VERSION
#define OCTET_VERSION "0.5.0"
#endif

void oct_h_server_meta(oct_req *r)
{
    oct_req_json(r, 200, json_pack("{ss ss s[sss]}", "name", "octet", "version", OCTET_VERSION, "extensions",
                                   "binary_tensor_data", "model_repository", "statistics"));
}

void oct_h_live(oct_req *r) { oct_req_json(r, 200, json_pack("{sb}", "live", 1)); }

/* Ready: loading finished and (strict) every model / (default) at least one model READY; not while stopping. */
void oct_h_ready(oct_req *r)
{
    oct_repo *repo = r->srv->repo;
    int ready = 0, all = 1;
    for (int i = 0; i < repo->n; i++) {
        int ok = oct_model_get_state(repo->m[i]) == OCT_MODEL_READY;
        ready += ok;
        all &= ok;
    }
    int loaded = __atomic_load_n(&repo->loaded, __ATOMIC_ACQUIRE);
    int stopping = __atomic_load_n(&r->srv->stopping, __ATOMIC_ACQUIRE);
    int yes = loaded && !stopping && (r->srv->set.strict_ready ? all && repo->n > 0 : ready > 0);
    if (yes) oct_req_json(r, 200, json_pack("{sb si}", "ready", 1, "models_ready", ready));
    else {
        oct_req_json(r, 503, json_pack("{sb si ss}", "ready", 0, "models_ready", ready, "error",
                                       stopping ? "the server is shutting down"
                                       : !loaded ? "models are still loading"
                                                 : "no model is ready"));
        r->retry_after = 1;
    }
}

static json_t *io_json(const oct_model_io *io, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        json_t *shape = json_array();
        for (int d = 0; d < io[i].rank; d++) json_array_append_new(shape, json_integer(io[i].dims[d]));
        json_array_append_new(a, json_pack("{ss ss so}", "name", io[i].name, "datatype", oct_dtype_to_v2(io[i].dtype),
                                           "shape", shape));
    }
    return a;
}

static json_t *model_entry(const oct_model *m, int triton_index)
{
    oct_model_state st = oct_model_get_state(m);
    json_t *e = json_pack("{ss ss ss}", "name", m->name, triton_index ? "version" : "platform",
                          triton_index ? "1" : "onnx", "state", oct_model_state_name(st));
    if (st == OCT_MODEL_UNAVAILABLE) json_object_set_new(e, "reason", json_string(m->reason));
    if (st == OCT_MODEL_READY && !triton_index) {
        json_object_set_new(e, "precision", json_string(oct_precision_name(m->precision)));
        json_object_set_new(e, "device", json_string(oct_model_device(m)));
    }
    return e;
}

void oct_h_models(oct_req *r, int triton_index)
{
    oct_repo *repo = r->srv->repo;
    json_t *a = json_array();
    for (int i = 0; i < repo->n; i++) json_array_append_new(a, model_entry(repo->m[i], triton_index));
    oct_req_json(r, 200, triton_index ? a : json_pack("{so}", "models", a));
}

void oct_h_model_meta(oct_req *r, oct_model *m)
{
    oct_model_state st = oct_model_get_state(m);
    json_t *j = json_pack("{ss s[s] ss ss}", "name", m->name, "versions", "1", "platform", "onnx", "state",
                          oct_model_state_name(st));
    if (st == OCT_MODEL_READY) {
        json_object_set_new(j, "inputs", io_json(m->in, m->n_in));
        json_object_set_new(j, "outputs", io_json(m->out, m->n_out));
        json_object_set_new(j, "precision", json_string(oct_precision_name(m->precision)));
        json_object_set_new(j, "device", json_string(oct_model_device(m)));
        json_object_set_new(j, "max_batch_size", json_integer(m->batch_dim ? m->cfg.max_batch_size : 0));
    } else if (st == OCT_MODEL_UNAVAILABLE) {
        json_object_set_new(j, "reason", json_string(m->reason));
    }
    oct_req_json(r, 200, j);
}

void oct_h_model_ready(oct_req *r, oct_model *m)
{
    oct_model_state st = oct_model_get_state(m);
    if (st == OCT_MODEL_READY) oct_req_json(r, 200, json_pack("{ss sb}", "name", m->name, "ready", 1));
    else {
        oct_req_json(r, 503, json_pack("{ss sb ss ss}", "name", m->name, "ready", 0, "state", oct_model_state_name(st),
                                       "error", st == OCT_MODEL_LOADING ? "the model is loading" : m->reason));
        r->retry_after = 1;
    }
}

/* Triton's model configuration fields that clients read (tritonclient's get_model_config). */
void oct_h_model_config(oct_req *r, oct_model *m)
{
    if (oct_model_get_state(m) != OCT_MODEL_READY) {
        oct_req_error(r, 503, "model '%s' is not ready", m->name);
        return;
    }
    const oct_serving_config *sv = &m->cfg.serving;
    json_t *pref = json_array();
    for (int i = 0; i < sv->n_preferred; i++) json_array_append_new(pref, json_integer(sv->preferred[i]));
    json_t *j = json_pack("{ss ss si so so}", "name", m->name, "platform", "onnx", "max_batch_size",
                          m->batch_dim ? m->cfg.max_batch_size : 0, "input", io_json(m->in, m->n_in), "output",
                          io_json(m->out, m->n_out));
    if (m->batch_dim && sv->dynamic_batching)
        json_object_set_new(j, "dynamic_batching", json_pack("{so sI}", "preferred_batch_size", pref,
                                                             "max_queue_delay_microseconds",
                                                             (json_int_t)sv->max_queue_delay_us));
    else json_decref(pref);
    json_object_set_new(j, "instance_group", json_pack("[{si ss}]", "count", m->n_inst, "kind",
                                                       strncmp(oct_model_device(m), "cpu", 3) ? "KIND_GPU" : "KIND_CPU"));
    oct_req_json(r, 200, j);
}

void oct_h_metrics(oct_req *r)
{
    size_t len = 0;
    char *text = oct_metrics_render(r->srv->metrics, r->srv->repo,
                                    __atomic_load_n(&r->srv->suspended, __ATOMIC_ACQUIRE), &len);
    if (!text) {
        oct_req_error(r, 500, "out of memory rendering the metrics");
        return;
    }
    free(r->resp);
    r->resp = text, r->resp_len = len, r->code = 200, r->has_resp = 1;
    r->ctype = "text/plain; version=0.0.4";
}
