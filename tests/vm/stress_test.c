// SPDX-License-Identifier: GPL-2.0
/*
 * Race stress: threads map, touch and unmap a device while the main
 * thread revokes it, cycle after cycle:
 *
 *   destroy     a buffer destroyed through /dev/mapdev/buf-control
 *   rmmod_buf   mapdev_buf unloaded under its buffers
 *   unbind      edu unbound from mapdev_pci (BAR 0 and a buffer of it)
 *   remove      edu removed through sysfs, then a bus rescan
 *   rmmod_pci   mapdev_pci unloaded under edu
 *
 * and three aimed at races found before: irq_mask_vs_unbind,
 * populate_vs_destroy and populate_fork_vs_destroy; msix_vs_unbind does
 * the same with every vector of an MSI-X function (QEMU's nvme, --nvme).
 *
 * Three workers on the guest's two vCPUs: two map (random ranges, fresh
 * opens), touch and unmap in a loop, keeping their newest mapping; one
 * reads and writes through the copy path (and, for PCI, config space and
 * the interrupt mask).  Every cycle also switches core's map_mode (fault,
 * batch, populate).  After each revocation every page of every mapping a
 * worker still holds must give SIGBUS, whenever that mapping was made;
 * an mmap that starts after the revocation returned must fail.  After
 * each scenario core's debugfs counters are back where they were, and at
 * the end every module unloads.
 *
 * MAPDEV_STRESS_CYCLES (default 1000) cycles per scenario, but no more
 * than MAPDEV_STRESS_SECONDS (default 45) seconds each: run-all gives a
 * test binary 600 s by default, so under TCG the slow scenarios (a module
 * load or a PCI rescan each cycle) may stop early, which the output says.
 * make check gives 6.1 30 s a scenario (most reach their 1000 cycles on an
 * idle machine; remove and rmmod_pci about 500 and 400), 6.12 and debug 15
 * s; docs/TESTING.md has the measured times.
 * MAPDEV_STRESS_MODES (default "fault,batch,populate") picks the map_mode
 * values the cycles go through.
 */
#define HARNESS_IMPLEMENTATION
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include "pci_util.h"

const char *harness_suite = "stress";

#define PG 4096UL
#define NWORKERS 3
#define BUF_SIZE (256UL << 10)
#define EDU_BAR (1UL << 20)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int env_int(const char *name, int def)
{
	const char *s = getenv(name);

	return s && atoi(s) > 0 ? atoi(s) : def;
}

/* What each test may use: MAPDEV_STRESS_CYCLES, MAPDEV_STRESS_SECONDS. */
static int stress_cycles(void)
{
	return env_int("MAPDEV_STRESS_CYCLES", 1000);
}

static double stress_seconds(void)
{
	return env_int("MAPDEV_STRESS_SECONDS", 45);
}

#define MAP_MODE_PARAM "/sys/module/mapdev_core/parameters/map_mode"

/* -- touching with the signal caught ---------------------------------------- */

static __thread sigjmp_buf jb;
static __thread volatile int in_touch;

