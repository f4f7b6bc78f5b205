/* tosca_int — internals shared by the tosca_*.c files (not a public header). */
#ifndef MODAK_TOSCA_INT_H
#define MODAK_TOSCA_INT_H

#include <stdio.h>

#include "mk_buf.h"
#include "tosca.h"

int tosca_is_primitive(const char *t);
int tosca_scalar_unit(const char *t, const char *s, double *out, const char **why);
/* 0 when v is a value of the primitive type, else -1 with a reason. */
int tosca_value_check(const char *type, const doc_node *v, const char **why);
int tosca_constraint_known(const char *op);
int tosca_constraint_wellformed(const char *type, const doc_node *clause, const char **why);
/* 0 when v satisfies the clause, else -1 with a message in why. */
int tosca_constraint_check(const char *type, const doc_node *clause, const doc_node *v, char *why,
                           size_t whylen);

#endif
