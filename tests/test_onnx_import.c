/* octet — ONNX importer tests: real models and test-data tensors from the
 * ONNX test suite, synthetic models built with protobuf-c (every attribute
 * type, typed tensor fields, error paths). Robustness against truncated and
 * corrupted files: test_onnx_robust.c. Expected values were extracted with onnx/numpy. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "onnx/onnx.h"
#include "onnx/onnx.pb-c.h"
#include "test_onnx_util.h"
#include "test_util.h"

static int contains(const char *s, const char *sub) { return s && strstr(s, sub) != NULL; }

static float f32_at(const oct_tensor *t, int64_t i) { return ((const float *)t->data)[i]; }

static const oct_value *value(const oct_graph *g, const char *name)
{
    int i = oct_graph_find_value(g, name);
    return i >= 0 ? &g->val[i] : NULL;
}

/* --------------------------------------------------------------- real models */

static void test_conv_node_model(void)
{
    oct_graph *g = NULL;
    oct_status st = oct_onnx_load_file(DATA "/node/test_conv_with_strides_padding/model.onnx", &g);
    CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());
    if (st) return;
    check_invariants(g);
    CHECK(g->ir_version == 6);
    CHECK(!strcmp(g->producer, "backend-test"));
    CHECK(!strcmp(g->name, "test_conv_with_strides_padding"));
    CHECK(g->n_opsets == 1 && !strcmp(g->opsets[0].domain, "") && g->opsets[0].version == 11);
    CHECK(oct_graph_opset(g, "") == 11 && oct_graph_opset(g, "ai.onnx") == 11);
    CHECK(g->n_in == 2 && g->n_out == 1);
    const oct_value *x = &g->val[g->in[0]], *w = &g->val[g->in[1]], *y = &g->val[g->out[0]];
    CHECK(!strcmp(x->name, "x") && x->dtype == OCT_DT_F32 && x->rank == 4);
    CHECK(x->dims[0] == 1 && x->dims[1] == 1 && x->dims[2] == 7 && x->dims[3] == 5);
    CHECK(!strcmp(w->name, "W") && w->rank == 4 && w->dims[2] == 3 && !w->constant);
    CHECK(!strcmp(y->name, "y") && y->dtype == OCT_DT_F32 && y->rank == 4 && y->dims[2] == 4 && y->dims[3] == 3);
    CHECK(g->n_node == 1);
    const oct_node *n = &g->node[0];
    CHECK(!strcmp(n->op_type, "Conv") && !strcmp(n->name, "Conv_0") && !strcmp(n->domain, ""));
    CHECK(n->opset == 11 && n->n_in == 2 && n->n_out == 1);
    const int64_t *v;
    CHECK(oct_attr_ints(n, "kernel_shape", &v) == 2 && v[0] == 3 && v[1] == 3);
    CHECK(oct_attr_ints(n, "pads", &v) == 4 && v[0] == 1 && v[3] == 1);
    CHECK(oct_attr_ints(n, "strides", &v) == 2 && v[0] == 2 && v[1] == 2);
    CHECK(oct_node_attr(n, "group") == NULL);
    oct_graph_free(g);
}

static void test_pytorch_models(void)
{
    oct_graph *g = NULL;
    /* Conv3d with groups: weight and bias are initializers (and listed as inputs) */
    oct_status st = oct_onnx_load_file(DATA "/pytorch-converted/test_Conv3d_groups/model.onnx", &g);
    CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());
    if (st == OCT_OK) {
        check_invariants(g);
        CHECK(g->ir_version == 3 && !strcmp(g->producer, "pytorch") && !strcmp(g->name, "torch-jit-export"));
        CHECK(oct_graph_opset(g, "") == 6);
        CHECK(g->n_in == 1 && !strcmp(g->val[g->in[0]].name, "0"));
        const oct_value *x = &g->val[g->in[0]];
        CHECK(x->rank == 5 && x->dims[0] == 2 && x->dims[1] == 4 && x->dims[4] == 4);
        const oct_value *w = value(g, "1"), *b = value(g, "2");
        CHECK(w && w->constant && b && b->constant);
        if (w && w->constant) {
            const oct_tensor *t = w->constant;
            CHECK(t->dtype == OCT_DT_F32 && t->rank == 5 && t->dims[0] == 6 && t->dims[1] == 2 && t->dims[4] == 3);
            CHECK(oct_tensor_numel(t) == 324);
            CHECK_NEAR(f32_at(t, 0), 0.06601130217313766, 1e-7);
            CHECK_NEAR(f32_at(t, 1), -0.05543999746441841, 1e-7);
            CHECK_NEAR(f32_at(t, 162), 0.02994164079427719, 1e-7);
            CHECK_NEAR(f32_at(t, 323), -0.06926880031824112, 1e-7);
        }
        if (b && b->constant) {
            CHECK(b->constant->rank == 1 && b->constant->dims[0] == 6);
            CHECK_NEAR(f32_at(b->constant, 0), 0.027259573340415955, 1e-7);
            CHECK_NEAR(f32_at(b->constant, 5), -0.017299868166446686, 1e-7);
        }
        const oct_node *n = &g->node[0];
        CHECK(g->n_node == 1 && !strcmp(n->op_type, "Conv") && n->opset == 6);
        CHECK(oct_attr_int(n, "group", 0) == 2);
        const int64_t *v;
        CHECK(oct_attr_ints(n, "kernel_shape", &v) == 3 && v[2] == 3);
        oct_graph_free(g);
    }

    /* BatchNorm: float and int attributes */
    st = oct_onnx_load_file(DATA "/pytorch-converted/test_BatchNorm2d_eval/model.onnx", &g);
    CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());
    if (st == OCT_OK) {
        check_invariants(g);
        const oct_node *n = &g->node[0];
        CHECK(!strcmp(n->op_type, "BatchNormalization") && n->n_in == 5);
        CHECK_NEAR(oct_attr_float(n, "epsilon", 0), 9.999999747378752e-06, 1e-12);
        CHECK_NEAR(oct_attr_float(n, "momentum", 0), 0.8999999761581421, 1e-7);
        CHECK(oct_attr_int(n, "is_test", 0) == 1);
        CHECK(g->n_in == 1);
        const oct_value *s = value(g, "1");
        CHECK(s && s->constant && s->constant->dims[0] == 3);
        if (s && s->constant) CHECK_NEAR(f32_at(s->constant, 1), 0.58025062084198, 1e-7);
        oct_graph_free(g);
    }

    /* i64 initializer, two nodes */
    st = oct_onnx_load_file(DATA "/pytorch-operator/test_operator_non_float_params/model.onnx", &g);
    CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());
    if (st == OCT_OK) {
        check_invariants(g);
        CHECK(g->n_node == 2 && !strcmp(g->node[0].op_type, "Add") && !strcmp(g->node[1].op_type, "Mul"));
        CHECK(g->n_in == 1 && g->val[g->in[0]].dtype == OCT_DT_I64);
        const oct_value *p = value(g, "1");
        CHECK(p && p->constant && p->constant->dtype == OCT_DT_I64);
        if (p && p->constant) {
            const int64_t *d = p->constant->data;
            CHECK(d[0] == 1 && d[1] == 2 && d[2] == 3 && d[3] == 4);
        }
        oct_graph_free(g);
    }
}

