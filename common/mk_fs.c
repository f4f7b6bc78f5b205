/* mk_fs — see mk_fs.h. POSIX only. */
#include "mk_fs.h"
#include "mk_buf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int mk_file_read(const char *path, size_t max_bytes, char **out, size_t *len, mk_err *err)
{
    *out = NULL;
    if (len) *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mk_err_set(err, MK_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return mk_err_set(err, MK_EIO, path, 0, 0, "not a regular file");
    }
    if (max_bytes && (size_t)st.st_size > max_bytes) {
        close(fd);
        return mk_err_set(err, MK_ELIMIT, path, 0, 0,
                          "file is %lld bytes, over the limit of %zu bytes (raise it with "
                          "--max-bytes)",
                          (long long)st.st_size, max_bytes);
    }
    mk_buf b;
    mk_buf_init(&b);
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            mk_buf_fini(&b);
            return mk_err_set(err, MK_EIO, path, 0, 0, "read failed: %s", strerror(e));
        }
        if (n == 0) break;
        mk_buf_put(&b, chunk, (size_t)n);
        if (max_bytes && b.len > max_bytes) { /* the file grew while we read it */
            close(fd);
            mk_buf_fini(&b);
            return mk_err_set(err, MK_ELIMIT, path, 0, 0, "file is over the limit of %zu bytes",
                              max_bytes);
        }
    }
    close(fd);
    if (len) *len = b.len;
    *out = mk_buf_detach(&b);
    return 0;
}

int mk_file_write_atomic(const char *path, const void *data, size_t len, int executable,
                         mk_err *err)
{
    char *tmp = mk_xasprintf("%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        mk_err_set(err, MK_EIO, path, 0, 0, "cannot create a temporary file: %s", strerror(errno));
        free(tmp);
        return -1;
    }
    const char *p = data;
    size_t left = len;
    while (left) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            mk_err_set(err, MK_EIO, path, 0, 0, "write failed: %s", strerror(errno));
            goto fail;
        }
        p += n;
        left -= (size_t)n;
    }
    if (fchmod(fd, executable ? 0755 : 0644) != 0 || fsync(fd) != 0) {
        mk_err_set(err, MK_EIO, path, 0, 0, "cannot finish writing: %s", strerror(errno));
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        mk_err_set(err, MK_EIO, path, 0, 0, "close failed: %s", strerror(errno));
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        mk_err_set(err, MK_EIO, path, 0, 0, "cannot rename into place: %s", strerror(errno));
        goto fail;
    }
    free(tmp);
    return 0;
fail:
    if (fd >= 0) close(fd);
    unlink(tmp);
    free(tmp);
    return -1;
}

int mk_file_write(const char *path, const void *data, size_t len, int executable, mk_err *err)
{
    int mode = executable ? 0755 : 0644;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0 && errno == ENOENT) { /* the folder first, then again */
        char *dir = mk_path_dirname(path);
        int rc = mk_mkdir_p(dir, err);
        free(dir);
        if (rc) return -1;
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    }
    if (fd < 0) return mk_err_set(err, MK_EIO, path, 0, 0, "cannot create: %s", strerror(errno));
    if (executable) fchmod(fd, 0755); /* whatever the umask */
    const char *p = data;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int e = errno;
            close(fd);
            return mk_err_set(err, MK_EIO, path, 0, 0, "write failed: %s", strerror(e));
        }
        p += n;
        len -= (size_t)n;
    }
    if (close(fd) != 0)
        return mk_err_set(err, MK_EIO, path, 0, 0, "close failed: %s", strerror(errno));
    return 0;
}

int mk_file_copy(const char *src, const char *dst, int executable, mk_err *err)
{
    unlink(dst);
    if (link(src, dst) == 0) return 0;
    if (errno == ENOENT && mk_is_file(src)) {
        char *dir = mk_path_dirname(dst);
        int rc = mk_mkdir_p(dir, err);
        free(dir);
        if (rc) return -1;
        if (link(src, dst) == 0) return 0;
    }
    int rc;
    char *data;
    size_t len;
    if (mk_file_read(src, 0, &data, &len, err)) return -1;
    rc = mk_file_write(dst, data, len, executable, err);
    free(data);
    return rc;
}

int mk_mkdir_p(const char *path, mk_err *err)
{
    /* the common cases cost one system call: the folder exists, or only it is missing */
    if (mkdir(path, 0755) == 0) return 0;
    if (errno == EEXIST) {
        if (mk_is_dir(path)) return 0;
        return mk_err_set(err, MK_EIO, path, 0, 0, "exists and is not a directory");
    }
    if (errno != ENOENT)
        return mk_err_set(err, MK_EIO, path, 0, 0, "cannot create directory: %s", strerror(errno));
    char *parent = mk_path_dirname(path);
    int rc = strcmp(parent, path) != 0 && strcmp(parent, ".") != 0 ? mk_mkdir_p(parent, err) : 0;
    free(parent);
    if (rc) return -1;
    if (mkdir(path, 0755) != 0 && !(errno == EEXIST && mk_is_dir(path)))
        return mk_err_set(err, MK_EIO, path, 0, 0, "cannot create directory: %s", strerror(errno));
    return 0;
}

