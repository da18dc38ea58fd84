// SPDX-License-Identifier: GPL-2.0
/*
 * The mapdev command: messages, argument parsing, JSON and progress
 * helpers shared by the subcommands.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mapdev-tool.h"

const char *tool_cmd;

static void vmsg(const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "mapdev%s%s: ", tool_cmd ? " " : "",
		tool_cmd ? tool_cmd : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	return EXIT_FAIL;
}

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fflush(stdout);
	fprintf(stderr, "mapdev%s%s: note: ", tool_cmd ? " " : "",
		tool_cmd ? tool_cmd : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'mapdev%s%s --help'.\n", tool_cmd ? " " : "",
		tool_cmd ? tool_cmd : "");
	return EXIT_USAGE;
}

int getopt_error(int c, char **argv)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		return usage_error("option '%s' needs a value", arg);
	if (optopt >= '0' && optopt <= '9') {
		int i;

		/* "-4K" read as options: name the whole argument. */
		for (i = 1; argv[i] && strcmp(argv[i], "--"); i++)
			if (argv[i][0] == '-' && argv[i][1] == optopt)
				return usage_error("'%s': negative numbers are "
						   "not allowed", argv[i]);
	}
	if (optopt && strncmp(arg, "--", 2))
		return usage_error("unknown option '-%c'", optopt);
	return usage_error("unknown option '%s'", arg);
}

bool wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	}
	return false;
}

int parse_number(const char *str, uint64_t *out)
{
	const char *p = str;

	/* "0", "0x0", "000", "0K": zero, which mapdev_parse_size refuses. */
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && p[2])
		p += 2;
	while (*p == '0')
		p++;
	if (p != str && (!*p || (strchr("kKmMgG", *p) && !p[1]))) {
		*out = 0;
		return 0;
	}
	return mapdev_parse_size(str, out);
}

int parse_size_arg(const char *what, const char *str, uint64_t *out)
{
	if (!mapdev_parse_size(str, out))
		return 0;
	if (errno == ERANGE)
		usage_error("%s '%s' is too large", what, str);
	else if (parse_number(str, out) == 0)
		usage_error("%s must not be 0", what);
	else
		usage_error("bad %s '%s': expected a number with an optional "
			    "K, M or G suffix, e.g. 4096, 0x1000, 64K, 16M",
			    what, str);
	return -1;
}

int parse_width_arg(const char *str, unsigned int *bits)
{
	if (!strcmp(str, "8") || !strcmp(str, "16") || !strcmp(str, "32") ||
	    !strcmp(str, "64")) {
		*bits = atoi(str);
		return 0;
	}
	usage_error("bad width '%s': must be 8, 16, 32 or 64 (bits)", str);
	return -1;
}

int parse_offset_arg(const char *str, uint64_t *out)
{
	const char *colon = strchr(str, ':');
	uint64_t region, off;
	char rbuf[32];

	if (!colon) {
		if (parse_number(str, out) == 0)
			return 0;
		usage_error("bad offset '%s': expected a number (e.g. 0x1000, "
			    "4K) or REGION:OFFSET", str);
		return -1;
	}
	if ((size_t)(colon - str) >= sizeof(rbuf))
		goto bad;
	memcpy(rbuf, str, colon - str);
	rbuf[colon - str] = '\0';
	if (parse_number(rbuf, &region) || region >= MAPDEV_MAX_REGIONS ||
	    parse_number(colon + 1, &off))
		goto bad;
	if (off >= MAPDEV_REGION_OFFSET(1)) {
		usage_error("offset '%s' is past any region's end", str);
		return -1;
	}
	*out = MAPDEV_REGION_OFFSET(region) + off;
	return 0;
bad:
	usage_error("bad offset '%s': expected REGION:OFFSET with a region "
		    "index below %d", str, MAPDEV_MAX_REGIONS);
	return -1;
}

const char *human_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	unsigned int u = 0;
	uint64_t div = 1024;

	if (bytes < 1024 || (bytes < 10000 && bytes % 1024)) {
		snprintf(buf, len, "%llu", (unsigned long long)bytes);
		return buf;
	}
	/* Exact in some unit, not too long: "1200M" rather than "~1.2G". */
	for (u = sizeof(units) - 2, div = 1ull << (10 * (u + 1)); ;
	     u--, div >>= 10) {
		if (bytes % div == 0 && bytes / div < 10000) {
			snprintf(buf, len, "%llu%c",
				 (unsigned long long)(bytes / div), units[u]);
			return buf;
		}
		if (!u)
			break;
	}
	u = 0;
	div = 1024;
	while (u + 1 < sizeof(units) - 1 && bytes / div >= 1024) {
		div *= 1024;
		u++;
	}
	if (bytes % div == 0)
		snprintf(buf, len, "%llu%c", (unsigned long long)(bytes / div),
			 units[u]);
	else
		/* Not exact in any unit: say it is near, not 4.0K for 4097. */
		snprintf(buf, len, "~%.1f%c", (double)bytes / (double)div,
			 units[u]);
	return buf;
}

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/*
 * Bytes that are not UTF-8 (file names may hold any) become U+FFFD, so
 * the output is always valid JSON.
 */