static void test_expanded_model(void)
{
    oct_graph *g = NULL;
    oct_status st = oct_onnx_load_file(DATA "/node/test_layer_normalization_4d_axis0_expanded/model.onnx", &g);
    CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());
    if (st) return;
    check_invariants(g);
    CHECK(g->ir_version == 8 && oct_graph_opset(g, "") == 17);
    CHECK(g->n_node == 30 && g->n_in == 3 && g->n_out == 3);
    CHECK(!strcmp(g->val[g->out[1]].name, "Mean"));
    /* already sorted: the order is kept */
    const oct_node *c0 = &g->node[0], *c4 = &g->node[4];
    CHECK(!strcmp(c0->op_type, "Constant") && !strcmp(c0->name, "Constant_0") && c0->n_in == 0);
    const oct_attr *a = oct_node_attr(c0, "value");
    CHECK(a && a->type == OCT_ATTR_TENSOR && a->t && a->t->dtype == OCT_DT_F32 && a->t->rank == 0);
    if (a && a->t) CHECK_NEAR(f32_at(a->t, 0), 9.999999747378752e-06, 1e-12);
    CHECK(!strcmp(c4->name, "Constant_4"));
    a = oct_node_attr(c4, "value");
    CHECK(a && a->t && a->t->dtype == OCT_DT_I64 && a->t->rank == 1 && a->t->dims[0] == 1);
    CHECK(oct_attr_int(&g->node[1], "to", 0) == 1);
    CHECK(!strcmp(g->node[29].op_type, "Reshape"));
    oct_graph_free(g);
}

/* Every model of the suite imports, or is refused as unsupported (sequence /
 * optional types, no default-domain opset). */
static void test_all_models(void)
{
    static const char *dirs[] = {"node", "pytorch-converted", "pytorch-operator", "simple"};
    int ok = 0, unsup = 0, other = 0;
    char path[1024];
    for (size_t d = 0; d < sizeof dirs / sizeof *dirs; d++) {
        snprintf(path, sizeof path, DATA "/%s", dirs[d]);
        DIR *dir = opendir(path);
        if (!dir) continue;
        struct dirent *e;
        while ((e = readdir(dir))) {
            if (e->d_name[0] == '.') continue;
            snprintf(path, sizeof path, DATA "/%s/%s/model.onnx", dirs[d], e->d_name);
            struct stat st;
            if (stat(path, &st) != 0) continue;
            oct_graph *g = NULL;
            oct_status s = oct_onnx_load_file(path, &g);
            if (s == OCT_OK) {
                ok++;
                check_invariants(g);
                oct_graph_free(g);
            } else if (s == OCT_E_UNSUPPORTED) {
                unsup++;
                CHECK(contains(oct_errmsg(), path));
            } else {
                other++;
                fprintf(stderr, "unexpected: %s\n", oct_errmsg());
            }
        }
        closedir(dir);
    }
    printf("suite models: %d imported, %d unsupported, %d other errors\n", ok, unsup, other);
    CHECK(ok >= 1000);
    CHECK(unsup <= 40);
    CHECK(other == 0);
}

/* ---------------------------------------------------------- test-data tensors */

