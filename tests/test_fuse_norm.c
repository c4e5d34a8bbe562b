/* LayerNorm / GELU subgraph fusion (graph/pass_fuse_norm.c) on the test
 * transformer as PyTorch exported it: the fused graph holds 5 LayerNorms and
 * 2 GELUs as single com.octet ops (no Erf, Pow, Sqrt left), and its logits
 * on real Fashion-MNIST images match the unfused graph's (OCTET_FUSE_NORM=0)
 * within float rounding, with the same top-1 on every image (the first 1000
 * test images, tests/data). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/session.h"
#include "io/npy.h"
#include "test_util.h"

#define MODEL OCTET_SOURCE_DIR "/tests/models/fmnist_transformer/model.onnx"

static int count(const oct_graph *g, const char *op, const char *domain)
{
    int c = 0;
    for (int i = 0; i < g->n_node; i++)
        c += !g->node[i].dead && !strcmp(g->node[i].op_type, op) && !strcmp(g->node[i].domain, domain);
    return c;
}

static oct_session *load(int fuse)
{
    setenv("OCTET_FUSE_NORM", fuse ? "1" : "0", 1);
    oct_session_opts o;
    oct_session_opts_default(&o);
    o.n_threads = 2;
    oct_session *s = NULL;
    oct_status st = oct_session_load(MODEL, &o, &s);
    CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());
    return s;
}

int main(void)
{
    oct_session *plain = load(0), *fused = load(1);
    if (!plain || !fused) TEST_DONE();
    const oct_graph *gp = oct_session_graph(plain), *gf = oct_session_graph(fused);
    CHECK(count(gp, "LayerNormalization", "com.octet") == 0 && count(gp, "Erf", "") == 2);
    CHECK_MSG(count(gf, "LayerNormalization", "com.octet") == 5, "%d LayerNorms fused",
              count(gf, "LayerNormalization", "com.octet"));
    CHECK(count(gf, "Gelu", "com.octet") == 2);
    CHECK(count(gf, "Erf", "") == 0 && count(gf, "Pow", "") == 0 && count(gf, "Sqrt", "") == 0);

    oct_tensor *x = NULL;
    CHECK_MSG(oct_npy_read(OCTET_SOURCE_DIR "/tests/data/fmnist_test1000_x.npy", &x) == OCT_OK, "%s", oct_errmsg());
    if (x) {
        oct_tensor *yp[1] = {0}, *yf[1] = {0};
        CHECK(oct_session_run(plain, (const oct_tensor *const *)&x, yp) == OCT_OK);
        CHECK(oct_session_run(fused, (const oct_tensor *const *)&x, yf) == OCT_OK);
        if (yp[0] && yf[0]) {
            int64_t n = oct_tensor_numel(yp[0]), rows = n / 10, top_diff = 0;
            double worst = 0;
            const float *a = yp[0]->data, *b = yf[0]->data;
            for (int64_t i = 0; i < n; i++) {
                double d = fabs((double)a[i] - (double)b[i]) / (1.0 + fabs((double)a[i]));
                if (d > worst) worst = d;
            }
            for (int64_t r = 0; r < rows; r++) {
                int ia = 0, ib = 0;
                for (int c = 1; c < 10; c++) {
                    if (a[r * 10 + c] > a[r * 10 + ia]) ia = c;
                    if (b[r * 10 + c] > b[r * 10 + ib]) ib = c;
                }
                top_diff += ia != ib;
            }
            printf("fused vs unfused on %lld images: worst relative logit difference %.3g, top-1 differs on %lld\n",
                   (long long)rows, worst, (long long)top_diff);
            CHECK_MSG(worst < 1e-4, "logits differ by %g", worst);
            CHECK(top_diff == 0);
        }
        oct_tensor_free(yp[0]);
        oct_tensor_free(yf[0]);
        oct_tensor_free(x);
    }
    oct_session_free(plain);
    oct_session_free(fused);
    unsetenv("OCTET_FUSE_NORM");
    TEST_DONE();
}
