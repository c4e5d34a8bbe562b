/* `octet inspect MODEL.onnx [--batch N] [--json]` */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "graph/passes.h"
#include "onnx/onnx.h"
#include "runtime/session.h"

typedef struct { const char *op; int count; } op_count;

static int histogram(const oct_graph *g, op_count *h, int max)
{
    int n = 0;
    for (int i = 0; i < g->n_node; i++) {
        if (g->node[i].dead) continue;
        int k = 0;
        while (k < n && strcmp(h[k].op, g->node[i].op_type)) k++;
        if (k == n && n < max) h[n++] = (op_count){g->node[i].op_type, 0};
        if (k < n) h[k].count++;
    }
    return n;
}

static void print_value(const oct_value *v, int json)
{
    char shape[256] = "";
    size_t off = 0;
    if (v->rank < 0) snprintf(shape, sizeof shape, "?");
    for (int d = 0; d < v->rank && off < sizeof shape; d++) {
        if (v->dim_param[d]) off += (size_t)snprintf(shape + off, sizeof shape - off, "%s%s%s%s", d ? "," : "", json == 1 ? "\\\"" : "", v->dim_param[d], json == 1 ? "\\\"" : "");
        else if (v->dims[d] < 0) off += (size_t)snprintf(shape + off, sizeof shape - off, "%s?", d ? "," : "");
        else off += (size_t)snprintf(shape + off, sizeof shape - off, "%s%lld", d ? "," : "", (long long)v->dims[d]);
    }
    if (json == 1) printf("{\"name\": \"%s\", \"dtype\": \"%s\", \"shape\": \"[%s]\"}", v->name, oct_dtype_name(v->dtype), shape);
    else if (json == 2) printf("%s %s [%s]", v->name, oct_dtype_name(v->dtype), shape);
    else printf("  %-24s %-5s [%s]\n", v->name, oct_dtype_name(v->dtype), shape);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: octet inspect MODEL.onnx [--batch N] [--threads T] [--shapes] [--json] [--device D]\n"
               "Shows inputs, outputs, the op histogram (as imported and after graph passes),\n"
               "parameter count and bytes, and peak activation memory for batch N (default 1).\n"
               "--shapes lists every node of the optimised graph with its inferred output shape\n"
               "(N = the batch dimension). --device auto|cpu|opencl[:P:D] also shows where each node\n"
               "runs (device or cpu) and how many activations cross between them per run.\n");
}

static void print_nodes(const oct_session *s, int show_dev)
{
    const oct_graph *g = oct_session_graph(s);
    printf("nodes (optimized, with inferred output shapes%s):\n", show_dev ? " and placement" : "");
    for (int i = 0; i < g->n_node; i++) {
        const oct_node *n = &g->node[i];
        if (n->dead) continue;
        const char *act = n->act.kind == OCT_ACT_RELU ? "+Relu" : n->act.kind == OCT_ACT_CLIP ? "+Clip"
                          : n->act.kind == OCT_ACT_LEAKYRELU ? "+LeakyRelu" : "";
        char op[64];
        snprintf(op, sizeof op, "%s%s", n->op_type, act);
        if (show_dev) printf("  %-6s", oct_session_node_on_device(s, i) ? "device" : n->def && n->def->impl->view ? "view" : "cpu");
        printf("  %-18s %-28s ->", op, n->name);
        for (int j = 0; j < n->n_out; j++)
            if (n->out[j] >= 0) {
                printf(" ");
                print_value(&g->val[n->out[j]], 2);
            }
        printf("\n");
    }
}