static void test_tensor_files(void)
{
    oct_tensor *t = NULL;
    char *name = NULL;
    oct_status st = oct_onnx_load_tensor_file(DATA "/node/test_abs/test_data_set_0/input_0.pb", &t, &name);
    CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());
    if (!st) {
        CHECK(!strcmp(name, "x") && t->dtype == OCT_DT_F32 && t->rank == 3 && t->dims[0] == 3 && t->dims[2] == 5);
        CHECK_NEAR(f32_at(t, 0), 1.764052391052246, 1e-7);
        CHECK_NEAR(f32_at(t, 59), -0.3627411723136902, 1e-7);
        oct_tensor_free(t);
        free(name);
    }
    struct {
        const char *file;
        oct_dtype dt;
        int64_t n;
        double first, last;
    } cases[] = {
        {"test_add_uint8/test_data_set_0/input_0.pb", OCT_DT_U8, 60, 12, 8},
        {"test_clip_default_int8_inbounds/test_data_set_0/input_0.pb", OCT_DT_I8, 3, -1, 1},
        {"test_bitshift_left_uint16/test_data_set_0/input_0.pb", OCT_DT_U16, 3, 16, 1},
        {"test_max_int16/test_data_set_0/input_0.pb", OCT_DT_I16, 3, 3, 1},
        {"test_basic_convinteger/test_data_set_0/output_0.pb", OCT_DT_I32, 4, 12, 28},
        {"test_bitshift_left_uint32/test_data_set_0/input_0.pb", OCT_DT_U32, 3, 16, 1},
        {"test_bitshift_left_uint64/test_data_set_0/input_0.pb", OCT_DT_U64, 3, 16, 1},
        {"test_and2d/test_data_set_0/input_0.pb", OCT_DT_BOOL, 12, 1, 1},
        {"test_cast_DOUBLE_to_FLOAT16/test_data_set_0/output_0.pb", OCT_DT_F16, 12, 0.158935546875, 0.46875},
        {"test_bernoulli/test_data_set_0/input_0.pb", OCT_DT_F64, 10, 0.5488135039273248, 0.3834415188257777},
        {"test_reshape_allowzero_reordered/test_data_set_0/input_0.pb", OCT_DT_F32, 0, 0, 0},
        {"test_constantofshape_int_shape_zero/test_data_set_0/output_0.pb", OCT_DT_I32, 0, 0, 0},
    };
    char path[512];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(path, sizeof path, DATA "/node/%s", cases[i].file);
        st = oct_onnx_load_tensor_file(path, &t, NULL);
        CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());
        if (st) continue;
        CHECK_MSG(t->dtype == cases[i].dt && oct_tensor_numel(t) == cases[i].n, "%s", cases[i].file);
        if (cases[i].n > 0 && t->dtype == cases[i].dt) {
            double a = t->dtype == OCT_DT_F16 ? oct_f16_to_f32(((uint16_t *)t->data)[0])
                                              : oct_dtype_get(t->dtype, t->data, 0);
            double b = t->dtype == OCT_DT_F16 ? oct_f16_to_f32(((uint16_t *)t->data)[cases[i].n - 1])
                                              : oct_dtype_get(t->dtype, t->data, (size_t)cases[i].n - 1);
            CHECK_MSG(a == cases[i].first && b == cases[i].last, "%s: %g %g", cases[i].file, a, b);
        }
        oct_tensor_free(t);
    }
    /* string tensors are refused, naming the tensor and the dtype */
    st = oct_onnx_load_tensor_file(DATA "/node/test_cast_STRING_to_FLOAT/test_data_set_0/input_0.pb", &t, &name);
    CHECK(st == OCT_E_UNSUPPORTED && t == NULL && name == NULL);
    CHECK_MSG(contains(oct_errmsg(), "'input'") && contains(oct_errmsg(), "string"), "%s", oct_errmsg());
}

static void test_missing_file(void)
{
    oct_graph *g = (oct_graph *)1;
    oct_status st = oct_onnx_load_file("/nonexistent/dir/model.onnx", &g);
    CHECK(st == OCT_E_IO && g == NULL);
    CHECK_MSG(contains(oct_errmsg(), "/nonexistent/dir/model.onnx"), "%s", oct_errmsg());
    oct_tensor *t = (oct_tensor *)1;
    st = oct_onnx_load_tensor_file("/nonexistent/input_0.pb", &t, NULL);
    CHECK(st == OCT_E_IO && t == NULL && contains(oct_errmsg(), "/nonexistent/input_0.pb"));
    st = oct_onnx_load_file("/tmp", &g);
    CHECK(st == OCT_E_IO && contains(oct_errmsg(), "/tmp"));
}

/* ------------------------------------------------- synthetic protobuf builders */

/* Every allocation of a synthetic message goes into one arena freed at once. */
static void **arena;
static size_t arena_n, arena_cap;

static void *A(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (arena_n == arena_cap) {
        arena_cap = arena_cap ? arena_cap * 2 : 256;
        arena = realloc(arena, arena_cap * sizeof *arena);
    }
    arena[arena_n++] = p;
    return p;
}

static void arena_free(void)
{
    for (size_t i = 0; i < arena_n; i++) free(arena[i]);
    free(arena);
    arena = NULL;
    arena_n = arena_cap = 0;
}

static char *S(const char *s)
{
    char *d = A(strlen(s) + 1);
    strcpy(d, s);
    return d;
}

#define CAP 16
#define PUSH(arr, n, item)                                          \
    do {                                                            \
        if (!(arr)) (arr) = A(CAP * sizeof *(arr));                 \
        (arr)[(n)++] = (item);                                      \
    } while (0)

static Onnx__TensorProto *mk_tensor(const char *name, int dt, int rank, const int64_t *dims)
{
    Onnx__TensorProto *t = A(sizeof *t);
    onnx__tensor_proto__init(t);
    t->name = S(name);
    t->has_data_type = 1;
    t->data_type = dt;
    t->n_dims = (size_t)rank;
    t->dims = A(sizeof(int64_t) * (size_t)(rank ? rank : 1));
    if (rank) memcpy(t->dims, dims, sizeof(int64_t) * (size_t)rank);
    return t;
}

