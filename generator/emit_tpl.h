/* emit_tpl — renders the artefact templates (templates/) and checks the plan's values.
 *
 * "Templates are data, escaping is code": a template names the context of each slot and the
 * renderer escapes the value for it, so no value can change the structure of the artefact.
 *   <%yaml name%>    a YAML double-quoted scalar (folded into lines of about 100 columns)
 *   <%unsafe name%>  the same tagged !unsafe: Ansible keeps it as data, never as Jinja2
 *   <%sh name%>      one shell word, single-quoted
 *   <%json name%>    a JSON string (Dockerfile exec-form arrays)
 *   <%docker name%>  a Dockerfile double-quoted word (\ " $ escaped)
 *   <%label name%>   text on a line (Singularity %labels; "(none)" for no value)
 *   <%comment name%> text on a comment line
 * (in these three, characters that could end the line, C0/C1 controls, U+2028/U+2029 and
 * U+FEFF, become blanks; a label shows at most 1,024 bytes of a value and a comment 60,
 * then "...": the whole value is in the playbook's vars and in decision.json)
 *   <%plain name%>   as it is, but only [A-Za-z0-9_.:/@+=-]: the emitter's own words
 *   <%raw name%>     as it is: text the emitter built with the escapers itself
 * and <%if name%> ... <%else%> ... <%end%> (nested freely) keeps the first part when the
 * value is set (not NULL, not "") and the second otherwise. A slot without a value renders
 * as the empty string in its context; an unknown name or a malformed tag is an internal
 * error naming the template and line. */
#ifndef MODAK_EMIT_TPL_H
#define MODAK_EMIT_TPL_H

#include <stddef.h>

#include "mk_buf.h"
#include "mk_err.h"

typedef struct emit_slot {
    const char *name;
    const char *value; /* may be NULL */
} emit_slot;

/* Appends template tpl (named tpl_name in errors) with the slots filled to out. */
int emit_render(mk_buf *out, const char *tpl, const char *tpl_name, const emit_slot *slots,
                size_t n, mk_err *err);

/* Checks of plan values shared by the emitters; each sets err (MK_EINVAL) naming the node
 * and the field. */
/* A node name as file names need it: [A-Za-z0-9_.-]+, not "." or "..", at most 200 bytes. */
int emit_check_name(const char *name, mk_err *err);
/* Valid UTF-8 (NULL is fine). */
int emit_check_utf8(const char *node, const char *field, const char *s, mk_err *err);
/* A container image reference ([docker://]name[:tag][@digest]): [A-Za-z0-9._/:@-], 1-255. */
int emit_check_image_ref(const char *node, const char *field, const char *s, mk_err *err);
/* The name of the image deploy builds for a node: modak-<node> as a Docker repository name
 * (lower case, [a-z0-9-]; a hash of the node name is appended when those rules changed it). */
void emit_image_tag(const char *node, char *out, size_t size);
/* Writes text to dir/rel (creating rel's directories); rel is built from checked names. */
int emit_write(const char *dir, const char *rel, const char *text, size_t len, int executable,
               mk_err *err);
/* Splits command text into words the way sh would for quoting only: blanks separate words,
 * '...' and "..." quote, a backslash escapes the next character. Anything sh would expand
 * or treat as an operator unquoted ($ ` ; & | < > ( ) * ? [ ~ # and newlines) is refused,
 * so the words are exactly what the text means without running a shell. Returns the
 * number of words (the array and its strings are malloc'd; emit_words_free), or -1. */
int emit_split_words(const char *text, char ***words, mk_err *err);
void emit_words_free(char **words, int n);

#endif
