# SPDX-License-Identifier: GPL-2.0
# Example programs on libmapdev, built by `make`; make demo runs grab.

EXAMPLES_OUT := $(BUILD)/examples
EXAMPLES := $(EXAMPLES_OUT)/grab $(EXAMPLES_OUT)/nvme

all: $(EXAMPLES)

$(EXAMPLES_OUT)/%: examples/%.c $(LIBMAPDEV_A)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARNFLAGS) $(CFLAGS) -o $@ $< $(LIBMAPDEV_A)