static void tensor_floats(Onnx__TensorProto *t, int n, const float *v)
{
    t->n_float_data = (size_t)n;
    t->float_data = A(sizeof(float) * (size_t)n);
    memcpy(t->float_data, v, sizeof(float) * (size_t)n);
}

static void tensor_int32s(Onnx__TensorProto *t, int n, const int32_t *v)
{
    t->n_int32_data = (size_t)n;
    t->int32_data = A(sizeof(int32_t) * (size_t)n);
    memcpy(t->int32_data, v, sizeof(int32_t) * (size_t)n);
}

static Onnx__ValueInfoProto *mk_vi(const char *name, int elem, int rank, const int64_t *dims,
                                   const char *const *params)
{
    Onnx__ValueInfoProto *vi = A(sizeof *vi);
    onnx__value_info_proto__init(vi);
    vi->name = S(name);
    Onnx__TypeProto *tp = A(sizeof *tp);
    onnx__type_proto__init(tp);
    Onnx__TypeProto__Tensor *tt = A(sizeof *tt);
    onnx__type_proto__tensor__init(tt);
    tt->has_elem_type = 1;
    tt->elem_type = elem;
    if (rank >= 0) {
        Onnx__TensorShapeProto *sh = A(sizeof *sh);
        onnx__tensor_shape_proto__init(sh);
        sh->dim = A(sizeof *sh->dim * (size_t)(rank ? rank : 1));
        for (int i = 0; i < rank; i++) {
            Onnx__TensorShapeProto__Dimension *d = A(sizeof *d);
            onnx__tensor_shape_proto__dimension__init(d);
            if (params && params[i]) {
                d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
                d->dim_param = S(params[i]);
            } else {
                d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
                d->dim_value = dims[i];
            }
            sh->dim[sh->n_dim++] = d;
        }
        tt->shape = sh;
    }
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    tp->tensor_type = tt;
    vi->type = tp;
    return vi;
}

/* ins / outs: comma-separated names; an empty field is an omitted value. */
static void split_names(const char *list, size_t *n, char ***out)
{
    *n = 0;
    *out = A(CAP * sizeof **out);
    if (!list) return;
    const char *p = list;
    for (;;) {
        const char *c = strchr(p, ',');
        size_t l = c ? (size_t)(c - p) : strlen(p);
        char *s = A(l + 1);
        memcpy(s, p, l);
        (*out)[(*n)++] = s;
        if (!c) break;
        p = c + 1;
    }
}

static Onnx__NodeProto *mk_node(const char *op, const char *name, const char *ins, const char *outs)
{
    Onnx__NodeProto *n = A(sizeof *n);
    onnx__node_proto__init(n);
    n->op_type = S(op);
    if (name) n->name = S(name);
    split_names(ins, &n->n_input, &n->input);
    split_names(outs, &n->n_output, &n->output);
    return n;
}

static Onnx__AttributeProto *mk_attr(Onnx__NodeProto *n, const char *name, Onnx__AttributeProto__AttributeType type)
{
    Onnx__AttributeProto *a = A(sizeof *a);
    onnx__attribute_proto__init(a);
    a->name = S(name);
    if (type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED) {
        a->has_type = 1;
        a->type = type;
    }
    PUSH(n->attribute, n->n_attribute, a);
    return a;
}

typedef struct {
    Onnx__ModelProto m;
    Onnx__GraphProto g;
} model_t;

static model_t *mk_model(const char *domain, int64_t version)
{
    model_t *mm = A(sizeof *mm);
    onnx__model_proto__init(&mm->m);
    onnx__graph_proto__init(&mm->g);
    mm->m.has_ir_version = 1;
    mm->m.ir_version = 8;
    mm->m.producer_name = S("octet-test");
    mm->g.name = S("synthetic");
    mm->m.graph = &mm->g;
    Onnx__OperatorSetIdProto *op = A(sizeof *op);
    onnx__operator_set_id_proto__init(op);
    op->domain = S(domain);
    op->has_version = 1;
    op->version = version;
    PUSH(mm->m.opset_import, mm->m.n_opset_import, op);
    return mm;
}

/* Pack and import; returns the status, *g gets the graph on success. */
static oct_status load_model(model_t *mm, oct_graph **g)
{
    size_t len = onnx__model_proto__get_packed_size(&mm->m);
    uint8_t *buf = malloc(len ? len : 1);
    onnx__model_proto__pack(&mm->m, buf);
    oct_status st = oct_onnx_load_buffer(buf, len, "synthetic.onnx", g);
    free(buf);
    if (st != OCT_OK) {
        CHECK(*g == NULL);
        CHECK_MSG(!strncmp(oct_errmsg(), "synthetic.onnx: ", 16), "%s", oct_errmsg());
    }
    return st;
}

static oct_status load_tensor(const Onnx__TensorProto *tp, oct_tensor **t)
{
    size_t len = onnx__tensor_proto__get_packed_size(tp);
    uint8_t *buf = malloc(len ? len : 1);
    onnx__tensor_proto__pack(tp, buf);
    oct_status st = oct_onnx_load_tensor_buffer(buf, len, "t.pb", t, NULL);
    free(buf);
    return st;
}

/* The base model:  x[batch,3] f32, w[3] (initializer, also listed as input),
 *   Relu "relu1"(y) -> z   (listed first: the importer sorts)
 *   Add (x, w) -> y        (no name)
 *   Clip (z, "", maxv) -> out      outputs: out, z               */