int oct_cmd_inspect(int argc, char **argv)
{
    static const struct option opts[] = {{"batch", required_argument, 0, 'b'}, {"json", no_argument, 0, 'j'},
                                         {"threads", required_argument, 0, 't'}, {"help", no_argument, 0, 'h'},
                                         {"shapes", no_argument, 0, 's'}, {"device", required_argument, 0, 'd'},
                                         {0, 0, 0, 0}};
    int batch = 1, json = 0, threads = 1, shapes = 0, c;
    const char *device = "cpu";
    optind = 1;
    while ((c = getopt_long(argc, argv, "b:jt:hsd:", opts, NULL)) != -1) {
        switch (c) {
        case 'd': device = optarg; break;
        case 's': shapes = 1; break;
        case 'b': if ((batch = oct_cli_int("--batch", optarg, 1, 1 << 20)) < 0) return 2; break;
        case 'j': json = 1; break;
        case 't': if ((threads = oct_cli_int("--threads", optarg, 1, 256)) < 0) return 2; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return 2;
    }
    const char *path = argv[optind];
    oct_graph *g = NULL;
    if (oct_onnx_load_file(path, &g) != OCT_OK) {
        fprintf(stderr, "octet inspect: %s\n", oct_errmsg());
        return 1;
    }
    op_count before[256], after[256];
    int nb = histogram(g, before, 256), n_nodes = 0, n_after = 0;
    for (int i = 0; i < g->n_node; i++) n_nodes += !g->node[i].dead;
    int64_t params = 0;
    size_t param_bytes = 0;
    for (int i = 0; i < g->n_val; i++)
        if (g->val[i].constant) {
            params += oct_tensor_numel(g->val[i].constant);
            param_bytes += oct_tensor_nbytes(g->val[i].constant);
        }
    /* the same model through the passes, in a session */
    oct_graph *g2 = NULL;
    oct_session *s = NULL;
    oct_pass_stats st = {0};
    oct_session_opts so;
    oct_session_opts_default(&so);
    so.n_threads = threads;
    so.optimize = 0;
    so.device = device;
    int rc = 1;
    if (oct_onnx_load_file(path, &g2) != OCT_OK || oct_graph_resolve_ops(g2) != OCT_OK) {
        fprintf(stderr, "octet inspect: %s\n", oct_errmsg());
        oct_graph_free(g2);
        goto out;
    }
    oct_exec ex = {NULL};
    if (oct_passes_run_stats(g2, &ex, &st) != OCT_OK) {
        fprintf(stderr, "octet inspect: %s\n", oct_errmsg());
        oct_graph_free(g2);
        goto out;
    }
    if (oct_session_from_graph(g2, &so, &s) != OCT_OK) { /* frees g2 on failure */
        fprintf(stderr, "octet inspect: %s\n", oct_errmsg());
        goto out;
    }
    const oct_graph *og = oct_session_graph(s);
    int na = histogram(og, after, 256);
    for (int i = 0; i < og->n_node; i++) n_after += !og->node[i].dead;
    /* peak memory: inputs with symbolic dims set to `batch` */
    int ni = oct_session_n_inputs(s);
    oct_tensor *ins[16] = {0};
    size_t peak = 0, naive = 0;
    int mem_ok = ni <= 16;
    for (int i = 0; i < ni && mem_ok; i++) {
        const oct_value *v = oct_session_input(s, i);
        int64_t d[OCT_MAX_RANK];
        if (v->rank < 0) { mem_ok = 0; break; }
        for (int k = 0; k < v->rank; k++) d[k] = v->dims[k] < 0 ? batch : v->dims[k];
        ins[i] = oct_tensor_wrap(v->dtype, v->rank, d, NULL);
        if (!ins[i]) mem_ok = 0;
    }
    const char *mem_err = NULL;
    if (mem_ok && oct_session_plan_bytes(s, (const oct_tensor *const *)ins, &peak, &naive) != OCT_OK) {
        mem_ok = 0;
        mem_err = oct_errmsg();
    }
    for (int i = 0; i < ni && i < 16; i++) oct_tensor_free(ins[i]);
    if (json) {
        printf("{\"model\": \"%s\", \"producer\": \"%s\", \"ir_version\": %lld, \"opset\": %lld,\n \"inputs\": [",
               path, g->producer ? g->producer : "", (long long)g->ir_version, (long long)oct_graph_opset(g, ""));
        for (int i = 0; i < g->n_in; i++) { if (i) printf(", "); print_value(&g->val[g->in[i]], 1); }
        printf("],\n \"outputs\": [");
        for (int i = 0; i < g->n_out; i++) { if (i) printf(", "); print_value(&g->val[g->out[i]], 1); }
        printf("],\n \"nodes\": %d, \"nodes_optimized\": %d, \"ops\": {", n_nodes, n_after);
        for (int i = 0; i < nb; i++) printf("%s\"%s\": %d", i ? ", " : "", before[i].op, before[i].count);
        printf("}, \"ops_optimized\": {");
        for (int i = 0; i < na; i++) printf("%s\"%s\": %d", i ? ", " : "", after[i].op, after[i].count);
        printf("},\n \"passes\": {\"identity_removed\": %d, \"folded\": %d, \"bn_folded\": %d, \"act_fused\": %d, \"dead_removed\": %d},\n",
               st.identity_removed, st.folded, st.bn_folded, st.act_fused, st.dead_removed);
        printf(" \"parameters\": %lld, \"parameter_bytes\": %zu, \"weight_bytes\": %zu, \"batch\": %d", (long long)params,
               param_bytes, oct_session_weight_bytes(s), batch);
        if (mem_ok) printf(", \"peak_activation_bytes\": %zu, \"activation_bytes_no_reuse\": %zu", peak, naive);
        printf("}\n");
    } else {
        printf("model:      %s\nproducer:   %s\nir_version: %lld, opset %lld\ninputs:\n", path,
               g->producer ? g->producer : "", (long long)g->ir_version, (long long)oct_graph_opset(g, ""));
        for (int i = 0; i < g->n_in; i++) print_value(&g->val[g->in[i]], 0);
        printf("outputs:\n");
        for (int i = 0; i < g->n_out; i++) print_value(&g->val[g->out[i]], 0);
        printf("nodes:      %d as imported, %d after passes (identity removed %d, folded %d, BN folded %d, "
               "activations fused %d, dead %d)\nops (imported -> optimized):\n",
               n_nodes, n_after, st.identity_removed, st.folded, st.bn_folded, st.act_fused, st.dead_removed);
        for (int i = 0; i < nb; i++) {
            int k = 0;
            while (k < na && strcmp(after[k].op, before[i].op)) k++;
            printf("  %-24s %4d -> %d\n", before[i].op, before[i].count, k < na ? after[k].count : 0);
        }
        printf("parameters: %lld (%.1f KiB)\n", (long long)params, (double)param_bytes / 1024.0);
        printf("weights: %zu bytes\n", oct_session_weight_bytes(s)); /* constants + packed copies */
        if (mem_ok)
            printf("peak activation memory (batch %d): %.1f KiB (%.1f KiB without buffer reuse)\n", batch,
                   (double)peak / 1024.0, (double)naive / 1024.0);
        else
            printf("peak activation memory: unknown (%s)\n", mem_err ? mem_err : "input shapes are not fully known");
        int ondev = 0, total = 0;
        for (int i = 0; i < og->n_node; i++)
            if (!og->node[i].dead) ondev += oct_session_node_on_device(s, i), total++;
        int show_dev = strcmp(device, "cpu") != 0;
        if (show_dev) {
            printf("device: %s, %d of %d nodes on it", oct_session_device(s), ondev, total);
            if (mem_ok && ondev) { /* one run on zeros to count the crossings */
                oct_tensor *zin[16] = {0};
                int ok = 1;
                for (int i = 0; i < ni && ok; i++) {
                    const oct_value *v = oct_session_input(s, i);
                    int64_t d[OCT_MAX_RANK];
                    for (int k = 0; k < v->rank; k++) d[k] = v->dims[k] < 0 ? batch : v->dims[k];
                    ok = (zin[i] = oct_tensor_new(v->dtype, v->rank, d)) != NULL;
                }
                oct_tensor *outs[64] = {0};
                if (ok && oct_session_n_outputs(s) <= 64 &&
                    oct_session_run(s, (const oct_tensor *const *)zin, outs) == OCT_OK)
                    printf("; activations crossing between device and CPU per run: %d", oct_session_device_hops(s));
                for (int i = 0; i < 64; i++) oct_tensor_free(outs[i]);
                for (int i = 0; i < ni; i++) oct_tensor_free(zin[i]);
            }
            printf("\n");
        }
        if (shapes || show_dev) print_nodes(s, show_dev);
    }
    rc = 0;
out:
    oct_session_free(s);
    oct_graph_free(g);
    return rc;
}
