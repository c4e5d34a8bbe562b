/* Cross-layer equalization (quant/equalize.h):
 *  - on the bundled models: the pairs found (mlp 2, cnn 4 incl. conv -> Flatten -> Gemm,
 *    resnet 3 inside the residual blocks), the float function unchanged (logits of 256
 *    test images within 1e-4 of max|logit| + 1), every pair balanced (r1_c == r2_c on
 *    weights; on data, max|x_c| of layer2's input over those images, measured again after
 *    equalization, == r2_c), and a second run a no-op (all scales 1);
 *  - the hard models (scripts/make_hard_models.py, built by the hard_models fixture): their
 *    equalized weights equal the equalized weights of the model they came from, on weights
 *    and on data (r1_c r2_c and a_c r2_c are invariant under the hostile scaling, so
 *    equalization undoes it);
 *  - small graphs: Clip(0, 6) between two Convs is skipped as not positively homogeneous,
 *    Clip(0, inf) and LeakyRelu are equalized, a residual branch is skipped with its reason,
 *    a depthwise second layer is equalized. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/npy.h"
#include "quant/equalize.h"
#include "quant/quantize.h"
#include "runtime/session.h"
#include "test_util.h"

#define SRC OCTET_SOURCE_DIR
#define HARD OCTET_BINARY_DIR "/hard_models"

static oct_tensor *X; /* 256 test images */

static oct_tensor *logits(const oct_graph *g)
{
    oct_graph *c = oct_graph_clone(g);
    oct_session *s = NULL;
    oct_session_opts so;
    oct_session_opts_default(&so);
    so.device = "cpu";
    CHECK_MSG(c && oct_session_from_graph(c, &so, &s) == OCT_OK, "%s", oct_errmsg());
    oct_tensor *out[4] = {0};
    if (s) CHECK_MSG(oct_session_run(s, (const oct_tensor *const *)&X, out) == OCT_OK, "%s", oct_errmsg());
    oct_session_free(s);
    return out[0];
}

static double rel_diff(const oct_tensor *a, const oct_tensor *b)
{
    if (!a || !b || oct_tensor_numel(a) != oct_tensor_numel(b)) return INFINITY;
    const float *p = a->data, *q = b->data;
    double m = 0, d = 0;
    for (int64_t i = 0; i < oct_tensor_numel(a); i++) {
        m = fmax(m, fabs(p[i]));
        d = fmax(d, fabs((double)p[i] - q[i]));
    }
    return d / (m + 1);
}

/* The ranges of channel c of pair k, recomputed from the weights: layer1's row (or, with
 * act, the measured max |x_c| of layer2's input) and layer2's column. */
static void pair_ranges(const oct_graph *g, const oct_cle_pair *p, const oct_input_stats *act, int64_t c, double *r1,
                        double *r2)
{
    const oct_node *a = &g->node[p->n1], *b = &g->node[p->n2];
    const oct_tensor *w1 = g->val[a->in[1]].constant, *w2 = g->val[b->in[1]].constant;
    int64_t C = p->channels, n1 = oct_tensor_numel(w1), n2 = oct_tensor_numel(w2);
    int t1 = !strcmp(a->op_type, "Conv") || oct_attr_int(a, "transB", 0);
    int dw = !strcmp(b->op_type, "Conv") && oct_attr_int(b, "group", 1) > 1;
    *r1 = *r2 = 0;
    if (act) {
        int v = b->in[0];
        int64_t per = act->numel[v];
        for (int64_t i = c * (per / C); act->amax[v] && i < (c + 1) * (per / C); i++) *r1 = fmax(*r1, act->amax[v][i]);
    }
    if (!(*r1 > 0)) { /* on weights, or a channel never active on the data: balanced on weights */
        for (int64_t i = 0; i < n1; i++) {
            int64_t ch = t1 ? i / (n1 / C) : i % C;
            if (ch == c) *r1 = fmax(*r1, fabs(((const float *)w1->data)[i]));
        }
    }
    int64_t K = !strcmp(b->op_type, "Conv") ? (dw ? C : w2->dims[1]) : 0, inner = 1;
    for (int d = 2; d < w2->rank; d++) inner *= w2->dims[d];
    for (int64_t i = 0; i < n2; i++) {
        int64_t ch;
        if (!strcmp(b->op_type, "Conv")) ch = dw ? i / inner : (i / inner) % K;
        else if (oct_attr_int(b, "transB", 0)) ch = (i % w2->dims[1]) / (w2->dims[1] / C);
        else ch = (i / w2->dims[1]) / (w2->dims[0] / C);
        if (ch == c) *r2 = fmax(*r2, fabs(((const float *)w2->data)[i]));
    }
}