char *mk_dir_tmp_sibling(const char *final, mk_err *err)
{
    char *tmp = mk_xasprintf("%s.tmp.XXXXXX", final);
    if (!mkdtemp(tmp)) {
        mk_err_set(err, MK_EIO, final, 0, 0, "cannot create a temporary directory: %s",
                   strerror(errno));
        free(tmp);
        return NULL;
    }
    return tmp;
}

int mk_dir_commit(const char *tmp, const char *final, mk_err *err)
{
    if (!mk_is_dir(final) && access(final, F_OK) == 0)
        return mk_err_set(err, MK_EIO, final, 0, 0, "exists and is not a directory");
    if (!mk_is_dir(final)) {
        if (rename(tmp, final) != 0)
            return mk_err_set(err, MK_EIO, final, 0, 0, "cannot rename into place: %s",
                              strerror(errno));
        return 0;
    }
    /* Swap: move the old one aside, the new one in, then delete the old one. */
    char *old = mk_xasprintf("%s.old.XXXXXX", final);
    if (!mkdtemp(old)) {
        free(old);
        return mk_err_set(err, MK_EIO, final, 0, 0, "cannot create a temporary name: %s",
                          strerror(errno));
    }
    rmdir(old);
    if (rename(final, old) != 0) {
        mk_err_set(err, MK_EIO, final, 0, 0, "cannot move the previous output aside: %s",
                   strerror(errno));
        free(old);
        return -1;
    }
    if (rename(tmp, final) != 0) {
        int e = errno;
        rename(old, final); /* put the previous output back */
        free(old);
        return mk_err_set(err, MK_EIO, final, 0, 0, "cannot rename into place: %s", strerror(e));
    }
    mk_rm_rf(old);
    free(old);
    return 0;
}

int mk_rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return errno == ENOENT ? 0 : -1;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d))) {
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
                char *c = mk_path_join(path, e->d_name);
                mk_rm_rf(c);
                free(c);
            }
            closedir(d);
        }
        return rmdir(path);
    }
    return unlink(path);
}

int mk_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int mk_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *mk_path_join(const char *a, const char *b)
{
    if (!a || !*a || !strcmp(a, ".") || b[0] == '/') return mk_xstrdup(b);
    size_t n = strlen(a);
    return mk_xasprintf("%s%s%s", a, a[n - 1] == '/' ? "" : "/", b);
}

char *mk_path_dirname(const char *path)
{
    const char *s = strrchr(path, '/');
    if (!s) return mk_xstrdup(".");
    if (s == path) return mk_xstrdup("/");
    char *d = mk_xmalloc((size_t)(s - path) + 1);
    memcpy(d, path, (size_t)(s - path));
    d[s - path] = 0;
    return d;
}

char *mk_path_stem(const char *path, int strip_ext)
{
    const char *s = strrchr(path, '/');
    char *stem = mk_xstrdup(s ? s + 1 : path);
    if (strip_ext) {
        static const char *const exts[] = {".yaml", ".yml", ".json"};
        size_t n = strlen(stem);
        for (size_t i = 0; i < sizeof exts / sizeof *exts; i++) {
            size_t m = strlen(exts[i]);
            if (n > m && !strcmp(stem + n - m, exts[i])) {
                stem[n - m] = 0;
                break;
            }
        }
    }
    return stem;
}

static int ends_with_any(const char *name, const char *const *exts)
{
    if (!exts) return 1;
    size_t n = strlen(name);
    for (; *exts; exts++) {
        size_t m = strlen(*exts);
        if (n >= m && !strcmp(name + n - m, *exts)) return 1;
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(const char *root, const char *const *exts, mk_walk_fn fn, void *ud, mk_err *err,
                int depth)
{
    if (depth > 64) return mk_err_set(err, MK_ELIMIT, root, 0, 0, "directories nested too deeply");
    DIR *d = opendir(root);
    if (!d) return mk_err_set(err, MK_EIO, root, 0, 0, "cannot open directory: %s", strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue; /* ., .., and hidden files such as .git */
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            names = mk_xrealloc(names, cap * sizeof *names);
        }
        names[n++] = mk_xstrdup(e->d_name);
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_str);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (rc == 0) {
            char *p = mk_path_join(root, names[i]);
            struct stat st;
            if (lstat(p, &st) == 0) {
                if (S_ISDIR(st.st_mode))
                    rc = walk(p, exts, fn, ud, err, depth + 1);
                else if (S_ISREG(st.st_mode) && ends_with_any(names[i], exts))
                    rc = fn(p, ud);
            }
            free(p);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int mk_walk_files(const char *root, const char *const *exts, mk_walk_fn fn, void *ud,
                  mk_err *err)
{
    return walk(root, exts, fn, ud, err, 0);
}
