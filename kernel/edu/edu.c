// SPDX-License-Identifier: GPL-2.0
/*
 * mapdev_edu: a V4L2 frame grabber on QEMU's "edu" PCI device, the
 * reference DMA streaming driver of the mapdev kit.  docs/STREAMING.md
 * walks through it.
 *
 * edu has a DMA engine (one transfer at a time, at most 4 KiB, between RAM
 * and a 4 KiB buffer inside the device) and no sensor.  So the driver makes
 * the picture, a test pattern a program can check (every row carries the
 * frame's sequence number, its row number and a checksum), and the device
 * moves it, chunk by chunk, each transfer's completion interrupt starting
 * the next:
 *
 *   1. the CPU draws the chunk into the "sensor" page, a small coherent
 *      buffer of the driver's (BAR0 does not reach edu's own buffer: only
 *      its DMA engine reads and writes it);
 *   2. edu fetches the page into its buffer (RAM -> device);
 *   3. edu writes its buffer into the frame's vb2 buffer (device -> RAM).
 *
 * Every byte of a frame buffer is written by the device; the CPU never
 * copies frame data.  The buffers come from vb2-dma-contig, allocated for
 * this function, so below its DMA mask: the DMA layer never bounces them.
 *
 * Frames go out as they complete, timestamped (CLOCK_MONOTONIC) at the
 * last chunk's interrupt.  A frame that starts when no buffer is queued is
 * still "captured", into a sink page, and counted as dropped: the
 * sequence numbers have a gap, and the PCI device's sysfs file
 * "dropped_frames" counts them.
 */
#include <linux/dma-mapping.h>
#include <linux/gcd.h>
#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <media/v4l2-common.h>
#include <media/v4l2-device.h>
#include <media/v4l2-ioctl.h>
#include <media/videobuf2-dma-contig.h>
#include <media/videobuf2-memops.h>
#include <media/videobuf2-v4l2.h>

#include "mapdev_compat.h"

#define DRV_NAME		"mapdev_edu"

/* edu's registers (QEMU's hw/misc/edu.c, docs/specs/edu.rst) */
#define EDU_IRQ_STATUS		0x24
#define EDU_IRQ_ACK		0x64
#define EDU_DMA_SRC		0x80	/* the DMA registers are 64 bits wide */
#define EDU_DMA_DST		0x88
#define EDU_DMA_COUNT		0x90
#define EDU_DMA_CMD		0x98
#define  EDU_CMD_START		BIT(0)	/* set until the transfer is done */
#define  EDU_CMD_TO_RAM		BIT(1)	/* device -> RAM */
#define  EDU_CMD_IRQ		BIT(2)	/* interrupt when done */
#define EDU_IRQ_DMA		0x100	/* interrupt status: a transfer is done */
#define EDU_BUF			0x40000	/* its buffer, as its DMA engine names it */
#define EDU_BUF_SIZE		4096

/*
 * The hardware forces two choices here.  A transfer may not end at the
 * last byte of edu's buffer (QEMU 7.2 checks the range off by one and
 * aborts), so a chunk is at most 4095 bytes.  And each transfer takes
 * 100 ms of the guest's time: that figure is edu's "datasheet" and is
 * used only for what ENUM_FRAMEINTERVALS reports; the engine itself waits
 * for interrupts, so it is correct at any speed.
 */
#define EDU_CHUNK_MAX		(EDU_BUF_SIZE - 1)
#define EDU_XFER_MS		100

/*
 * How long stopping waits for the transfer in flight before it declares
 * the device broken and turns its bus mastering off.  Not an expectation
 * of a transfer's time: a bound on a device that no longer answers.
 */
#define EDU_STUCK_MS		10000

#define EDU_DEFAULT_DMA_BITS	28	/* edu's default dma_mask */

static char *dma_bits;
module_param(dma_bits, charp, 0444);
MODULE_PARM_DESC(dma_bits,
		 "DMA address bits of functions whose edu was given another dma_mask: BDF:BITS[,BDF:BITS]... (e.g. 0000:00:11.0:64); the others get edu's default, 28");

static unsigned int fail_frames;
module_param(fail_frames, uint, 0644);
MODULE_PARM_DESC(fail_frames,
		 "testing: the next N frames (of any function) complete with V4L2_BUF_FLAG_ERROR");

/* The sizes the driver offers: one chunk a frame, two, four. */
static const struct v4l2_frmsize_discrete edu_sizes[] = {
	{ 64, 48 }, { 64, 64 }, { 128, 96 },
};

/*
 * Frame intervals: index 0 is as fast as the device goes (the transfers of
 * one frame back to back); the others are slower rates the driver keeps by
 * starting frames on a timer.
 */
static const struct v4l2_fract edu_slow_intervals[] = { { 1, 1 }, { 2, 1 } };
#define EDU_NR_INTERVALS	(1 + ARRAY_SIZE(edu_slow_intervals))

struct edu_buf {
	struct vb2_v4l2_buffer vb;	/* first: vb2 allocates edu_buf */
	struct list_head list;
};

/* One user mapping of a buffer (shared by the VMAs split or forked from it). */
struct edu_map {
	struct list_head node;
	refcount_t vmas;
	struct edu *edu;
	struct vb2_vmarea_handler *h;	/* vb2's reference; NULL: revoked */
	struct address_space *mapping;
	struct mm_struct *mm;		/* mmgrab()bed */
	bool synced;			/* revocation waited for its mmap() */
};

