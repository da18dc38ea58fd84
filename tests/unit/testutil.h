/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the host-side unit tests of libmapdev and the mapdev tool:
 * finding the source tree and the built tool, running a command and
 * capturing its output, a child process that holds mappings still, and a
 * small JSON reader for checking --json output.
 *
 * Include after "../harness.h".  Everything here is static.
 */
#ifndef MAPDEV_TESTUTIL_H
#define MAPDEV_TESTUTIL_H

#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#define TU_UNUSED __attribute__((unused))

/* ---------------------------------------------------------------- paths */

static TU_UNUSED bool tu_is_srcdir(const char *dir)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s/tests/harness.h", dir);
	return !stat(p, &st);
}

/* The directory the test binary is in. */
static TU_UNUSED const char *tu_exe_dir(void)
{
	static char dir[PATH_MAX];
	ssize_t n;
	char *slash;

	if (dir[0])
		return dir;
	n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (n <= 0)
		return strcpy(dir, ".");
	dir[n] = '\0';
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	return dir;
}

/*
 * The top of the source tree: $MAPDEV_SRCDIR, else two levels above this
 * file (as the compiler saw it), else three above the binary
 * (BUILD/tests/unit/NAME with BUILD inside the tree), else ".".
 */
static TU_UNUSED const char *tu_srcdir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("MAPDEV_SRCDIR");
	char *slash;

	if (dir[0])
		return dir;
	if (env && tu_is_srcdir(env))
		return strcpy(dir, env);
	snprintf(dir, sizeof(dir), "%s", __FILE__);
	slash = strrchr(dir, '/');
	if (slash) {
		strcpy(slash, "/../..");
		if (tu_is_srcdir(dir))
			return dir;
	}
	snprintf(dir, sizeof(dir), "%s/../../..", tu_exe_dir());
	if (tu_is_srcdir(dir))
		return dir;
	return strcpy(dir, ".");
}

/* A file under tests/unit/data/. */
static TU_UNUSED const char *tu_data(const char *name)
{
	static char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/tests/unit/data/%s", tu_srcdir(), name);
	return p;
}

/*
 * The mapdev tool: $MAPDEV_TOOL, else BUILD/tools/mapdev next to
 * BUILD/tests/unit/.  Skips the test when it is not there.
 */
static TU_UNUSED const char *tu_tool(void)
{
	static char p[PATH_MAX];
	const char *env = getenv("MAPDEV_TOOL");

	if (env)
		snprintf(p, sizeof(p), "%s", env);
	else
		snprintf(p, sizeof(p), "%s/../../tools/mapdev", tu_exe_dir());
	if (access(p, X_OK))
		SKIP("the mapdev tool is not built (%s); set MAPDEV_TOOL", p);
	return p;
}

/* ------------------------------------------------------------ commands */

struct tu_run {
	int status;		/* exit status, or 128 + signal */
	char *out;		/* stdout, NUL-terminated (malloc()ed) */
	char *err;		/* stderr */
};

static TU_UNUSED char *tu_slurp_fd(int fd)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	ssize_t r;

	if (!buf)
		FAILF("out of memory");
	lseek(fd, 0, SEEK_SET);
	while ((r = read(fd, buf + n, cap - n - 1)) > 0) {
		n += r;
		if (cap - n < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				FAILF("out of memory");
		}
	}
	buf[n] = '\0';
	return buf;
}

/*
 * Run argv (argv[0] a path) with stdout and stderr captured in memfds and
 * stdin from /dev/null; env entries "NAME=VALUE" are added (may be NULL).
 */
