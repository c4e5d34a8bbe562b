/* io: .npy round trips and malformed files; IDX reading of Debian's Fashion-MNIST. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/file.h"
#include "io/idx.h"
#include "io/npy.h"
#include "test_util.h"

static void write_bytes(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(b, 1, n, f);
        fclose(f);
    }
}

static void test_npy(void)
{
    oct_dtype dts[] = {OCT_DT_F32, OCT_DT_F64, OCT_DT_F16, OCT_DT_U8, OCT_DT_I8, OCT_DT_I16,
                       OCT_DT_U16, OCT_DT_I32, OCT_DT_U32, OCT_DT_I64, OCT_DT_U64, OCT_DT_BOOL};
    char path[] = "/tmp/octet_test_npy_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    for (size_t k = 0; k < sizeof dts / sizeof dts[0]; k++) {
        int64_t dims[3] = {2, 3, 5};
        for (int rank = 0; rank <= 3; rank++) {
            oct_tensor *t = oct_tensor_new(dts[k], rank, dims);
            unsigned char *b = t->data;
            for (size_t i = 0; i < oct_tensor_nbytes(t); i++) b[i] = (unsigned char)(i * 37 + k);
            if (dts[k] == OCT_DT_BOOL)
                for (size_t i = 0; i < oct_tensor_nbytes(t); i++) b[i] &= 1;
            CHECK(oct_npy_write(path, t) == OCT_OK);
            oct_tensor *r = NULL;
            CHECK_MSG(oct_npy_read(path, &r) == OCT_OK, "%s", oct_errmsg());
            CHECK(r && r->dtype == t->dtype && oct_shape_equal(r->rank, r->dims, t->rank, t->dims) &&
                  !memcmp(r->data, t->data, oct_tensor_nbytes(t)));
            oct_tensor_free(r);
            oct_tensor_free(t);
        }
    }
    /* truncations of a valid file all fail cleanly */
    void *buf;
    size_t len;
    CHECK(oct_file_read(path, &buf, &len) == OCT_OK);
    for (size_t cut = 0; cut < len; cut++) {
        oct_tensor *r = NULL;
        oct_status s = oct_npy_parse(buf, cut, "cut.npy", &r);
        CHECK_MSG(s != OCT_OK && oct_errmsg()[0] && !r, "cut at %zu", cut);
    }
    free(buf);
    const char *bad[] = {
        "\x93NUMPY\x01\x00\x30\x00{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }     \n",
        "\x93NUMPY\x01\x00\x30\x00{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }      \n",
        "\x93NUMPY\x01\x00\x30\x00{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }    \n",
        "\x93NUMPY\x01\x00\x30\x00{'descr': '<U4', 'fortran_order': False, 'shape': (2,), }     \n",
        "NOTNUMPY",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        oct_tensor *r = NULL;
        CHECK(oct_npy_parse(bad[i], strlen(bad[i]) + 1, "bad.npy", &r) != OCT_OK && strstr(oct_errmsg(), "bad.npy"));
    }
    oct_tensor *r = NULL;
    CHECK(oct_npy_read("/nonexistent/x.npy", &r) == OCT_E_IO && strstr(oct_errmsg(), "/nonexistent/x.npy"));
    unlink(path);
}

static void test_idx(void)
{
    const char *img = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
    const char *lab = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";
    oct_tensor *x = NULL, *y = NULL, *f = NULL;
    CHECK_MSG(oct_idx_read(img, &x) == OCT_OK, "%s", oct_errmsg());
    CHECK_MSG(oct_idx_read(lab, &y) == OCT_OK, "%s", oct_errmsg());
    if (x && y) {
        CHECK(x->dtype == OCT_DT_U8 && x->rank == 3 && x->dims[0] == 10000 && x->dims[1] == 28 && x->dims[2] == 28);
        CHECK(y->rank == 1 && y->dims[0] == 10000);
        int counts[10] = {0}, bad = 0;
        for (int i = 0; i < 10000; i++) {
            unsigned l = ((unsigned char *)y->data)[i];
            if (l < 10) counts[l]++;
            else bad++;
        }
        CHECK(bad == 0);
        for (int c = 0; c < 10; c++) CHECK(counts[c] == 1000); /* Fashion-MNIST test set is balanced */
        CHECK(((unsigned char *)y->data)[0] == 9);             /* first test image: ankle boot */
        CHECK(oct_idx_images_to_f32(x, 1.f / 255, 0.2860f, 0.3530f, &f) == OCT_OK);
        CHECK(f && f->rank == 4 && f->dims[1] == 1);
        if (f) CHECK_NEAR(((float *)f->data)[0], (0.f - 0.2860f) / 0.3530f, 1e-6);
    }
    oct_tensor_free(x);
    oct_tensor_free(y);
    oct_tensor_free(f);
    /* truncated gzip */
    void *buf;
    size_t len;
    CHECK(oct_file_read(lab, &buf, &len) == OCT_OK);
    write_bytes("/tmp/octet_test_trunc.gz", buf, len / 2);
    free(buf);
    oct_tensor *t = NULL;
    CHECK(oct_idx_read("/tmp/octet_test_trunc.gz", &t) == OCT_E_PARSE && strstr(oct_errmsg(), "truncated"));
    unlink("/tmp/octet_test_trunc.gz");
}

int main(void)
{
    test_npy();
    test_idx();
    TEST_DONE();
}
