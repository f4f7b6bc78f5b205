/* Unit tests for the artefact emitters: the template renderer and its contexts, the YAML
 * escaper (every value read back exactly by the project's YAML reader, lines under 160
 * columns), the word splitter of training arguments, and emit_playbooks/emit_containers on
 * a plan of hostile values: the files are exactly the expected ones, under the output
 * directory only, each value comes back as the same data, and invalid plans are refused
 * before anything is written. The real tools check the same artefacts in test_emit_*.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "doc.h"
#include "emit_tpl.h"
#include "mk_buf.h"
#include "mk_fs.h"
#include "plan.h"

/* ---- helpers ---------------------------------------------------------------------- */

static char *render(const char *tpl, const emit_slot *slots, size_t n, mk_err *e)
{
    mk_buf b;
    mk_buf_init(&b);
    mk_err_clear(e);
    if (emit_render(&b, tpl, "t", slots, n, e)) {
        mk_buf_fini(&b);
        return NULL;
    }
    return mk_buf_detach(&b);
}

static char *tmpdir(void)
{
    char *t = mk_xstrdup("/tmp/modak-emit-test.XXXXXX");
    assert_non_null(mkdtemp(t));
    return t;
}

/* noinline: GCC 12 at -O3 sees a dangling pointer through the inlined read that is not there */
__attribute__((noinline)) static char *slurp(const char *dir, const char *rel)
{
    char *path = mk_path_join(dir, rel), *text = NULL;
    size_t len;
    mk_err e;
    mk_err_clear(&e);
    int rc = mk_file_read(path, 0, &text, &len, &e);
    if (rc) fail_msg("cannot read %s: %s", path, e.msg);
    free(path);
    return text;
}

static size_t longest_line(const char *s)
{
    size_t best = 0, cur = 0;
    for (; *s; s++) {
        if (*s == '\n')
            cur = 0;
        else if (++cur > best)
            best = cur;
    }
    return best;
}

/* ---- the renderer ----------------------------------------------------------------- */