static model_t *base_model(void)
{
    model_t *mm = mk_model("ai.onnx", 13);
    static const int64_t d3[] = {3}, dx[] = {-1, 3};
    static const char *const px[] = {"batch", NULL};
    static const float w[] = {1, 2, 3}, mx = 6;
    Onnx__TensorProto *tw = mk_tensor("w", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, d3);
    tensor_floats(tw, 3, w);
    Onnx__TensorProto *tm = mk_tensor("maxv", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 0, NULL);
    tensor_floats(tm, 1, &mx);
    PUSH(mm->g.initializer, mm->g.n_initializer, tw);
    PUSH(mm->g.initializer, mm->g.n_initializer, tm);
    PUSH(mm->g.input, mm->g.n_input, mk_vi("x", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 2, dx, px));
    PUSH(mm->g.input, mm->g.n_input, mk_vi("w", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, d3, NULL));
    PUSH(mm->g.node, mm->g.n_node, mk_node("Relu", "relu1", "y", "z"));
    PUSH(mm->g.node, mm->g.n_node, mk_node("Add", "", "x,w", "y"));
    PUSH(mm->g.node, mm->g.n_node, mk_node("Clip", NULL, "z,,maxv", "out"));
    PUSH(mm->g.output, mm->g.n_output, mk_vi("out", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, -1, NULL, NULL));
    PUSH(mm->g.output, mm->g.n_output, mk_vi("z", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, -1, NULL, NULL));
    static const int64_t dy[] = {7, 3};
    PUSH(mm->g.value_info, mm->g.n_value_info, mk_vi("y", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 2, dy, NULL));
    PUSH(mm->g.value_info, mm->g.n_value_info, mk_vi("unused", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 0, NULL, NULL));
    return mm;
}