struct edu {
	struct pci_dev *pdev;
	void __iomem *bar;
	int irq;
	struct v4l2_device v4l2_dev;
	struct video_device vdev;
	struct vb2_queue queue;
	struct mutex lock;		/* ioctls, the queue, the format */

	struct v4l2_pix_format fmt;
	unsigned int ival;		/* index of the frame interval */
	unsigned int chunk_rows;	/* rows a chunk, from the format */
	unsigned int nchunks;

	/* The sensor page (EDU_BUF_SIZE) and, after it, the sink page. */
	void *stage;
	dma_addr_t stage_dma;
	u32 count;			/* what edu's count register holds */
	bool drawn;			/* it holds chunk drawn_chunk of */
	u32 drawn_seq;			/* frame drawn_seq */
	unsigned int drawn_chunk;

	/* The DMA engine, under slock (taken by the interrupt handler). */
	spinlock_t slock;
	struct list_head queued;	/* edu_bufs waiting for a frame */
	struct edu_buf *cur;		/* the frame's buffer; NULL: dropped */
	bool running;			/* streaming: start frames */
	bool busy;			/* a transfer is in flight */
	bool to_ram;			/* it is step 3 (device -> RAM) */
	bool failed;			/* the device misbehaved this frame */
	unsigned int chunk;
	u32 sequence;			/* of the frame in progress */
	u64 frame_start;		/* ns, CLOCK_MONOTONIC */
	u64 interval_ns;		/* 0: back to back */
	struct hrtimer pace;
	wait_queue_head_t idle;
	u32 frames, dropped, errors;	/* this stream's, for sysfs */

	bool gone;			/* removed: waiters get ENODEV */
	bool dead;			/* a transfer never finished */

	struct mutex maps_lock;		/* maps, revoked */
	struct list_head maps;
	bool revoked;
};

/* -- the test pattern --------------------------------------------------- */

/*
 * One row: le32 sequence, le16 row, le16 checksum (the sum of the row's
 * other bytes, mod 2^16), then pixels (x + row + 4 * sequence) & 0xff:
 * diagonal stripes that move from frame to frame.  docs/ABI.md has it.
 */
static void edu_draw_row(u8 *p, unsigned int width, u32 seq, u32 row)
{
	unsigned int x;
	u16 sum = 0;

	p[0] = seq;
	p[1] = seq >> 8;
	p[2] = seq >> 16;
	p[3] = seq >> 24;
	p[4] = row;
	p[5] = row >> 8;
	for (x = 0; x < 6; x++)
		sum += p[x];
	for (x = 8; x < width; x++) {
		p[x] = x + row + 4 * seq;
		sum += p[x];
	}
	p[6] = sum;
	p[7] = sum >> 8;
}

/* -- the DMA engine ------------------------------------------------------ */

/*
 * Every register access is a trip to the device (slow, and in the way of
 * the interrupt's wake-up): the count, which edu keeps, is written only
 * when it changes.
 */
static void edu_start_dma(struct edu *edu, dma_addr_t src, dma_addr_t dst,
			  u32 len, u32 cmd)
{
	/* writeq orders the sensor page's contents before the command. */
	writeq(src, edu->bar + EDU_DMA_SRC);
	writeq(dst, edu->bar + EDU_DMA_DST);
	if (len != edu->count) {
		writeq(len, edu->bar + EDU_DMA_COUNT);
		edu->count = len;
	}
	writeq(cmd | EDU_CMD_START | EDU_CMD_IRQ, edu->bar + EDU_DMA_CMD);
}

static unsigned int edu_chunk_len(struct edu *edu)
{
	unsigned int row0 = edu->chunk * edu->chunk_rows;

	return min(edu->chunk_rows, edu->fmt.height - row0) *
	       edu->fmt.bytesperline;
}

/* Step 1: draw chunk @chunk of frame @seq into the sensor page. */
static void edu_draw_chunk(struct edu *edu, u32 seq, unsigned int chunk)
{
	unsigned int row0 = chunk * edu->chunk_rows;
	unsigned int rows = min(edu->chunk_rows, edu->fmt.height - row0);
	unsigned int r;

	for (r = 0; r < rows; r++)
		edu_draw_row(edu->stage + r * edu->fmt.bytesperline,
			     edu->fmt.width, seq, row0 + r);
	edu->drawn = true;
	edu->drawn_seq = seq;
	edu->drawn_chunk = chunk;
}

/* Step 2: edu fetches the chunk into its buffer (drawn first if need be). */
static void edu_fetch_chunk(struct edu *edu)
{
	if (!edu->drawn || edu->drawn_seq != edu->sequence ||
	    edu->drawn_chunk != edu->chunk)
		edu_draw_chunk(edu, edu->sequence, edu->chunk);
	edu->to_ram = false;
	edu_start_dma(edu, edu->stage_dma, EDU_BUF, edu_chunk_len(edu), 0);
}

