/* octet — shared pieces of the com.microsoft quantized-op tests
 * (test_ops_qcontrib.c, test_ops_qpool.c): random tensors, float references,
 * a one-node runner and the run modes (kernels, threads, engine paths). */
#ifndef OCT_TEST_QCONTRIB_UTIL_H
#define OCT_TEST_QCONTRIB_UTIL_H
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/pool.h"
#include "graph/ir.h"
#include "io/npy.h"
#include "ops/op.h"
#include "ops/qcontrib_kernels.h"
#include "ops/quant_util.h"
#include "test_util.h"

#define MS "com.microsoft"

static uint32_t rng = 987654321u;
static inline uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}
static inline int64_t irand(int64_t lo, int64_t hi) { return lo + (int64_t)(rnd() % (uint32_t)(hi - lo + 1)); }
static inline float frand(float lo, float hi) { return lo + (hi - lo) * (float)(rnd() >> 8) / 16777216.f; }

/* ---- tensors ---------------------------------------------------------------------------- */

static inline int32_t qmin(oct_dtype dt) { return dt == OCT_DT_I8 ? -128 : 0; }
static inline int32_t qmax(oct_dtype dt) { return dt == OCT_DT_I8 ? 127 : 255; }

static inline oct_tensor *q8_rand(oct_dtype dt, int rank, const int64_t *dims)
{
    oct_tensor *t = oct_tensor_new(dt, rank, dims);
    for (int64_t i = 0; i < oct_tensor_numel(t); i++) {
        if (dt == OCT_DT_I32) ((int32_t *)t->data)[i] = (int32_t)irand(-5000, 5000);
        else ((uint8_t *)t->data)[i] = (uint8_t)rnd();
    }
    return t;
}

static inline oct_tensor *scalar_f(float v)
{
    oct_tensor *t = oct_tensor_new(OCT_DT_F32, 0, NULL);
    *(float *)t->data = v;
    return t;
}

static inline oct_tensor *scalar_q(oct_dtype dt, int32_t v)
{
    oct_tensor *t = oct_tensor_new(dt, 0, NULL);
    if (dt == OCT_DT_I32) *(int32_t *)t->data = v;
    else *(uint8_t *)t->data = (uint8_t)v;
    return t;
}

static inline oct_tensor *zp_rand(oct_dtype dt) { return scalar_q(dt, (int32_t)irand(qmin(dt), qmax(dt))); }

static inline int32_t qat(const oct_tensor *t, int64_t i)
{
    if (!t) return 0;
    int64_t k = oct_tensor_numel(t) == 1 ? 0 : i;
    switch (t->dtype) {
    case OCT_DT_U8: return ((const uint8_t *)t->data)[k];
    case OCT_DT_I8: return ((const int8_t *)t->data)[k];
    case OCT_DT_I32: return ((const int32_t *)t->data)[k];
    default: return 0;
    }
}
static inline float fat(const oct_tensor *t, int64_t i) { return ((const float *)t->data)[oct_tensor_numel(t) == 1 ? 0 : i]; }

static inline void free_all(oct_tensor **t, int n)
{
    for (int i = 0; i < n; i++) oct_tensor_free(t[i]);
}

/* saturate(round_half_to_even(v)) into [lo, hi]; NaN -> lo */
static inline int32_t ref_q(double v, int32_t lo, int32_t hi)
{
    if (v != v) return lo;
    double r = nearbyint(v);
    return r < lo ? lo : r > hi ? hi : (int32_t)r;
}

/* the fused activation's bounds, written independently of quant_util.c */
static inline void ref_act_bounds(const oct_act *a, float ys, int32_t zp, oct_dtype dt, int32_t *lo, int32_t *hi)
{
    *lo = qmin(dt);
    *hi = qmax(dt);
    if (a->kind == OCT_ACT_NONE) return;
    float al = a->kind == OCT_ACT_RELU ? 0.f : a->alpha, be = a->kind == OCT_ACT_RELU ? INFINITY : a->beta;
    double l = nearbyint((double)(al / ys)) + zp, h = isinf(be) ? 1e9 : nearbyint((double)(be / ys)) + zp;
    if (l > *lo) *lo = l > *hi ? *hi : (int32_t)l;
    if (h < *hi) *hi = h < *lo ? *lo : (int32_t)h;
}

/* ---- one com.microsoft node ---------------------------------------------------------------- */

typedef struct qnode {
    oct_graph *g;
    oct_node *n;
} qnode;

/* present[i] = 0: input i omitted */
static inline qnode qmk(const char *op, const char *domain, int opset, int n_in, const int *present)
{
    qnode o;
    o.g = oct_graph_new();
    int in[32], out = oct_graph_add_value(o.g, "y");
    char name[16];
    for (int i = 0; i < n_in; i++) {
        snprintf(name, sizeof name, "x%d", i);
        in[i] = present && !present[i] ? -1 : oct_graph_add_value(o.g, name);
    }
    int k = oct_graph_add_node(o.g, op, domain, op, n_in, in, 1, &out);
    o.n = &o.g->node[k];
    o.n->opset = opset;
    o.n->def = oct_op_find(op, domain, opset, NULL);
    return o;
}

