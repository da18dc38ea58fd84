/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the race tests of the VM suites:
 *
 *  - race_delay(): core's debugfs race_delay_ms, which makes the paths that
 *    race with unregister sleep just past their first checks, so a test
 *    can put a revocation inside the window every time;
 *  - a "stuck" page: an anonymous page registered with userfaultfd, whose
 *    first touch (by user space or by the kernel copying to or from it)
 *    blocks until the test releases it, as a FUSE-backed mapping would;
 *  - timed(): runs a call in a thread and says whether it finished in time.
 *
 * Used with mapdev_test.h; needs -lpthread.
 */
#ifndef MAPDEV_RACE_UTIL_H
#define MAPDEV_RACE_UTIL_H

#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/userfaultfd.h>
#include "mapdev_test.h"

static inline void race_delay(unsigned int ms)
{
	char v[16];

	snprintf(v, sizeof(v), "%u", ms);
	if (write_file(DBG_DIR "race_delay_ms", v))
		FAILF("write %s race_delay_ms: %s", DBG_DIR, strerror(errno));
}

struct stuck {
	int uffd;
	void *page;
};

/* A page whose first touch blocks until stuck_release(). */
static inline void stuck_init(struct stuck *s)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };

	s->uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (s->uffd < 0)
		SKIP("userfaultfd: %s (a kernel without CONFIG_USERFAULTFD?)",
		     strerror(errno));
	if (ioctl(s->uffd, UFFDIO_API, &api))
		FAILF("UFFDIO_API: %s", strerror(errno));
	s->page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->page == MAP_FAILED)
		FAILF("mmap: %s", strerror(errno));
	reg.range.start = (uintptr_t)s->page;
	reg.range.len = 4096;
	if (ioctl(s->uffd, UFFDIO_REGISTER, &reg))
		FAILF("UFFDIO_REGISTER: %s", strerror(errno));
}

/* Waits up to @ms for a thread to block on the page; true if one did. */
static inline int stuck_wait(struct stuck *s, int ms)
{
	struct pollfd p = { .fd = s->uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&p, 1, ms) != 1)
		return 0;
	if (read(s->uffd, &msg, sizeof(msg)) != sizeof(msg))
		FAILF("read userfaultfd: %s", strerror(errno));
	return msg.event == UFFD_EVENT_PAGEFAULT;
}

/* Fills the page with zeroes: whoever blocked on it goes on. */
static inline void stuck_release(struct stuck *s)
{
	struct uffdio_zeropage z = {
		.range = { .start = (uintptr_t)s->page, .len = 4096 },
	};

	if (ioctl(s->uffd, UFFDIO_ZEROPAGE, &z) && errno != EEXIST)
		FAILF("UFFDIO_ZEROPAGE: %s", strerror(errno));
}

struct timed {
	pthread_t thr;
	void *(*fn)(void *);
	void *arg;
	volatile int done;
	void *ret;
};

static inline void *timed_run(void *arg)
{
	struct timed *t = arg;

	t->ret = t->fn(t->arg);
	__atomic_store_n(&t->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static inline void timed_start(struct timed *t, void *(*fn)(void *), void *arg)
{
	t->fn = fn;
	t->arg = arg;
	t->done = 0;
	if (pthread_create(&t->thr, NULL, timed_run, t))
		FAILF("pthread_create failed");
}

/* True if the call finished within @ms. */
static inline int timed_wait(struct timed *t, int ms)
{
	for (; ms > 0 && !__atomic_load_n(&t->done, __ATOMIC_SEQ_CST); ms -= 10)
		usleep(10000);
	return __atomic_load_n(&t->done, __ATOMIC_SEQ_CST);
}

static inline void timed_join(struct timed *t)
{
	pthread_join(t->thr, NULL);
}

/* A call's result, for the threads above: -errno or the return value. */
static inline void *result(long r)
{
	return (void *)(r < 0 ? -(long)errno : r);
}

static inline long result_of(struct timed *t)
{
	return (long)t->ret;
}

#endif /* MAPDEV_RACE_UTIL_H */