static void on_fault(int sig)
{
	if (in_touch) {
		in_touch = 0;
		siglongjmp(jb, sig);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Returns 0, SIGBUS or SIGSEGV. */
static int touch(volatile uint8_t *p, int wr)
{
	int sig;

	if ((sig = sigsetjmp(jb, 1)) != 0)
		return sig;
	in_touch = 1;
	if (wr)
		*(volatile uint32_t *)p = 0x5a5a5a5a;
	else
		(void)*(volatile uint32_t *)p;
	in_touch = 0;
	return 0;
}

static void catch_faults(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
}

/* -- modules, fast: finit_module/delete_module, no modprobe ------------------ */

static int mod_fd(const char *mod)
{
	const char *path = module_path(mod);
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		FAILF("open %s: %s", path, strerror(errno));
	return fd;
}

static int mod_load(int fd, const char *params)
{
	return syscall(SYS_finit_module, fd, params, 0);
}

static int mod_unload(const char *mod)
{
	return syscall(SYS_delete_module, mod, O_NONBLOCK);
}

/* -- one scenario ------------------------------------------------------------- */

struct held {
	uint8_t *p;
	size_t len;
	int edu;		/* edu's BAR: write only the liveness register */
	double t;		/* when mmap returned */
};

struct scen {
	const char *name;
	char dev[2][64];	/* what the mappers map: [0] and [1] */
	off_t off[2];
	size_t size[2];
	int edu[2];
	int pci;		/* dev[0] is a PCI function: config, irq */
	volatile int stop;
	volatile int quit;
	volatile int revoking;		/* set just before the revocation starts */
	volatile double t_revoked;	/* when the revocation returned */
	int cycle_maps[2];		/* mappings each mapper made this cycle */
	pthread_barrier_t go, done;
	pthread_mutex_t lk;
	struct held held[NWORKERS];
	/* counts */
	long maps, map_enodev, sigbus, io_enodev, cycles;
	long held_revoked;	/* mappings held at a revocation, all SIGBUS */
	long pages_sigbus;	/* their pages touched afterwards: SIGBUS */
	char err[512];
};

static void scen_error(struct scen *sc, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&sc->lk);
	if (!sc->err[0]) {
		va_start(ap, fmt);
		vsnprintf(sc->err, sizeof(sc->err), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&sc->lk);
}

static unsigned int rnd(unsigned int *seed)
{
	*seed = *seed * 1103515245 + 12345;
	return *seed >> 8;
}

/* A mapper: open, map a random range, touch it, keep it, drop the older. */
static void mapper_cycle(struct scen *sc, int w, unsigned int *seed)
{
	int which = w & 1;
	size_t pages = sc->size[which] / PG;
	struct held *h = &sc->held[w];
	char path[96];

	snprintf(path, sizeof(path), "/dev/mapdev/%s", sc->dev[which]);
	while (!sc->stop) {
		size_t first = rnd(seed) % pages, n = 1 + rnd(seed) % (pages - first);
		double t0 = now();
		uint8_t *p;
		size_t i;
		int fd;

		if (n > 64)
			n = 64;
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			/* The node goes with the device: only once it is going. */
			if ((errno != ENOENT && errno != ENODEV && errno != ENXIO) ||
			    !__atomic_load_n(&sc->revoking, __ATOMIC_ACQUIRE))
				scen_error(sc, "open %s: %s%s", path, strerror(errno),
					   sc->revoking ? "" : " before the revocation started");
			continue;
		}
		p = mmap(NULL, n * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 sc->off[which] + (off_t)(first * PG));
		close(fd);
		if (p == MAP_FAILED) {
			if (errno != ENODEV ||
			    !__atomic_load_n(&sc->revoking, __ATOMIC_ACQUIRE))
				scen_error(sc, "mmap %s: %s (expected it to work, or ENODEV once the revocation started)",
					   sc->dev[which], strerror(errno));
			__atomic_add_fetch(&sc->map_enodev, 1, __ATOMIC_RELAXED);
			continue;
		}
		/* Made after the revocation returned: it must not be. */
		if (sc->t_revoked && t0 > sc->t_revoked)
			scen_error(sc, "mmap of %s started %.6f s after the revocation returned and worked",
				   sc->dev[which], t0 - sc->t_revoked);
		__atomic_add_fetch(&sc->maps, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&sc->cycle_maps[which], 1, __ATOMIC_RELEASE);
		for (i = 0; i < 4; i++) {
			size_t pg = rnd(seed) % n;
			int wr = rnd(seed) & 1, sig;

			if (sc->edu[which])	/* registers: ID read, liveness write */
				sig = touch(p + pg * PG + (wr && first + pg == 0 ? 4 : 0),
					    wr && first + pg == 0);
			else
				sig = touch(p + pg * PG + (rnd(seed) % PG & ~3UL), wr);
			if (sig == SIGBUS && !__atomic_load_n(&sc->revoking, __ATOMIC_ACQUIRE))
				scen_error(sc, "touch of %s: SIGBUS before the revocation started",
					   sc->dev[which]);
			else if (sig == SIGBUS)
				__atomic_add_fetch(&sc->sigbus, 1, __ATOMIC_RELAXED);
			else if (sig)
				scen_error(sc, "touch of %s: signal %d", sc->dev[which], sig);
		}
		if (h->p)
			munmap(h->p, h->len);
		h->p = p;
		h->len = n * PG;
		h->edu = sc->edu[which];
		h->t = now();
	}
}

/* The copy path, ioctls, config space and the interrupt mask. */
static void io_cycle(struct scen *sc, unsigned int *seed)
{
	char path[96];
	uint8_t b[256];
	int fd = -1;

	snprintf(path, sizeof(path), "/dev/mapdev/%s", sc->dev[0]);
	while (!sc->stop) {
		struct mapdev_info info = { .argsz = sizeof(info) };
		off_t off;
		ssize_t n;

		if (fd < 0) {
			fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
			if (fd < 0 && ((errno != ENOENT && errno != ENODEV && errno != ENXIO) ||
				       !__atomic_load_n(&sc->revoking, __ATOMIC_ACQUIRE)))
				scen_error(sc, "open %s: %s%s", path, strerror(errno),
					   sc->revoking ? "" : " before the revocation started");
			if (fd < 0)
				continue;
		}
		/* ENODEV (EOPNOTSUPP for the irq mask) only once it is going. */
#define IO_GONE(e) (((e) == ENODEV || (e) == EOPNOTSUPP) && \
		    __atomic_load_n(&sc->revoking, __ATOMIC_ACQUIRE))
		switch (rnd(seed) % 4) {
		case 0:
			if (ioctl(fd, MAPDEV_IOC_INFO, &info) &&
			    (errno != ENODEV || !IO_GONE(errno)))
				scen_error(sc, "INFO: %s", strerror(errno));
			break;
		case 1:
			off = sc->pci ? 0 : (off_t)(rnd(seed) % (sc->size[0] - sizeof(b)));
			n = pread(fd, b, sc->pci ? 4 : sizeof(b), off);
			if (n < 0 && (errno != ENODEV || !IO_GONE(errno)))
				scen_error(sc, "pread: %s", strerror(errno));
			if (n < 0)
				__atomic_add_fetch(&sc->io_enodev, 1, __ATOMIC_RELAXED);
			break;
		case 2:
			if (sc->pci) {
				n = pread(fd, b, 64, (off_t)MAPDEV_REGION_OFFSET(REGION_CONFIG));
			} else {
				memset(b, rnd(seed), sizeof(b));
				n = pwrite(fd, b, sizeof(b), (off_t)(rnd(seed) % (sc->size[0] - sizeof(b))));
			}
			if (n < 0 && (errno != ENODEV || !IO_GONE(errno)))
				scen_error(sc, "config/pwrite: %s", strerror(errno));
			break;
		default:
			if (sc->pci) {
				/* Mask, unmask: races the driver's interrupt teardown. */
				uint32_t v = rnd(seed) & 1;

				n = pwrite(fd, &v, 4, (off_t)MAPDEV_REGION_OFFSET(REGION_IRQ));
				if (n < 0 && !IO_GONE(errno))
					scen_error(sc, "irq mask %u: %s", v, strerror(errno));
			} else {
				close(fd);
				fd = -1;
			}
			break;
		}
	}
	if (fd >= 0)
		close(fd);
}