/* Step 3: edu writes the chunk into the frame (or, dropped, the sink). */
static void edu_store_chunk(struct edu *edu)
{
	dma_addr_t dst = edu->stage_dma + EDU_BUF_SIZE;

	if (edu->cur)
		dst = vb2_dma_contig_plane_dma_addr(&edu->cur->vb.vb2_buf, 0) +
		      edu->chunk * edu->chunk_rows * edu->fmt.bytesperline;
	edu->to_ram = true;
	edu_start_dma(edu, EDU_BUF, dst, edu_chunk_len(edu), EDU_CMD_TO_RAM);
	/*
	 * edu has fetched the sensor page: draw the next chunk now, while
	 * this transfer runs, so the interrupt that ends a frame only has to
	 * complete it and start the next fetch.
	 */
	if (edu->chunk + 1 < edu->nchunks)
		edu_draw_chunk(edu, edu->sequence, edu->chunk + 1);
	else
		edu_draw_chunk(edu, edu->sequence + 1, 0);
}

static void edu_start_frame(struct edu *edu)
{
	lockdep_assert_held(&edu->slock);
	edu->cur = list_first_entry_or_null(&edu->queued, struct edu_buf, list);
	if (edu->cur)
		list_del(&edu->cur->list);
	edu->chunk = 0;
	edu->failed = false;
	edu->frame_start = ktime_get_ns();
	edu->busy = true;
	edu_fetch_chunk(edu);
}

/* For testing applications' error paths: the fail_frames parameter. */
static bool edu_inject_failure(void)
{
	unsigned int n = READ_ONCE(fail_frames), old;

	while (n) {
		old = cmpxchg(&fail_frames, n, n - 1);
		if (old == n)
			return true;
		n = old;
	}
	return false;
}

static void edu_end_frame(struct edu *edu, u64 now)
{
	struct edu_buf *buf = edu->cur;

	lockdep_assert_held(&edu->slock);
	if (buf) {
		bool failed = edu->failed || edu_inject_failure();

		buf->vb.vb2_buf.timestamp = now;
		buf->vb.sequence = edu->sequence;
		buf->vb.field = V4L2_FIELD_NONE;
		vb2_buffer_done(&buf->vb.vb2_buf, failed ? VB2_BUF_STATE_ERROR :
							   VB2_BUF_STATE_DONE);
		if (failed)
			edu->errors++;
		else
			edu->frames++;
	} else {
		edu->dropped++;
	}
	edu->cur = NULL;
	edu->sequence++;
}

/* The next frame: now, or at the frame interval the user asked for. */
static void edu_next_frame(struct edu *edu)
{
	u64 due = edu->frame_start + edu->interval_ns;

	if (edu->interval_ns && due > ktime_get_ns())
		hrtimer_start(&edu->pace, ns_to_ktime(due), HRTIMER_MODE_ABS);
	else
		edu_start_frame(edu);
}

static enum hrtimer_restart edu_pace(struct hrtimer *t)
{
	struct edu *edu = container_of(t, struct edu, pace);
	unsigned long flags;

	spin_lock_irqsave(&edu->slock, flags);
	if (edu->running && !edu->busy)
		edu_start_frame(edu);
	spin_unlock_irqrestore(&edu->slock, flags);
	return HRTIMER_NORESTART;
}

static irqreturn_t edu_irq(int irq, void *data)
{
	struct edu *edu = data;
	u32 status = EDU_IRQ_DMA;	/* MSI: ours, and only DMA is enabled */
	u64 now;

	if (!edu->pdev->msi_enabled) {
		status = readl(edu->bar + EDU_IRQ_STATUS);
		if (!status)
			return IRQ_NONE;	/* INTx, shared with another device */
	}
	/*
	 * Acknowledge before starting the next transfer: it may complete
	 * (and set the status bit again) at any moment after its command.
	 */
	writel(status, edu->bar + EDU_IRQ_ACK);
	if (!(status & EDU_IRQ_DMA))
		return IRQ_HANDLED;
	now = ktime_get_ns();

	spin_lock(&edu->slock);
	if (!edu->busy)
		goto out;	/* nothing in flight: stale, after a stop */
	if (readq(edu->bar + EDU_DMA_CMD) & EDU_CMD_START) {
		/* "Done" while still running: the device is confused. */
		edu->failed = true;
		goto out;	/* wait for the real completion */
	}
	if (!edu->to_ram) {
		edu_store_chunk(edu);
	} else if (++edu->chunk < edu->nchunks) {
		edu_fetch_chunk(edu);
	} else {
		edu_end_frame(edu, now);
		edu->busy = false;
		if (edu->running)
			edu_next_frame(edu);
		if (!edu->busy)
			wake_up(&edu->idle);
	}
out:
	spin_unlock(&edu->slock);
	return IRQ_HANDLED;
}

static bool edu_idle(struct edu *edu)
{
	bool busy;

	spin_lock_irq(&edu->slock);
	busy = edu->busy;
	spin_unlock_irq(&edu->slock);
	return !busy;
}

/*
 * Stops the engine: no new frame, and the transfer in flight has finished,
 * so the device writes no memory after this returns.  Memory it wrote may
 * then be given back (to vb2, to user space, to the allocator).
 */
static void edu_stop_engine(struct edu *edu)
{
	spin_lock_irq(&edu->slock);
	edu->running = false;
	spin_unlock_irq(&edu->slock);
	hrtimer_cancel(&edu->pace);
	if (wait_event_timeout(edu->idle, edu_idle(edu),
			       msecs_to_jiffies(EDU_STUCK_MS)))
		return;
	/* Without bus mastering a PCI function cannot write to memory. */
	pci_clear_master(edu->pdev);
	dev_err(&edu->pdev->dev,
		"a DMA transfer did not finish in %u ms: bus mastering off, device disabled\n",
		EDU_STUCK_MS);
	spin_lock_irq(&edu->slock);
	edu->dead = true;
	edu->busy = false;
	spin_unlock_irq(&edu->slock);
}