static void test_render_contexts(void **state)
{
    (void)state;
    mk_err e;
    const emit_slot s[] = {
        {"v", "a'b\"c$d\\e\nf"},
        {"p", "debian:12-slim"},
        {"none", NULL},
        /* NEL, LS, PS, BOM, a C1 control and CR LF: line breaks somewhere, blanks here */
        {"sep", "a\xc2\x85"
                "b\xe2\x80\xa8"
                "c\xe2\x80\xa9"
                "d\xef\xbb\xbf"
                "e\xc2\x9b"
                "f\r\ng"},
        {"utf8", "\xc3\xa9t\xc3\xa9 \xf0\x9f\x9a\x80"},
        /* a two-byte character across the cut at 60 bytes */
        {"long", "01234567890123456789012345678901234567890123456789012345678\xc3\xa9x"},
    };
    struct {
        const char *tpl, *want;
    } rows[] = {
        {"<%sh v%>", "'a'\\''b\"c$d\\e\nf'"},
        {"<%json v%>", "\"a'b\\\"c$d\\\\e\\nf\""},
        {"<%yaml v%>", "\"a'b\\\"c$d\\\\e\\nf\""},
        {"k: <%unsafe v%>", "k: !unsafe \"a'b\\\"c$d\\\\e\\nf\""},
        {"<%docker v%>", "\"a'b\\\"c\\$d\\\\e f\""},
        {"# <%label v%> .", "# a'b\"c$d\\e f ."},
        {"k <%label none%>", "k (none)"},
        {"# <%comment sep%> .", "# a b c d e f  g ."},
        {"<%label utf8%>", "\xc3\xa9t\xc3\xa9 \xf0\x9f\x9a\x80"},
        {"# <%comment long%>.",
         "# 01234567890123456789012345678901234567890123456789012345678...."},
        {"<%docker sep%>", "\"a b c d e f  g\""},
        {"FROM <%plain p%>", "FROM debian:12-slim"},
        {"[<%sh none%>|<%yaml none%>|<%plain none%>]", "[''|\"\"|]"},
        {"<%raw v%>", "a'b\"c$d\\e\nf"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char *got = render(rows[i].tpl, s, 6, &e);
        assert_non_null(got);
        assert_string_equal(got, rows[i].want);
        free(got);
    }
    /* a plain slot refuses anything but its character set */
    assert_null(render("<%plain v%>", s, 6, &e));
    assert_int_equal(e.code, MK_EINTERNAL);
}

static void test_render_conditionals(void **state)
{
    (void)state;
    mk_err e;
    const emit_slot s[] = {{"yes", "1"}, {"no", NULL}, {"empty", ""}, {"x", "X"}};
    struct {
        const char *tpl, *want;
    } rows[] = {
        {"a<%if yes%>b<%end%>c", "abc"},
        {"a<%if no%>b<%end%>c", "ac"},
        {"a<%if empty%>b<%else%>B<%end%>c", "aBc"},
        {"<%if yes%><%if no%>1<%else%>2<%end%><%else%>3<%end%>", "2"},
        {"<%if no%><%if yes%>1<%else%>2<%end%><%else%>3<%end%>", "3"},
        {"<%if no%><%plain x%><%end%>-", "-"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char *got = render(rows[i].tpl, s, 4, &e);
        assert_non_null(got);
        assert_string_equal(got, rows[i].want);
        free(got);
    }
    /* template bugs are internal errors naming the line, found even in untaken branches */
    const char *bad[] = {
        "x\n<%if no%><%plain typo%><%end%>", "<%if yes%>", "<%end%>",      "<%else%>",
        "<%if yes%><%else%><%else%><%end%>", "<%plain x",  "<%plain\nx%>", "<%frob x%>",
        "<%if no%><%frob x%><%end%>",        "<%x%>",      "<%if%><%end%>"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_null(render(bad[i], s, 4, &e));
        assert_int_equal(e.code, MK_EINTERNAL);
    }
    assert_null(render("x\n<%if no%><%plain typo%><%end%>", s, 4, &e));
    assert_non_null(strstr(e.msg, "template t:2"));
}

/* ---- YAML scalars read back exactly ----------------------------------------------- */

static const char *const hostile[] = {
    "plain",
    "",
    " leading and trailing blanks ",
    "quotes ' \" and \\ backslashes \\\\ \\\"",
    "$(touch /tmp/pwned) `id` ${HOME} $HOME",
    "{{ lookup('pipe','touch /tmp/pwned2') }} {% if true %}x{% endif %} {# c #}",
    "line one\nline two\r\n\ttabbed\x01\x1f\x7f",
    "# not a comment: [a, b] {k: v} &anchor *alias !tag ? - |",
    "../../etc/passwd",
    "C1 \xc2\x80 \xc2\x85 \xc2\x9f, separators \xe2\x80\xa8 \xe2\x80\xa9, BOM \xef\xbb\xbf, "
    "non-characters \xef\xbf\xbe \xef\xbf\xbf, \xc3\xa9t\xc3\xa9 \xf0\x9f\x9a\x80",
    "true",
    "0777",
    "~",
    "null",
};

/* A long value with blanks and escapes everywhere, including at every fold position. */
static char *long_value(size_t n)
{
    char *s = mk_xmalloc(n + 1);
    const char *alpha = "ab $c{{d}}\"\\\n  e\xc3\xa9  ";
    size_t al = strlen(alpha);
    for (size_t i = 0; i < n; i++)
        s[i] = alpha[(i * 7 + i / 13) % al];
    s[n] = 0;
    /* never cut a two-byte character in half */
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] == 0xc3 && (unsigned char)s[i + 1] != 0xa9)
            s[i] = 'x';
        else if ((unsigned char)s[i] == 0xa9 && (i == 0 || (unsigned char)s[i - 1] != 0xc3))
            s[i] = 'y';
    return s;
}

/* The project's YAML reader refuses tags (blueprints have none): the test checks that each
 * value is tagged, then reads the text with the tags removed. */
static doc *read_untagged(const char *name, const char *text, size_t *tags, mk_err *e)
{
    mk_buf b;
    mk_buf_init(&b);
    *tags = 0;
    for (const char *p = text;;) {
        const char *t = strstr(p, ": !unsafe \"");
        if (!t) {
            mk_buf_puts(&b, p);
            break;
        }
        mk_buf_put(&b, p, (size_t)(t - p) + 2);
        p = t + 10;
        (*tags)++;
    }
    mk_err_clear(e);
    doc *d = doc_read_yaml(name, b.s, b.len, NULL, e);
    if (!d) fail_msg("%s: %s", name, e->msg);
    mk_buf_fini(&b);
    return d;
}