static void *worker(void *arg)
{
	struct scen *sc = arg;
	static int next;
	int w = __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED) % NWORKERS;
	unsigned int seed = 1234 + w * 7919;

	for (;;) {
		pthread_barrier_wait(&sc->go);
		if (sc->quit)
			break;
		if (w < 2)
			mapper_cycle(sc, w, &seed);
		else
			io_cycle(sc, &seed);
		pthread_barrier_wait(&sc->done);
	}
	return NULL;
}

/*
 * After a revocation: every page of every mapping the workers hold is
 * SIGBUS; then they are unmapped.
 */
static void verify_revoked(struct scen *sc, const char *mode)
{
	for (int w = 0; w < NWORKERS; w++) {
		struct held *h = &sc->held[w];

		if (!h->p)
			continue;
		sc->held_revoked++;
		for (size_t off = 0; off < h->len; off += PG) {
			int sig = touch(h->p + off, 0);

			if (sig == SIGBUS)
				sc->pages_sigbus++;
			if (sig != SIGBUS) {
				scen_error(sc, "%s, map_mode %s: page %zu of a %zu-page mapping made %+.6f s from the revocation's return: %s instead of SIGBUS",
					   sc->name, mode, off / PG, h->len / PG,
					   h->t - sc->t_revoked,
					   sig ? "SIGSEGV" : "readable");
				break;
			}
		}
		munmap(h->p, h->len);
		h->p = NULL;
	}
}

/*
 * A scenario that did too little tested nothing: at least MIN_CYCLES
 * cycles (or all asked for: the debug kernel on a loaded machine makes a
 * few in 15 s), a mapping a cycle, and as many mappings held at a
 * revocation as cycles (each one's pages SIGBUS, checked by
 * verify_revoked()).
 */
#define MIN_CYCLES 3
static void check_work(const char *name, int c, int cycles, long maps, long held)
{
	int need = cycles < MIN_CYCLES ? cycles : MIN_CYCLES;

	if (c < need)
		FAILF("%s: only %d cycle(s) in MAPDEV_STRESS_SECONDS=%.0f, at least %d needed: too slow to test anything",
		      name, c, stress_seconds(), need);
	if (maps < c)
		FAILF("%s: %ld mapping(s) in %d cycles: the mappers did not map", name, maps, c);
	if (held < c)
		FAILF("%s: %ld mapping(s) held at a revocation in %d cycles: fewer than one a cycle", name, held, c);
}

typedef void (*setup_fn)(struct scen *sc, int cycle);
typedef void (*revoke_fn)(struct scen *sc, int cycle);

static const char *const map_modes[] = { "fault", "batch", "populate" };

static void run_scenario(struct scen *sc, setup_fn setup, revoke_fn revoke,
			 void (*after)(struct scen *sc, int cycle))
{
	int cycles = stress_cycles(), nmodes = 0;
	double budget = stress_seconds(), t0;
	const char *modes_env = getenv("MAPDEV_STRESS_MODES");
	const char *modes[3];
	pthread_t th[NWORKERS];
	unsigned int seed = 42;
	long long buffers, bytes;
	int c;

	for (int m = 0; m < 3; m++)
		if (!modes_env || strstr(modes_env, map_modes[m]))
			modes[nmodes++] = map_modes[m];
	if (!nmodes)
		FAILF("MAPDEV_STRESS_MODES=%s: none of fault, batch, populate", modes_env);
	catch_faults();
	pthread_mutex_init(&sc->lk, NULL);
	pthread_barrier_init(&sc->go, NULL, NWORKERS + 1);
	pthread_barrier_init(&sc->done, NULL, NWORKERS + 1);
	for (int w = 0; w < NWORKERS; w++)
		CHECK_EQ(pthread_create(&th[w], NULL, worker, sc), 0);
	need_module("mapdev_core", NULL);
	buffers = core_stat("buffers");
	bytes = core_stat("bytes");
	t0 = now();
	for (c = 0; c < cycles && !sc->err[0]; c++) {
		const char *mode = modes[c % nmodes];

		if (now() - t0 > budget)
			break;
		double t_wait;

		write_file(MAP_MODE_PARAM, mode);
		setup(sc, c);
		sc->stop = 0;
		sc->t_revoked = 0;
		sc->revoking = 0;
		sc->cycle_maps[0] = sc->cycle_maps[1] = 0;
		pthread_barrier_wait(&sc->go);
		/*
		 * Revoke only once both mappers hold a mapping (or after 2 s),
		 * so every cycle revokes live mappings; then a random moment
		 * while they go on mapping.
		 */
		t_wait = now();
		while ((!__atomic_load_n(&sc->cycle_maps[0], __ATOMIC_ACQUIRE) ||
			!__atomic_load_n(&sc->cycle_maps[1], __ATOMIC_ACQUIRE)) &&
		       now() - t_wait < 2 && !sc->err[0])
			usleep(100);
		usleep(rnd(&seed) % 4000);
		__atomic_store_n(&sc->revoking, 1, __ATOMIC_RELEASE);
		revoke(sc, c);
		sc->t_revoked = now();
		usleep(rnd(&seed) % 500);	/* mappers keep trying a little */
		sc->stop = 1;
		pthread_barrier_wait(&sc->done);
		verify_revoked(sc, mode);
		if (after)
			after(sc, c);
	}
	sc->quit = 1;
	pthread_barrier_wait(&sc->go);
	for (int w = 0; w < NWORKERS; w++)
		pthread_join(th[w], NULL);
	write_file(MAP_MODE_PARAM, "batch");
	printf("# %s: %d cycles in %.1f s (%.1f ms a cycle): %ld mappings, %ld mmaps refused with ENODEV, %ld touches got SIGBUS, %ld copies got ENODEV; %ld mappings held at a revocation, their %ld pages all SIGBUS\n",
	       sc->name, c, now() - t0, c ? (now() - t0) * 1000 / c : 0.0, sc->maps,
	       sc->map_enodev, sc->sigbus, sc->io_enodev, sc->held_revoked,
	       sc->pages_sigbus);
	if (sc->err[0])
		FAILF("cycle %d: %s", c, sc->err);
	if (c < cycles)
		printf("# %s: stopped after %d of %d cycles: MAPDEV_STRESS_SECONDS=%.0f reached\n",
		       sc->name, c, cycles, budget);
	check_work(sc->name, c, cycles, sc->maps, sc->held_revoked);
	/* Nothing of the revoked devices is left. */
	CHECK_EQ(core_stat("buffers"), buffers);
	CHECK_EQ(core_stat("bytes"), bytes);
	CHECK_EQ(core_stat("devices"), registered_devices());
}

