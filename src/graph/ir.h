/* octet — the graph IR. The ONNX importer fills it; passes rewrite it; the
 * session executes it. Nothing of the protobuf survives import. */
#ifndef OCT_GRAPH_IR_H
#define OCT_GRAPH_IR_H

#include <stdint.h>

#include "core/status.h"
#include "core/tensor.h"

struct oct_op_def;

typedef enum oct_attr_type {
    OCT_ATTR_UNDEFINED = 0,
    OCT_ATTR_FLOAT = 1,
    OCT_ATTR_INT = 2,
    OCT_ATTR_STRING = 3,
    OCT_ATTR_TENSOR = 4,
    OCT_ATTR_GRAPH = 5, /* kept as a marker only: subgraph ops are unsupported */
    OCT_ATTR_FLOATS = 6,
    OCT_ATTR_INTS = 7,
    OCT_ATTR_STRINGS = 8
} oct_attr_type;

typedef struct oct_attr {
    char *name;
    oct_attr_type type;
    float f;
    int64_t i;
    char *s;          /* STRING (NUL-terminated copy) */
    oct_tensor *t;    /* TENSOR */
    int n;            /* element count of floats / ints / strings */
    float *floats;
    int64_t *ints;
    char **strings;
} oct_attr;

/* A value (edge): graph input, initializer, or a node output. */
typedef struct oct_value {
    char *name;
    oct_dtype dtype;               /* OCT_DT_UNDEFINED when unknown */
    int rank;                      /* -1 when unknown */
    int64_t dims[OCT_MAX_RANK];    /* -1: symbolic or unknown */
    char *dim_param[OCT_MAX_RANK]; /* symbolic name ("batch") or NULL */
    oct_tensor *constant;          /* initializer or folded constant (owned), else NULL */
    int producer;                  /* producing node index, -1 for inputs/constants */
} oct_value;

typedef enum oct_act_kind {
    OCT_ACT_NONE = 0,
    OCT_ACT_RELU,
    OCT_ACT_CLIP,      /* clamp to [alpha, beta] */
    OCT_ACT_LEAKYRELU  /* x < 0 ? alpha * x : x */
} oct_act_kind;

typedef struct oct_act {
    oct_act_kind kind;
    float alpha, beta;
} oct_act;

typedef struct oct_node {
    char *name;
    char *op_type;
    char *domain;      /* "" for ai.onnx */
    int opset;         /* opset version imported for the node's domain */
    int n_in, n_out, n_attr;
    int *in;           /* value indices; -1 for an omitted optional input */
    int *out;          /* value indices; -1 for an omitted optional output */
    oct_attr *attr;
    const struct oct_op_def *def; /* resolved by oct_graph_resolve_ops */
    void *state;       /* op-private data made by def->prepare, freed by def->release */
    oct_act act;       /* fused activation applied to output 0 (Conv/Gemm/MatMul) */
    int dead;          /* removed by a pass; skipped everywhere, dropped by compact */
} oct_node;

typedef struct oct_opset {
    char *domain;
    int64_t version;
} oct_opset;

typedef struct oct_graph {
    char *name;
    char *producer;
    int64_t ir_version;
    oct_value *val;
    int n_val, cap_val;
    oct_node *node;   /* topologically sorted after import */
    int n_node, cap_node;
    int *in;          /* graph inputs that are not initializers */
    int n_in;
    int *out;
    int n_out;
    oct_opset *opsets;
    int n_opsets;
    int *name_hash;   /* private: open-addressing index of value names */
    int hash_cap;
} oct_graph;

oct_graph *oct_graph_new(void);
void oct_graph_free(oct_graph *g);

/* Value index by name, -1 if absent. Names are unique. */
int oct_graph_find_value(const oct_graph *g, const char *name);
/* Add a value (name copied); returns its index, or -1 (OCT_E_NOMEM / duplicate
 * name sets the message). Pointers into g->val are invalidated by additions. */
int oct_graph_add_value(oct_graph *g, const char *name);
/* Rename value v (the new name must be unused). */
oct_status oct_graph_rename_value(oct_graph *g, int v, const char *name);
/* Find or add. */
int oct_graph_value(oct_graph *g, const char *name);
/* A fresh value whose name starts with prefix and is unique. */
int oct_graph_new_value(oct_graph *g, const char *prefix);

/* Append a node with n_in inputs and n_out outputs (index arrays copied,
 * strings copied, attributes none). Returns the node index or -1. Pointers
 * into g->node are invalidated by additions. */
int oct_graph_add_node(oct_graph *g, const char *op_type, const char *domain, const char *name,
                       int n_in, const int *in, int n_out, const int *out);
/* Attribute setters for building graphs in passes/tests (copy their data). */
oct_status oct_node_set_int(oct_node *n, const char *name, int64_t v);
oct_status oct_node_set_float(oct_node *n, const char *name, float v);
oct_status oct_node_set_ints(oct_node *n, const char *name, const int64_t *v, int count);
oct_status oct_node_set_floats(oct_node *n, const char *name, const float *v, int count);

/* Deep copy of the live graph (values keep their indices; nodes keep their
 * resolved op but not their prepared state). NULL (message set) on failure. */
oct_graph *oct_graph_clone(const oct_graph *g);
/* A value named base + suffix (made unique with "__k" when taken); -1 on failure. */
int oct_graph_named_value(oct_graph *g, const char *base, const char *suffix);
/* The same holding constant t (ownership taken, freed on failure; t NULL: OCT_E_NOMEM). */
int oct_graph_named_constant(oct_graph *g, const char *base, const char *suffix, oct_tensor *t);
/* Import `domain` at `version` (raised if already imported at a lower one). */
oct_status oct_graph_set_opset(oct_graph *g, const char *domain, int64_t version);

int64_t oct_graph_opset(const oct_graph *g, const char *domain); /* 0 if not imported */

/* Attribute getters. Absent attribute -> default (or -1 count). */
const oct_attr *oct_node_attr(const oct_node *n, const char *name);
int64_t oct_attr_int(const oct_node *n, const char *name, int64_t def);
float oct_attr_float(const oct_node *n, const char *name, float def);
const char *oct_attr_str(const oct_node *n, const char *name, const char *def);
/* Returns count and sets *v, or -1 when absent. */
int oct_attr_ints(const oct_node *n, const char *name, const int64_t **v);
int oct_attr_floats(const oct_node *n, const char *name, const float **v);

/* Number of live nodes using value v as an input, and graph-output membership. */
int oct_graph_consumers(const oct_graph *g, int v, int *nodes, int max_nodes);
int oct_graph_is_output(const oct_graph *g, int v);

/* Recompute every value's producer field from the live nodes. */
void oct_graph_link(oct_graph *g);
/* Sort live nodes topologically (stable for already-sorted input); drops dead
 * nodes. OCT_E_PARSE if there is a cycle or a value with no producer. */
oct_status oct_graph_toposort(oct_graph *g);

void oct_attr_clear(oct_attr *a);
void oct_node_clear(oct_node *n);

#endif
