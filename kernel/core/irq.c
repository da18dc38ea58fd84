// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts delivered to user space, at the offset of a device's "irq"
 * region: read() returns the count, poll() says when there is a new one,
 * write() unmasks, and an eventfd can be signalled as well (see
 * <linux/mapdev.h>).  A driver calls mapdev_irq_signal() from its handler.
 * A device may have several vectors (mapdev_device_add_irqs(), MSI-X):
 * each has its own count, wait queue and eventfd; an open file refers to
 * one (MAPDEV_IOC_SET_IRQ_VECTOR), and the driver says how many are in use
 * (mapdev_irq_set_active()).
 *
 * Waiting never happens inside a section unregister waits for: it sets
 * md->dead and wakes every waiter, which then fails with ENODEV.  The
 * eventfd is dropped after the grace period, so one installed by a
 * SET_EVENTFD that saw the device alive is dropped too.  The vectors are
 * allocated once, before registration, and freed with the device.
 */
#include <linux/eventfd.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

#include "mapdev_compat.h"
#include "mapdev_core.h"

/* Vector @v of @md (below md->nr_vectors). */
static struct mapdev_irq *mapdev_vec(struct mapdev_device *md, unsigned int v)
{
	return &md->vectors[v];
}

/**
 * mapdev_irq_signal_vector() - report an interrupt of one vector
 * @md: the device
 * @vector: the vector, below the count given to mapdev_device_add_irqs()
 *
 * Context: any, including hard interrupt.
 */
void mapdev_irq_signal_vector(struct mapdev_device *md, unsigned int vector)
{
	struct mapdev_irq *irq;
	unsigned long flags;

	if (WARN_ON_ONCE(vector >= md->nr_vectors))
		return;
	irq = mapdev_vec(md, vector);
	atomic_inc(&irq->count);
	spin_lock_irqsave(&irq->lock, flags);
	if (irq->trigger)
		mapdev_eventfd_signal(irq->trigger);
	spin_unlock_irqrestore(&irq->lock, flags);
	wake_up_interruptible_all(&irq->wait);
}
EXPORT_SYMBOL_GPL(mapdev_irq_signal_vector);

/**
 * mapdev_irq_signal() - report an interrupt of the device (its vector 0)
 * @md: the device
 *
 * Context: any, including hard interrupt.
 */
void mapdev_irq_signal(struct mapdev_device *md)
{
	mapdev_irq_signal_vector(md, 0);
}
EXPORT_SYMBOL_GPL(mapdev_irq_signal);

/* The vector of @mf, or NULL when the device has no such vector now. */
static struct mapdev_irq *mapdev_file_vec(struct mapdev_file *mf)
{
	struct mapdev_device *md = mf->md;
	unsigned int v = READ_ONCE(mf->irq_vector);

	if (v >= READ_ONCE(md->nr_active))
		return NULL;
	return mapdev_vec(md, v);
}

/* A read would not block: a new interrupt, the vector or device gone. */
static bool mapdev_irq_ready(struct mapdev_file *mf, struct mapdev_irq *irq)
{
	return atomic_read(&irq->count) != READ_ONCE(mf->irq_seen) ||
	       READ_ONCE(mf->md->dead) || !mapdev_file_vec(mf);
}

ssize_t mapdev_irq_read(struct mapdev_file *mf, char __user *ubuf,
			size_t count, bool nonblock)
{
	struct mapdev_device *md = mf->md;
	struct mapdev_irq *irq;
	u32 now;
	int ret;

	if (count != sizeof(u32))
		return -EINVAL;
	for (;;) {
		if (READ_ONCE(md->dead))
			return -ENODEV;
		irq = mapdev_file_vec(mf);
		if (!irq)
			return -ENXIO;
		now = atomic_read(&irq->count);
		if (now != READ_ONCE(mf->irq_seen))
			break;
		if (nonblock)
			return -EAGAIN;
		ret = wait_event_interruptible(irq->wait,
					       mapdev_irq_ready(mf, irq));
		if (ret)
			return ret;
	}
	if (copy_to_user(ubuf, &now, sizeof(now)))
		return -EFAULT;
	WRITE_ONCE(mf->irq_seen, now);
	return sizeof(now);
}