/* -- destroy: a buffer through the control device --------------------------- */

static int ctl = -1;

static void destroy_setup(struct scen *sc, int c)
{
	/* Every backend, every cache mode. */
	if (buf_create_raw(ctl, "st", BUF_SIZE, c % 3, (c / 3) % 3))
		scen_error(sc, "create: %s", strerror(errno));
}

static void destroy_revoke(struct scen *sc, int c)
{
	if (buf_destroy_raw(ctl, "st"))
		scen_error(sc, "destroy: %s", strerror(errno));
}

TEST_TIMEOUT(destroy, 3600)
{
	static struct scen sc = { .name = "destroy" };

	need_module("mapdev_buf", "");
	ctl = ctl_open();
	buf_destroy_raw(ctl, "st");
	strcpy(sc.dev[0], "st");
	strcpy(sc.dev[1], "st");
	sc.size[0] = sc.size[1] = BUF_SIZE;
	run_scenario(&sc, destroy_setup, destroy_revoke, NULL);
	close(ctl);
}

/* -- rmmod_buf: mapdev_buf unloaded under its buffers ------------------------- */

static int buf_mod = -1;

static void rmmod_buf_setup(struct scen *sc, int c)
{
	char params[128];

	snprintf(params, sizeof(params), "buffers=st:%luK:%s,st2:64K:coherent:%s",
		 BUF_SIZE >> 10, (const char *[]){ "sg", "contig", "coherent" }[c % 3],
		 (const char *[]){ "cached", "uncached", "wc" }[(c / 3) % 3]);
	if (mod_load(buf_mod, params))
		scen_error(sc, "load mapdev_buf %s: %s", params, strerror(errno));
}

static void rmmod_buf_revoke(struct scen *sc, int c)
{
	if (mod_unload("mapdev_buf"))
		scen_error(sc, "rmmod mapdev_buf: %s", strerror(errno));
}

TEST_TIMEOUT(rmmod_buf, 3600)
{
	static struct scen sc = { .name = "rmmod_buf" };

	need_module("mapdev_core", NULL);
	sh("rmmod mapdev_buf 2>/dev/null");
	buf_mod = mod_fd("mapdev_buf");
	strcpy(sc.dev[0], "st");
	strcpy(sc.dev[1], "st2");
	sc.size[0] = BUF_SIZE;
	sc.size[1] = 64 << 10;
	run_scenario(&sc, rmmod_buf_setup, rmmod_buf_revoke, NULL);
	CHECK(!module_loaded("mapdev_buf"));
}

/* -- PCI: edu's BAR 0 and a buffer of it --------------------------------------- */

static int pci_mod = -1;

static void pci_sc_init(struct scen *sc)
{
	snprintf(sc->dev[0], sizeof(sc->dev[0]), "pci-%s", EDU_BDF);
	strcpy(sc->dev[1], "stq");
	sc->size[0] = EDU_BAR;
	sc->size[1] = BUF_SIZE;
	sc->edu[0] = 1;
	sc->pci = 1;
}

/* The function is bound (however): give it a buffer. */
static void pci_buffer(struct scen *sc, int c)
{
	struct mapdev_buf_create bc = {
		.argsz = sizeof(bc), .size = BUF_SIZE, .backend = c % 3,
		.cache = (c / 3) % 3,
	};
	char path[96];
	int fd;

	snprintf(path, sizeof(path), "/dev/mapdev/pci-%s", EDU_BDF);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		scen_error(sc, "open %s: %s", path, strerror(errno));
		return;
	}
	strcpy(bc.name, "stq");
	if (ioctl(fd, MAPDEV_PCI_IOC_BUF_CREATE, &bc))
		scen_error(sc, "PCI_BUF_CREATE: %s", strerror(errno));
	close(fd);
}