void json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	while (*p) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				fprintf(f, "\\u%04x", *p);
				break;
			}
			n = utf8_len(p);
			if (!n) {
				fputs("\\ufffd", f);
				break;
			}
			fwrite(p, 1, n, f);
			p += n;
			continue;
		}
		p++;
	}
	fputc('"', f);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void progress_start(struct progress *p, const char *what, uint64_t total,
		    bool enabled)
{
	p->on = enabled && isatty(STDERR_FILENO);
	p->total = total;
	p->what = what;
	p->last_ns = 0;
	p->width = 0;
}

void progress_update(struct progress *p, uint64_t done)
{
	char a[32], b[32];
	uint64_t t;
	int n;

	if (!p->on)
		return;
	t = now_ns();
	if (done < p->total && t - p->last_ns < 100000000ull)
		return;
	p->last_ns = t;
	n = fprintf(stderr, "\r%s: %s / %s (%3u%%)", p->what,
		    human_size(done, a, sizeof(a)),
		    human_size(p->total, b, sizeof(b)),
		    p->total ? (unsigned int)(done * 100 / p->total) : 100);
	if (n > 1 && (unsigned int)n - 1 > p->width)
		p->width = n - 1;
	fflush(stderr);
}

void progress_end(struct progress *p)
{
	if (!p->on)
		return;
	progress_update(p, p->total);
	/*
	 * Blank the line out with spaces, not an escape sequence a dumb
	 * terminal or a serial console does not know, so what the command
	 * prints next starts on a clean line.
	 */
	fprintf(stderr, "\r%*s\r", (int)p->width, "");
	fflush(stderr);
	p->width = 0;
}

struct mapdev_device *open_device(const char *name, int flags)
{
	struct mapdev_device *dev;
	char path[4096];

	if (mapdev_device_path(name, path, sizeof(path))) {
		fail("%s: not a valid device name or path", name);
		return NULL;
	}
	dev = mapdev_device_open(name, flags);
	if (dev)
		return dev;
	switch (errno) {
	case ENOENT:
		fail("%s: no such device%s", path,
		     strchr(name, '/') ? "" :
		     " (is the buffer created, the module loaded?)");
		break;
	case ENOTTY:
		fail("%s: not a mapdev device", path);
		break;
	case EACCES:
	case EPERM:
		fail("%s: %s (%s)", path, strerror(errno), access_hint(path));
		break;
	default:
		fail("%s: %s", path, strerror(errno));
	}
	return NULL;
}

const char *access_hint(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (!strncmp(base, "pci-", 4) || !strncmp(base, "phys-", 5))
		return "PCI functions and physical ranges are root's: they "
		       "reach any memory (by DMA or by address)";
	{
		char attr[512], drv[64] = "";
		FILE *f;

		/* A PCI function's buffers stay root's with the group rule. */
		snprintf(attr, sizeof(attr), MAPDEV_SYSFS_CLASS "/%s/driver",
			 base);
		f = fopen(attr, "re");
		if (f) {
			if (!fgets(drv, sizeof(drv), f))
				drv[0] = '\0';
			fclose(f);
		}
		if (!strncmp(drv, "mapdev_pci", 10))
			return "a PCI function's buffers are root's, as the "
			       "function is: its DMA reaches any memory";
	}
	if (!strcmp(base, "buf-control"))
		return "buffer nodes are root's and the group " MAPDEV_GROUP
		       "'s (" MAPDEV_UDEV_RULE "); creating and destroying "
		       "buffers needs root (CAP_SYS_ADMIN) even so";
	return "buffer nodes are root's and the group " MAPDEV_GROUP "'s: "
	       "with the udev rule " MAPDEV_UDEV_RULE " (the package "
	       "installs it), add the user to the group (usermod -aG "
	       MAPDEV_GROUP " USER) and log in again";
}

/*
 * A buffer's --backend (coherent, contig, sg) or --cache (cached, uncached,
 * wc) argument: its value, or -1 after a usage message naming the bad one.
 */
int buffer_backend_arg(const char *arg)
{
	int backend = mapdev_backend_from_name(arg);

	if (backend != MAPDEV_BACKEND_COHERENT &&
	    backend != MAPDEV_BACKEND_CONTIG && backend != MAPDEV_BACKEND_SG) {
		usage_error("bad backend '%s': expected coherent, contig or sg",
			    arg);
		return -1;
	}
	return backend;
}

int buffer_cache_arg(const char *arg)
{
	int cache = mapdev_cache_from_name(arg);

	if (cache < 0)
		usage_error("bad cache mode '%s': expected cached, uncached or wc",
			    arg);
	return cache;
}