ssize_t mapdev_irq_write(struct mapdev_file *mf, const char __user *ubuf,
			 size_t count)
{
	struct mapdev_device *md = mf->md;
	unsigned int v = READ_ONCE(mf->irq_vector);
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
	else if (v >= READ_ONCE(md->nr_active))
		ret = -ENXIO;
	else if (md->ops->irq_vector_control)
		ret = md->ops->irq_vector_control(md, v, enable);
	else if (!md->ops->irq_control || v)
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
	struct mapdev_irq *irq;

	if (md->irq_index < 0)
		return DEFAULT_POLLMASK;
	irq = mapdev_file_vec(mf);
	if (!irq)
		return EPOLLERR;
	poll_wait(file, &irq->wait, wait);
	if (READ_ONCE(md->dead))
		return EPOLLERR | EPOLLHUP;
	if (!mapdev_file_vec(mf))
		return EPOLLERR;
	if (atomic_read(&irq->count) != READ_ONCE(mf->irq_seen))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

static void mapdev_irq_swap_trigger(struct mapdev_irq *irq,
				    struct eventfd_ctx *ctx)
{
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
	if ((se->flags & ~MAPDEV_EVENTFD_F_VECTOR) || se->fd < -1 ||
	    (!(se->flags & MAPDEV_EVENTFD_F_VECTOR) && se->vector))
		return -EINVAL;
	if (se->vector >= READ_ONCE(md->nr_active))
		return -ENXIO;
	if (se->fd >= 0) {
		ctx = eventfd_ctx_fdget(se->fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
		mapdev_stats_eventfd(1);
	}
	mapdev_race_delay();
	mapdev_irq_swap_trigger(mapdev_vec(md, se->vector), ctx);
	return 0;
}

/* MAPDEV_IOC_SET_IRQ_VECTOR, inside md->srcu with the device alive. */
long mapdev_irq_set_vector(struct mapdev_file *mf, struct mapdev_irq_vector *iv)
{
	struct mapdev_device *md = mf->md;

	if (md->irq_index < 0)
		return -ENOTTY;
	if (iv->flags || iv->reserved)
		return -EINVAL;
	if (iv->vector >= READ_ONCE(md->nr_active))
		return -ENXIO;
	WRITE_ONCE(mf->irq_vector, iv->vector);
	WRITE_ONCE(mf->irq_seen, atomic_read(&mapdev_vec(md, iv->vector)->count));
	return 0;
}

/**
 * mapdev_irq_set_active() - the number of vectors in use
 * @md: a device with interrupts
 * @nr: 1 to the count given to mapdev_device_add_irqs()
 *
 * Files referring to a vector at or above @nr fail their reads (ENXIO) and
 * poll POLLERR; those waiting wake up.  The eventfds of those vectors are
 * dropped.  The driver serialises calls.
 */
void mapdev_irq_set_active(struct mapdev_device *md, unsigned int nr)
{
	unsigned int v, old = READ_ONCE(md->nr_active);

	if (WARN_ON_ONCE(!nr || nr > md->nr_vectors))
		return;
	WRITE_ONCE(md->nr_active, nr);
	for (v = nr; v < old; v++) {
		wake_up_interruptible_all(&mapdev_vec(md, v)->wait);
		mapdev_irq_swap_trigger(mapdev_vec(md, v), NULL);
	}
}
EXPORT_SYMBOL_GPL(mapdev_irq_set_active);

/* Unregister, once dead is set: every waiter of every vector wakes. */
void mapdev_irq_wake(struct mapdev_device *md)
{
	unsigned int v;

	if (md->irq_index < 0)
		return;
	for (v = 0; v < md->nr_vectors; v++)
		wake_up_interruptible_all(&mapdev_vec(md, v)->wait);
}

/* Unregister, after the grace period: nothing installs an eventfd now. */
void mapdev_irq_shutdown(struct mapdev_device *md)
{
	unsigned int v;

	if (md->irq_index < 0)
		return;
	for (v = 0; v < md->nr_vectors; v++)
		mapdev_irq_swap_trigger(mapdev_vec(md, v), NULL);
}

/* Device init: the single vector every device starts with. */
void mapdev_irq_init(struct mapdev_irq *irq)
{
	atomic_set(&irq->count, 0);
	init_waitqueue_head(&irq->wait);
	spin_lock_init(&irq->lock);
	irq->trigger = NULL;
}