/* Binds edu to mapdev_pci (driver_override, probe). */
static void edu_bind(struct scen *sc)
{
	if (write_file("/sys/bus/pci/devices/" EDU_BDF "/driver_override", "mapdev_pci") ||
	    write_file("/sys/bus/pci/drivers_probe", EDU_BDF))
		scen_error(sc, "bind %s: %s", EDU_BDF, strerror(errno));
	if (access("/dev/mapdev/pci-" EDU_BDF, F_OK))
		scen_error(sc, "bind %s: no /dev/mapdev/pci-%s", EDU_BDF, EDU_BDF);
}

static void unbind_setup(struct scen *sc, int c)
{
	edu_bind(sc);
	pci_buffer(sc, c);
}

static void unbind_revoke(struct scen *sc, int c)
{
	if (pci_unbind(EDU_BDF))
		scen_error(sc, "unbind: %s", strerror(errno));
}

TEST_TIMEOUT(unbind, 3600)
{
	static struct scen sc = { .name = "unbind" };

	pci_bind(EDU_BDF, "irq_mode=msi");
	CHECK_OK(pci_unbind(EDU_BDF));
	pci_sc_init(&sc);
	run_scenario(&sc, unbind_setup, unbind_revoke, NULL);
}

/* Same with INTx: the driver masks and unmasks differently. */
TEST_TIMEOUT(unbind_intx, 3600)
{
	static struct scen sc = { .name = "unbind_intx" };
	int cycles = stress_cycles();
	char v[16];

	/* Fewer cycles: the MSI run above covers the mappings. */
	snprintf(v, sizeof(v), "%d", cycles / 4 ? cycles / 4 : 1);
	setenv("MAPDEV_STRESS_CYCLES", v, 1);
	pci_bind(EDU_BDF, "irq_mode=intx");
	CHECK_OK(pci_unbind(EDU_BDF));
	pci_sc_init(&sc);
	run_scenario(&sc, unbind_setup, unbind_revoke, NULL);
}

static void remove_revoke(struct scen *sc, int c)
{
	if (write_file("/sys/bus/pci/devices/" EDU_BDF "/remove", "1"))
		scen_error(sc, "remove %s: %s", EDU_BDF, strerror(errno));
}

static double rescan_time;

static void remove_after(struct scen *sc, int c)
{
	double t = now();

	if (write_file("/sys/bus/pci/rescan", "1") || !pci_present(EDU_BDF))
		scen_error(sc, "rescan: %s is not back", EDU_BDF);
	rescan_time += now() - t;
}

TEST_TIMEOUT(remove, 3600)
{
	static struct scen sc = { .name = "remove" };

	pci_bind(EDU_BDF, "irq_mode=auto");
	CHECK_OK(pci_unbind(EDU_BDF));
	pci_sc_init(&sc);
	run_scenario(&sc, unbind_setup, remove_revoke, remove_after);
	printf("# remove: the rescans took %.1f s of it\n", rescan_time);
}

static void rmmod_pci_setup(struct scen *sc, int c)
{
	/* driver_override is still mapdev_pci: loading binds edu. */
	if (mod_load(pci_mod, c & 1 ? "irq_mode=intx" : "irq_mode=msi"))
		scen_error(sc, "load mapdev_pci: %s", strerror(errno));
	if (access("/dev/mapdev/pci-" EDU_BDF, F_OK))
		edu_bind(sc);
	pci_buffer(sc, c);
}

static void rmmod_pci_revoke(struct scen *sc, int c)
{
	if (mod_unload("mapdev_pci"))
		scen_error(sc, "rmmod mapdev_pci: %s", strerror(errno));
}

TEST_TIMEOUT(rmmod_pci, 3600)
{
	static struct scen sc = { .name = "rmmod_pci" };

	pci_bind(EDU_BDF, "");
	CHECK_EQ(sh("rmmod mapdev_pci"), 0);
	pci_mod = mod_fd("mapdev_pci");
	pci_sc_init(&sc);
	run_scenario(&sc, rmmod_pci_setup, rmmod_pci_revoke, NULL);
	CHECK(!module_loaded("mapdev_pci"));
}

/* -- reproducers: the smallest races that broke ---------------------------- */

static volatile int toggling;

struct toggler {
	int fd;
	long writes;		/* masks and unmasks that worked */
	int err;		/* an errno other than ENODEV, or 0 */
};

static void *irq_toggler(void *arg)
{
	struct toggler *t = arg;
	uint32_t v = 0;

	while (toggling) {
		v ^= 1;
		if (pwrite(t->fd, &v, 4, (off_t)MAPDEV_REGION_OFFSET(REGION_IRQ)) == 4) {
			__atomic_add_fetch(&t->writes, 1, __ATOMIC_RELEASE);
			continue;
		}
		if (errno != ENODEV)
			t->err = errno;
		break;
	}
	return NULL;
}

/*
 * Masking and unmasking the interrupt (a write of 0 or 1 to the irq
 * region) while the function is unbound: the driver's teardown and the
 * write raced on irq_enabled and the irq itself: "Unbalanced enable for
 * IRQ", or enable_irq() of an interrupt already freed (a WARNING in
 * irq_startup/apic_set_affinity).  Each cycle unbinds while both writers
 * are writing; a write after the unbind is ENODEV, and nothing else.
 */
