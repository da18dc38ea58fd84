// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs attributes of every mapdev device, /sys/class/mapdev/NAME/:
 *
 *   map_count, open_count, num_regions, driver     the device
 *   size, backend, cache, memtype, dma_addr,       its first region when
 *   dma_segments
 *   sync_offset, sync_size, sync_direction,        that is a buffer (the
 *   sync_for_cpu, sync_for_device                  u-dma-buf interface)
 *   regionN/{name,size,offset,backend,cache,       every region
 *            flags,map_count,dma_addr}
 *
 * docs/ABI.md documents each file.
 */
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/sysfs.h>

#include "mapdev_core.h"

/* -- the device ------------------------------------------------------------ */

static ssize_t map_count_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&to_mapdev_device(dev)->map_count));
}
static DEVICE_ATTR_RO(map_count);

static ssize_t open_count_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&to_mapdev_device(dev)->open_count));
}
static DEVICE_ATTR_RO(open_count);

static ssize_t num_regions_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", to_mapdev_device(dev)->nr_regions);
}
static DEVICE_ATTR_RO(num_regions);

static ssize_t driver_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n", to_mapdev_device(dev)->driver);
}
static DEVICE_ATTR_RO(driver);

static struct attribute *mapdev_dev_attrs[] = {
	&dev_attr_map_count.attr,
	&dev_attr_open_count.attr,
	&dev_attr_num_regions.attr,
	&dev_attr_driver.attr,
	NULL
};

static const struct attribute_group mapdev_dev_group = {
	.attrs = mapdev_dev_attrs,
};

/* -- the buffer (region 0) --------------------------------------------------- */

static struct mapdev_buffer *first_buffer(struct device *dev)
{
	struct mapdev_device *md = to_mapdev_device(dev);

	return md->nr_regions ? md->regions[0].buf : NULL;
}

static ssize_t size_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%llu\n", to_mapdev_device(dev)->regions[0].size);
}
static DEVICE_ATTR_RO(size);

static ssize_t backend_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", mapdev_backend_name(first_buffer(dev)->backend));
}
static DEVICE_ATTR_RO(backend);

static ssize_t cache_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  mapdev_cache_name(to_mapdev_device(dev)->regions[0].cache));
}
static DEVICE_ATTR_RO(cache);

/* The cache mode the pages have now: the default, or O_SYNC's uncached. */
static ssize_t memtype_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct mapdev_device *md = to_mapdev_device(dev);
	u32 memtype;

	mutex_lock(&md->lock);
	memtype = first_buffer(dev)->memtype;
	mutex_unlock(&md->lock);
	return sysfs_emit(buf, "%s\n", mapdev_cache_name(memtype));
}
static DEVICE_ATTR_RO(memtype);

static ssize_t dma_addr_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%pad\n",
			  &(dma_addr_t){ mapdev_buffer_dma_addr(first_buffer(dev)) });
}
static DEVICE_ATTR_ADMIN_RO(dma_addr);

/* The device dma_addr is the view of: "mapdev_buf", or a PCI function. */
static ssize_t dma_device_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", dev_name(first_buffer(dev)->dma_dev));
}
static DEVICE_ATTR_RO(dma_device);

static ssize_t dma_segments_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", mapdev_buffer_nr_segments(first_buffer(dev)));
}
static DEVICE_ATTR_RO(dma_segments);

static ssize_t sync_u64_show(struct device *dev, char *buf, u64 *val)
{
	struct mapdev_device *md = to_mapdev_device(dev);
	u64 v;

	mutex_lock(&md->lock);
	v = *val;
	mutex_unlock(&md->lock);
	return sysfs_emit(buf, "%llu\n", v);
}

static ssize_t sync_u64_store(struct device *dev, const char *buf, size_t n,
			      u64 *val)
{
	struct mapdev_device *md = to_mapdev_device(dev);
	u64 v;
	int ret;

	ret = kstrtou64(buf, 0, &v);
	if (ret)
		return ret;
	if (v > md->regions[0].size)
		return -EINVAL;
	mutex_lock(&md->lock);
	*val = v;
	mutex_unlock(&md->lock);
	return n;
}

