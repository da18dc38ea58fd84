// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * grab: the smallest frame consumer, on libmapdev.
 *
 *   grab NAME [FRAMES]
 *
 * Maps the DMA buffer /dev/mapdev/NAME and fills it with FRAMES frames of a
 * test picture, as a frame grabber's DMA would, straight into the mapped
 * memory: no read(), no copy.  Then it prints where the buffer is mapped,
 * says "ready" and waits for SIGUSR1.  On SIGUSR1 it touches the buffer
 * again: if the buffer was destroyed meanwhile, the touch gets SIGBUS (the
 * mapping was revoked) and grab says so.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <mapdev.h>

#define WIDTH 64

static sigjmp_buf revoked;

static void on_sigbus(int sig)
{
	siglongjmp(revoked, 1);
}

static void on_usr1(int sig)
{
}

int main(int argc, char **argv)
{
	struct mapdev_mapping *map;
	struct mapdev_device *dev;
	unsigned int frames = argc > 2 ? atoi(argv[2]) : 4, f;
	size_t size, frame, i;
	volatile uint8_t *p;
	uint32_t sum = 0;
	sigset_t usr1;

	if (argc < 2) {
		fprintf(stderr, "usage: grab NAME [FRAMES]\n");
		return 2;
	}
	dev = mapdev_device_open(argv[1], O_RDWR);
	if (!dev) {
		perror(argv[1]);
		return 1;
	}
	size = mapdev_region_size(dev, 0);
	map = mapdev_device_map(dev, 0, 0, size, PROT_READ | PROT_WRITE);
	if (!map) {
		perror("map");
		return 1;
	}
	p = mapdev_mapping_addr(map);
	frame = frames ? size / frames : size;
	snprintf((char *)p, 64, "frame 0 of %u, written by grab %d", frames,
		 getpid());
	for (f = 0; f < frames; f++)
		for (i = f ? 0 : 64; i < frame; i++)
			p[f * frame + i] = (uint8_t)(i % WIDTH + f * 16 + i / WIDTH);
	for (i = 0; i < size; i++)
		sum = sum * 31 + p[i];
	printf("grab: %s mapped at %p, %zu bytes, %u frames, checksum %08x\n",
	       argv[1], (void *)p, size, frames, sum);
	printf("grab: ready\n");
	fflush(stdout);

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	signal(SIGUSR1, on_usr1);
	signal(SIGBUS, on_sigbus);
	sigwaitinfo(&usr1, NULL);

	if (sigsetjmp(revoked, 1)) {
		printf("grab: SIGBUS touching the buffer: it was destroyed and the mapping revoked\n");
		return 0;
	}
	printf("grab: first byte is still '%c'\n", p[0]);
	mapdev_mapping_unmap(map);
	mapdev_device_close(dev);
	return 0;
}
