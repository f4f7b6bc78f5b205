/* gfile — graphs from files: modak's own graph JSON (docs/graph-format.md), read and
 * written, and the architecture JSON of a Keras model (model.to_json(), Sequential or
 * functional, Keras 2 or 3) for the layer kinds modak's ops cover. Errors name the file
 * and the JSON pointer of the offending value ("/layers/3/filters: ..."). */
#ifndef MODAK_GFILE_H
#define MODAK_GFILE_H

#include <stddef.h>
#include <stdint.h>

#include "graph.h"

struct json_t;

/* Reads a graph file; the format (modak graph or Keras model) is told by its content.
 * Files over 16 MiB are refused. NULL with err set: MK_EIO (cannot read), MK_EINVAL. */
graph *graph_load_file(const char *path, int64_t batch, mk_err *err);
/* The same from text in memory; path is used in messages only. */
graph *graph_load_text(const char *text, size_t len, const char *path, int64_t batch, mk_err *err);
/* From parsed JSON: modak's format, and a Keras model. */
graph *graph_from_json(struct json_t *root, const char *path, int64_t batch, mk_err *err);
graph *graph_from_keras(struct json_t *root, const char *path, int64_t batch, mk_err *err);

/* Serialises the forward graph of g (as built: call before fusion and autodiff) in modak's
 * format; malloc'd, NULL (err) when the graph holds something the format cannot say. */
char *graph_to_json(const graph *g, mk_err *err);

/* A network spec on the command line: a zoo name, or else a graph file. */
graph *graph_load_spec(const char *spec, int64_t batch, mk_err *err);

#endif
