/* octet — numpy.matmul geometry shared by MatMul, MatMulInteger and QLinearMatMul:
 * 1-D operands promoted (the added dimension dropped from the result), batch
 * dimensions broadcast, per-batch element strides of A and B. */
#ifndef OCT_OPS_MATMUL_GEOM_H
#define OCT_OPS_MATMUL_GEOM_H

#include "core/tensor.h"

typedef struct oct_mm_geom {
    int64_t M, N, K;
    int out_rank;
    int64_t out[OCT_MAX_RANK];
    int nb;                                     /* batch rank of the output */
    int64_t bdims[OCT_MAX_RANK];                /* output batch dims */
    int64_t sa[OCT_MAX_RANK], sb[OCT_MAX_RANK]; /* batch strides (elements, 0 = broadcast) */
    int64_t batch;                              /* product of bdims */
    int b_flat;                                 /* B has no batch (all dims 1): fold A's batch into M */
} oct_mm_geom;

/* `op` names the operator in error messages. */
oct_status oct_mm_geometry(const char *op, const oct_tensor *A, const oct_tensor *B, oct_mm_geom *g);
/* Element offsets into A and B of batch number idx (0 <= idx < batch). */
void oct_mm_batch_offsets(const oct_mm_geom *g, int64_t idx, int64_t *oa, int64_t *ob);

#endif