static void check_yaml_roundtrip(const char *value, const char *prefix)
{
    mk_err e;
    const emit_slot s[] = {{"v", value}};
    char *tpl = mk_xasprintf("---\n%s<%%unsafe v%%>\n", prefix);
    char *text = render(tpl, s, 1, &e);
    assert_non_null(text);
    assert_true(longest_line(text) <= 160);
    size_t tags;
    doc *d = read_untagged("v.yaml", text, &tags, &e);
    assert_int_equal(tags, 1);
    const doc_node *n = d->root;
    while (n->kind != DOC_SCALAR)
        n = n->kind == DOC_MAP ? n->pairs[0].val : n->items[0];
    assert_true(n->quoted);
    assert_int_equal(n->len, strlen(value));
    assert_memory_equal(n->text, value, n->len);
    doc_free(d);
    free(text);
    free(tpl);
}

static void test_yaml_roundtrip(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof hostile / sizeof *hostile; i++) {
        check_yaml_roundtrip(hostile[i], "k: ");
        check_yaml_roundtrip(hostile[i], "outer:\n  inner:\n    - k: ");
    }
    for (size_t n = 90; n < 400; n += 7) {
        char *v = long_value(n);
        check_yaml_roundtrip(v, "k: ");
        check_yaml_roundtrip(v, "outer:\n  key_of_some_length: ");
        free(v);
    }
    char *huge = long_value(1 << 20);
    check_yaml_roundtrip(huge, "k: ");
    free(huge);
}

static void test_yaml_invalid_utf8(void **state)
{
    (void)state;
    mk_buf b;
    mk_buf_init(&b);
    mk_buf_put_yaml_str(&b, "a\xff"
                            "b\xc3");
    assert_string_equal(b.s, "\"a\\uFFFDb\\uFFFD\"");
    mk_buf_fini(&b);
    mk_err e;
    mk_err_clear(&e);
    assert_int_equal(emit_check_utf8("n", "reason", "ok \xc3\xa9", &e), 0);
    const char *bad[] = {"\xff", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "a\xe2\x82"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        mk_err_clear(&e);
        assert_int_equal(emit_check_utf8("n", "reason", bad[i], &e), -1);
        assert_int_equal(e.code, MK_EINVAL);
    }
}

/* ---- training arguments as words --------------------------------------------------- */

static void test_split_words(void **state)
{
    (void)state;
    struct {
        const char *text;
        int n;
        const char *words[6];
    } rows[] = {
        {"", 0, {NULL}},
        {"  --data /d  --epochs 3 ", 4, {"--data", "/d", "--epochs", "3"}},
        {"--tag '$(touch x)' \"{{ y }}\"", 3, {"--tag", "$(touch x)", "{{ y }}"}},
        {"a\\ b 'c'\\''d' \"e\\\"f\\\\g\\h\"", 3, {"a b", "c'd", "e\"f\\g\\h"}},
        {"--x=a#b ''", 2, {"--x=a#b", ""}},
        {"'new\nline'", 1, {"new\nline"}},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char **w;
        mk_err e;
        mk_err_clear(&e);
        int n = emit_split_words(rows[i].text, &w, &e);
        assert_int_equal(n, rows[i].n);
        for (int k = 0; k < n; k++)
            assert_string_equal(w[k], rows[i].words[k]);
        emit_words_free(w, n);
    }
    const char *refused[] = {"$(touch x)", "`id`",   "a;b", "a|b",  "a&",
                             "a>b",        "*",      "~/x", "#c",   "\"$HOME\"",
                             "'open",      "\"open", "x\\", "a\nb", "{a,b}"};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        char **w;
        mk_err e;
        mk_err_clear(&e);
        assert_int_equal(emit_split_words(refused[i], &w, &e), -1);
        assert_int_equal(e.code, MK_EINVAL);
        assert_null(w);
    }
}