static TU_UNUSED void tu_runv(struct tu_run *r, char *const argv[],
			      char *const env[])
{
	int out = memfd_create("out", MFD_CLOEXEC);
	int err = memfd_create("err", MFD_CLOEXEC);
	pid_t pid;
	int st, i;

	if (out < 0 || err < 0)
		FAILF("memfd_create: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		FAILF("fork: %s", strerror(errno));
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		dup2(nul, 0);
		dup2(out, 1);
		dup2(err, 2);
		for (i = 0; env && env[i]; i++)
			putenv(env[i]);
		execv(argv[0], argv);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(126);
	}
	if (waitpid(pid, &st, 0) != pid)
		FAILF("waitpid: %s", strerror(errno));
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r->out = tu_slurp_fd(out);
	r->err = tu_slurp_fd(err);
	close(out);
	close(err);
}

static TU_UNUSED void tu_run_free(struct tu_run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/* Run the mapdev tool with the arguments given (NULL-terminated). */
#define TU_MAPDEV(r, ...) do {						\
	char *_argv[] = { (char *)tu_tool(), __VA_ARGS__, NULL };	\
	tu_runv((r), _argv, NULL);					\
} while (0)

/* --------------------------------------------------- a child that waits */

/*
 * Fork a child that runs setup() and then waits to be killed, so its
 * mappings can be read from outside while they stay still.  Returns its
 * PID once setup() is done.  setup() returns 0, or 77 to skip (with a
 * reason in msg), or another value to fail.
 */
struct tu_child {
	pid_t pid;
	char msg[256];
};

static TU_UNUSED void tu_child_start(struct tu_child *c,
				     int (*setup)(char *msg, size_t len))
{
	int pfd[2];
	char buf[257];
	ssize_t n;

	if (pipe2(pfd, O_CLOEXEC))
		FAILF("pipe: %s", strerror(errno));
	fflush(stdout);
	c->pid = fork();
	if (c->pid < 0)
		FAILF("fork: %s", strerror(errno));
	if (c->pid == 0) {
		char msg[256] = "";
		int ret, nul;

		/*
		 * Die with the test, and do not hold its stdout open: the
		 * harness reads that to its end.
		 */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(1);
		nul = open("/dev/null", O_RDWR);
		dup2(nul, 1);
		close(pfd[0]);
		ret = setup(msg, sizeof(msg));
		buf[0] = ret == 0 ? 'R' : ret == 77 ? 'S' : 'F';
		snprintf(buf + 1, sizeof(buf) - 1, "%s", msg);
		if (write(pfd[1], buf, strlen(buf)) < 0)
			_exit(1);
		close(pfd[1]);
		if (ret)
			_exit(ret);
		for (;;)
			pause();
	}
	close(pfd[1]);
	n = read(pfd[0], buf, sizeof(buf) - 1);
	close(pfd[0]);
	if (n <= 0)
		FAILF("the child died during its setup");
	buf[n] = '\0';
	snprintf(c->msg, sizeof(c->msg), "%s", buf + 1);
	if (buf[0] == 'S')
		SKIP("%s", c->msg);
	if (buf[0] != 'R')
		FAILF("the child's setup failed: %s", c->msg);
}

static TU_UNUSED void tu_child_stop(struct tu_child *c)
{
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
		c->pid = 0;
	}
}

/* ----------------------------------------------------------------- JSON */

/*
 * A small JSON reader, enough to check the tool's output: values live in
 * one array of nodes; objects and arrays keep their children in a linked
 * list.  Strings are kept with escapes resolved (\uXXXX as UTF-8).
 */
enum tu_jtype { TJ_NULL, TJ_BOOL, TJ_NUM, TJ_STR, TJ_ARR, TJ_OBJ };

struct tu_json {
	enum tu_jtype type;
	char *key;			/* in an object */
	char *str;
	double num;
	bool b;
	struct tu_json *child;		/* first element or member */
	struct tu_json *next;		/* next sibling */
};

struct tu_jparser {
	const char *p;
	const char *err;
};

static TU_UNUSED void tu_jws(struct tu_jparser *jp)
{
	while (*jp->p == ' ' || *jp->p == '\n' || *jp->p == '\t' ||
	       *jp->p == '\r')
		jp->p++;
}