static ssize_t sync_offset_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sync_u64_show(dev, buf, &to_mapdev_device(dev)->sync_offset);
}

static ssize_t sync_offset_store(struct device *dev,
				 struct device_attribute *attr,
				 const char *buf, size_t n)
{
	return sync_u64_store(dev, buf, n, &to_mapdev_device(dev)->sync_offset);
}
static DEVICE_ATTR_RW(sync_offset);

static ssize_t sync_size_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	return sync_u64_show(dev, buf, &to_mapdev_device(dev)->sync_size);
}

static ssize_t sync_size_store(struct device *dev, struct device_attribute *attr,
			       const char *buf, size_t n)
{
	return sync_u64_store(dev, buf, n, &to_mapdev_device(dev)->sync_size);
}
static DEVICE_ATTR_RW(sync_size);

static ssize_t sync_direction_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_mapdev_device(dev)->sync_direction));
}

static ssize_t sync_direction_store(struct device *dev,
				    struct device_attribute *attr,
				    const char *buf, size_t n)
{
	u32 v;
	int ret = kstrtou32(buf, 0, &v);

	if (ret)
		return ret;
	if (v > MAPDEV_DIR_FROM_DEVICE)
		return -EINVAL;
	WRITE_ONCE(to_mapdev_device(dev)->sync_direction, v);
	return n;
}
static DEVICE_ATTR_RW(sync_direction);

/* Writing 1 syncs [sync_offset, sync_offset + sync_size), size 0: to the end. */
static ssize_t sync_store(struct device *dev, const char *buf, size_t n,
			  bool for_device)
{
	struct mapdev_device *md = to_mapdev_device(dev);
	u64 offset, size;
	bool go;
	int ret;

	ret = kstrtobool(buf, &go);
	if (ret)
		return ret;
	if (!go)
		return -EINVAL;
	mutex_lock(&md->lock);
	offset = md->sync_offset;
	size = md->sync_size;
	mutex_unlock(&md->lock);
	ret = mapdev_region_sync(md, 0, offset, size,
				 READ_ONCE(md->sync_direction), for_device);
	return ret ? ret : n;
}

static ssize_t sync_for_cpu_store(struct device *dev,
				  struct device_attribute *attr,
				  const char *buf, size_t n)
{
	return sync_store(dev, buf, n, false);
}
static DEVICE_ATTR_WO(sync_for_cpu);

static ssize_t sync_for_device_store(struct device *dev,
				     struct device_attribute *attr,
				     const char *buf, size_t n)
{
	return sync_store(dev, buf, n, true);
}
static DEVICE_ATTR_WO(sync_for_device);

static struct attribute *mapdev_buf_attrs[] = {
	&dev_attr_size.attr,
	&dev_attr_backend.attr,
	&dev_attr_cache.attr,
	&dev_attr_memtype.attr,
	&dev_attr_dma_addr.attr,
	&dev_attr_dma_device.attr,
	&dev_attr_dma_segments.attr,
	&dev_attr_sync_offset.attr,
	&dev_attr_sync_size.attr,
	&dev_attr_sync_direction.attr,
	&dev_attr_sync_for_cpu.attr,
	&dev_attr_sync_for_device.attr,
	NULL
};

static umode_t mapdev_buf_visible(struct kobject *kobj, struct attribute *a,
				  int n)
{
	return first_buffer(kobj_to_dev(kobj)) ? a->mode : 0;
}

static const struct attribute_group mapdev_buf_group = {
	.attrs = mapdev_buf_attrs,
	.is_visible = mapdev_buf_visible,
};

/* -- regionN/ ----------------------------------------------------------------- */

enum region_field {
	RF_NAME, RF_SIZE, RF_OFFSET, RF_BACKEND, RF_CACHE, RF_FLAGS,
	RF_MAP_COUNT, RF_DMA_ADDR,
};

struct region_attr {
	struct device_attribute attr;
	unsigned int index;
	enum region_field field;
};

