#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""bufview: a mapdev DMA buffer as a numpy array, with no copy.

    bufview.py NAME [--dtype DTYPE] [--shape N,M,...] [--fill ramp|VALUE]
               [--head N]

Maps /dev/mapdev/NAME (mmap, MAP_SHARED) and wraps the mapping in a numpy
array: what a device writes into the buffer by DMA is in the array as it
lands, and what you write into the array is in the buffer.  Nothing is
copied, whatever the buffer's size.  Prints the array's shape and type and
a few statistics; --fill first writes a pattern through the array (a ramp
0, 1, 2, ... or one value everywhere), as a test pattern for a device.

    bufview.py frames --dtype uint16 --shape 4,480,640   # 4 frames of 640x480

Only the standard library and numpy (Debian: python3-numpy).  Opening the
buffer takes root, or membership of the group mapdev (mapdev-tools' udev
rule).  The function map_buffer() is the part to copy into a program.
"""
import argparse
import mmap
import os
import sys

import numpy as np


def buffer_size(name):
    """The buffer's size in bytes, from /sys/class/mapdev/NAME/size."""
    path = f"/sys/class/mapdev/{name}/size"
    try:
        with open(path, encoding="ascii") as f:
            return int(f.read(), 0)
    except FileNotFoundError:
        raise OSError(f"no mapdev buffer '{name}' ({path}: not there; "
                      "is mapdev_buf loaded?)") from None


def map_buffer(name, dtype=np.uint8, shape=None, writable=True):
    """Maps the buffer NAME; returns (array, mapping).

    The array is a view of the mapping (no copy).  Drop every array made
    from it before mapping.close(): numpy holds the memory until then.
    """
    size = buffer_size(name)
    dtype = np.dtype(dtype)
    count = size // dtype.itemsize
    if shape is not None:
        want = int(np.prod(shape))
        if want > count:
            raise ValueError(f"{name}: {size} bytes hold {count} {dtype}, "
                             f"not {want} (shape {tuple(shape)})")
        count = want
    fd = os.open(f"/dev/mapdev/{name}",
                 (os.O_RDWR if writable else os.O_RDONLY) | os.O_CLOEXEC)
    try:
        prot = mmap.PROT_READ | (mmap.PROT_WRITE if writable else 0)
        mapping = mmap.mmap(fd, size, mmap.MAP_SHARED, prot)
    finally:
        os.close(fd)  # the mapping keeps the buffer
    array = np.frombuffer(mapping, dtype=dtype, count=count)
    if shape is not None:
        array = array.reshape(shape)
    return array, mapping


def main():
    p = argparse.ArgumentParser(
        description="View a mapdev DMA buffer as a numpy array (no copy).")
    p.add_argument("name", help="the buffer: /dev/mapdev/NAME")
    p.add_argument("--dtype", default="uint8",
                   help="element type, a numpy name (default uint8)")
    p.add_argument("--shape", help="array shape, e.g. 4,480,640 "
                   "(default: the whole buffer, one dimension)")
    p.add_argument("--fill", help="write 'ramp' (0, 1, 2, ...) or a number "
                   "into every element first")
    p.add_argument("--head", type=int, default=8,
                   help="how many first elements to print (default 8)")
    a = p.parse_args()

    shape = tuple(int(n) for n in a.shape.split(",")) if a.shape else None
    try:
        array, mapping = map_buffer(a.name, a.dtype, shape,
                                    writable=a.fill is not None)
    except (OSError, ValueError, TypeError) as e:
        print(f"bufview: {e}", file=sys.stderr)
        return 1

    if a.fill == "ramp":
        flat = array.reshape(-1)
        flat[:] = np.arange(flat.size, dtype=np.uint64).astype(array.dtype)
    elif a.fill is not None:
        try:
            value = int(a.fill, 0)
        except ValueError:
            value = float(a.fill)
        array[...] = array.dtype.type(value)

    flat = array.reshape(-1)
    print(f"/dev/mapdev/{a.name}: {mapping.size()} bytes, "
          f"{array.dtype}{list(array.shape)}")
    print(f"min {flat.min()} max {flat.max()} mean {flat.mean():.6g}")
    if array.dtype.kind == "u":     # exact (modulo 2**64)
        total = int(flat.sum(dtype=np.uint64))
    elif array.dtype.kind == "i":
        total = int(flat.sum(dtype=np.int64))
    else:
        total = float(flat.sum())
    print(f"sum {total}")
    print("head " + " ".join(str(v) for v in flat[:a.head]))
    del flat, array  # before closing the mapping they view
    mapping.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