static void edu_return_buffers(struct edu *edu, enum vb2_buffer_state state)
{
	struct edu_buf *buf, *next;

	spin_lock_irq(&edu->slock);
	if (edu->cur) {
		vb2_buffer_done(&edu->cur->vb.vb2_buf, state);
		edu->cur = NULL;
	}
	list_for_each_entry_safe(buf, next, &edu->queued, list) {
		list_del(&buf->list);
		vb2_buffer_done(&buf->vb.vb2_buf, state);
	}
	spin_unlock_irq(&edu->slock);
}

/* -- vb2 ------------------------------------------------------------------ */

static int edu_queue_setup(struct vb2_queue *q, unsigned int *nbuffers,
			   unsigned int *nplanes, unsigned int sizes[],
			   struct device *alloc_devs[])
{
	struct edu *edu = vb2_get_drv_priv(q);

	if (*nplanes)		/* VIDIOC_CREATE_BUFS with its own size */
		return sizes[0] < edu->fmt.sizeimage ? -EINVAL : 0;
	*nplanes = 1;
	sizes[0] = edu->fmt.sizeimage;
	return 0;
}

static int edu_buf_prepare(struct vb2_buffer *vb)
{
	struct edu *edu = vb2_get_drv_priv(vb->vb2_queue);
	u32 size = edu->fmt.sizeimage;

	if (vb2_plane_size(vb, 0) < size)
		return -EINVAL;
	/*
	 * edu drops the address bits above its mask: a buffer above it would
	 * be written somewhere else.  Ours are allocated below it; this is
	 * for an imported dma-buf.
	 */
	if (vb2_dma_contig_plane_dma_addr(vb, 0) + size - 1 >
	    dma_get_mask(&edu->pdev->dev))
		return -EINVAL;
	vb2_set_plane_payload(vb, 0, size);
	return 0;
}

static void edu_buf_queue(struct vb2_buffer *vb)
{
	struct edu *edu = vb2_get_drv_priv(vb->vb2_queue);
	struct edu_buf *buf = container_of(to_vb2_v4l2_buffer(vb),
					   struct edu_buf, vb);
	unsigned long flags;

	spin_lock_irqsave(&edu->slock, flags);
	list_add_tail(&buf->list, &edu->queued);
	spin_unlock_irqrestore(&edu->slock, flags);
}

static int edu_start_streaming(struct vb2_queue *q, unsigned int count)
{
	struct edu *edu = vb2_get_drv_priv(q);

	if (edu->dead) {
		edu_return_buffers(edu, VB2_BUF_STATE_QUEUED);
		return -EIO;
	}
	spin_lock_irq(&edu->slock);
	edu->drawn = false;		/* the format may have changed */
	edu->count = 0;			/* unknown: write it */
	edu->sequence = 0;
	edu->frames = 0;
	edu->dropped = 0;
	edu->errors = 0;
	edu->running = true;
	edu_start_frame(edu);
	spin_unlock_irq(&edu->slock);
	return 0;
}

static void edu_stop_streaming(struct vb2_queue *q)
{
	struct edu *edu = vb2_get_drv_priv(q);

	edu_stop_engine(edu);
	edu_return_buffers(edu, VB2_BUF_STATE_ERROR);
}

static const struct vb2_ops edu_qops = {
	.queue_setup = edu_queue_setup,
	.buf_prepare = edu_buf_prepare,
	.buf_queue = edu_buf_queue,
	.start_streaming = edu_start_streaming,
	.stop_streaming = edu_stop_streaming,
	.wait_prepare = vb2_ops_wait_prepare,
	.wait_finish = vb2_ops_wait_finish,
};

/* -- formats and frame intervals ------------------------------------------ */

static unsigned int edu_chunks(u32 width, u32 height)
{
	return DIV_ROUND_UP(height, EDU_CHUNK_MAX / width);
}

/* Interval @i of a frame size, in seconds. */
static struct v4l2_fract edu_interval(u32 width, u32 height, unsigned int i)
{
	/* Two transfers a chunk (steps 2 and 3). */
	struct v4l2_fract f = {
		.numerator = 2 * edu_chunks(width, height) * EDU_XFER_MS,
		.denominator = 1000,
	};
	unsigned int g;

	if (i)
		return edu_slow_intervals[i - 1];
	g = gcd(f.numerator, f.denominator);
	f.numerator /= g;
	f.denominator /= g;
	return f;
}

static void edu_try_fmt(struct v4l2_pix_format *pix)
{
	const struct v4l2_frmsize_discrete *sz;

	sz = v4l2_find_nearest_size(edu_sizes, ARRAY_SIZE(edu_sizes), width,
				    height, pix->width, pix->height);
	pix->width = sz->width;
	pix->height = sz->height;
	pix->pixelformat = V4L2_PIX_FMT_GREY;
	pix->field = V4L2_FIELD_NONE;
	pix->bytesperline = sz->width;
	pix->sizeimage = sz->width * sz->height;
	pix->colorspace = V4L2_COLORSPACE_SRGB;
	pix->xfer_func = V4L2_XFER_FUNC_DEFAULT;
	pix->ycbcr_enc = V4L2_YCBCR_ENC_DEFAULT;
	pix->quantization = V4L2_QUANTIZATION_DEFAULT;
	pix->flags = 0;
	pix->priv = 0;
}