static inline void set_str(oct_node *n, const char *name, const char *v)
{
    oct_node_set_int(n, name, 0);
    for (int i = 0; i < n->n_attr; i++)
        if (!strcmp(n->attr[i].name, name)) {
            n->attr[i].type = OCT_ATTR_STRING;
            n->attr[i].s = malloc(strlen(v) + 1);
            strcpy(n->attr[i].s, v);
        }
}

/* infer + compute; inputs in const_mask become graph constants and prepare()
 * runs first. *out: the output (caller frees) or NULL on failure. */
static inline oct_status qrun(qnode *o, oct_tensor **in, int n_in, unsigned const_mask, oct_pool *pool, oct_tensor **out)
{
    oct_node *n = o->n;
    *out = NULL;
    if (!n->def) return oct_err(OCT_E_UNSUPPORTED, "no def for %s", n->op_type);
    if (const_mask && n->def->prepare) {
        for (int i = 0; i < n_in; i++) {
            if (!(const_mask >> i & 1) || n->in[i] < 0) continue;
            oct_tensor_free(o->g->val[n->in[i]].constant);
            o->g->val[n->in[i]].constant = oct_tensor_clone(in[i]);
        }
        oct_status s = n->def->prepare(n, o->g);
        if (s != OCT_OK) return s;
    }
    const oct_tensor *cin[32];
    for (int i = 0; i < n_in; i++) cin[i] = in[i];
    oct_tensor *y = oct_tensor_new(OCT_DT_F32, 0, NULL);
    oct_status s = n->def->infer(n, cin, &y);
    if (s == OCT_OK) s = oct_tensor_alloc(y);
    if (s == OCT_OK) {
        oct_exec ex = {pool};
        s = n->def->compute(n, cin, &y, &ex);
    }
    if (n->def->release && n->state) n->def->release(n);
    if (s != OCT_OK) oct_tensor_free(y);
    else *out = y;
    return s;
}

/* ---- run modes: kernels (portable / AVX2), threads, integer engine paths, prepare ---------- */

typedef struct mode {
    const char *name;
    int scalar;
    int threads;
    oct_quant_algo algo;
    int prepare;
} mode;

static const mode modes[] = {
    {"portable", 1, 0, OCT_QUANT_AUTO, 0},      {"best", 0, 0, OCT_QUANT_AUTO, 0},
    {"best+2 threads", 0, 1, OCT_QUANT_AUTO, 1}, {"generic+prepare", 1, 1, OCT_QUANT_GENERIC, 1},
    {"gemm+prepare", 0, 0, OCT_QUANT_GEMM, 1},   {"gemm", 0, 1, OCT_QUANT_GEMM, 0},
};
#define N_MODES ((int)(sizeof modes / sizeof modes[0]))

static oct_pool *pool2;
static oct_cpu_level cpu_best;

static inline oct_pool *set_mode(const mode *m)
{
    oct_cpu_level_set(m->scalar ? OCT_CPU_SCALAR : cpu_best);
    oct_quant_algo_set(m->algo);
    return m->threads ? pool2 : NULL;
}

static inline void reset_mode(void)
{
    oct_cpu_level_set(cpu_best);
    oct_quant_algo_set(OCT_QUANT_AUTO);
}

/* run in every mode; every output must equal want (count cnt), u8/i8 or f32 */
static inline int run_modes(qnode *o, oct_tensor **in, int n_in, unsigned const_mask, const void *want, int64_t cnt,
                     oct_dtype wdt, const char *what)
{
    int ok = 1;
    for (int m = 0; m < N_MODES; m++) {
        oct_pool *pool = set_mode(&modes[m]);
        oct_tensor *y;
        oct_status s = qrun(o, in, n_in, modes[m].prepare ? const_mask : 0, pool, &y);
        if (s != OCT_OK || !y || y->dtype != wdt || oct_tensor_numel(y) != cnt) {
            CHECK_MSG(0, "%s [%s]: status %d (%s), dtype %s", what, modes[m].name, (int)s, oct_errmsg(),
                      y ? oct_dtype_name(y->dtype) : "-");
            ok = 0;
        } else {
            int64_t bad = 0, first = -1;
            size_t es = oct_dtype_size(wdt);
            for (int64_t i = 0; i < cnt; i++)
                if (memcmp((const char *)y->data + i * es, (const char *)want + i * es, es)) {
                    if (first < 0) first = i;
                    bad++;
                }
            if (bad) {
                double got = wdt == OCT_DT_F32 ? ((float *)y->data)[first] : qat(y, first);
                double exp = wdt == OCT_DT_F32 ? ((const float *)want)[first]
                                               : (wdt == OCT_DT_I8 ? ((const int8_t *)want)[first]
                                                                   : ((const uint8_t *)want)[first]);
                CHECK_MSG(0, "%s [%s]: %lld of %lld values differ, first y[%lld] = %g, want %g", what, modes[m].name,
                          (long long)bad, (long long)cnt, (long long)first, got, exp);
                ok = 0;
            } else {
                CHECK(1);
            }
        }
        oct_tensor_free(y);
    }
    reset_mode();
    return ok;
}


static inline void qc_setup(void)
{
    pool2 = oct_pool_new(2);
    cpu_best = oct_cpu_level_get();
    printf("kernels: %s (best CPU level %s)\n", oct_qc_kernels_get()->name, oct_cpu_level_name(cpu_best));
}

static inline void qc_teardown(void)
{
    oct_pool_free(pool2);
    oct_qgemm_scratch_release();
}

#endif
