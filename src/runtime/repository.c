/* octet — the model repository (see repository.h). */
#include "runtime/repository.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "onnx/onnx.h"
#include "quant/quant_session.h"
#include "runtime/artifact_cache.h"

const char *oct_model_state_name(oct_model_state s)
{
    return s == OCT_MODEL_READY ? "READY" : s == OCT_MODEL_UNAVAILABLE ? "UNAVAILABLE" : "LOADING";
}

oct_model_state oct_model_get_state(const oct_model *m)
{
    return (oct_model_state)__atomic_load_n(&m->state, __ATOMIC_ACQUIRE);
}

static void set_state(oct_model *m, oct_model_state s) { __atomic_store_n(&m->state, (int)s, __ATOMIC_RELEASE); }

static int by_name(const void *a, const void *b)
{
    return strcmp((*(oct_model *const *)a)->name, (*(oct_model *const *)b)->name);
}

oct_status oct_repo_scan(const char *dir, const oct_repo_opts *o, oct_repo **out)
{
    *out = NULL;
    DIR *d = opendir(dir);
    if (!d) return oct_err(OCT_E_NOT_FOUND, "model repository '%s' cannot be read", dir);
    oct_repo *r = calloc(1, sizeof *r);
    if (!r) {
        closedir(d);
        return oct_err(OCT_E_NOMEM, "out of memory");
    }
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    r->opts = *o;
    struct dirent *e;
    oct_status st = OCT_OK;
    while (st == OCT_OK && (e = readdir(d))) {
        if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof r->m[0]->name) continue;
        if (strspn(e->d_name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != strlen(e->d_name)) {
            fprintf(stderr, "octet serve: skipping '%s': model names are letters, digits, '_', '.' and '-'\n",
                    e->d_name);
            continue;
        }
        char path[4096 + 300];
        struct stat sb;
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= 4000) continue;
        if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) continue;
        oct_model **grown = realloc(r->m, sizeof *r->m * (size_t)(r->n + 1));
        oct_model *m = calloc(1, sizeof *m);
        if (grown) r->m = grown;
        if (!grown || !m) {
            free(m);
            st = oct_err(OCT_E_NOMEM, "out of memory");
            break;
        }
        snprintf(m->name, sizeof m->name, "%s", e->d_name);
        memcpy(m->dir, path, strlen(path) + 1);
        m->opts = &r->opts;
        r->m[r->n++] = m;
    }
    closedir(d);
    if (st != OCT_OK) {
        oct_repo_free(r);
        return st;
    }
    qsort(r->m, (size_t)r->n, sizeof *r->m, by_name);
    for (int i = 0; i < r->n; i++) r->m[i]->index = i;
    *out = r;
    return OCT_OK;
}

oct_model *oct_repo_find(oct_repo *r, const char *name)
{
    for (int i = 0; i < r->n; i++)
        if (!strcmp(r->m[i]->name, name)) return r->m[i];
    return NULL;
}

typedef struct progress_log {
    const char *model;
    int last_pct;
    char phase[64];
} progress_log;

static void log_progress(void *ctx, const char *phase, int64_t done, int64_t total)
{
    progress_log *p = ctx;
    if (strncmp(p->phase, phase, sizeof p->phase - 1)) {
        snprintf(p->phase, sizeof p->phase, "%s", phase);
        p->last_pct = -1;
    }
    int pct = total > 0 ? (int)(100 * done / total) : 100;
    if (pct / 25 == p->last_pct / 25 && pct != 100) return;
    if (pct == 100 && p->last_pct == 100) return;
    p->last_pct = pct;
    fprintf(stderr, "octet serve: model '%s': %s %d%%\n", p->model, phase, pct);
}

/* The model's inputs / outputs: config.json's when it lists them (checked
 * against the model), else the model's own. */
