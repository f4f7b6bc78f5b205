#include "dsl.h"
int dsl_is_job_document(const doc_node *root){ return doc_map_get(root,"job")||doc_map_get(root,"optimisation"); }
void dsl_check_job(const doc_node *root, diag_list *out){(void)root;(void)out;}
void dsl_check_section(const char *section, const doc_node *n, const char *ptr, diag_list *out){(void)section;(void)n;(void)ptr;(void)out;}
doc *dsl_read(const char *name, const char *text, size_t len, const doc_limits *lim, diag_list *out, mk_err *err){(void)out; return doc_read_json(name,text,len,lim,err);}
