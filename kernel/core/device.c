// SPDX-License-Identifier: GPL-2.0
/*
 * mapdev devices: how one is born, and how one dies.
 *
 * Every mapdev device is /dev/mapdev/NAME in class "mapdev".  Its open
 * files share one private inode, so unmap_mapping_range() on that inode
 * reaches every mapping of the device: that is how a device that goes away
 * revokes what user space mapped.
 *
 * A device is born in three steps, all the driver's: mapdev_device_alloc(),
 * regions added (core/region.c), mapdev_device_register().  It dies in one,
 * mapdev_device_unregister(), which goes:
 *
 *  1. md->dead is set, under md->lock.  Every path into the device checks
 *     it after taking what unregister waits for next: md->srcu (faults,
 *     ->access, buffer copies, core ioctls), md->lock (mmap, device memory
 *     copies, cache changes) or md->ops_lock (the driver's ops);
 *  2. interrupt waiters are woken (they wait outside all of those, and
 *     return ENODEV);
 *  3. synchronize_srcu(&md->srcu): faults, copies and core ioctls that saw
 *     the device alive are over.  None of them touches user memory inside
 *     the section (core/file.c, core/ioctl.c), so user space cannot hold
 *     this up;
 *  4. ops_lock for writing: the driver's ops that saw it alive are over,
 *     and md->ops is forgotten (it points into the driver's module, which
 *     open files do not pin);
 *  5. the eventfd is dropped: a SET_EVENTFD that saw the device alive has
 *     installed it by now (3);
 *  6. every user mapping is zapped: later touches get SIGBUS;
 *  7. the node and its sysfs files go;
 *  8. the regions' memory: buffers are put (freed unless someone else holds
 *     a reference) and device memory unmapped from the kernel.  Nothing
 *     reaches them now: every path checks dead (1) inside what was waited
 *     for (3, 4), and the page tables were zapped (6).
 *
 * The struct itself lives on until the last open file is closed (its
 * struct device's refcount), answering ENODEV to everything.
 */
#include <linux/cdev.h>
#include <linux/ctype.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#include <linux/slab.h>
#include <linux/srcu.h>

#include "mapdev_compat.h"
#include "mapdev_core.h"

#define MAPDEV_MAX_MINORS	4096
#define MAPDEV_FS_MAGIC		0x6d617064	/* "mapd" */

static dev_t mapdev_devt;
static struct class *mapdev_class;
static DEFINE_IDA(mapdev_minors);
static DEFINE_MUTEX(mapdev_names_lock);	/* name check + device_add */
static struct vfsmount *mapdev_mnt;

/*
 * Two lockdep classes of md->ops_lock.  A driver's ioctl runs under its
 * device's ops_lock and may unregister a buffer device (buf-control's
 * DESTROY, a PCI function's BUF_DESTROY), which takes that device's
 * ops_lock.  Devices without driver ops never hold theirs while taking
 * another's, so there is no cycle; one class would make lockdep see
 * recursion.
 */
static struct lock_class_key mapdev_ops_lock_driver;
static struct lock_class_key mapdev_ops_lock_plain;

/* -- names --------------------------------------------------------------- */

/**
 * mapdev_check_name() - check a device name
 * @name: NUL-terminated
 *
 * A name is 1 to MAPDEV_NAME_LEN - 1 characters of [A-Za-z0-9_.-], not
 * starting with '.' or '-': it becomes a file name under /dev/mapdev.
 *
 * Return: 0 or -EINVAL.
 */
int mapdev_check_name(const char *name)
{
	size_t i, len = strnlen(name, MAPDEV_NAME_LEN);

	if (!len || len >= MAPDEV_NAME_LEN || name[0] == '.' || name[0] == '-')
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!isascii(name[i]) ||
		    (!isalnum(name[i]) && !strchr("_.-", name[i])))
			return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_GPL(mapdev_check_name);

/* The drivers' own nodes: buf-control, pci-BDF, phys-NAME. */
static const char * const mapdev_reserved_prefixes[] = {
	"buf-", "pci-", "phys-",
};

/**
 * mapdev_check_user_name() - check a name user space chose for a buffer
 * @name: NUL-terminated
 *
 * As mapdev_check_name(), and not starting with a prefix the drivers name
 * their own devices with ("buf-", "pci-", "phys-"): a buffer made
 * first must not make a driver's later device fail.
 *
 * Return: 0 or -EINVAL.
 */
int mapdev_check_user_name(const char *name)
{
	unsigned int i;

	if (mapdev_check_name(name))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(mapdev_reserved_prefixes); i++)
		if (str_has_prefix(name, mapdev_reserved_prefixes[i]))
			return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_GPL(mapdev_check_user_name);

/* -- birth ----------------------------------------------------------------- */