TEST_TIMEOUT(irq_mask_vs_unbind, 300)
{
	int cycles = stress_cycles() / 4, c, kmsg;
	double budget = stress_seconds(), t0 = now();
	const char *bad = NULL;
	long writes = 0;

	if (cycles < 1)
		cycles = 1;
	pci_bind(EDU_BDF, "irq_mode=msi");
	kmsg = kmsg_open();
	for (c = 0; c < cycles && !bad && now() - t0 < budget; c++) {
		struct toggler t[2] = { { 0 }, { 0 } };
		pthread_t th[2];
		uint32_t v = 1;
		double tw;
		int fd;

		if (c)
			pci_bind(EDU_BDF, NULL);
		fd = pci_open(EDU_BDF);
		toggling = 1;
		for (int i = 0; i < 2; i++) {
			t[i].fd = fd;
			CHECK_EQ(pthread_create(&th[i], NULL, irq_toggler, &t[i]), 0);
		}
		/* Both are writing before the unbind. */
		tw = now();
		while ((!__atomic_load_n(&t[0].writes, __ATOMIC_ACQUIRE) ||
			!__atomic_load_n(&t[1].writes, __ATOMIC_ACQUIRE)) &&
		       !t[0].err && !t[1].err && now() - tw < 2)
			usleep(50);
		usleep(c % 7 * 300);
		CHECK_OK(pci_unbind(EDU_BDF));
		toggling = 0;
		pthread_join(th[0], NULL);
		pthread_join(th[1], NULL);
		for (int i = 0; i < 2; i++) {
			if (t[i].err)
				FAILF("cycle %d: mask/unmask failed with %s (only ENODEV, after the unbind)",
				      c, strerrorname_np(t[i].err) ?: "?");
			if (!t[i].writes)
				FAILF("cycle %d: writer %d made no write before the unbind", c, i);
			writes += t[i].writes;
		}
		/* After the unbind: ENODEV. */
		CHECK_ERRNO(pwrite(fd, &v, 4, (off_t)MAPDEV_REGION_OFFSET(REGION_IRQ)), ENODEV);
		close(fd);
		bad = kmsg_bad(kmsg);
	}
	printf("# %d unbinds in %.1f s, %ld masks and unmasks\n", c, now() - t0, writes);
	if (bad)
		FAILF("unbind %d while the interrupt was being masked and unmasked: the kernel logged: %s",
		      c, bad);
	check_work("irq_mask_vs_unbind", c, cycles, c, c);
}

/* MSI-X: a vector's mask while the count changes; ENXIO when it is gone. */
static void *msix_toggler(void *arg)
{
	struct toggler *t = arg;
	uint32_t v = 0;

	while (toggling) {
		v ^= 1;
		if (pwrite(t->fd, &v, 4, (off_t)MAPDEV_REGION_OFFSET(REGION_IRQ)) == 4) {
			__atomic_add_fetch(&t->writes, 1, __ATOMIC_RELEASE);
			continue;
		}
		if (errno == ENXIO)
			continue;
		if (errno != ENODEV)
			t->err = errno;
		break;
	}
	return NULL;
}

/* The vector count going 2, 4, 2, ... until the function goes. */
static void *msix_resizer(void *arg)
{
	struct toggler *t = arg;
	struct mapdev_pci_irqs a = { .argsz = sizeof(a), .flags = MAPDEV_PCI_IRQS_F_SET };

	while (toggling) {
		a.count = a.count == 4 ? 2 : 4;
		if (!ioctl(t->fd, MAPDEV_PCI_IOC_IRQS, &a)) {
			__atomic_add_fetch(&t->writes, 1, __ATOMIC_RELEASE);
			continue;
		}
		if (errno != ENODEV)
			t->err = errno;
		break;
	}
	return NULL;
}

/* A reader blocked on its vector: woken by the unbind (or a shrink). */
static void *msix_waiter(void *arg)
{
	struct toggler *t = arg;
	uint32_t v;

	while (pread(t->fd, &v, 4, (off_t)MAPDEV_REGION_OFFSET(REGION_IRQ)) == 4 ||
	       errno == ENXIO)
		__atomic_add_fetch(&t->writes, 1, __ATOMIC_RELEASE);
	if (errno != ENODEV)
		t->err = errno;
	return NULL;
}

/*
 * Every vector of an MSI-X function at once: masks of vectors 1 to 3,
 * the count going between 2 and 4, a reader waiting on vector 3 and an
 * eventfd on each, then the unbind.  Only ENODEV after it (ENXIO while a
 * vector is away), every waiter woken, every eventfd dropped, and a clean
 * kernel log.
 */