static void test_image_tag(void **state)
{
    (void)state;
    char t[256];
    emit_image_tag("mnist", t, sizeof t);
    assert_string_equal(t, "modak-mnist");
    emit_image_tag("resnet20-v2", t, sizeof t);
    assert_string_equal(t, "modak-resnet20-v2");
    char u[256];
    emit_image_tag("Mnist", t, sizeof t);
    emit_image_tag("mnist.", u, sizeof u);
    assert_true(!strncmp(t, "modak-mnist-", 12) && strlen(t) == 20);
    assert_true(!strncmp(u, "modak-mnist-", 12) && strcmp(t, u));
    emit_image_tag("...", t, sizeof t);
    assert_true(!strncmp(t, "modak-", 6) && strlen(t) == 15);
}

/* ---- the emitters on a hostile plan ------------------------------------------------ */

#define EVIL "'\"$(touch /tmp/modak-emit-pwned)`id`{{ lookup('pipe','id') }}{% raw %}\n../"

static opt_node hostile_node(const char *name, const char *reason)
{
    return (opt_node){
        .name = name,
        .job_node = EVIL "job",
        .scheduler = "slurm",
        .runtime = "docker",
        .workspace = "/tmp/ws/" EVIL,
        .dataset = EVIL "data",
        .network = "mnist_cnn",
        .epochs = 2,
        /* EVIL as one single-quoted word */
        .train_args = "--data ''\\''\"$(touch /tmp/modak-emit-pwned)`id`{{ lookup('\\''pipe'\\'','"
                      "\\''id'\\'') }}{% raw %}\n../' --tag \"{{ x }}\" --n 3",
        .job_script = "#!/bin/sh\necho {{ x }}\n",
        .binary = "/nonexistent/train",
        .base_image = "localhost/modak-base:1",
        .decision = {.image = "docker://example.org/" EVIL,
                     .graph_compiler = "modak",
                     .threads = 4,
                     .batch = 32,
                     .ranks = 1,
                     .nodes = 1,
                     .predicted_seconds = 1.5,
                     .target = EVIL,
                     .openblas_coretype = "SkylakeX",
                     .reason = reason},
    };
}

static int list_files(const char *path, void *ud)
{
    mk_buf *b = ud;
    mk_buf_puts(b, path);
    mk_buf_putc(b, '\n');
    return 0;
}

static void check_unsafe(const doc_node *map, const char *key, const char *want)
{
    const doc_node *v = doc_map_get(map, key);
    if (!v) fail_msg("no key %s", key);
    assert_true(v->quoted && v->kind == DOC_SCALAR);
    assert_int_equal(v->len, strlen(want));
    assert_memory_equal(v->text, want, v->len);
}