static void mapdev_device_release(struct device *dev)
{
	struct mapdev_device *md = to_mapdev_device(dev);

	if (md->inode)
		iput(md->inode);
	if (MINOR(dev->devt) || MAJOR(dev->devt))
		ida_free(&mapdev_minors, MINOR(dev->devt));
	cleanup_srcu_struct(&md->srcu);
	mapdev_stats_device(-1);
	if (md->vectors != &md->irq)
		kvfree(md->vectors);
	kfree(md);
}

/**
 * mapdev_device_alloc() - start a new mapdev device
 * @parent: the parent device (e.g. the PCI device), or NULL
 * @driver: the driver's name, reported by MAPDEV_IOC_INFO
 * @ops: driver callbacks, or NULL
 * @fmt: printf format of the device name (/dev/mapdev/NAME)
 *
 * Add regions, then mapdev_device_register().  Whether registered or not,
 * end it with mapdev_device_unregister().
 *
 * Return: the device or an ERR_PTR (-ENOMEM, -ENOSPC when out of minors).
 */
struct mapdev_device *mapdev_device_alloc(struct device *parent,
					  const char *driver,
					  const struct mapdev_ops *ops,
					  const char *fmt, ...)
{
	struct mapdev_device *md;
	va_list ap;
	char *name;
	int minor, ret;

	md = kzalloc(sizeof(*md), GFP_KERNEL);
	if (!md)
		return ERR_PTR(-ENOMEM);
	if (init_srcu_struct(&md->srcu)) {
		kfree(md);
		return ERR_PTR(-ENOMEM);
	}
	mutex_init(&md->lock);
	init_rwsem(&md->ops_lock);
	if (ops)
		lockdep_set_class_and_name(&md->ops_lock, &mapdev_ops_lock_driver,
					   "mapdev_driver_device_ops");
	else
		lockdep_set_class_and_name(&md->ops_lock, &mapdev_ops_lock_plain,
					   "mapdev_device_ops");
	md->irq_index = -1;
	md->open_cap = -1;
	md->open_lockdown = LOCKDOWN_NONE;
	md->raw_lockdown = LOCKDOWN_NONE;
	mapdev_irq_init(&md->irq);
	md->vectors = &md->irq;
	md->nr_vectors = 1;
	md->nr_active = 1;
	md->ops = ops;
	strscpy(md->driver, driver, sizeof(md->driver));
	device_initialize(&md->dev);
	md->dev.class = mapdev_class;
	md->dev.parent = parent;
	md->dev.release = mapdev_device_release;
	mapdev_stats_device(1);

	va_start(ap, fmt);
	name = kvasprintf(GFP_KERNEL, fmt, ap);
	va_end(ap);
	if (!name) {
		ret = -ENOMEM;
		goto err_put;
	}
	ret = dev_set_name(&md->dev, "%s", name);
	kfree(name);
	if (ret)
		goto err_put;

	minor = ida_alloc_max(&mapdev_minors, MAPDEV_MAX_MINORS - 1, GFP_KERNEL);
	if (minor < 0) {
		ret = minor == -ENOMEM ? -ENOMEM : -ENOSPC;
		goto err_put;
	}
	md->dev.devt = MKDEV(MAJOR(mapdev_devt), minor);

	md->inode = alloc_anon_inode(mapdev_mnt->mnt_sb);
	if (IS_ERR(md->inode)) {
		ret = PTR_ERR(md->inode);
		md->inode = NULL;
		goto err_put;
	}
	cdev_init(&md->cdev, &mapdev_fops);
	md->cdev.owner = THIS_MODULE;
	return md;

err_put:
	put_device(&md->dev);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(mapdev_device_alloc);

/**
 * mapdev_device_register() - make the device visible as /dev/mapdev/NAME
 * @md: the device
 *
 * Return: 0, -EEXIST when a mapdev device of that name exists, or another
 * negative errno from the driver core.
 */
int mapdev_device_register(struct mapdev_device *md)
{
	struct device *other;
	unsigned int i;
	int ret;

	for (i = 0; i < md->nr_regions; i++)
		md->groups[i] = mapdev_region_groups[i];
	md->dev.groups = md->groups;

	mutex_lock(&mapdev_names_lock);
	other = class_find_device_by_name(mapdev_class, dev_name(&md->dev));
	if (other) {
		put_device(other);
		ret = -EEXIST;
		goto out;
	}
	ret = cdev_device_add(&md->cdev, &md->dev);
	if (!ret)
		md->registered = true;
out:
	mutex_unlock(&mapdev_names_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(mapdev_device_register);

/**
 * mapdev_buffer_device_create() - a registered device with one buffer
 * @parent: parent of the new device
 * @dma_dev: the device the buffer is for
 * @driver: the driver's name
 * @name: the device name, one user space chose: mapdev_check_user_name()
 * @size: bytes
 * @backend: COHERENT, CONTIG or SG
 * @cache: enum mapdev_cache
 *
 * Return: the device (end it with mapdev_device_unregister()), or an
 * ERR_PTR: -EINVAL, -EEXIST (name taken), -ENOMEM.
 */
struct mapdev_device *mapdev_buffer_device_create(struct device *parent,
						  struct device *dma_dev,
						  const char *driver,
						  const char *name, u64 size,
						  u32 backend, u32 cache)
{
	struct mapdev_buffer *buf;
	struct mapdev_device *md;
	int ret;

	if (mapdev_check_user_name(name) || backend > MAPDEV_BACKEND_SG ||
	    cache > MAPDEV_CACHE_MAX || !size)
		return ERR_PTR(-EINVAL);
	buf = mapdev_buffer_alloc(dma_dev, size, backend, cache);
	if (IS_ERR(buf))
		return ERR_CAST(buf);
	md = mapdev_device_alloc(parent, driver, NULL, "%s", name);
	if (IS_ERR(md)) {
		mapdev_buffer_put(buf);
		return md;
	}
	ret = mapdev_device_add_buffer(md, "buffer", buf, cache);
	if (ret < 0) {
		mapdev_buffer_put(buf);
		mapdev_device_unregister(md);
		return ERR_PTR(ret);
	}
	/* From here the region owns the buffer: unregister frees both. */
	ret = mapdev_device_register(md);
	if (ret) {
		mapdev_device_unregister(md);
		return ERR_PTR(ret);
	}
	return md;
}
EXPORT_SYMBOL_GPL(mapdev_buffer_device_create);

/* -- death ----------------------------------------------------------------- */

/**
 * mapdev_device_unregister() - revoke and remove a device
 * @md: the device, registered or not
 *
 * After this returns, no open file reaches the device's memory or the
 * driver's ops: every mapping is zapped (later touches get SIGBUS),
 * read/write/ioctl return -ENODEV.  The regions' buffers are put (freed
 * unless the driver holds another reference): nothing in user space
 * reaches them any more.  What a device still does with a buffer's DMA
 * address is the driver's to stop first.  Drops the caller's reference.
 * The steps are in this file's header.
 *
 * Context: may sleep; must not be called from a mapdev fault or copy, nor
 * from an op of @md itself.
 */
void mapdev_device_unregister(struct mapdev_device *md)
{
	unsigned int i;

	mutex_lock(&md->lock);
	WRITE_ONCE(md->dead, true);
	mutex_unlock(&md->lock);
	mapdev_irq_wake(md);
	synchronize_srcu(&md->srcu);
	down_write(&md->ops_lock);
	md->ops = NULL;
	up_write(&md->ops_lock);
	mapdev_irq_shutdown(md);
	unmap_mapping_range(md->inode->i_mapping, 0, 0, 1);

	if (md->registered)
		cdev_device_del(&md->cdev, &md->dev);
	for (i = 0; i < md->nr_regions; i++) {
		struct mapdev_region *r = &md->regions[i];

		mapdev_buffer_put(r->buf);
		r->buf = NULL;
		mutex_lock(&md->lock);
		if (r->kva)
			iounmap(r->kva);
		r->kva = NULL;
		mutex_unlock(&md->lock);
	}
	put_device(&md->dev);
}
EXPORT_SYMBOL_GPL(mapdev_device_unregister);

/* -- the class, the minors and the inodes' file system ------------------------ */

static char *mapdev_devnode(MAPDEV_DEVNODE_DEV *dev, umode_t *mode)
{
	if (mode)
		*mode = 0600;
	return kasprintf(GFP_KERNEL, "mapdev/%s", dev_name(dev));
}

static int mapdev_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, MAPDEV_FS_MAGIC) ? 0 : -ENOMEM;
}

/* No .owner: the module's own mount would pin it forever. */
static struct file_system_type mapdev_fs_type = {
	.name = "mapdev",
	.init_fs_context = mapdev_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

int mapdev_devices_init(void)
{
	int ret;

	ret = alloc_chrdev_region(&mapdev_devt, 0, MAPDEV_MAX_MINORS, "mapdev");
	if (ret)
		return ret;
	mapdev_class = mapdev_class_create("mapdev");
	if (IS_ERR(mapdev_class)) {
		ret = PTR_ERR(mapdev_class);
		goto err_chrdev;
	}
	mapdev_class->devnode = mapdev_devnode;
	mapdev_class->dev_groups = mapdev_dev_groups;
	mapdev_mnt = kern_mount(&mapdev_fs_type);
	if (IS_ERR(mapdev_mnt)) {
		ret = PTR_ERR(mapdev_mnt);
		goto err_class;
	}
	return 0;

err_class:
	class_destroy(mapdev_class);
err_chrdev:
	unregister_chrdev_region(mapdev_devt, MAPDEV_MAX_MINORS);
	return ret;
}

void mapdev_devices_exit(void)
{
	kern_unmount(mapdev_mnt);
	class_destroy(mapdev_class);
	unregister_chrdev_region(mapdev_devt, MAPDEV_MAX_MINORS);
	ida_destroy(&mapdev_minors);
}