static TU_UNUSED void tu_jput(char **s, size_t *n, size_t *cap, char c)
{
	if (*n + 2 > *cap) {
		*cap = *cap ? *cap * 2 : 32;
		*s = realloc(*s, *cap);
		if (!*s)
			FAILF("out of memory");
	}
	(*s)[(*n)++] = c;
	(*s)[*n] = '\0';
}

static TU_UNUSED char *tu_jstring(struct tu_jparser *jp)
{
	size_t n = 0, cap = 0;
	char *s = NULL;

	if (*jp->p != '"') {
		jp->err = "expected a string";
		return NULL;
	}
	jp->p++;
	tu_jput(&s, &n, &cap, '\0');
	n = 0;
	while (*jp->p != '"') {
		unsigned char c = *jp->p;

		if (!c || c < 0x20) {
			jp->err = "bad character in a string";
			free(s);
			return NULL;
		}
		if (c != '\\') {
			tu_jput(&s, &n, &cap, c);
			jp->p++;
			continue;
		}
		jp->p++;
		switch (*jp->p) {
		case '"': case '\\': case '/':
			tu_jput(&s, &n, &cap, *jp->p);
			break;
		case 'n':
			tu_jput(&s, &n, &cap, '\n');
			break;
		case 't':
			tu_jput(&s, &n, &cap, '\t');
			break;
		case 'r':
			tu_jput(&s, &n, &cap, '\r');
			break;
		case 'b':
			tu_jput(&s, &n, &cap, '\b');
			break;
		case 'f':
			tu_jput(&s, &n, &cap, '\f');
			break;
		case 'u': {
			unsigned int cp;

			if (sscanf(jp->p + 1, "%4x", &cp) != 1 ||
			    !isxdigit((unsigned char)jp->p[4])) {
				jp->err = "bad \\u escape";
				free(s);
				return NULL;
			}
			jp->p += 4;
			if (cp < 0x80) {
				tu_jput(&s, &n, &cap, cp);
			} else if (cp < 0x800) {
				tu_jput(&s, &n, &cap, 0xc0 | (cp >> 6));
				tu_jput(&s, &n, &cap, 0x80 | (cp & 0x3f));
			} else {
				tu_jput(&s, &n, &cap, 0xe0 | (cp >> 12));
				tu_jput(&s, &n, &cap, 0x80 | ((cp >> 6) & 0x3f));
				tu_jput(&s, &n, &cap, 0x80 | (cp & 0x3f));
			}
			break;
		}
		default:
			jp->err = "bad escape";
			free(s);
			return NULL;
		}
		jp->p++;
	}
	jp->p++;
	return s;
}

static TU_UNUSED struct tu_json *tu_jvalue(struct tu_jparser *jp, int depth);

static TU_UNUSED struct tu_json *tu_jnew(enum tu_jtype t)
{
	struct tu_json *j = calloc(1, sizeof(*j));

	if (!j)
		FAILF("out of memory");
	j->type = t;
	return j;
}

static TU_UNUSED struct tu_json *tu_jcontainer(struct tu_jparser *jp,
					       int depth, bool obj)
{
	struct tu_json *j = tu_jnew(obj ? TJ_OBJ : TJ_ARR), **tail = &j->child;
	char close = obj ? '}' : ']';

	jp->p++;
	tu_jws(jp);
	if (*jp->p == close) {
		jp->p++;
		return j;
	}
	for (;;) {
		char *key = NULL;
		struct tu_json *v;

		tu_jws(jp);
		if (obj) {
			key = tu_jstring(jp);
			if (!key)
				return NULL;
			tu_jws(jp);
			if (*jp->p != ':') {
				jp->err = "expected ':'";
				return NULL;
			}
			jp->p++;
		}
		v = tu_jvalue(jp, depth + 1);
		if (!v)
			return NULL;
		v->key = key;
		*tail = v;
		tail = &v->next;
		tu_jws(jp);
		if (*jp->p == ',') {
			jp->p++;
			continue;
		}
		if (*jp->p == close) {
			jp->p++;
			return j;
		}
		jp->err = obj ? "expected ',' or '}'" : "expected ',' or ']'";
		return NULL;
	}
}