static void add_all_attrs(Onnx__NodeProto *n)
{
    Onnx__AttributeProto *a;
    a = mk_attr(n, "f", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
    a->has_f = 1, a->f = 0.25f;
    a = mk_attr(n, "i", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
    a->has_i = 1, a->i = -7;
    a = mk_attr(n, "s", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
    a->has_s = 1, a->s.data = (uint8_t *)S("NOTSET"), a->s.len = 6;
    a = mk_attr(n, "t", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);
    static const int64_t d2[] = {2};
    static const int32_t iv[] = {5, -6};
    a->t = mk_tensor("", ONNX__TENSOR_PROTO__DATA_TYPE__INT32, 1, d2);
    tensor_int32s(a->t, 2, iv);
    a = mk_attr(n, "fs", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS);
    a->n_floats = 2, a->floats = A(2 * sizeof(float)), a->floats[0] = 1.5f, a->floats[1] = -2.5f;
    a = mk_attr(n, "is", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
    a->n_ints = 3, a->ints = A(3 * sizeof(int64_t)), a->ints[0] = 1, a->ints[1] = 2, a->ints[2] = -3;
    a = mk_attr(n, "empty_ints", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
    a = mk_attr(n, "ss", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS);
    a->n_strings = 2, a->strings = A(2 * sizeof *a->strings);
    a->strings[0].data = (uint8_t *)S("ab"), a->strings[0].len = 2;
    a->strings[1].data = (uint8_t *)S(""), a->strings[1].len = 0;
    a = mk_attr(n, "g", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH);
    a->g = A(sizeof *a->g);
    onnx__graph_proto__init(a->g);
    a->g->name = S("sub");
    a = mk_attr(n, "sp", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSOR);
    a->sparse_tensor = A(sizeof *a->sparse_tensor);
    onnx__sparse_tensor_proto__init(a->sparse_tensor);
    a = mk_attr(n, "untyped_int", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED); /* IR v1 style */
    a->has_i = 1, a->i = 42;
}

static void test_synthetic_model(void)
{
    model_t *mm = base_model();
    add_all_attrs(mm->g.node[0]);
    oct_graph *g = NULL;
    oct_status st = load_model(mm, &g);
    CHECK_MSG(st == OCT_OK, "%s", oct_errmsg());
    arena_free();
    if (st) return;
    check_invariants(g);
    CHECK(g->n_opsets == 1 && !strcmp(g->opsets[0].domain, "") && oct_graph_opset(g, "") == 13);
    CHECK(g->n_in == 1 && !strcmp(g->val[g->in[0]].name, "x"));
    const oct_value *x = value(g, "x");
    CHECK(x->rank == 2 && x->dims[0] == -1 && x->dims[1] == 3 && x->dim_param[0] && !strcmp(x->dim_param[0], "batch"));
    CHECK(x->dim_param[1] == NULL);
    const oct_value *w = value(g, "w");
    CHECK(w->constant && w->producer == -1 && f32_at(w->constant, 2) == 3.0f);
    const oct_value *m = value(g, "maxv");
    CHECK(m->constant && m->constant->rank == 0 && f32_at(m->constant, 0) == 6.0f);
    const oct_value *y = value(g, "y");
    CHECK(y->dtype == OCT_DT_F32 && y->rank == 2 && y->dims[0] == 7);
    CHECK(value(g, "unused") == NULL);
    CHECK(g->n_out == 2 && !strcmp(g->val[g->out[0]].name, "out") && g->val[g->out[0]].rank == -1);
    CHECK(g->n_node == 3);
    const oct_node *add = &g->node[0], *relu = &g->node[1], *clip = &g->node[2];
    CHECK(!strcmp(add->op_type, "Add") && !strcmp(add->name, "Add_1"));
    CHECK(!strcmp(relu->name, "relu1") && relu->opset == 13 && !strcmp(relu->domain, ""));
    CHECK(!strcmp(clip->name, "Clip_2") && clip->n_in == 3 && clip->in[1] == -1 && clip->in[2] == m - g->val);
    CHECK(value(g, "z")->producer == 1 && value(g, "out")->producer == 2);

    CHECK(relu->n_attr == 11);
    CHECK(oct_attr_float(relu, "f", 0) == 0.25f);
    CHECK(oct_attr_int(relu, "i", 0) == -7);
    CHECK(!strcmp(oct_attr_str(relu, "s", ""), "NOTSET"));
    const oct_attr *a = oct_node_attr(relu, "t");
    CHECK(a && a->type == OCT_ATTR_TENSOR && a->t->dtype == OCT_DT_I32 && ((int32_t *)a->t->data)[1] == -6);
    const float *fv;
    const int64_t *iv;
    CHECK(oct_attr_floats(relu, "fs", &fv) == 2 && fv[1] == -2.5f);
    CHECK(oct_attr_ints(relu, "is", &iv) == 3 && iv[2] == -3);
    CHECK(oct_attr_ints(relu, "empty_ints", &iv) == 0);
    a = oct_node_attr(relu, "ss");
    CHECK(a && a->type == OCT_ATTR_STRINGS && a->n == 2 && !strcmp(a->strings[0], "ab") && !strcmp(a->strings[1], ""));
    a = oct_node_attr(relu, "g");
    CHECK(a && a->type == OCT_ATTR_GRAPH);
    a = oct_node_attr(relu, "sp");
    CHECK(a && a->type == OCT_ATTR_UNDEFINED);
    CHECK(oct_attr_int(relu, "untyped_int", 0) == 42);
    oct_graph_free(g);
}

/* Each mutation of the base model must fail with `want` and a message holding `needle`. */
static void expect_error(model_t *mm, oct_status want, const char *needle, const char *label)
{
    oct_graph *g = NULL;
    oct_status st = load_model(mm, &g);
    CHECK_MSG(st == want, "%s: got %s: %s", label, oct_status_name(st), oct_errmsg());
    CHECK_MSG(contains(oct_errmsg(), needle), "%s: message '%s' lacks '%s'", label, oct_errmsg(), needle);
    if (st == OCT_OK) oct_graph_free(g);
    arena_free();
}

static void test_synthetic_errors(void)
{
    model_t *mm;
    static const int64_t d35[] = {3, 5}, dneg[] = {3, -2}, d9[] = {1, 1, 1, 1, 1, 1, 1, 1, 1};

    mm = base_model();
    PUSH(mm->g.node, mm->g.n_node, mk_node("Neg", "dup", "x", "y"));
    expect_error(mm, OCT_E_PARSE, "'y'", "output produced twice");

    mm = base_model();
    PUSH(mm->g.node, mm->g.n_node, mk_node("Neg", "over", "x", "w"));
    expect_error(mm, OCT_E_PARSE, "'w'", "node output overwrites an initializer");

    mm = base_model();
    mm->m.opset_import[0]->domain = S("com.example");
    expect_error(mm, OCT_E_UNSUPPORTED, "default ONNX domain", "no default opset");

    mm = base_model();
    {
        Onnx__OperatorSetIdProto *op = A(sizeof *op);
        onnx__operator_set_id_proto__init(op);
        op->domain = S("");
        op->has_version = 1;
        op->version = 12;
        PUSH(mm->m.opset_import, mm->m.n_opset_import, op);
    }
    expect_error(mm, OCT_E_PARSE, "imported twice", "ai.onnx and \"\" both imported");

    mm = base_model();
    PUSH(mm->g.output, mm->g.n_output, mk_vi("out", 1, -1, NULL, NULL));
    expect_error(mm, OCT_E_PARSE, "graph output 'out' is listed twice", "output listed twice");

    mm = base_model();
    PUSH(mm->g.input, mm->g.n_input, mk_vi("x", 1, -1, NULL, NULL));
    expect_error(mm, OCT_E_PARSE, "graph input 'x' is listed twice", "input listed twice");

    mm = base_model();
    mm->m.n_opset_import = 0; /* what a file cut right after the graph looks like */
    expect_error(mm, OCT_E_PARSE, "no opset imports", "no opset at all");

    mm = base_model();
    mm->m.opset_import[0]->version = 0;
    expect_error(mm, OCT_E_PARSE, "version", "opset version 0");

    mm = base_model();
    mk_attr(mm->g.node[0], "alpha", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT)->ref_attr_name = S("outer");
    expect_error(mm, OCT_E_UNSUPPORTED, "'alpha'", "ref_attr_name");

    mm = base_model();
    mk_attr(mm->g.node[0], "k", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
    mk_attr(mm->g.node[0], "k", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
    expect_error(mm, OCT_E_PARSE, "'k'", "duplicate attribute");

    mm = base_model();
    PUSH(mm->g.node, mm->g.n_node, mk_node("Neg", "n", "nope", "q"));
    expect_error(mm, OCT_E_PARSE, "'nope'", "input never produced");

    mm = base_model();
    PUSH(mm->g.node, mm->g.n_node, mk_node("Neg", "c1", "b", "a"));
    PUSH(mm->g.node, mm->g.n_node, mk_node("Neg", "c2", "a", "b"));
    expect_error(mm, OCT_E_PARSE, "part of a cycle", "cycle");

    mm = base_model();
    PUSH(mm->g.output, mm->g.n_output, mk_vi("ghost", 1, -1, NULL, NULL));
    expect_error(mm, OCT_E_PARSE, "'ghost'", "output never produced");

    mm = base_model();
    mm->g.initializer[0]->n_dims = 2;
    mm->g.initializer[0]->dims = (int64_t *)d35;
    {
        float *v = A(12 * sizeof(float));
        mm->g.initializer[0]->n_float_data = 12;
        mm->g.initializer[0]->float_data = v;
    }
    expect_error(mm, OCT_E_PARSE, "initializer 'w': 12 values for shape [3,5]", "count mismatch");

    mm = base_model();
    mm->g.initializer[0]->has_raw_data = 1;
    mm->g.initializer[0]->raw_data.data = A(8);
    mm->g.initializer[0]->raw_data.len = 8;
    expect_error(mm, OCT_E_PARSE, "initializer 'w': 8 bytes of raw data", "raw size mismatch");

    mm = base_model();
    mm->g.initializer[0]->has_data_location = 1;
    mm->g.initializer[0]->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
    expect_error(mm, OCT_E_UNSUPPORTED, "external data", "external data");
    mm = base_model();
    {
        Onnx__StringStringEntryProto *e = A(sizeof *e);
        onnx__string_string_entry_proto__init(e);
        e->key = S("location");
        e->value = S("w.bin");
        PUSH(mm->g.initializer[0]->external_data, mm->g.initializer[0]->n_external_data, e);
    }
    expect_error(mm, OCT_E_UNSUPPORTED, "initializer 'w': external data", "external_data entries");

    mm = base_model();
    mm->g.initializer[0]->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__STRING;
    expect_error(mm, OCT_E_UNSUPPORTED, "initializer 'w': dtype string", "string initializer");
    mm = base_model();
    mm->g.initializer[0]->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__COMPLEX64;
    expect_error(mm, OCT_E_UNSUPPORTED, "complex64", "complex initializer");

    mm = base_model();
    mm->g.initializer[0]->n_dims = 2;
    mm->g.initializer[0]->dims = (int64_t *)dneg;
    expect_error(mm, OCT_E_PARSE, "negative dimension", "negative dim");

    mm = base_model();
    mm->g.initializer[0]->n_dims = 9;
    mm->g.initializer[0]->dims = (int64_t *)d9;
    expect_error(mm, OCT_E_UNSUPPORTED, "rank 9", "rank 9");

    mm = base_model();
    mm->g.input[0] = mk_vi("x", 1, 9, d9, NULL);
    expect_error(mm, OCT_E_UNSUPPORTED, "graph input 'x'", "input rank 9");

    mm = base_model();
    mm->g.input[0]->type->value_case = ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE;
    mm->g.input[0]->type->sequence_type = A(sizeof(Onnx__TypeProto__Sequence));
    onnx__type_proto__sequence__init(mm->g.input[0]->type->sequence_type);
    expect_error(mm, OCT_E_UNSUPPORTED, "sequence", "sequence input");

    mm = base_model();
    mm->g.initializer[0]->name = S("");
    expect_error(mm, OCT_E_PARSE, "no name", "unnamed initializer");

    mm = base_model();
    mm->m.graph = NULL;
    expect_error(mm, OCT_E_PARSE, "no graph", "no graph");

    mm = base_model();
    mm->g.node[0]->op_type = S("");
    expect_error(mm, OCT_E_PARSE, "op_type", "empty op_type");

    /* an empty buffer is a valid empty ModelProto, but no model */
    oct_graph *g = NULL;
    CHECK(oct_onnx_load_buffer("", 0, "empty.onnx", &g) == OCT_E_PARSE && g == NULL);
    CHECK_MSG(contains(oct_errmsg(), "truncated or corrupt"), "%s", oct_errmsg());
    CHECK(contains(oct_errmsg(), "empty.onnx"));
    /* garbage: protobuf-c refuses it */
    static const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    CHECK(oct_onnx_load_buffer(junk, sizeof junk, "junk.onnx", &g) == OCT_E_PARSE);
    CHECK_MSG(contains(oct_errmsg(), "junk.onnx: truncated or corrupt protobuf (6 bytes)"), "%s", oct_errmsg());
}

static void test_synthetic_tensors(void)
{
    static const int64_t d2[] = {2}, d3[] = {3};
    oct_tensor *t = NULL;
    Onnx__TensorProto *tp;

    /* f16 / bf16 bits travel in int32_data */
    static const int32_t f16v[] = {0x3C00, 0xC000}, bf16v[] = {0x3F80, 0x4040};
    tp = mk_tensor("h", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16, 1, d2);
    tensor_int32s(tp, 2, f16v);
    CHECK(load_tensor(tp, &t) == OCT_OK);
    if (t) {
        CHECK(t->dtype == OCT_DT_F16 && oct_f16_to_f32(((uint16_t *)t->data)[1]) == -2.0f);
        oct_tensor_free(t);
    }
    tp = mk_tensor("b", ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16, 1, d2);
    tensor_int32s(tp, 2, bf16v);
    CHECK(load_tensor(tp, &t) == OCT_OK);
    if (t) {
        CHECK(t->dtype == OCT_DT_BF16 && oct_bf16_to_f32(((uint16_t *)t->data)[0]) == 1.0f &&
              oct_bf16_to_f32(((uint16_t *)t->data)[1]) == 3.0f);
        oct_tensor_free(t);
    }
    /* raw bf16 */
    tp = mk_tensor("rb", ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16, 1, d2);
    tp->has_raw_data = 1;
    tp->raw_data.len = 4;
    tp->raw_data.data = A(4);
    memcpy(tp->raw_data.data, "\x80\x3f\x00\xc0", 4);
    CHECK(load_tensor(tp, &t) == OCT_OK);
    if (t) {
        CHECK(oct_bf16_to_f32(((uint16_t *)t->data)[0]) == 1.0f && oct_bf16_to_f32(((uint16_t *)t->data)[1]) == -2.0f);
        oct_tensor_free(t);
    }
    /* i8, u8, i16, u16, bool in int32_data */
    static const int32_t small[] = {-1, 127, 5};
    struct {
        int dt;
        double v0, v1, v2;
    } sc[] = {{ONNX__TENSOR_PROTO__DATA_TYPE__INT8, -1, 127, 5},   {ONNX__TENSOR_PROTO__DATA_TYPE__UINT8, 255, 127, 5},
              {ONNX__TENSOR_PROTO__DATA_TYPE__INT16, -1, 127, 5},  {ONNX__TENSOR_PROTO__DATA_TYPE__UINT16, 65535, 127, 5},
              {ONNX__TENSOR_PROTO__DATA_TYPE__BOOL, 1, 1, 1},      {ONNX__TENSOR_PROTO__DATA_TYPE__INT32, -1, 127, 5}};
    for (size_t i = 0; i < sizeof sc / sizeof *sc; i++) {
        tp = mk_tensor("s", sc[i].dt, 1, d3);
        tensor_int32s(tp, 3, small);
        CHECK(load_tensor(tp, &t) == OCT_OK);
        if (!t) continue;
        CHECK_MSG((int)t->dtype == sc[i].dt && oct_dtype_get(t->dtype, t->data, 0) == sc[i].v0 &&
                      oct_dtype_get(t->dtype, t->data, 1) == sc[i].v1 && oct_dtype_get(t->dtype, t->data, 2) == sc[i].v2,
                  "dtype %d", sc[i].dt);
        oct_tensor_free(t);
    }
    /* u32 / u64 in uint64_data, i64 in int64_data, f64 in double_data */
    tp = mk_tensor("u", ONNX__TENSOR_PROTO__DATA_TYPE__UINT32, 1, d2);
    tp->n_uint64_data = 2, tp->uint64_data = A(16), tp->uint64_data[0] = 4000000000u, tp->uint64_data[1] = 7;
    CHECK(load_tensor(tp, &t) == OCT_OK);
    if (t) {
        CHECK(t->dtype == OCT_DT_U32 && ((uint32_t *)t->data)[0] == 4000000000u && ((uint32_t *)t->data)[1] == 7);
        oct_tensor_free(t);
    }
    tp->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__UINT64;
    tp->uint64_data[0] = UINT64_MAX;
    CHECK(load_tensor(tp, &t) == OCT_OK);
    if (t) {
        CHECK(t->dtype == OCT_DT_U64 && ((uint64_t *)t->data)[0] == UINT64_MAX);
        oct_tensor_free(t);
    }
    tp = mk_tensor("l", ONNX__TENSOR_PROTO__DATA_TYPE__INT64, 1, d2);
    tp->n_int64_data = 2, tp->int64_data = A(16), tp->int64_data[0] = INT64_MIN, tp->int64_data[1] = 9;
    CHECK(load_tensor(tp, &t) == OCT_OK);
    if (t) {
        CHECK(((int64_t *)t->data)[0] == INT64_MIN && ((int64_t *)t->data)[1] == 9);
        oct_tensor_free(t);
    }
    tp = mk_tensor("d", ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE, 1, d2);
    tp->n_double_data = 2, tp->double_data = A(16), tp->double_data[0] = 0.1, tp->double_data[1] = -1e300;
    CHECK(load_tensor(tp, &t) == OCT_OK);
    if (t) {
        CHECK(((double *)t->data)[0] == 0.1 && ((double *)t->data)[1] == -1e300);
        oct_tensor_free(t);
    }
    /* wrong field for the dtype: no values found */
    tp = mk_tensor("wrong", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 1, d3);
    tensor_int32s(tp, 3, small);
    CHECK(load_tensor(tp, &t) == OCT_E_PARSE && t == NULL);
    CHECK_MSG(contains(oct_errmsg(), "t.pb: tensor 'wrong': 0 values for shape [3]"), "%s", oct_errmsg());
    /* no dtype, unknown dtype, overflowing size */
    tp = mk_tensor("nodt", 0, 1, d3);
    CHECK(load_tensor(tp, &t) == OCT_E_PARSE);
    tp = mk_tensor("f8", 17, 1, d3);
    CHECK(load_tensor(tp, &t) == OCT_E_UNSUPPORTED && contains(oct_errmsg(), "17"));
    static const int64_t huge[] = {INT64_MAX, INT64_MAX, 2};
    tp = mk_tensor("huge", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 3, huge);
    CHECK(load_tensor(tp, &t) == OCT_E_PARSE && t == NULL && contains(oct_errmsg(), "'huge'"));
    /* zero-size dim next to a huge one: empty tensor */
    static const int64_t zhuge[] = {0, INT64_MAX};
    tp = mk_tensor("z", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 2, zhuge);
    CHECK(load_tensor(tp, &t) == OCT_OK);
    if (t) {
        CHECK(oct_tensor_numel(t) == 0);
        oct_tensor_free(t);
    }
    arena_free();
}


int main(void)
{
    test_missing_file();
    test_synthetic_model();
    test_synthetic_errors();
    test_synthetic_tensors();
    if (have_data()) {
        test_conv_node_model();
        test_pytorch_models();
        test_expanded_model();
        test_all_models();
        test_tensor_files();
    } else {
        printf("skipping tests on " DATA " (not installed)\n");
    }
    TEST_DONE();
}
