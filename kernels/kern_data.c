/* kern_data — data sets for the training driver: MNIST/Fashion-MNIST IDX files (plain or
 * gzip, both read through zlib's gzread, which passes plain files through), CIFAR-10 binary
 * batches, and a synthetic set generated on demand; batches are drawn as floats in [0, 1].
 *
 * Every header field and size is checked against what the format says, and an error names
 * the file, what was expected and what was found, so that a truncated download or a swapped
 * file is obvious. Pixels stay uint8 in memory. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zlib.h>

#include "kern.h"
#include "kern_impl.h"

enum { IDX_IMAGES = 0x00000803, IDX_LABELS = 0x00000801, CIFAR_RECORD = 1 + 3072 };

static int open_gz(const char *path, gzFile *out, kern_err *err)
{
    gzFile f = gzopen(path, "rb");
    if (!f)
        return kern_err_set(err, KERN_EIO, "%s: cannot open: %s", path,
                            errno ? strerror(errno) : "out of memory");
    gzbuffer(f, 1 << 17);
    *out = f;
    return 0;
}

/* Reads exactly n bytes; a short read is a truncation (or a gzip error) reported with what. */
static int read_exact(gzFile f, const char *path, void *buf, size_t n, const char *what,
                      size_t offset, kern_err *err)
{
    size_t got = 0;
    while (got < n) {
        size_t chunk = n - got > (1u << 30) ? (1u << 30) : n - got;
        int r = gzread(f, (char *)buf + got, (unsigned)chunk);
        if (r < 0) {
            int zerr;
            const char *m = gzerror(f, &zerr);
            return kern_err_set(err, KERN_EINVAL, "%s: corrupt gzip data while reading %s: %s",
                                path, what, m);
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    if (got < n) {
        int zerr = Z_OK;
        const char *m = gzerror(f, &zerr);
        if (zerr != Z_OK && zerr != Z_BUF_ERROR)
            return kern_err_set(err, KERN_EINVAL, "%s: corrupt gzip data while reading %s: %s",
                                path, what, m);
        return kern_err_set(err, KERN_EINVAL,
                            "%s: truncated: expected %zu bytes of %s at offset %zu, found %zu",
                            path, n, what, offset, got);
    }
    return 0;
}

/* After the payload the file must end. */
static int expect_eof(gzFile f, const char *path, size_t size, kern_err *err)
{
    char extra[4096];
    size_t more = 0;
    int r;
    while ((r = gzread(f, extra, sizeof extra)) > 0)
        more += (size_t)r;
    if (r < 0) {
        int zerr;
        return kern_err_set(err, KERN_EINVAL, "%s: corrupt gzip data at the end: %s", path,
                            gzerror(f, &zerr));
    }
    if (more)
        return kern_err_set(err, KERN_EINVAL,
                            "%s: expected %zu bytes (header and data), found %zu more after them",
                            path, size, more);
    return 0;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int kern_idx_load(const char *images_path, const char *labels_path, int classes, kern_dataset *ds,
                  kern_err *err)
{
    memset(ds, 0, sizeof *ds);
    gzFile fi = NULL, fl = NULL;
    unsigned char h[16];
    int rc = -1;
    if (open_gz(images_path, &fi, err)) goto done;
    if (read_exact(fi, images_path, h, 4, "the IDX magic number", 0, err)) goto done;
    if (be32(h) != IDX_IMAGES) {
        kern_err_set(err, KERN_EINVAL,
                     "%s: not an IDX image file: magic number 0x%08x, expected 0x%08x "
                     "(unsigned bytes, 3 dimensions)%s",
                     images_path, be32(h), IDX_IMAGES,
                     be32(h) == IDX_LABELS ? "; this looks like a label file" : "");
        goto done;
    }
    if (read_exact(fi, images_path, h + 4, 12, "the IDX image header", 4, err)) goto done;
    uint32_t n = be32(h + 4), rows = be32(h + 8), cols = be32(h + 12);
    if (n == 0 || rows == 0 || cols == 0 || rows > 4096 || cols > 4096 || n > 100000000u) {
        kern_err_set(err, KERN_EINVAL, "%s: implausible dimensions %u x %u x %u", images_path, n,
                     rows, cols);
        goto done;
    }
    size_t npix = (size_t)n * rows * cols;
    ds->pixels = malloc(npix);
    if (!ds->pixels) {
        kern_err_set(err, KERN_ENOMEM, "%s: out of memory for %zu pixels", images_path, npix);
        goto done;
    }
    if (read_exact(fi, images_path, ds->pixels, npix, "pixels", 16, err)) goto done;
    if (expect_eof(fi, images_path, 16 + npix, err)) goto done;

    if (open_gz(labels_path, &fl, err)) goto done;
    if (read_exact(fl, labels_path, h, 4, "the IDX magic number", 0, err)) goto done;
    if (be32(h) != IDX_LABELS) {
        kern_err_set(err, KERN_EINVAL,
                     "%s: not an IDX label file: magic number 0x%08x, expected 0x%08x "
                     "(unsigned bytes, 1 dimension)%s",
                     labels_path, be32(h), IDX_LABELS,
                     be32(h) == IDX_IMAGES ? "; this looks like an image file" : "");
        goto done;
    }
    if (read_exact(fl, labels_path, h + 4, 4, "the IDX label header", 4, err)) goto done;
    if (be32(h + 4) != n) {
        kern_err_set(err, KERN_EINVAL, "%s: %u labels, but %s has %u images", labels_path,
                     be32(h + 4), images_path, n);
        goto done;
    }
    ds->labels = malloc(n);
    if (!ds->labels) {
        kern_err_set(err, KERN_ENOMEM, "%s: out of memory", labels_path);
        goto done;
    }
    if (read_exact(fl, labels_path, ds->labels, n, "labels", 8, err)) goto done;
    if (expect_eof(fl, labels_path, 8 + (size_t)n, err)) goto done;
    for (uint32_t i = 0; i < n; i++)
        if (ds->labels[i] >= classes) {
            kern_err_set(err, KERN_EINVAL, "%s: label %u of image %u is not below %d classes",
                         labels_path, ds->labels[i], i, classes);
            goto done;
        }
    ds->kind = KERN_DATA_IDX;
    ds->n = (int)n;
    ds->c = 1;
    ds->h = (int)rows;
    ds->w = (int)cols;
    ds->classes = classes;
    rc = 0;
done:
    if (fi) gzclose(fi);
    if (fl) gzclose(fl);
    if (rc) kern_dataset_free(ds);
    return rc;
}

int kern_cifar10_load(const char *const *paths, int npaths, kern_dataset *ds, kern_err *err)
{
    memset(ds, 0, sizeof *ds);
    size_t total = 0, cap = 0;
    unsigned char *rec = NULL;
    int rc = -1;
    for (int i = 0; i < npaths; i++) {
        gzFile f = NULL;
        if (open_gz(paths[i], &f, err)) goto done;
        size_t got = 0;
        for (;;) {
            if (total + got + CIFAR_RECORD * 1024 > cap) {
                size_t ncap = cap ? cap * 2 : (size_t)CIFAR_RECORD * 10000;
                unsigned char *p = realloc(rec, ncap);
                if (!p) {
                    gzclose(f);
                    kern_err_set(err, KERN_ENOMEM, "%s: out of memory", paths[i]);
                    goto done;
                }
                rec = p;
                cap = ncap;
            }
            int r = gzread(f, rec + total + got, (unsigned)(cap - total - got));
            if (r < 0) {
                int zerr;
                kern_err_set(err, KERN_EINVAL, "%s: read error: %s", paths[i], gzerror(f, &zerr));
                gzclose(f);
                goto done;
            }
            if (r == 0) break;
            got += (size_t)r;
        }
        gzclose(f);
        if (got == 0 || got % CIFAR_RECORD) {
            kern_err_set(err, KERN_EINVAL,
                         "%s: not a CIFAR-10 binary batch: %zu bytes is not a positive multiple "
                         "of the %d-byte record (1 label + 3x32x32 pixels)%s",
                         paths[i], got, CIFAR_RECORD,
                         got > CIFAR_RECORD ? "; the file is truncated or of another format" : "");
            goto done;
        }
        total += got;
    }
    size_t n = total / CIFAR_RECORD;
    ds->pixels = malloc(n * 3072);
    ds->labels = malloc(n);
    if (!ds->pixels || !ds->labels) {
        kern_err_set(err, KERN_ENOMEM, "CIFAR-10: out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const unsigned char *r = rec + i * CIFAR_RECORD;
        if (r[0] >= 10) {
            kern_err_set(err, KERN_EINVAL, "CIFAR-10: record %zu has label %u (expected 0..9)", i,
                         r[0]);
            goto done;
        }
        ds->labels[i] = r[0];
        memcpy(ds->pixels + i * 3072, r + 1, 3072);
    }
    ds->kind = KERN_DATA_CIFAR10;
    ds->n = (int)n;
    ds->c = 3;
    ds->h = ds->w = 32;
    ds->classes = 10;
    rc = 0;
done:
    free(rec);
    if (rc) kern_dataset_free(ds);
    return rc;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* dir/name or dir/name.gz, whichever exists (into out); 0 when found. */
static int find_plain_or_gz(const char *dir, const char *name, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", dir, name);
    if (exists(out)) return 0;
    snprintf(out, size, "%s/%s.gz", dir, name);
    return exists(out) ? 0 : -1;
}

int kern_data_open_dir(const char *dir, int train, int classes, kern_dataset *ds, kern_err *err)
{
    memset(ds, 0, sizeof *ds);
    char img[4096], lab[4096];
    const char *pre = train ? "train" : "t10k";
    char in[64], ln[64];
    snprintf(in, sizeof in, "%s-images-idx3-ubyte", pre);
    snprintf(ln, sizeof ln, "%s-labels-idx1-ubyte", pre);
    if (!find_plain_or_gz(dir, in, img, sizeof img)) {
        if (find_plain_or_gz(dir, ln, lab, sizeof lab))
            return kern_err_set(err, KERN_EIO, "%s: found %s but no %s[.gz]", dir, img, ln);
        return kern_idx_load(img, lab, classes, ds, err);
    }
    /* CIFAR-10, in dir or in its cifar-10-batches-bin/ subfolder. */
    const char *subs[] = {"", "/cifar-10-batches-bin"};
    for (int s = 0; s < 2; s++) {
        char base[4096], paths[5][4200];
        const char *pp[5];
        int np = 0;
        snprintf(base, sizeof base, "%s%s", dir, subs[s]);
        if (train) {
            for (int b = 1; b <= 5; b++) {
                snprintf(paths[np], sizeof paths[np], "%s/data_batch_%d.bin", base, b);
                if (exists(paths[np])) pp[np] = paths[np], np++;
            }
        } else {
            snprintf(paths[0], sizeof paths[0], "%s/test_batch.bin", base);
            if (exists(paths[0])) pp[np] = paths[0], np++;
        }
        if (np) return kern_cifar10_load(pp, np, ds, err);
    }
    return kern_err_set(err, KERN_EIO,
                        "%s: no %s set: looked for %s[.gz] and %s[.gz] (MNIST/Fashion-MNIST IDX) "
                        "and %s (CIFAR-10 binary, also under cifar-10-batches-bin/)",
                        dir, train ? "training" : "test", in, ln,
                        train ? "data_batch_{1..5}.bin" : "test_batch.bin");
}

void kern_data_synthetic(kern_dataset *ds, int n, int c, int h, int w, int classes, uint64_t seed)
{
    memset(ds, 0, sizeof *ds);
    ds->kind = KERN_DATA_SYNTHETIC;
    ds->n = n;
    ds->c = c;
    ds->h = h;
    ds->w = w;
    ds->classes = classes;
    ds->seed = seed;
}

void kern_dataset_free(kern_dataset *ds)
{
    if (!ds) return;
    free(ds->pixels);
    free(ds->labels);
    ds->pixels = NULL;
    ds->labels = NULL;
}

static int synthetic_label(const kern_dataset *ds, int64_t i)
{
    return (int)(kernp_mix64(ds->seed ^ kernp_mix64((uint64_t)i)) % (uint64_t)ds->classes);
}

void kern_dataset_batch(const kern_dataset *ds, const int32_t *idx, int n, float *x,
                        int32_t *labels)
{
    size_t chw = (size_t)ds->c * ds->h * ds->w;
    const float scale = 1.0f / 255.0f;
    for (int b = 0; b < n; b++) {
        int32_t i = idx[b];
        float *dst = x + (size_t)b * chw;
        if (ds->kind == KERN_DATA_SYNTHETIC) {
            /* a class pattern (each pixel 0.25 or 0.75) plus uniform noise in +-0.2 */
            int lab = synthetic_label(ds, i);
            uint64_t cls = kernp_mix64(ds->seed + 0x1234567ull * (uint64_t)(lab + 1));
            uint64_t img = kernp_mix64(ds->seed ^ (0xabcdef12345ull + (uint64_t)i));
            for (size_t j = 0; j < chw; j++) {
                uint64_t hc = kernp_mix64(cls + j),
                         hn = kernp_mix64(img + j * 0x9e3779b97f4a7c15ull);
                float noise = ((float)(hn >> 40) * (1.0f / 16777216.0f) - 0.5f) * 0.4f;
                dst[j] = ((hc >> 63) ? 0.75f : 0.25f) + noise;
            }
            if (labels) labels[b] = lab;
            continue;
        }
        const uint8_t *src = ds->pixels + (size_t)i * chw;
        for (size_t j = 0; j < chw; j++)
            dst[j] = (float)src[j] * scale;
        if (labels) labels[b] = ds->labels[i];
    }
}

void kern_shuffle(int32_t *perm, int count, uint64_t seed, uint64_t epoch)
{
    for (int i = 0; i < count; i++)
        perm[i] = i;
    kernp_rng r = {kern_seed_mix(seed, 0x5348554646ull + epoch)};
    for (int i = count - 1; i > 0; i--) {
        int j = (int)kernp_rng_below(&r, (uint32_t)i + 1);
        int32_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}