TEST_TIMEOUT(msix_vs_unbind, 300)
{
	int cycles = stress_cycles() / 4, c, kmsg, i;
	double budget = stress_seconds(), t0 = now();
	const char *bad = NULL;
	long writes = 0;
	long long ev0;

	if (!pci_present(NVME_BDF))
		SKIP("no NVMe controller at %s: scripts/vm --nvme IMG attaches one", NVME_BDF);
	/* Whatever irq_mode the scenarios before left: nvme has no MSI. */
	need_module("mapdev_pci", "irq_mode=auto");
	ev0 = core_stat("eventfds");
	if (cycles < 1)
		cycles = 1;
	kmsg = kmsg_open();
	for (c = 0; c < cycles && !bad && now() - t0 < budget; c++) {
		struct toggler t[5] = { { 0 } };
		void *(*fn[5])(void *) = { msix_resizer, msix_toggler, msix_toggler,
					   msix_toggler, msix_waiter };
		struct mapdev_set_eventfd se = { .argsz = sizeof(se),
						 .flags = MAPDEV_EVENTFD_F_VECTOR };
		struct mapdev_pci_irqs a = { .argsz = sizeof(a), .flags = MAPDEV_PCI_IRQS_F_SET,
					     .count = 4 };
		int efd[4], fd;
		pthread_t th[5];

		pci_bind(NVME_BDF, NULL);
		fd = pci_open(NVME_BDF);
		CHECK_OK(ioctl(fd, MAPDEV_PCI_IOC_IRQS, &a));
		for (i = 0; i < 4; i++) {
			struct mapdev_irq_vector iv = { .argsz = sizeof(iv), .vector = i };

			efd[i] = eventfd(0, EFD_CLOEXEC);
			se.fd = efd[i];
			se.vector = i;
			CHECK_OK(ioctl(fd, MAPDEV_IOC_SET_EVENTFD, &se));
			t[i + 1].fd = pci_open(NVME_BDF);
			CHECK_OK(ioctl(t[i + 1].fd, MAPDEV_IOC_SET_IRQ_VECTOR, &iv));
		}
		t[0].fd = fd;		/* t[1..4]: vectors 0..3, t[4] waits */
		toggling = 1;
		for (i = 0; i < 5; i++)
			CHECK_EQ(pthread_create(&th[i], NULL, fn[i], &t[i]), 0);
		usleep(c % 7 * 2000 + 2000);
		CHECK_OK(pci_unbind(NVME_BDF));
		toggling = 0;
		for (i = 0; i < 5; i++) {
			pthread_join(th[i], NULL);
			if (t[i].err)
				FAILF("cycle %d: thread %d failed with %s (only ENODEV after the unbind, ENXIO before)",
				      c, i, strerrorname_np(t[i].err) ?: "?");
			writes += t[i].writes;
		}
		CHECK_EQ(core_stat("eventfds"), ev0);
		for (i = 0; i < 4; i++) {
			close(efd[i]);
			close(t[i + 1].fd);
		}
		close(fd);
		bad = kmsg_bad(kmsg);
	}
	printf("# %d unbinds in %.1f s, %ld masks, resizes and reads\n", c, now() - t0, writes);
	if (bad)
		FAILF("unbind %d of the MSI-X function under its vectors' users: the kernel logged: %s",
		      c, bad);
	check_work("msix_vs_unbind", c, cycles, c, c);
}

static volatile int mapping;

static void *populate_mapper(void *arg)
{
	struct held *h = arg;	/* [0]: count, then up to 256 mappings */
	int n = 0;

	while (mapping && n < 256) {
		int fd = open("/dev/mapdev/pr", O_RDWR | O_CLOEXEC);
		uint8_t *p;

		if (fd < 0)
			break;
		p = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
		close(fd);
		if (p == MAP_FAILED)
			break;
		h[n].p = p;
		h[n].len = PG;
		h[n].t = now();
		n++;
	}
	h[n].p = NULL;
	return NULL;
}

/*
 * Regression test.  map_mode=populate used to insert every page in ->mmap,
 * but the kernel links the new VMA into the file's mapping tree only after
 * ->mmap returns: an mmap that passed its "device alive" check as the
 * device was being destroyed could be linked after unregister's
 * unmap_mapping_range() walked the tree, and then kept its pages: it read
 * and wrote the buffer (memory still held, not freed) after the
 * revocation, where it must get SIGBUS.  Populate now fills the VMA at its
 * first fault, inside the SRCU section unregister waits for.
 */
TEST_TIMEOUT(populate_vs_destroy, 300)
{
	int cycles = stress_cycles(), c, survivors = 0;
	static struct held h[2][257];
	long checked = 0;
	double budget = stress_seconds();
	double t0 = now(), t_rev = 0;
	int ctl_fd;

	need_module("mapdev_buf", "");
	catch_faults();
	ctl_fd = ctl_open();
	CHECK_OK(write_file(MAP_MODE_PARAM, "populate"));
	for (c = 0; c < cycles && !survivors && now() - t0 < budget; c++) {
		pthread_t th[2];

		buf_destroy_raw(ctl_fd, "pr");
		CHECK_OK(buf_create_raw(ctl_fd, "pr", 64 * PG, MAPDEV_BACKEND_SG, 0));
		h[0][0].t = h[1][0].t = 0;
		mapping = 1;
		for (int t = 0; t < 2; t++)
			CHECK_EQ(pthread_create(&th[t], NULL, populate_mapper, h[t]), 0);
		/* Each mapper has a mapping, then a random moment. */
		for (double tw = now(); (!h[0][0].t || !h[1][0].t) && now() - tw < 2;)
			usleep(50);
		usleep(c % 5 * 200);
		CHECK_OK(buf_destroy_raw(ctl_fd, "pr"));
		t_rev = now();
		mapping = 0;
		for (int t = 0; t < 2; t++)
			pthread_join(th[t], NULL);
		for (int t = 0; t < 2; t++)
			for (int i = 0; h[t][i].p; i++) {
				checked++;
				if (touch(h[t][i].p, 0) != SIGBUS) {
					survivors++;
					printf("# cycle %d: a mapping made %+.6f s from the destroy's return reads after it\n",
					       c, h[t][i].t - t_rev);
				}
				munmap(h[t][i].p, PG);
			}
	}
	write_file(MAP_MODE_PARAM, "batch");
	printf("# %d destroys in %.1f s, %ld mappings made before them, all SIGBUS after\n",
	       c, now() - t0, checked);
	CHECK_EQ(core_stat("buffers"), 0);
	if (survivors)
		FAILF("map_mode=populate: %d mapping(s) survived a destroy (cycle %d)",
		      survivors, c);
	check_work("populate_vs_destroy", c, cycles, checked, checked);
}