static oct_status describe_io(oct_model *m)
{
    oct_session *s = m->sess[0];
    m->n_in = oct_session_n_inputs(s), m->n_out = oct_session_n_outputs(s);
    if (m->n_in > OCT_JOB_MAX_IO || m->n_out > OCT_JOB_MAX_IO)
        return oct_err(OCT_E_UNSUPPORTED, "more than %d inputs or outputs", OCT_JOB_MAX_IO);
    for (int k = 0; k < 2; k++) {
        int n = k ? m->n_out : m->n_in;
        for (int i = 0; i < n; i++) {
            const oct_value *v = k ? oct_session_output(s, i) : oct_session_input(s, i);
            oct_model_io *io = k ? &m->out[i] : &m->in[i];
            snprintf(io->name, sizeof io->name, "%s", v->name);
            io->dtype = v->dtype;
            io->rank = v->rank < 0 ? 0 : v->rank;
            for (int d = 0; d < io->rank; d++) io->dims[d] = v->dims[d];
            if (m->batch_dim && io->rank > 0) io->dims[0] = -1;
        }
    }
    if (!m->have_cfg) return OCT_OK;
    for (int k = 0; k < 2; k++) {
        int n = k ? m->cfg.n_outputs : m->cfg.n_inputs;
        for (int i = 0; i < n; i++) {
            const oct_io_spec *c = k ? &m->cfg.outputs[i] : &m->cfg.inputs[i];
            int at = k ? oct_session_output_index(s, c->name) : oct_session_input_index(s, c->name);
            if (at < 0)
                return oct_err(OCT_E_NOT_FOUND, "config.json lists %s '%s', which the model does not have",
                               k ? "output" : "input", c->name);
            oct_model_io *io = k ? &m->out[at] : &m->in[at];
            if (c->dtype != io->dtype && io->dtype != OCT_DT_UNDEFINED)
                return oct_err(OCT_E_DTYPE, "config.json gives %s '%s' datatype %s, the model has %s",
                               k ? "output" : "input", c->name, oct_dtype_to_v2(c->dtype),
                               oct_dtype_to_v2(io->dtype));
            io->dtype = c->dtype;
            io->rank = c->rank;
            memcpy(io->dims, c->dims, sizeof io->dims);
        }
    }
    return OCT_OK;
}

/* One batch of zeros through every instance (when every non-batch dimension is known). */
static oct_status warm_up(oct_model *m)
{
    oct_tensor *x[OCT_JOB_MAX_IO] = {0}, *y[OCT_JOB_MAX_IO] = {0};
    oct_status st = OCT_OK;
    for (int i = 0; i < m->n_in && st == OCT_OK; i++) {
        int64_t dims[OCT_MAX_RANK];
        for (int d = 0; d < m->in[i].rank; d++) {
            dims[d] = m->in[i].dims[d];
            if (d == 0 && m->batch_dim) dims[d] = 1;
            if (dims[d] < 0) goto done; /* a variable dimension: nothing to guess */
        }
        if (!(x[i] = oct_tensor_new(m->in[i].dtype, m->in[i].rank, dims))) st = oct_err(OCT_E_NOMEM, "out of memory");
    }
    for (int k = 0; k < m->n_inst && st == OCT_OK; k++) {
        st = oct_session_run(m->sess[k], (const oct_tensor *const *)x, y);
        for (int i = 0; i < OCT_JOB_MAX_IO; i++) oct_tensor_free(y[i]), y[i] = NULL;
    }
done:
    for (int i = 0; i < OCT_JOB_MAX_IO; i++) oct_tensor_free(x[i]);
    return st;
}

static void on_batch(void *ctx, int rows, int jobs, int64_t ns, oct_status st)
{
    oct_model *m = ctx;
    if (m->opts->on_batch) m->opts->on_batch(m->opts->ctx, m->index, rows, jobs, ns, st);
}

