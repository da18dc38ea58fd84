// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts delivered to user space, at the offset of a device's "irq"
 * region: read() returns the count, poll() says when there is a new one,
 * write() unmasks, and an eventfd can be signalled as well (see
 * <linux/mapdev.h>).  A driver calls mapdev_irq_signal() from its handler.
 *
 * Waiting never happens inside a section unregister waits for: it sets
 * md->dead and wakes every waiter, which then fails with ENODEV.  The
 * eventfd is dropped after the grace period, so one installed by a
 * SET_EVENTFD that saw the device alive is dropped too.
 */
#include <linux/eventfd.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

#include "mapdev_compat.h"
#include "mapdev_core.h"

/**
 * mapdev_irq_signal() - report an interrupt of the device to user space
 * @md: the device
 *
 * Context: any, including hard interrupt.
 */
void mapdev_irq_signal(struct mapdev_device *md)
{
	struct mapdev_irq *irq = &md->irq;
	unsigned long flags;

	atomic_inc(&irq->count);
	spin_lock_irqsave(&irq->lock, flags);
	if (irq->trigger)
		mapdev_eventfd_signal(irq->trigger);
	spin_unlock_irqrestore(&irq->lock, flags);
	wake_up_interruptible_all(&irq->wait);
}
EXPORT_SYMBOL_GPL(mapdev_irq_signal);

/* A read would not block: a new interrupt, or the device is gone. */
static bool mapdev_irq_ready(struct mapdev_file *mf)
{
	return atomic_read(&mf->md->irq.count) != READ_ONCE(mf->irq_seen) ||
	       READ_ONCE(mf->md->dead);
}

ssize_t mapdev_irq_read(struct mapdev_file *mf, char __user *ubuf,
			size_t count, bool nonblock)
{
	struct mapdev_device *md = mf->md;
	struct mapdev_irq *irq = &md->irq;
	u32 now;
	int ret;

	if (count != sizeof(u32))
		return -EINVAL;
	for (;;) {
		if (READ_ONCE(md->dead))
			return -ENODEV;
		now = atomic_read(&irq->count);
		if (now != READ_ONCE(mf->irq_seen))
			break;
		if (nonblock)
			return -EAGAIN;
		ret = wait_event_interruptible(irq->wait, mapdev_irq_ready(mf));
		if (ret)
			return ret;
	}
	if (copy_to_user(ubuf, &now, sizeof(now)))
		return -EFAULT;
	WRITE_ONCE(mf->irq_seen, now);
	return sizeof(now);
}

ssize_t mapdev_irq_write(struct mapdev_device *md, const char __user *ubuf,
			 size_t count)
{
	u32 enable;
	int ret;

	if (count != sizeof(u32))
		return -EINVAL;
	if (copy_from_user(&enable, ubuf, sizeof(enable)))
		return -EFAULT;
	if (enable > 1)
		return -EINVAL;
	mapdev_race_delay();
	/* The ops are the driver module's: only under ops_lock, alive. */
	down_read(&md->ops_lock);
	if (md->dead)
		ret = -ENODEV;
	else if (!md->ops->irq_control)
		ret = -EOPNOTSUPP;
	else
		ret = md->ops->irq_control(md, enable);
	up_read(&md->ops_lock);
	return ret ? ret : sizeof(enable);
}

__poll_t mapdev_irq_poll(struct mapdev_file *mf, struct file *file,
			 poll_table *wait)
{
	struct mapdev_device *md = mf->md;

	if (md->irq_index < 0)
		return DEFAULT_POLLMASK;
	poll_wait(file, &md->irq.wait, wait);
	if (READ_ONCE(md->dead))
		return EPOLLERR | EPOLLHUP;
	if (atomic_read(&md->irq.count) != READ_ONCE(mf->irq_seen))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

static void mapdev_irq_swap_trigger(struct mapdev_device *md,
				    struct eventfd_ctx *ctx)
{
	struct mapdev_irq *irq = &md->irq;
	struct eventfd_ctx *old;
	unsigned long flags;

	spin_lock_irqsave(&irq->lock, flags);
	old = irq->trigger;
	irq->trigger = ctx;
	spin_unlock_irqrestore(&irq->lock, flags);
	if (old) {
		eventfd_ctx_put(old);
		mapdev_stats_eventfd(-1);
	}
}

/*
 * MAPDEV_IOC_SET_EVENTFD, inside md->srcu with the device alive: whatever
 * it installs, unregister drops after its grace period.
 */
long mapdev_irq_set_eventfd(struct mapdev_device *md,
			    struct mapdev_set_eventfd *se)
{
	struct eventfd_ctx *ctx = NULL;

	if (md->irq_index < 0)
		return -ENOTTY;
	if (se->flags || se->reserved || se->fd < -1)
		return -EINVAL;
	if (se->fd >= 0) {
		ctx = eventfd_ctx_fdget(se->fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
		mapdev_stats_eventfd(1);
	}
	mapdev_race_delay();
	mapdev_irq_swap_trigger(md, ctx);
	return 0;
}

/* Unregister, once dead is set: every waiter wakes and sees it. */
void mapdev_irq_wake(struct mapdev_device *md)
{
	if (md->irq_index >= 0)
		wake_up_interruptible_all(&md->irq.wait);
}

/* Unregister, after the grace period: nothing installs an eventfd now. */
void mapdev_irq_shutdown(struct mapdev_device *md)
{
	if (md->irq_index >= 0)
		mapdev_irq_swap_trigger(md, NULL);
}
