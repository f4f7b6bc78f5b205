/* gfile_impl — helpers shared by the two graph-file readers (gfile.c, keras.c): a table of
 * layer names seen so far and errors carrying a JSON pointer. Internal to compiler/. */
#ifndef MODAK_GFILE_IMPL_H
#define MODAK_GFILE_IMPL_H

#include <jansson.h>

#include "graph.h"

typedef struct gf_reader {
    const char *path;
    mk_err *err;
    graph *g;
    char **names;
    graph_node **nodes;
    int n, cap;
} gf_reader;

/* Sets "<ptr>: <msg>" on the reader's error (file = path); returns -1. */
int gf_err(gf_reader *r, const char *ptr, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* When the graph recorded a shape error, reports it at ptr; returns -1 then, else 0. */
int gf_graph_err(gf_reader *r, const char *ptr);
graph_node *gf_find(gf_reader *r, const char *name);
int gf_define(gf_reader *r, const char *ptr, const char *name, graph_node *n);
void gf_reader_fini(gf_reader *r);
/* An integer or [h, w] field of obj (absent: *h, *w unchanged). */
int gf_pair(gf_reader *r, const char *ptr, json_t *obj, const char *key, int min, int *h, int *w);

#endif