/* Static INT8: the cached artifact's path after making sure it exists (calibrating on a miss). */
static oct_status static_artifact(oct_model *m, const char *cfg_path, const oct_session_opts *so, const float *nd,
                                  char *path, size_t n, oct_session **first)
{
    char dir[4096];
    uint64_t key;
    OCT_TRY(oct_artifact_dir(m->opts->cache_dir, dir, sizeof dir));
    OCT_TRY(oct_artifact_key(&m->cfg, cfg_path, &key));
    OCT_TRY(oct_artifact_path(dir, m->name, key, path, n));
    if (access(path, R_OK) == 0) {
        m->cache_hit = 1;
        fprintf(stderr, "octet serve: model '%s': quantized artifact from the cache (%s)\n", m->name, path);
        return OCT_OK;
    }
    fprintf(stderr, "octet serve: model '%s': calibrating (%s, %lld samples); the result goes to %s\n", m->name,
            oct_calib_method_name(m->cfg.quant.method), (long long)m->cfg.quant.samples, path);
    progress_log pl = {m->name, -1, ""};
    oct_progress prog = {log_progress, &pl};
    oct_graph *qg = NULL;
    char note[OCT_QNOTE_MAX];
    OCT_TRY(oct_quant_session_load(m->cfg.model_path, &m->cfg.quant, nd, so, &prog, first, &qg, note));
    if (note[0]) fprintf(stderr, "octet serve: model '%s': %s\n", m->name, note);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp%d", path, (int)getpid());
    oct_status st = oct_onnx_save_file(qg, tmp);
    oct_graph_free(qg);
    if (st == OCT_OK && rename(tmp, path) != 0) st = oct_err(OCT_E_IO, "cannot write %s", path);
    if (st != OCT_OK) {
        unlink(tmp);
        fprintf(stderr, "octet serve: model '%s': warning: the artifact was not cached: %s\n", m->name, oct_errmsg());
        path[0] = 0; /* the other instances calibrate again */
    }
    return OCT_OK;
}

static oct_status load_sessions(oct_model *m, const char *cfg_path)
{
    oct_session_opts so;
    oct_session_opts_default(&so);
    so.n_threads = m->opts->n_threads;
    so.device = m->opts->device;
    oct_qconfig q;
    if (m->have_cfg) q = m->cfg.quant;
    else oct_qconfig_default(&q);
    float norm[3];
    const float *nd = m->have_cfg ? oct_model_config_norm(&m->cfg, norm) : NULL;
    m->precision = q.precision;
    m->n_inst = m->have_cfg ? m->cfg.serving.instance_count : 1;
    if (!(m->sess = calloc((size_t)m->n_inst, sizeof *m->sess))) return oct_err(OCT_E_NOMEM, "out of memory");
    char art[4400] = "";
    int use_art = m->have_cfg && q.precision == OCT_PREC_INT8 && !q.act_dynamic;
    if (use_art) OCT_TRY(static_artifact(m, cfg_path, &so, nd, art, sizeof art, &m->sess[0]));
    progress_log pl = {m->name, -1, ""};
    oct_progress prog = {log_progress, &pl};
    for (int k = 0; k < m->n_inst; k++) {
        if (m->sess[k]) continue;
        if (art[0]) OCT_TRY(oct_session_load(art, &so, &m->sess[k]));
        else OCT_TRY(oct_quant_session_load(m->cfg.model_path, &q, nd, &so, &prog, &m->sess[k], NULL, NULL));
    }
    return OCT_OK;
}