static volatile int forking;
static long fork_ops;		/* fork()s and mremap()s started */

/* fork()s, or moves the mapping at @arg back and forth with mremap(). */
static void *forker(void *arg)
{
	uint8_t **pp = arg, *a = pp[0], *b = pp[1];

	while (forking) {
		__atomic_add_fetch(&fork_ops, 1, __ATOMIC_RELEASE);
		if (!b) {
			pid_t pid = fork();

			if (pid == 0)
				_exit(0);
			if (pid > 0)
				waitpid(pid, NULL, 0);
			continue;
		}
		if (mremap(a, 16 * PG, 16 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, b) == MAP_FAILED)
			break;
		pp[0] = b;
		b = a;
		a = pp[0];
	}
	return NULL;
}

/*
 * Regression test.  map_mode=populate used to map with remap_pfn_range(),
 * which gives the VMA VM_PAT on x86; a revocation's unmap_mapping_range()
 * calls untrack_pfn() on each VM_PFNMAP VMA it zaps, and that expects the
 * VMA's first page mapped.  fork() links the child's copy of the VMA into
 * the file's mapping tree before it copies the page tables, and mremap()
 * links the moved VMA before it moves them: a destroy at that moment found
 * a VM_PAT VMA with nothing mapped, and untrack_pfn() warned
 * (arch/x86/mm/pat/memtype.c: WARN_ON_ONCE after follow_phys() fails).
 * Every mode now inserts pages with vmf_insert_pfn_prot(), which does not
 * set VM_PAT; a destroy during fork() or mremap() must log nothing.
 */
TEST_TIMEOUT(populate_fork_vs_destroy, 300)
{
	int cycles = stress_cycles(), c, kmsg, ctl_fd;
	double budget = stress_seconds(), t0 = now();
	const char *bad = NULL;
	long ops = 0;

	need_module("mapdev_buf", "");
	ctl_fd = ctl_open();
	CHECK_OK(write_file(MAP_MODE_PARAM, "populate"));
	kmsg = kmsg_open();
	for (c = 0; c < cycles && !bad && now() - t0 < budget; c++) {
		pthread_t th;
		uint8_t *p, *pp[2];
		int fd;

		buf_destroy_raw(ctl_fd, "pf");
		CHECK_OK(buf_create_raw(ctl_fd, "pf", 16 * PG, MAPDEV_BACKEND_SG, 0));
		fd = buf_open("pf", O_RDWR);
		p = map(fd, 16 * PG, PROT_READ | PROT_WRITE, 0);
		close(fd);
		p[0] = 1;	/* populate: the first fault maps all 16 pages */
		/* Odd cycles fork, even ones move the mapping with mremap(). */
		pp[0] = p;
		pp[1] = c & 1 ? NULL : mmap(NULL, 16 * PG, PROT_NONE,
					    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		forking = 1;
		ops = __atomic_load_n(&fork_ops, __ATOMIC_ACQUIRE);
		CHECK_EQ(pthread_create(&th, NULL, forker, pp), 0);
		/* The forker has started its first fork() or mremap(). */
		for (double tw = now(); __atomic_load_n(&fork_ops, __ATOMIC_ACQUIRE) == ops &&
		     now() - tw < 2;)
			usleep(50);
		usleep(c % 9 * 300);
		CHECK_OK(buf_destroy_raw(ctl_fd, "pf"));
		forking = 0;
		pthread_join(th, NULL);
		munmap(pp[0], 16 * PG);
		if (pp[1])
			munmap(pp[1], 16 * PG);
		bad = kmsg_bad(kmsg);
	}
	write_file(MAP_MODE_PARAM, "batch");
	printf("# %d destroys during fork() or mremap() in %.1f s (%ld of them started)\n",
	       c, now() - t0, fork_ops);
	if (bad)
		FAILF("map_mode=populate, destroy %d during %s: the kernel logged: %s",
		      c, c & 1 ? "fork()" : "mremap()", bad);
	check_work("populate_fork_vs_destroy", c, cycles, fork_ops, fork_ops);
}

/* -- afterwards ----------------------------------------------------------------- */

TEST(everything_unloads)
{
	sh("echo 1 > /sys/bus/pci/rescan");
	sh("rmmod mapdev_phys mapdev_pci 2>/dev/null");
	if (module_loaded("mapdev_buf"))
		CHECK_EQ(sh("rmmod mapdev_buf"), 0);
	if (!module_loaded("mapdev_core"))
		return;
	CHECK_EQ(core_stat("buffers"), 0);
	CHECK_EQ(core_stat("bytes"), 0);
	CHECK_EQ(core_stat("devices"), 0);
	CHECK_EQ(sh("rmmod mapdev_core"), 0);
	write_file("/sys/bus/pci/devices/" EDU_BDF "/driver_override", "\n");
}
