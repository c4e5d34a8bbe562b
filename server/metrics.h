/* octet serve — Prometheus metrics: requests by model, endpoint and status;
 * request / queue / compute duration and batch size histograms per model;
 * gauges read at scrape time (queue depth, model state, device fallbacks,
 * suspended connections). Counters are atomics: recording takes no lock. */
#ifndef OCT_SERVER_METRICS_H
#define OCT_SERVER_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/repository.h"

typedef struct oct_metrics oct_metrics;

oct_metrics *oct_metrics_new(int n_models);
void oct_metrics_free(oct_metrics *m);
/* A request answered: model index (-1: none), OCT_EP_*, HTTP code, total time;
 * queue_ns / compute_ns < 0 when it did not reach a worker. */
void oct_metrics_request(oct_metrics *m, int model, int endpoint, unsigned code, int64_t total_ns, int64_t queue_ns,
                         int64_t compute_ns);
/* A batch ran on model's worker. */
void oct_metrics_batch(oct_metrics *m, int model, int rows);
/* The text exposition (malloc'd, *len bytes). */
char *oct_metrics_render(oct_metrics *m, oct_repo *repo, int suspended, size_t *len);

#endif
