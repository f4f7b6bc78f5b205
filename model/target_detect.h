/* target_detect — this machine as a target: hwloc XML (or /proc and /sys), /proc/cpuinfo's
 * ISA flags, nvidia-smi XML. XML is parsed without ever resolving entities or loading
 * DTDs; a document declaring entities is refused. */
#ifndef MODAK_TARGET_DETECT_H
#define MODAK_TARGET_DETECT_H

#include <libxml/tree.h>

#include "target.h"

typedef struct target_detect_opts {
    const char *hwloc_xml;      /* lstopo --of xml output; NULL: run lstopo, else /proc,/sys */
    const char *nvidia_smi_xml; /* nvidia-smi -q -x output; NULL: run nvidia-smi if present */
    const char *cpuinfo;        /* a /proc/cpuinfo copy; NULL: this machine's */
    const char *machine;        /* uname -m; NULL: this machine's */
    const char *microarch;      /* override the detected micro-architecture */
    const char *name;           /* the target's name; NULL: "host" */
    int no_tools;               /* never run lstopo, nvidia-smi, nor look for schedulers */
} target_detect_opts;

/* Describes this machine (or the given files). NULL with err set on failure. */
target *target_detect(const target_detect_opts *o, mk_err *err);

/* Fills t's sockets, cores, threads, caches, memory and NUMA nodes from hwloc 2 XML. */
int target_hwloc_parse(target *t, const char *name, const char *xml, size_t len, mk_err *err);
/* Adds t's GPUs from `nvidia-smi -q -x` XML (grouped by product name). */
int target_nvsmi_parse(target *t, const char *name, const char *xml, size_t len, mk_err *err);

/* libxml2 with NONET and no entity substitution or DTD loading; refuses documents that
 * declare entities. The caller frees the document with xmlFreeDoc. */
xmlDocPtr target_xml_read(const char *name, const char *text, size_t len, mk_err *err);

#endif
