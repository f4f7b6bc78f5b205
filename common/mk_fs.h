/* mk_fs — file reading with limits, atomic writing of files and directories.
 *
 * Outputs are never half-written: a file is written to a temporary sibling, flushed, and
 * renamed over the target; a directory is filled under a temporary sibling name and then
 * swapped into place (the previous one survives any failure before the swap). */
#ifndef MK_FS_H
#define MK_FS_H

#include <stddef.h>

#include "mk_err.h"

/* Reads a whole file (NUL-terminated, *len excludes the NUL). Refuses files over
 * max_bytes (0 = no limit) with MK_ELIMIT. *out is malloc'd. */
int mk_file_read(const char *path, size_t max_bytes, char **out, size_t *len, mk_err *err);
/* Writes data to path atomically (tmp sibling + fsync + rename), mode 0644 or 0755. */
int mk_file_write_atomic(const char *path, const void *data, size_t len, int executable,
                         mk_err *err);
/* Writes data to path directly (no temporary, no fsync): for files inside a temporary
 * directory that is itself renamed into place when complete. Creates parent folders. */
int mk_file_write(const char *path, const void *data, size_t len, int executable, mk_err *err);
/* Puts a copy of src at dst: a hard link when both are on one file system (cheap, and the
 * cache never rewrites a file in place), else a byte copy. */
int mk_file_copy(const char *src, const char *dst, int executable, mk_err *err);
int mk_mkdir_p(const char *path, mk_err *err);
/* Creates a fresh temporary directory beside final (same parent): "<final>.tmp.XXXXXX".
 * Returns malloc'd path or NULL. */
char *mk_dir_tmp_sibling(const char *final, mk_err *err);
/* Moves tmp into place as final; a previous final is removed only after the swap. */
int mk_dir_commit(const char *tmp, const char *final, mk_err *err);
/* rm -r; ignores a missing path. */
int mk_rm_rf(const char *path);
int mk_is_dir(const char *path);
int mk_is_file(const char *path);
/* Joins a and b with one '/'; malloc'd. */
char *mk_path_join(const char *a, const char *b);
/* The directory part of path ("." when none); malloc'd. */
char *mk_path_dirname(const char *path);
/* The last component of path, without a trailing ".yaml"/".yml"/".json" when strip_ext. */
char *mk_path_stem(const char *path, int strip_ext);

/* Calls fn for every regular file under root (sorted, recursive) whose name ends in one
 * of exts (NULL-terminated list; NULL = every file). Stops on the first non-zero return. */
typedef int (*mk_walk_fn)(const char *path, void *ud);
int mk_walk_files(const char *root, const char *const *exts, mk_walk_fn fn, void *ud,
                  mk_err *err);

#endif
