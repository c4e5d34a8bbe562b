/* octet — an execution plan for one input-shape signature: every value's shape,
 * plan-time data (constants and values computed from shapes), and arena offsets
 * of the activations, assigned so that buffers whose lifetimes do not overlap
 * share memory. */
#ifndef OCT_RUNTIME_PLAN_H
#define OCT_RUNTIME_PLAN_H

#include <stddef.h>

#include "core/tensor.h"
#include "graph/ir.h"
#include "ops/op.h"

typedef enum oct_vkind {
    OCT_V_UNUSED = 0,
    OCT_V_CONST,    /* graph constant (data borrowed from the graph) */
    OCT_V_PLANDATA, /* computed while planning (data owned by the plan) */
    OCT_V_INPUT,    /* graph input: bound at run time */
    OCT_V_ARENA,    /* activation: lives in the session arena at offset[v] */
    OCT_V_VIEW      /* the bytes of value view_of[v] (an ARENA or INPUT value) under another shape */
} oct_vkind;

typedef struct oct_plan {
    int n_inputs;
    int key_rank[16];
    int64_t *key_dims;     /* n_inputs * OCT_MAX_RANK, the signature */
    unsigned keyed;        /* bit i: input i's values are part of the signature */
    oct_tensor *key_data[16]; /* copies of keyed inputs' values (owned) */
    int n_val;
    oct_tensor *vals;      /* one header per graph value */
    unsigned char *kind;   /* oct_vkind per value */
    size_t *offset;        /* arena offset per ARENA value */
    int *view_of;          /* per VIEW value: the value whose buffer it shares */
    unsigned char *run;    /* 1: node runs at run time; 2: its output is a view (nothing to compute) */
    size_t arena_bytes;    /* peak activation bytes with reuse */
    size_t naive_bytes;    /* sum of all activation bytes (no reuse) */
    unsigned long last_used;
} oct_plan;

/* Build a plan for the given inputs. Data is read only for the inputs in
 * `keyed` (bit i = graph input i decides shapes, see oct_plan_keyed_inputs):
 * their values become plan-time data and part of the plan's signature.
 * Validates inputs against the graph's declared dtypes and static dims. */
oct_status oct_plan_build(const oct_graph *g, const oct_tensor *const *inputs, unsigned keyed,
                          const oct_exec *ex, oct_plan **out);
/* Graph inputs whose values decide some output shape (they feed, possibly through
 * other nodes, an input slot in an op's shape_inputs; Shape/Size stop the walk). */
unsigned oct_plan_keyed_inputs(const oct_graph *g);
void oct_plan_free(oct_plan *p);
/* 1 if the plan was built for exactly these input shapes. */
int oct_plan_matches(const oct_plan *p, const oct_tensor *const *inputs);
/* Check one input against the graph declaration (used by build and by the CLI/server). */
oct_status oct_plan_check_input(const oct_graph *g, int i, const oct_tensor *t);

#endif