/* Largest |r1_c / r2_c - 1| over the pairs' channels (r1_c: see pair_ranges). */
static double imbalance(const oct_graph *g, const oct_cle_result *r, const oct_input_stats *act)
{
    double worst = 0;
    for (int k = 0; k < r->n_pair; k++)
        for (int64_t c = 0; c < r->pair[k].channels; c++) {
            double r1, r2;
            pair_ranges(g, &r->pair[k], act, c, &r1, &r2);
            if (r1 > 0 && r2 > 0) worst = fmax(worst, fabs(r1 / r2 - 1));
        }
    return worst;
}

/* Equalize g, on weights or (on_data) on its input statistics over X. */
static oct_status equalize(oct_graph *g, int on_data, oct_cle_result *r)
{
    if (!on_data) return oct_cle_run(g, NULL, r);
    oct_input_stats st;
    OCT_TRY(oct_input_stats_run(g, NULL, X, 64, &st));
    oct_status s = oct_cle_run(g, &st, r);
    oct_input_stats_free(&st);
    return s;
}

static void check_model(const char *name, int want_pairs, int on_data)
{
    char path[1024];
    snprintf(path, sizeof path, SRC "/models/%s/model.onnx", name);
    oct_graph *base = NULL;
    CHECK_MSG(oct_quant_base_graph(path, &base) == OCT_OK, "%s", oct_errmsg());
    if (!base) return;
    oct_graph *eq = oct_graph_clone(base);
    oct_cle_result r;
    CHECK_MSG(equalize(eq, on_data, &r) == OCT_OK, "%s", oct_errmsg());
    CHECK_MSG(r.n_pair == want_pairs, "%s: %d pairs, want %d", name, r.n_pair, want_pairs);
    double smin = INFINITY, smax = 0;
    for (int k = 0; k < r.n_pair; k++) smin = fmin(smin, r.pair[k].s_min), smax = fmax(smax, r.pair[k].s_max);
    for (int k = 0; k < r.n_pair; k++) CHECK_MSG(r.pair[k].on_data == on_data, "%s: pair %d not balanced on %s", name, k, on_data ? "data" : "weights");
    oct_input_stats after;
    memset(&after, 0, sizeof after);
    if (on_data) CHECK_MSG(oct_input_stats_run(eq, NULL, X, 64, &after) == OCT_OK, "%s", oct_errmsg());
    double imb = imbalance(eq, &r, on_data ? &after : NULL);
    oct_input_stats_free(&after);
    CHECK_MSG(imb < 1e-3, "%s: a pair stays unbalanced (|r1/r2 - 1| = %g)", name, imb);
    oct_tensor *a = logits(base), *b = logits(eq);
    double d = rel_diff(a, b);
    CHECK_MSG(d < 1e-4, "%s: equalization changed the logits by %g", name, d);
    printf("%-14s on %-7s %d pairs, %d sweeps, scales in [%.3g, %.3g], logits moved %.2e, imbalance after %.1e\n", name,
           on_data ? "data" : "weights", r.n_pair, r.sweeps, smin, smax, d, imb);
    for (int k = 0; k < r.n_skip; k++)
        printf("  skipped after %s: %s\n", eq->node[r.skip[k].n1].name, r.skip[k].reason);
    oct_cle_result r2;
    CHECK_MSG(equalize(eq, on_data, &r2) == OCT_OK, "%s", oct_errmsg());
    for (int k = 0; k < r2.n_pair; k++)
        CHECK_MSG(fabs(r2.pair[k].s_min - 1) < 1e-3 && fabs(r2.pair[k].s_max - 1) < 1e-3,
                  "%s: a second run moved pair %d by [%g, %g]", name, k, r2.pair[k].s_min, r2.pair[k].s_max);

    /* the hard twins */
    const char *suffix[2] = {"s15", "s20"};
    for (int h = 0; h < 2; h++) {
        snprintf(path, sizeof path, HARD "/hard_%s_%s/model.onnx", name + strlen("fmnist_"), suffix[h]);
        oct_graph *hg = NULL;
        if (oct_quant_base_graph(path, &hg) != OCT_OK) {
            CHECK_MSG(0, "%s (made by the hard_models fixture): %s", path, oct_errmsg());
            continue;
        }
        oct_tensor *hl = logits(hg);
        double dh = rel_diff(a, hl);
        CHECK_MSG(dh < 1e-4, "%s: the hard model's fp32 logits differ by %g", path, dh);
        oct_cle_result hr;
        CHECK_MSG(equalize(hg, on_data, &hr) == OCT_OK, "%s", oct_errmsg());
        CHECK(hr.n_pair == r.n_pair);
        double worst = 0;
        for (int i = 0; i < eq->n_node && i < hg->n_node; i++) {
            const oct_node *n = &eq->node[i];
            if (n->dead || n->n_in < 2 || n->in[1] < 0 || !eq->val[n->in[1]].constant) continue;
            const oct_node *m = &hg->node[i];
            const oct_tensor *w = eq->val[n->in[1]].constant, *v = m->n_in > 1 && m->in[1] >= 0 ? hg->val[m->in[1]].constant : NULL;
            if (!v || oct_tensor_numel(v) != oct_tensor_numel(w) || w->dtype != OCT_DT_F32) {
                CHECK_MSG(0, "%s: node %d differs in structure", path, i);
                continue;
            }
            double m1 = 0, dd = 0;
            for (int64_t j = 0; j < oct_tensor_numel(w); j++) {
                m1 = fmax(m1, fabs(((const float *)w->data)[j]));
                dd = fmax(dd, fabs(((const float *)w->data)[j] - ((const float *)v->data)[j]));
            }
            worst = fmax(worst, dd / (m1 > 0 ? m1 : 1));
        }
        CHECK_MSG(worst < 1e-3, "%s: equalized weights differ from the source model's by %g", path, worst);
        printf("  %-22s fp32 logits within %.1e of the source; equalized weights within %.1e of the source's\n",
               path + strlen(HARD) + 1, dh, worst);
        oct_tensor_free(hl);
        oct_cle_result_free(&hr);
        oct_graph_free(hg);
    }
    oct_tensor_free(a);
    oct_tensor_free(b);
    oct_cle_result_free(&r);
    oct_cle_result_free(&r2);
    oct_graph_free(eq);
    oct_graph_free(base);
}

