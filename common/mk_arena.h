/* mk_arena — a bump allocator that owns a whole parse tree or graph, freed at once. */
#ifndef MK_ARENA_H
#define MK_ARENA_H

#include <stddef.h>

typedef struct mk_arena_chunk mk_arena_chunk;
typedef struct mk_arena {
    mk_arena_chunk *head;
    size_t used_total; /* bytes handed out, for limits and reports */
} mk_arena;

void mk_arena_init(mk_arena *a);
void mk_arena_fini(mk_arena *a);
/* Zeroed memory aligned for any type; aborts on out-of-memory like mk_xmalloc. */
void *mk_arena_alloc(mk_arena *a, size_t n);
char *mk_arena_strdup(mk_arena *a, const char *s);
char *mk_arena_strndup(mk_arena *a, const char *s, size_t n);
char *mk_arena_printf(mk_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