static void test_emit_hostile(void **state)
{
    (void)state;
    char *reason = long_value(200000);
    opt_node nodes[2] = {hostile_node("a.b-c_d", reason), hostile_node("Second", EVIL)};
    nodes[1].scheduler = "batch";
    nodes[1].runtime = "singularity";
    nodes[1].binary = NULL; /* a framework image: pulled, no binary */
    nodes[1].decision.image = "docker://tensorflow/tensorflow:2.4.1";
    nodes[1].decision.graph_compiler = "xla";
    nodes[1].decision.openblas_coretype = NULL;
    nodes[1].train_args = NULL;
    opt_plan plan = {.blueprint = EVIL "bp", .nodes = nodes, .n = 2};

    char *parent = tmpdir();
    char *out = mk_path_join(parent, "out");
    mk_err e;
    mk_err_clear(&e);
    assert_int_equal(emit_playbooks(&plan, out, &e), 0);
    assert_int_equal(emit_containers(&plan, 0, out, &e), 0);
    assert_int_equal(emit_containers(&plan, 1, out, &e), 0);

    /* exactly these files, all under out (the parent holds nothing else) */
    mk_buf files;
    mk_buf_init(&files);
    if (mk_walk_files(parent, NULL, list_files, &files, &e)) fail_msg("%s", e.msg);
    char *want =
        mk_xasprintf("%1$s/containers/Second/Dockerfile\n%1$s/containers/Second/Singularity.def\n"
                     "%1$s/containers/a.b-c_d/Dockerfile\n%1$s/containers/a.b-c_d/Singularity.def\n"
                     "%1$s/playbooks/deploy.yml\n%1$s/playbooks/tasks/deploy-node.yml\n"
                     "%1$s/playbooks/tasks/undeploy-node.yml\n%1$s/playbooks/undeploy.yml\n"
                     "%1$s/playbooks/vars/Second.yml\n%1$s/playbooks/vars/a.b-c_d.yml\n",
                     out);
    assert_string_equal(files.s, want);
    free(want);
    mk_buf_fini(&files);

    /* the vars file gives back every value as !unsafe data */
    char *vars = slurp(out, "playbooks/vars/a.b-c_d.yml");
    assert_true(longest_line(vars) <= 160);
    size_t tags;
    doc *d = read_untagged("vars.yml", vars, &tags, &e);
    assert_int_equal(tags, 18); /* every string from the plan, the three image names, the .sif */
    check_unsafe(d->root, "modak_node", "a.b-c_d");
    check_unsafe(d->root, "modak_blueprint", plan.blueprint);
    check_unsafe(d->root, "modak_job_node", nodes[0].job_node);
    check_unsafe(d->root, "modak_workspace", nodes[0].workspace);
    check_unsafe(d->root, "modak_dataset", nodes[0].dataset);
    check_unsafe(d->root, "modak_train_args", nodes[0].train_args);
    check_unsafe(d->root, "modak_pull_docker", "example.org/" EVIL);
    check_unsafe(doc_map_get(d->root, "modak_decision"), "reason", reason);
    check_unsafe(doc_map_get(d->root, "modak_decision"), "target", EVIL);
    assert_string_equal(doc_str(doc_map_get(d->root, "modak_container_action")), "build");
    assert_int_equal(doc_map_get(doc_map_get(d->root, "modak_decision"), "threads")->v.i, 4);
    doc_free(d);
    free(vars);
    vars = slurp(out, "playbooks/vars/Second.yml");
    d = read_untagged("vars.yml", vars, &tags, &e);
    assert_string_equal(doc_str(doc_map_get(d->root, "modak_container_action")), "pull");
    assert_string_equal(doc_str(doc_map_get(d->root, "modak_container_engine")), "singularity");
    check_unsafe(d->root, "modak_pull_singularity", "docker://tensorflow/tensorflow:2.4.1");
    check_unsafe(d->root, "modak_sif_name", "tensorflow_2.4.1.sif"); /* the job script's name */
    assert_true(!strncmp(doc_str(doc_map_get(d->root, "modak_image_tag")), "modak-second-", 13));
    doc_free(d);
    free(vars);

    /* deploy.yml: one play per node, in order */
    char *book = slurp(out, "playbooks/deploy.yml");
    d = doc_read_yaml("deploy.yml", book, strlen(book), NULL, &e);
    assert_non_null(d);
    assert_int_equal(d->root->n, 2);
    assert_string_equal(doc_str(doc_map_get(d->root->items[1], "vars_files")->items[0]),
                        "vars/Second.yml");
    doc_free(d);
    free(book);

    /* the Dockerfile's CMD is the JSON array of the words; the reason label is cut */
    char *df = slurp(out, "containers/a.b-c_d/Dockerfile");
    char *cmd = strstr(df, "\nCMD ");
    assert_non_null(cmd);
    json_error_t je;
    json_t *arr = json_loadb(cmd + 5, strcspn(cmd + 5, "\n"), 0, &je);
    assert_non_null(arr);
    const char *words[] = {"train", "--data", EVIL, "--tag", "{{ x }}", "--n", "3"};
    assert_int_equal(json_array_size(arr), 7);
    for (size_t k = 0; k < 7; k++)
        assert_string_equal(json_string_value(json_array_get(arr, k)), words[k]);
    json_decref(arr);
    assert_non_null(strstr(df, "ENTRYPOINT [\"/usr/local/bin/a.b-c_d-train\"]"));
    assert_non_null(strstr(df, "OPENBLAS_CORETYPE=SkylakeX"));
    assert_non_null(strstr(df, "org.modak.target=\"'\\\"\\$(touch /tmp/modak-emit-pwned)`id`{{"));
    assert_true(longest_line(df) < 1200);
    free(df);
    df = slurp(out, "containers/Second/Dockerfile");
    assert_non_null(strstr(df, "\nFROM tensorflow/tensorflow:2.4.1\n"));
    assert_non_null(strstr(df, "TF_XLA_FLAGS=\"--tf_xla_auto_jit=2 --tf_xla_cpu_global_jit\""));
    assert_null(strstr(df, "ENTRYPOINT"));
    free(df);
    char *def = slurp(out, "containers/a.b-c_d/Singularity.def");
    assert_true(!strncmp(def, "Bootstrap: docker\nFrom: localhost/modak-base:1\n", 47));
    assert_non_null(strstr(def, "set -- 'train' '--data' ''\\''\"$(touch"));
    assert_non_null(strstr(def, "export OPENBLAS_CORETYPE='SkylakeX'\n"));
    free(def);

    mk_rm_rf(parent);
    free(out);
    free(parent);
    free(reason);
}