/* ---- small graphs ---- */

static unsigned rng = 12345;
static float frnd(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)((rng >> 8) & 0xffff) / 32768.f - 1.f;
}

static int add_const(oct_graph *g, const char *name, int rank, const int64_t *dims, float spread)
{
    oct_tensor *t = oct_tensor_new(OCT_DT_F32, rank, dims);
    int64_t n = oct_tensor_numel(t), per = n / dims[0]; /* output channel c spans [c per, (c+1) per) */
    for (int64_t i = 0; i < n; i++) ((float *)t->data)[i] = frnd() * (1.f + spread * (float)(i / per));
    int v = oct_graph_add_value(g, name);
    g->val[v].constant = t, g->val[v].dtype = OCT_DT_F32, g->val[v].rank = rank;
    memcpy(g->val[v].dims, t->dims, sizeof t->dims);
    return v;
}

static void set_val(oct_graph *g, int v, int rank, const int64_t *dims)
{
    g->val[v].dtype = OCT_DT_F32, g->val[v].rank = rank;
    for (int d = 0; d < rank; d++) g->val[v].dims[d] = dims[d];
}

/* x [1,3,5,5] -> Conv1 (4 channels, act) [-> mid op] -> Conv2 (group g2) -> y [+ residual Add]. */
static oct_graph *two_convs(oct_act act, const char *mid, int depthwise, int residual)
{
    oct_graph *g = oct_graph_new();
    oct_graph_set_opset(g, "", 17);
    int64_t xd[4] = {1, 3, 5, 5}, hd[4] = {1, 4, 5, 5}, w1d[4] = {4, 3, 3, 3}, b1d[1] = {4};
    int64_t w2d[4] = {depthwise ? 4 : 2, depthwise ? 1 : 4, 1, 1};
    int x = oct_graph_add_value(g, "x"), h = oct_graph_add_value(g, "h"), y = oct_graph_add_value(g, "y");
    set_val(g, x, 4, xd), set_val(g, h, 4, hd);
    int w1 = add_const(g, "w1", 4, w1d, 30.f), b1 = add_const(g, "b1", 1, b1d, 0), w2 = add_const(g, "w2", 4, w2d, 0);
    int in1[3] = {x, w1, b1};
    int k = oct_graph_add_node(g, "Conv", "", "conv1", 3, in1, 1, &h);
    int64_t pads[4] = {1, 1, 1, 1};
    oct_node_set_ints(&g->node[k], "pads", pads, 4);
    g->node[k].act = act;
    int src = h;
    if (mid) {
        int m = oct_graph_add_value(g, "m");
        set_val(g, m, 4, hd);
        int in[1] = {h};
        k = oct_graph_add_node(g, mid, "", "mid", 1, in, 1, &m);
        if (!strcmp(mid, "Clip")) oct_node_set_float(&g->node[k], "min", 0), oct_node_set_float(&g->node[k], "max", 6);
        if (!strcmp(mid, "LeakyRelu")) oct_node_set_float(&g->node[k], "alpha", 0.1f);
        src = m;
    }
    int in2[2] = {src, w2};
    int y2 = residual ? oct_graph_add_value(g, "y2") : y;
    k = oct_graph_add_node(g, "Conv", "", "conv2", 2, in2, 1, &y2);
    if (depthwise) oct_node_set_int(&g->node[k], "group", 4);
    if (residual) {
        int in3[2] = {y2, h};
        oct_graph_add_node(g, "Add", "", "add", 2, in3, 1, &y);
    }
    g->in = malloc(sizeof(int)), g->in[0] = x, g->n_in = 1;
    g->out = malloc(sizeof(int)), g->out[0] = y, g->n_out = 1;
    oct_graph_link(g);
    return g;
}