/* Under edu->lock, not streaming. */
static void edu_set_fmt(struct edu *edu, const struct v4l2_pix_format *pix)
{
	struct v4l2_fract f;

	edu->fmt = *pix;
	edu->nchunks = edu_chunks(pix->width, pix->height);
	edu->chunk_rows = DIV_ROUND_UP(pix->height, edu->nchunks);
	f = edu_interval(pix->width, pix->height, edu->ival);
	edu->interval_ns = edu->ival ? div_u64((u64)f.numerator * NSEC_PER_SEC,
					       f.denominator) : 0;
}

static int edu_querycap(struct file *file, void *fh,
			struct v4l2_capability *cap)
{
	struct edu *edu = video_drvdata(file);

	strscpy(cap->driver, DRV_NAME, sizeof(cap->driver));
	snprintf(cap->card, sizeof(cap->card), "mapdev edu (%d-bit DMA)",
		 fls64(dma_get_mask(&edu->pdev->dev)));
	snprintf(cap->bus_info, sizeof(cap->bus_info), "PCI:%s",
		 pci_name(edu->pdev));
	return 0;
}

static int edu_enum_fmt(struct file *file, void *fh, struct v4l2_fmtdesc *f)
{
	if (f->index)
		return -EINVAL;
	f->pixelformat = V4L2_PIX_FMT_GREY;
	return 0;
}

static int edu_g_fmt(struct file *file, void *fh, struct v4l2_format *f)
{
	struct edu *edu = video_drvdata(file);

	f->fmt.pix = edu->fmt;
	return 0;
}

static int edu_try_fmt_vid_cap(struct file *file, void *fh,
			       struct v4l2_format *f)
{
	edu_try_fmt(&f->fmt.pix);
	return 0;
}

static int edu_s_fmt(struct file *file, void *fh, struct v4l2_format *f)
{
	struct edu *edu = video_drvdata(file);

	edu_try_fmt(&f->fmt.pix);
	if (vb2_is_busy(&edu->queue))
		return -EBUSY;		/* buffers of the old size exist */
	edu_set_fmt(edu, &f->fmt.pix);
	return 0;
}

static bool edu_size_ok(u32 pixelformat, u32 width, u32 height)
{
	unsigned int i;

	if (pixelformat != V4L2_PIX_FMT_GREY)
		return false;
	for (i = 0; i < ARRAY_SIZE(edu_sizes); i++)
		if (edu_sizes[i].width == width && edu_sizes[i].height == height)
			return true;
	return false;
}

static int edu_enum_framesizes(struct file *file, void *fh,
			       struct v4l2_frmsizeenum *fs)
{
	if (fs->pixel_format != V4L2_PIX_FMT_GREY ||
	    fs->index >= ARRAY_SIZE(edu_sizes))
		return -EINVAL;
	fs->type = V4L2_FRMSIZE_TYPE_DISCRETE;
	fs->discrete = edu_sizes[fs->index];
	return 0;
}

static int edu_enum_frameintervals(struct file *file, void *fh,
				   struct v4l2_frmivalenum *fi)
{
	if (!edu_size_ok(fi->pixel_format, fi->width, fi->height) ||
	    fi->index >= EDU_NR_INTERVALS)
		return -EINVAL;
	fi->type = V4L2_FRMIVAL_TYPE_DISCRETE;
	fi->discrete = edu_interval(fi->width, fi->height, fi->index);
	return 0;
}

