/* octet — entry point: `octet <command> [options]`. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} commands[] = {
    {"serve", oct_cmd_serve, "serve the model repository over HTTP: /infer, KServe v2, /metrics"},
    {"health", oct_cmd_health, "probe a running server's readiness (exit 0 when ready): for health checks"},
    {"inspect", oct_cmd_inspect, "show a model's inputs, outputs, ops, parameters and peak memory"},
    {"run", oct_cmd_run, "run a model on .npy inputs and write .npy outputs"},
    {"eval", oct_cmd_eval, "top-1 accuracy and throughput on a labelled data set"},
    {"conformance", oct_cmd_conformance, "run ONNX backend test cases and compare outputs"},
    {"bench", oct_cmd_bench, "latency percentiles and throughput per batch size"},
    {"quantize", oct_cmd_quantize, "quantize a model (int8 / fp16) and write it as a QDQ ONNX model"},
    {"export", oct_cmd_export, "write the optimised graph as a standard ONNX model"},
    {"devices", oct_cmd_devices, "list OpenCL devices, their capabilities and kernel build times"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: octet <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\n`octet <command> --help` shows a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        puts("octet 0.1.0");
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "octet: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
