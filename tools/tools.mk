# SPDX-License-Identifier: GPL-2.0
#
# The mapdev command, linked statically against libmapdev.a so it runs in
# the test VM (and anywhere) without the shared library installed.
# Included by the top Makefile after lib/lib.mk.

TOOLS_OUT := $(BUILD)/tools
TOOLS_SRCS := tools/mapdev.c tools/common.c tools/cmd_buf.c \
	tools/cmd_mem.c tools/cmd_maps.c tools/cmd_pci.c
TOOLS_SRCS += tools/cmd_grab.c
TOOLS_OBJS := $(patsubst tools/%.c,$(TOOLS_OUT)/obj/%.o,$(TOOLS_SRCS))
MAPDEV_TOOL := $(TOOLS_OUT)/mapdev

.PHONY: tools install-tools

all: tools
tools: $(MAPDEV_TOOL)

$(TOOLS_OUT)/obj/%.o: tools/%.c tools/tools.mk
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARNFLAGS) -MMD -MP -c -o $@ $<

-include $(TOOLS_OBJS:.o=.d)

$(MAPDEV_TOOL): $(TOOLS_OBJS) $(LIBMAPDEV_A)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(TOOLS_OBJS) $(LIBMAPDEV_A)

install: install-tools
install-tools: tools
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(MAPDEV_TOOL) $(DESTDIR)$(BINDIR)/mapdev
	install -m 644 docs/man/mapdev.1 $(DESTDIR)$(MANDIR)/man1/

# The CLI tests (host and VM) run the built tool.
host-check vm-check: $(MAPDEV_TOOL)