static int edu_g_parm(struct file *file, void *fh, struct v4l2_streamparm *sp)
{
	struct edu *edu = video_drvdata(file);
	struct v4l2_captureparm *cp = &sp->parm.capture;

	if (sp->type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
		return -EINVAL;
	memset(cp, 0, sizeof(*cp));
	cp->capability = V4L2_CAP_TIMEPERFRAME;
	cp->timeperframe = edu_interval(edu->fmt.width, edu->fmt.height,
					edu->ival);
	cp->readbuffers = 2;
	return 0;
}

/* The interval nearest the one asked for (0/0: the fastest). */
static int edu_s_parm(struct file *file, void *fh, struct v4l2_streamparm *sp)
{
	struct edu *edu = video_drvdata(file);
	struct v4l2_fract want = sp->parm.capture.timeperframe;
	unsigned int i, best = 0;
	u64 want_ns, best_diff = U64_MAX;

	if (sp->type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
		return -EINVAL;
	if (!want.numerator || !want.denominator)
		want = edu_interval(edu->fmt.width, edu->fmt.height, 0);
	want_ns = div_u64((u64)want.numerator * NSEC_PER_SEC, want.denominator);
	for (i = 0; i < EDU_NR_INTERVALS; i++) {
		struct v4l2_fract f = edu_interval(edu->fmt.width,
						   edu->fmt.height, i);
		u64 ns = div_u64((u64)f.numerator * NSEC_PER_SEC, f.denominator);
		u64 diff = ns > want_ns ? ns - want_ns : want_ns - ns;

		if (diff < best_diff) {
			best_diff = diff;
			best = i;
		}
	}
	spin_lock_irq(&edu->slock);	/* the interval paces a running stream */
	edu->ival = best;
	edu_set_fmt(edu, &edu->fmt);
	spin_unlock_irq(&edu->slock);
	return edu_g_parm(file, fh, sp);
}

static int edu_enum_input(struct file *file, void *fh, struct v4l2_input *in)
{
	if (in->index)
		return -EINVAL;
	strscpy(in->name, "edu DMA engine", sizeof(in->name));
	in->type = V4L2_INPUT_TYPE_CAMERA;
	return 0;
}

static int edu_g_input(struct file *file, void *fh, unsigned int *i)
{
	*i = 0;
	return 0;
}

static int edu_s_input(struct file *file, void *fh, unsigned int i)
{
	return i ? -EINVAL : 0;
}

/* A waiter woken by the device's removal gets ENODEV, as later calls do. */
static int edu_dqbuf(struct file *file, void *fh, struct v4l2_buffer *b)
{
	struct edu *edu = video_drvdata(file);
	int ret = vb2_ioctl_dqbuf(file, fh, b);

	return ret && edu->gone ? -ENODEV : ret;
}

static const struct v4l2_ioctl_ops edu_ioctl_ops = {
	.vidioc_querycap = edu_querycap,
	.vidioc_enum_fmt_vid_cap = edu_enum_fmt,
	.vidioc_g_fmt_vid_cap = edu_g_fmt,
	.vidioc_try_fmt_vid_cap = edu_try_fmt_vid_cap,
	.vidioc_s_fmt_vid_cap = edu_s_fmt,
	.vidioc_enum_framesizes = edu_enum_framesizes,
	.vidioc_enum_frameintervals = edu_enum_frameintervals,
	.vidioc_g_parm = edu_g_parm,
	.vidioc_s_parm = edu_s_parm,
	.vidioc_enum_input = edu_enum_input,
	.vidioc_g_input = edu_g_input,
	.vidioc_s_input = edu_s_input,
	.vidioc_reqbufs = vb2_ioctl_reqbufs,
	.vidioc_create_bufs = vb2_ioctl_create_bufs,
	.vidioc_prepare_buf = vb2_ioctl_prepare_buf,
	.vidioc_querybuf = vb2_ioctl_querybuf,
	.vidioc_qbuf = vb2_ioctl_qbuf,
	.vidioc_dqbuf = edu_dqbuf,
	.vidioc_expbuf = vb2_ioctl_expbuf,
	.vidioc_streamon = vb2_ioctl_streamon,
	.vidioc_streamoff = vb2_ioctl_streamoff,
};

/* -- file operations, and revoking user mappings --------------------------- */

/*
 * vb2 keeps a buffer alive as long as a user mapping of it exists, which
 * can be long after the device is gone; but its memory is a DMA
 * allocation of the device, which must be given back before the driver
 * lets go of the device.  So the driver tracks the mappings it made and,
 * at removal, revokes them: their pages are unmapped (a later touch gets
 * SIGBUS) and vb2's references dropped, so the buffers are freed then.
 */
static void edu_vm_open(struct vm_area_struct *vma)
{
	struct edu_map *map = vma->vm_private_data;

	refcount_inc(&map->vmas);	/* a split or a fork */
}

static void edu_vm_close(struct vm_area_struct *vma)
{
	struct edu_map *map = vma->vm_private_data;
	struct edu *edu = map->edu;	/* alive: the VMA holds its file */

	if (!refcount_dec_and_test(&map->vmas))
		return;
	mutex_lock(&edu->maps_lock);
	if (map->h)
		map->h->put(map->h->arg);
	list_del(&map->node);
	mutex_unlock(&edu->maps_lock);
	mmdrop(map->mm);
	kfree(map);
}

static const struct vm_operations_struct edu_vm_ops = {
	.open = edu_vm_open,
	.close = edu_vm_close,
};

static int edu_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct edu *edu = video_drvdata(file);
	struct edu_map *map;
	int ret;

	map = kzalloc(sizeof(*map), GFP_KERNEL);
	if (!map)
		return -ENOMEM;
	mutex_lock(&edu->maps_lock);
	ret = edu->revoked ? -ENODEV : vb2_mmap(&edu->queue, vma);
	if (ret) {
		mutex_unlock(&edu->maps_lock);
		kfree(map);
		return ret;
	}
	/* vb2-dma-contig set vb2_common_vm_ops and took a reference. */
	map->h = vma->vm_private_data;
	refcount_set(&map->vmas, 1);
	map->edu = edu;
	map->mapping = file->f_mapping;
	map->mm = vma->vm_mm;
	mmgrab(map->mm);
	list_add(&map->node, &edu->maps);
	vma->vm_private_data = map;
	vma->vm_ops = &edu_vm_ops;
	mutex_unlock(&edu->maps_lock);
	return 0;
}

static void edu_revoke_mappings(struct edu *edu)
{
	struct edu_map *map;
	struct mm_struct *mm;

	mutex_lock(&edu->maps_lock);
	edu->revoked = true;		/* no new mapping */
	/*
	 * An mmap() links its VMA into the file's tree only after edu_mmap()
	 * returned, under its mm's mmap lock: wait for each, so the unmap
	 * below finds every VMA.  (Not under maps_lock: mmap() takes the two
	 * the other way round.)
	 */
again:
	list_for_each_entry(map, &edu->maps, node) {
		if (map->synced)
			continue;
		map->synced = true;
		mm = map->mm;
		mmgrab(mm);
		mutex_unlock(&edu->maps_lock);
		mmap_read_lock(mm);
		mmap_read_unlock(mm);
		mmdrop(mm);
		mutex_lock(&edu->maps_lock);
		goto again;
	}
	/* Unmap first, then drop the references: no PTE to freed memory. */
	list_for_each_entry(map, &edu->maps, node)
		unmap_mapping_range(map->mapping, 0, 0, 1);
	list_for_each_entry(map, &edu->maps, node) {
		if (map->h)
			map->h->put(map->h->arg);
		map->h = NULL;
	}
	mutex_unlock(&edu->maps_lock);
}

static ssize_t edu_read(struct file *file, char __user *buf, size_t count,
			loff_t *ppos)
{
	struct edu *edu = video_drvdata(file);
	ssize_t ret = vb2_fop_read(file, buf, count, ppos);

	return ret < 0 && edu->gone ? -ENODEV : ret;
}

static const struct v4l2_file_operations edu_fops = {
	.owner = THIS_MODULE,	/* edu_vm_ops lives in this module */
	.open = v4l2_fh_open,
	.release = vb2_fop_release,
	.unlocked_ioctl = video_ioctl2,
	.read = edu_read,
	.mmap = edu_mmap,
	.poll = vb2_fop_poll,
};

/* -- sysfs: the counters of the current (or last) stream -------------------- */

static ssize_t edu_counter_show(struct device *dev, char *buf, size_t off)
{
	struct edu *edu = dev_get_drvdata(dev);
	u32 v;

	spin_lock_irq(&edu->slock);
	v = *(u32 *)((char *)edu + off);
	spin_unlock_irq(&edu->slock);
	return sysfs_emit(buf, "%u\n", v);
}

static ssize_t frames_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return edu_counter_show(dev, buf, offsetof(struct edu, frames));
}
static DEVICE_ATTR_RO(frames);