static ssize_t region_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct region_attr *ra = container_of(attr, struct region_attr, attr);
	struct mapdev_region *r = &to_mapdev_device(dev)->regions[ra->index];

	switch (ra->field) {
	case RF_NAME:
		return sysfs_emit(buf, "%s\n", r->name);
	case RF_SIZE:
		return sysfs_emit(buf, "%llu\n", r->size);
	case RF_OFFSET:
		return sysfs_emit(buf, "0x%llx\n", MAPDEV_REGION_OFFSET(ra->index));
	case RF_BACKEND:
		return sysfs_emit(buf, "%s\n",
				  mapdev_backend_name(mapdev_region_backend(r)));
	case RF_CACHE:
		return sysfs_emit(buf, "%s\n", mapdev_cache_name(r->cache));
	case RF_FLAGS:
		return sysfs_emit(buf, "0x%x\n", r->flags);
	case RF_MAP_COUNT:
		return sysfs_emit(buf, "%d\n", atomic_read(&r->map_count));
	case RF_DMA_ADDR:
		return sysfs_emit(buf, "%pad\n", &(dma_addr_t){
				  r->buf ? mapdev_buffer_dma_addr(r->buf) : 0 });
	}
	return -EINVAL;
}

#define REGION_ATTR(i, fname, fld, mode_)				\
	static struct region_attr region##i##_##fname = {		\
		.attr = __ATTR(fname, mode_, region_show, NULL),	\
		.index = i, .field = fld,				\
	}

#define REGION_GROUP(i)							\
	REGION_ATTR(i, name, RF_NAME, 0444);				\
	REGION_ATTR(i, size, RF_SIZE, 0444);				\
	REGION_ATTR(i, offset, RF_OFFSET, 0444);			\
	REGION_ATTR(i, backend, RF_BACKEND, 0444);			\
	REGION_ATTR(i, cache, RF_CACHE, 0444);				\
	REGION_ATTR(i, flags, RF_FLAGS, 0444);				\
	REGION_ATTR(i, map_count, RF_MAP_COUNT, 0444);			\
	REGION_ATTR(i, dma_addr, RF_DMA_ADDR, 0400);			\
	static struct attribute *region##i##_attrs[] = {		\
		&region##i##_name.attr.attr,				\
		&region##i##_size.attr.attr,				\
		&region##i##_offset.attr.attr,				\
		&region##i##_backend.attr.attr,				\
		&region##i##_cache.attr.attr,				\
		&region##i##_flags.attr.attr,				\
		&region##i##_map_count.attr.attr,			\
		&region##i##_dma_addr.attr.attr,			\
		NULL							\
	};								\
	static const struct attribute_group region##i##_group = {	\
		.name = "region" #i,					\
		.attrs = region##i##_attrs,				\
		.is_visible = region_visible,				\
	}

static umode_t region_visible(struct kobject *kobj, struct attribute *a, int n)
{
	struct mapdev_device *md = to_mapdev_device(kobj_to_dev(kobj));
	struct region_attr *ra = container_of(a, struct region_attr, attr.attr);

	if (ra->field == RF_DMA_ADDR && !md->regions[ra->index].buf)
		return 0;
	return a->mode;
}

REGION_GROUP(0);
REGION_GROUP(1);
REGION_GROUP(2);
REGION_GROUP(3);
REGION_GROUP(4);
REGION_GROUP(5);
REGION_GROUP(6);
REGION_GROUP(7);

static_assert(MAPDEV_MAX_REGIONS == 8);

/* Common to every device: set as the class's dev_groups. */
const struct attribute_group *mapdev_dev_groups[] = {
	&mapdev_dev_group,
	&mapdev_buf_group,
	NULL
};

/* One per region index: a device gets those of the regions it has. */
const struct attribute_group *mapdev_region_groups[MAPDEV_MAX_REGIONS] = {
	&region0_group,
	&region1_group,
	&region2_group,
	&region3_group,
	&region4_group,
	&region5_group,
	&region6_group,
	&region7_group,
};
