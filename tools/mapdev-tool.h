/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The mapdev command: what its subcommands share.
 */
#ifndef MAPDEV_TOOL_H
#define MAPDEV_TOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <mapdev.h>

/* Exit codes. */
#define EXIT_OK		0
#define EXIT_FAIL	1	/* a runtime error, with a message */
#define EXIT_USAGE	2	/* a usage error, with a message */

/* The subcommand being run, e.g. "buf create", for messages. */
extern const char *tool_cmd;

/* "mapdev CMD: message" on stderr.  Returns EXIT_FAIL. */
__attribute__((format(printf, 1, 2)))
int fail(const char *fmt, ...);
int pci_buf_destroy_failed(const char *name, const char *bdf);
int buffer_backend_arg(const char *arg);
int buffer_cache_arg(const char *arg);

/*
 * "mapdev CMD: message" and "Try 'mapdev CMD --help'." on stderr.
 * Returns EXIT_USAGE.
 */
__attribute__((format(printf, 1, 2)))
int usage_error(const char *fmt, ...);

/*
 * A number: decimal or 0x hex, with an optional K/M/G suffix (powers of
 * 1024).  Zero allowed.  Returns 0, or -1 with errno EINVAL or ERANGE.
 */
int parse_number(const char *str, uint64_t *out);

/*
 * A size as `mapdev buf create` takes it: as parse_number() but not zero.
 * On failure prints a usage error and returns -1.
 */
int parse_size_arg(const char *what, const char *str, uint64_t *out);

/* A width in bits: 8, 16, 32 or 64.  Prints a usage error, returns -1. */
int parse_width_arg(const char *str, unsigned int *bits);

/*
 * A device offset: a number, or REGION:OFFSET (region index, offset inside
 * it).  Prints a usage error and returns -1 on garbage.
 */
int parse_offset_arg(const char *str, uint64_t *out);

/* "64M", "4K", "1.5G", "123" (bytes): human sizes, into buf. */
const char *human_size(uint64_t bytes, char *buf, size_t len);

/* JSON: a string with escapes (NULL prints null). */
void json_str(FILE *f, const char *s);

/* Progress on stderr, only when it is a terminal and @enabled. */
struct progress {
	bool on;
	uint64_t total;
	uint64_t last_ns;
	const char *what;
	unsigned int width;	/* of the longest line printed */
};

void progress_start(struct progress *p, const char *what, uint64_t total,
		    bool enabled);
void progress_update(struct progress *p, uint64_t done);
void progress_end(struct progress *p);

/* Opening a device, with messages naming it and the reason. */
struct mapdev_device *open_device(const char *name, int flags);

/*
 * Non-root access: the group and udev rule of the package (buffers only;
 * PCI functions and physical ranges stay root's).
 */
#define MAPDEV_GROUP		"mapdev"
#define MAPDEV_UDEV_RULE	"/usr/lib/udev/rules.d/60-mapdev.rules"

/* What to tell a user who may not open @path (EACCES/EPERM), no newline. */
const char *access_hint(const char *path);

/* "note: ..." on stderr: the command goes on. */
__attribute__((format(printf, 1, 2)))
void note(const char *fmt, ...);

/* buf info NAME, for buf create and pci buf create --json too. */
int buf_show_info(const char *name, bool json, bool segments);

/* What buf create and pci buf create print: the size the buffer has. */
int buf_created(const char *name, uint64_t asked, unsigned int backend,
		unsigned int cache, bool json);

/*
 * The message for a failed buffer creation (errno @err), with what the
 * kernel knows of the reason: limits of the backend, CMA, free memory,
 * the DMA mask of @bdf (NULL for mapdev_buf).  Returns EXIT_FAIL.
 */
int create_failed(const char *name, uint64_t size, unsigned int backend,
		  unsigned int cache, int err, const char *bdf);

/* Subcommands: argv[0] is the subcommand's name. */
int cmd_buf(int argc, char **argv);
int cmd_peek(int argc, char **argv);
int cmd_poke(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_fill(int argc, char **argv);
int cmd_maps(int argc, char **argv);
int cmd_pci(int argc, char **argv);
int cmd_grab(int argc, char **argv);

/*
 * For getopt_long() run with opterr = 0 and an optstring starting with ':':
 * the usage error for its '?' or ':' answer.  Returns EXIT_USAGE.
 */
int getopt_error(int c, char **argv);

/* Whether argv holds -h or --help before any "--". */
bool wants_help(int argc, char **argv);

#endif /* MAPDEV_TOOL_H */