static ssize_t dropped_frames_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	return edu_counter_show(dev, buf, offsetof(struct edu, dropped));
}
static DEVICE_ATTR_RO(dropped_frames);

static ssize_t error_frames_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return edu_counter_show(dev, buf, offsetof(struct edu, errors));
}
static DEVICE_ATTR_RO(error_frames);

static ssize_t dma_bits_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%d\n", fls64(dma_get_mask(dev)));
}
static DEVICE_ATTR_RO(dma_bits);

static struct attribute *edu_attrs[] = {
	&dev_attr_frames.attr,
	&dev_attr_dropped_frames.attr,
	&dev_attr_error_frames.attr,
	&dev_attr_dma_bits.attr,
	NULL
};
ATTRIBUTE_GROUPS(edu);

/* -- probe and remove -------------------------------------------------------- */

/*
 * The dma_bits parameter: the bits for function @name, edu's default when
 * it is not listed; -EINVAL when the list is malformed (@name NULL: only
 * check it).
 */
static int edu_dma_bits(const char *name)
{
	char *list, *p, *item, *colon;
	unsigned int bits;
	int ret = EDU_DEFAULT_DMA_BITS;

	if (!dma_bits || !*dma_bits)
		return ret;
	list = kstrdup(dma_bits, GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	p = list;
	while ((item = strsep(&p, ","))) {
		colon = strrchr(item, ':');
		if (!colon || colon == item || kstrtouint(colon + 1, 10, &bits) ||
		    bits < 24 || bits > 64) {
			ret = -EINVAL;
			break;
		}
		*colon = '\0';
		if (name && !strcmp(item, name))
			ret = bits;
	}
	kfree(list);
	return ret;
}

static void edu_release(struct v4l2_device *v4l2_dev)
{
	struct edu *edu = container_of(v4l2_dev, struct edu, v4l2_dev);

	kfree(edu);
}

static int edu_init_queue(struct edu *edu)
{
	struct vb2_queue *q = &edu->queue;

	q->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	q->io_modes = VB2_MMAP | VB2_READ;
	/*
	 * Importing a dma-buf lets its exporter place the memory: fine for a
	 * function that reaches all of RAM; for one that does not, the DMA
	 * layer would have to bounce it (or refuse), so those do not import.
	 * (USERPTR is left out: dma-contig needs physically contiguous user
	 * memory, which ordinary user memory is not.)
	 */
	if (!dma_addressing_limited(&edu->pdev->dev))
		q->io_modes |= VB2_DMABUF;
	q->dev = &edu->pdev->dev;
	q->drv_priv = edu;
	q->buf_struct_size = sizeof(struct edu_buf);
	q->ops = &edu_qops;
	q->mem_ops = &vb2_dma_contig_memops;
	q->timestamp_flags = V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC |
			     V4L2_BUF_FLAG_TSTAMP_SRC_EOF;
	mapdev_vb2_min_queued(q) = 1;
	q->lock = &edu->lock;
	return vb2_queue_init(q);
}

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct v4l2_pix_format pix = { .width = 64, .height = 48 };
	struct video_device *vdev;
	struct edu *edu;
	int bits = edu_dma_bits(pci_name(pdev));
	int ret;

	if (bits < 0)
		return bits;
	edu = kzalloc(sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	edu->pdev = pdev;
	mutex_init(&edu->lock);
	mutex_init(&edu->maps_lock);
	spin_lock_init(&edu->slock);
	INIT_LIST_HEAD(&edu->queued);
	INIT_LIST_HEAD(&edu->maps);
	init_waitqueue_head(&edu->idle);
	hrtimer_init(&edu->pace, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	edu->pace.function = edu_pace;
	edu_try_fmt(&pix);
	edu_set_fmt(edu, &pix);
	pci_set_drvdata(pdev, edu);

	ret = pci_enable_device(pdev);
	if (ret)
		goto err_free;
	ret = pci_request_regions(pdev, DRV_NAME);
	if (ret)
		goto err_disable;
	edu->bar = pci_iomap(pdev, 0, 0);
	if (!edu->bar) {
		ret = -ENOMEM;
		goto err_regions;
	}
	/*
	 * edu drops the address bits above its dma_mask.  Telling the DMA
	 * layer makes every allocation below come from under it.
	 */
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(bits));
	if (ret)
		goto err_unmap;
	edu->stage = dma_alloc_coherent(&pdev->dev, 2 * EDU_BUF_SIZE,
					&edu->stage_dma, GFP_KERNEL);
	if (!edu->stage) {
		ret = -ENOMEM;
		goto err_unmap;
	}
	pci_set_master(pdev);
	/* Whatever a previous driver left raised goes. */
	writel(~0u, edu->bar + EDU_IRQ_ACK);
	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI | MAPDEV_PCI_IRQ_INTX);
	if (ret < 0)
		goto err_stage;
	edu->irq = pci_irq_vector(pdev, 0);
	ret = request_irq(edu->irq, edu_irq, IRQF_SHARED, DRV_NAME, edu);
	if (ret)
		goto err_vectors;

	edu->v4l2_dev.release = edu_release;
	ret = v4l2_device_register(&pdev->dev, &edu->v4l2_dev);
	if (ret)
		goto err_irq;
	ret = edu_init_queue(edu);
	if (ret)
		goto err_v4l2;
	vdev = &edu->vdev;
	strscpy(vdev->name, DRV_NAME, sizeof(vdev->name));
	vdev->release = video_device_release_empty;	/* edu_release frees */
	vdev->fops = &edu_fops;
	vdev->ioctl_ops = &edu_ioctl_ops;
	vdev->device_caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_READWRITE |
			    V4L2_CAP_STREAMING;
	vdev->lock = &edu->lock;
	vdev->queue = &edu->queue;
	vdev->v4l2_dev = &edu->v4l2_dev;
	video_set_drvdata(vdev, edu);
	ret = video_register_device(vdev, VFL_TYPE_VIDEO, -1);
	if (ret)
		goto err_v4l2;
	dev_info(&pdev->dev, "%s: %d-bit DMA, %s\n",
		 video_device_node_name(vdev), bits,
		 pdev->msi_enabled ? "MSI" : "INTx");
	return 0;

err_v4l2:
	v4l2_device_unregister(&edu->v4l2_dev);
err_irq:
	free_irq(edu->irq, edu);
err_vectors:
	pci_free_irq_vectors(pdev);
err_stage:
	pci_clear_master(pdev);
	dma_free_coherent(&pdev->dev, 2 * EDU_BUF_SIZE, edu->stage,
			  edu->stage_dma);
err_unmap:
	pci_iounmap(pdev, edu->bar);
err_regions:
	pci_release_regions(pdev);
err_disable:
	pci_disable_device(pdev);
err_free:
	kfree(edu);
	return ret;
}