static TU_UNUSED struct tu_json *tu_jvalue(struct tu_jparser *jp, int depth)
{
	struct tu_json *j;
	char *end;

	if (depth > 64) {
		jp->err = "too deep";
		return NULL;
	}
	tu_jws(jp);
	switch (*jp->p) {
	case '{':
		return tu_jcontainer(jp, depth, true);
	case '[':
		return tu_jcontainer(jp, depth, false);
	case '"':
		j = tu_jnew(TJ_STR);
		j->str = tu_jstring(jp);
		return j->str ? j : NULL;
	case 'n':
		if (strncmp(jp->p, "null", 4))
			break;
		jp->p += 4;
		return tu_jnew(TJ_NULL);
	case 't':
		if (strncmp(jp->p, "true", 4))
			break;
		jp->p += 4;
		j = tu_jnew(TJ_BOOL);
		j->b = true;
		return j;
	case 'f':
		if (strncmp(jp->p, "false", 5))
			break;
		jp->p += 5;
		return tu_jnew(TJ_BOOL);
	default:
		if (*jp->p != '-' && !isdigit((unsigned char)*jp->p))
			break;
		j = tu_jnew(TJ_NUM);
		j->num = strtod(jp->p, &end);
		if (end == jp->p)
			break;
		jp->p = end;
		return j;
	}
	jp->err = "unexpected character";
	return NULL;
}

/* Parse a whole document; fails the test with the position on error. */
static TU_UNUSED struct tu_json *tu_json_parse(const char *text)
{
	struct tu_jparser jp = { .p = text };
	struct tu_json *j = tu_jvalue(&jp, 0);

	if (j) {
		tu_jws(&jp);
		if (*jp.p)
			jp.err = "text after the value";
	}
	if (!j || jp.err)
		FAILF("bad JSON at offset %td (%s): %.60s", jp.p - text,
		      jp.err ? jp.err : "?", jp.p);
	return j;
}

/* Member @key of object @o, or NULL. */
static TU_UNUSED struct tu_json *tu_jget(const struct tu_json *o,
					 const char *key)
{
	struct tu_json *c;

	if (!o || o->type != TJ_OBJ)
		return NULL;
	for (c = o->child; c; c = c->next)
		if (!strcmp(c->key, key))
			return c;
	return NULL;
}

/* Member @key, which must exist and have type @t. */
static TU_UNUSED struct tu_json *tu_jmust(const struct tu_json *o,
					  const char *key, enum tu_jtype t)
{
	struct tu_json *v = tu_jget(o, key);

	if (!v)
		FAILF("JSON object has no \"%s\"", key);
	if (v->type != t)
		FAILF("JSON \"%s\" has type %d, expected %d", key, v->type, t);
	return v;
}

static TU_UNUSED size_t tu_jlen(const struct tu_json *a)
{
	const struct tu_json *c;
	size_t n = 0;

	for (c = a ? a->child : NULL; c; c = c->next)
		n++;
	return n;
}

/* "0x1f" to a number; fails the test on anything else. */
static TU_UNUSED uint64_t tu_jhex(const struct tu_json *v)
{
	char *end;
	uint64_t x;

	if (!v || v->type != TJ_STR || strncmp(v->str, "0x", 2))
		FAILF("expected a \"0x...\" string");
	errno = 0;
	x = strtoull(v->str + 2, &end, 16);
	if (errno || end == v->str + 2 || *end)
		FAILF("bad hex string \"%s\"", v->str);
	return x;
}

#endif /* MAPDEV_TESTUTIL_H */