/* Invalid plans are refused with MK_EINVAL before anything is written. */
static void spoil(opt_node *n, int which)
{
    switch (which) {
    case 0:
        n->name = "../escape";
        break;
    case 1:
        n->name = "..";
        break;
    case 2:
        n->name = "a/b";
        break;
    case 3:
        n->name = "";
        break;
    case 4:
        n->scheduler = "slurm; rm -rf /";
        break;
    case 5:
        n->runtime = "podman";
        break;
    case 6:
        n->workspace = "/tmp/\xff";
        break;
    case 7:
        n->decision.reason = "bad \xc0\x80 utf-8";
        break;
    case 8:
        n->decision.openblas_coretype = "Haswell\nRUN id";
        break;
    case 9:
        n->base_image = "debian:12 AS x";
        break;
    case 10:
        n->base_image = "-debian";
        break;
    case 11:
        n->train_args = "--data $(id)";
        break;
    case 12:
        n->decision.threads = 0;
        break;
    case 13:
        n->binary = NULL, n->decision.image = "img\nRUN id";
        break;
    }
}

static void test_emit_refused(void **state)
{
    (void)state;
    for (int which = 0; which < 14; which++) {
        opt_node nodes[1] = {hostile_node("ok", "r")};
        spoil(&nodes[0], which);
        opt_plan plan = {.blueprint = "bp", .nodes = nodes, .n = 1};
        char *parent = tmpdir();
        mk_err e;
        mk_err_clear(&e);
        int rp = emit_playbooks(&plan, parent, &e);
        int pe = e.code;
        mk_err_clear(&e);
        int rc = emit_containers(&plan, 0, parent, &e);
        if (rp == 0 && rc == 0) fail_msg("spoiler %d was accepted", which);
        assert_true(rp ? pe == MK_EINVAL : e.code == MK_EINVAL);
        /* a refused emitter wrote nothing */
        char *pb = mk_path_join(parent, "playbooks"), *ct = mk_path_join(parent, "containers");
        if (rp) assert_false(mk_is_dir(pb));
        if (rc) assert_false(mk_is_dir(ct));
        free(pb);
        free(ct);
        mk_rm_rf(parent);
        free(parent);
    }
    /* no node at all */
    {
        opt_plan none = {.blueprint = "bp", .nodes = NULL, .n = 0};
        mk_err e0;
        mk_err_clear(&e0);
        char *p0 = tmpdir();
        assert_int_equal(emit_playbooks(&none, p0, &e0), -1);
        assert_int_equal(e0.code, MK_EINVAL);
        mk_rm_rf(p0);
        free(p0);
    }
    /* two nodes of one name */
    opt_node nodes[2] = {hostile_node("same", "r"), hostile_node("same", "r")};
    opt_plan plan = {.blueprint = "bp", .nodes = nodes, .n = 2};
    mk_err e;
    mk_err_clear(&e);
    char *parent = tmpdir();
    assert_int_equal(emit_playbooks(&plan, parent, &e), -1);
    assert_int_equal(e.code, MK_EINVAL);
    mk_rm_rf(parent);
    free(parent);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_contexts), cmocka_unit_test(test_render_conditionals),
        cmocka_unit_test(test_yaml_roundtrip),  cmocka_unit_test(test_yaml_invalid_utf8),
        cmocka_unit_test(test_split_words),     cmocka_unit_test(test_image_tag),
        cmocka_unit_test(test_emit_hostile),    cmocka_unit_test(test_emit_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