/*
 * Unbind, rmmod with no file open, or the device's removal: every user is
 * cut off before anything they could reach is released.
 */
static void edu_remove(struct pci_dev *pdev)
{
	struct edu *edu = pci_get_drvdata(pdev);

	/* 1. New opens, ioctls, read()s and mmap()s get ENODEV. */
	video_unregister_device(&edu->vdev);
	mutex_lock(&edu->lock);
	edu->gone = true;
	/* 2. The device writes no memory any more. */
	edu_stop_engine(edu);
	pci_clear_master(pdev);
	/* 3. No user mapping of a buffer is left; waiters wake up. */
	edu_revoke_mappings(edu);
	vb2_queue_error(&edu->queue);
	/* 4. Free the buffers (the release of a file still open skips it). */
	vb2_queue_release(&edu->queue);
	edu->queue.owner = NULL;
	mutex_unlock(&edu->lock);

	free_irq(edu->irq, edu);
	pci_free_irq_vectors(pdev);
	dma_free_coherent(&pdev->dev, 2 * EDU_BUF_SIZE, edu->stage,
			  edu->stage_dma);
	pci_iounmap(pdev, edu->bar);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	v4l2_device_unregister(&edu->v4l2_dev);
	/* edu itself goes with the last open file (edu_release). */
	v4l2_device_put(&edu->v4l2_dev);
}

static const struct pci_device_id edu_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },	/* QEMU's edu */
	{ }
};
MODULE_DEVICE_TABLE(pci, edu_ids);

static struct pci_driver edu_driver = {
	.name = DRV_NAME,
	.id_table = edu_ids,
	.probe = edu_probe,
	.remove = edu_remove,
	.dev_groups = edu_groups,
};

static int __init edu_init(void)
{
	int ret = edu_dma_bits(NULL);

	if (ret < 0) {
		pr_err(DRV_NAME ": dma_bits=%s: want BDF:BITS[,BDF:BITS]..., BITS 24 to 64\n",
		       dma_bits);
		return ret;
	}
	return pci_register_driver(&edu_driver);
}
module_init(edu_init);

static void __exit edu_exit(void)
{
	pci_unregister_driver(&edu_driver);
}
module_exit(edu_exit);

MODULE_DESCRIPTION("mapdev: a V4L2 frame grabber on QEMU's edu, frames written by its DMA engine");
MODULE_LICENSE("GPL");