void oct_repo_load(oct_repo *r, int i)
{
    oct_model *m = r->m[i];
    double t0 = (double)oct_sched_now_ns();
    char cfg_path[4200];
    snprintf(cfg_path, sizeof cfg_path, "%s/config.json", m->dir);
    oct_status st = OCT_OK;
    if (access(cfg_path, F_OK) == 0) {
        st = oct_model_config_load(cfg_path, &m->cfg);
        m->have_cfg = st == OCT_OK;
        if (st == OCT_OK && m->cfg.name[0] && strcmp(m->cfg.name, m->name))
            st = oct_err(OCT_E_INVALID, "config.json names the model '%s' but its directory is '%s'", m->cfg.name,
                         m->name);
    } else {
        memcpy(m->cfg.model_path, m->dir, strlen(m->dir));
        strcpy(m->cfg.model_path + strlen(m->dir), "/model.onnx"); /* dir is under 4000 bytes */
    }
    m->batch_dim = m->have_cfg && m->cfg.max_batch_size > 0;
    if (st == OCT_OK) st = load_sessions(m, cfg_path);
    if (st == OCT_OK) st = describe_io(m);
    if (st == OCT_OK) st = warm_up(m);
    if (st == OCT_OK) /* after the warm-up: a device that failed there has already handed over to the CPU */
        snprintf(m->device, sizeof m->device, "%s", oct_session_device(m->sess[0]));
    if (st == OCT_OK) {
        const oct_serving_config *sv = &m->cfg.serving;
        oct_sched_opts so = {
            .max_batch = m->batch_dim && sv->dynamic_batching ? m->cfg.max_batch_size : 1,
            .max_delay_us = sv->max_queue_delay_us,
            .n_preferred = sv->n_preferred,
            .preferred = sv->preferred,
            .max_queue = m->have_cfg ? sv->max_queue_size : 1024,
            .batch_dim = m->batch_dim,
            .on_batch = on_batch,
            .ctx = m,
        };
        st = oct_sched_new(m->sess, m->n_inst, &so, &m->sched);
    }
    m->load_seconds = ((double)oct_sched_now_ns() - t0) / 1e9;
    if (st != OCT_OK) {
        snprintf(m->reason, sizeof m->reason, "%s", oct_errmsg());
        fprintf(stderr, "octet serve: model '%s' is not available: %s\n", m->name, m->reason);
        set_state(m, OCT_MODEL_UNAVAILABLE);
        return;
    }
    fprintf(stderr, "octet serve: model '%s' ready: %s, %s, %d instance%s, max batch %d%s, loaded in %.2f s\n", m->name,
            oct_precision_name(m->precision), m->device, m->n_inst, m->n_inst == 1 ? "" : "s",
            m->batch_dim ? m->cfg.max_batch_size : 0,
            m->batch_dim && m->cfg.serving.dynamic_batching ? " (dynamic batching)" : "", m->load_seconds);
    set_state(m, OCT_MODEL_READY);
}

void oct_repo_load_all(oct_repo *r)
{
    for (int i = 0; i < r->n; i++) oct_repo_load(r, i);
    __atomic_store_n(&r->loaded, 1, __ATOMIC_RELEASE);
}

int oct_model_fallbacks(const oct_model *m)
{
    int n = 0;
    if (oct_model_get_state(m) != OCT_MODEL_READY) return 0;
    for (int k = 0; k < m->n_inst; k++) n += oct_session_device_fallbacks(m->sess[k]);
    return n;
}

const char *oct_model_device(const oct_model *m)
{
    return oct_model_fallbacks(m) && strncmp(m->device, "cpu", 3) ? "cpu" : m->device;
}

void oct_repo_stop(oct_repo *r, int drain)
{
    for (int i = 0; i < r->n; i++)
        if (r->m[i]->sched) oct_sched_stop(r->m[i]->sched, drain);
}

void oct_repo_free(oct_repo *r)
{
    if (!r) return;
    for (int i = 0; i < r->n; i++) {
        oct_model *m = r->m[i];
        oct_sched_free(m->sched);
        for (int k = 0; m->sess && k < m->n_inst; k++) oct_session_free(m->sess[k]);
        free(m->sess);
        if (m->have_cfg) oct_model_config_free(&m->cfg);
        free(m);
    }
    free(r->m);
    free(r);
}
