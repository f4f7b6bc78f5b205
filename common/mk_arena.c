/* mk_arena — chunks of at least 64 KiB, each allocation rounded up to max_align_t. */
#include "mk_arena.h"
#include "mk_buf.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mk_arena_chunk {
    mk_arena_chunk *next;
    size_t size, used;
    alignas(max_align_t) unsigned char data[];
};

void mk_arena_init(mk_arena *a)
{
    a->head = NULL;
    a->used_total = 0;
}

void mk_arena_fini(mk_arena *a)
{
    mk_arena_chunk *c = a->head;
    while (c) {
        mk_arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    mk_arena_init(a);
}

void *mk_arena_alloc(mk_arena *a, size_t n)
{
    const size_t al = alignof(max_align_t);
    n = (n + al - 1) & ~(al - 1);
    if (!a->head || a->head->size - a->head->used < n) {
        size_t size = n > 65536 ? n : 65536;
        mk_arena_chunk *c = mk_xmalloc(sizeof *c + size);
        c->size = size;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += n;
    a->used_total += n;
    memset(p, 0, n);
    return p;
}

char *mk_arena_strndup(mk_arena *a, const char *s, size_t n)
{
    char *p = mk_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *mk_arena_strdup(mk_arena *a, const char *s)
{
    return mk_arena_strndup(a, s, strlen(s));
}

char *mk_arena_printf(mk_arena *a, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = mk_arena_alloc(a, (size_t)(n < 0 ? 0 : n) + 1);
    if (n > 0) vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}