static void check_small(const char *what, oct_graph *g, int want_pairs, const char *want_reason)
{
    oct_cle_result r;
    CHECK_MSG(oct_cle_run(g, NULL, &r) == OCT_OK, "%s: %s", what, oct_errmsg());
    CHECK_MSG(r.n_pair == want_pairs, "%s: %d pairs, want %d", what, r.n_pair, want_pairs);
    int found = !want_reason;
    for (int k = 0; k < r.n_skip; k++) found |= want_reason && strstr(r.skip[k].reason, want_reason) != NULL;
    CHECK_MSG(found, "%s: no skip reason containing '%s' (%d reasons%s%s)", what, want_reason ? want_reason : "",
              r.n_skip, r.n_skip ? ", first: " : "", r.n_skip ? r.skip[0].reason : "");
    if (r.n_pair) {
        double imb = imbalance(g, &r, NULL);
        CHECK_MSG(imb < 1e-3, "%s: imbalance %g", what, imb);
        CHECK_MSG(r.pair[0].s_max / r.pair[0].s_min > 2, "%s: scales [%g, %g] did not move", what, r.pair[0].s_min,
                  r.pair[0].s_max);
    }
    printf("%-28s %d pair(s)%s%s\n", what, r.n_pair, r.n_skip ? "; skipped: " : "", r.n_skip ? r.skip[0].reason : "");
    oct_cle_result_free(&r);
    oct_graph_free(g);
}

int main(void)
{
    oct_tensor *all = NULL;
    CHECK_MSG(oct_npy_read(SRC "/tests/data/fmnist_test1000_x.npy", &all) == OCT_OK, "%s", oct_errmsg());
    if (!all || all->rank != 4 || all->dims[0] < 256) TEST_DONE();
    int64_t d[4] = {256, all->dims[1], all->dims[2], all->dims[3]};
    X = oct_tensor_wrap(OCT_DT_F32, 4, d, all->data);
    for (int on_data = 0; on_data < 2; on_data++) {
        check_model("fmnist_mlp", 2, on_data);
        check_model("fmnist_cnn", 4, on_data);
        check_model("fmnist_resnet", 3, on_data);
    }
    oct_tensor_free(X);
    oct_tensor_free(all);

    oct_act relu = {OCT_ACT_RELU, 0, 0}, relu6 = {OCT_ACT_CLIP, 0, 6}, clip_inf = {OCT_ACT_CLIP, 0, INFINITY};
    oct_act none = {OCT_ACT_NONE, 0, 0}, leaky = {OCT_ACT_LEAKYRELU, 0.1f, 0};
    check_small("fused ReLU", two_convs(relu, NULL, 0, 0), 1, NULL);
    check_small("fused Clip(0, 6)", two_convs(relu6, NULL, 0, 0), 0, "ReLU6");
    check_small("fused Clip(0, inf)", two_convs(clip_inf, NULL, 0, 0), 1, NULL);
    check_small("fused LeakyRelu", two_convs(leaky, NULL, 0, 0), 1, NULL);
    check_small("Clip(0, 6) node", two_convs(none, "Clip", 0, 0), 0, "ReLU6");
    check_small("LeakyRelu node", two_convs(none, "LeakyRelu", 0, 0), 1, NULL);
    check_small("MaxPool node", two_convs(relu, "MaxPool", 0, 0), 1, NULL);
    check_small("Softmax node", two_convs(relu, "Softmax", 0, 0), 0, "Softmax");
    check_small("depthwise second layer", two_convs(relu, NULL, 1, 0), 1, NULL);
    check_small("residual branch", two_convs(relu, NULL, 0, 1), 0, "several consumers");
    TEST_DONE();
}
