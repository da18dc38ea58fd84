# SPDX-License-Identifier: LGPL-2.1-or-later
#
# libmapdev: built as $(BUILD)/lib/libmapdev.a and libmapdev.so.0, with a
# pkg-config file.  Included by the top Makefile; paths are relative to it.

LIBMAPDEV_VERSION := 0.1.0
LIBMAPDEV_SOVERSION := 0

LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

LIB_OUT := $(BUILD)/lib
LIB_SRCS := lib/misc.c lib/device.c lib/bufctl.c lib/devnames.c lib/pci.c \
	lib/maps.c lib/smaps.c
LIB_OBJS := $(patsubst lib/%.c,$(LIB_OUT)/obj/%.o,$(LIB_SRCS))

LIBMAPDEV_A := $(LIB_OUT)/libmapdev.a
LIBMAPDEV_SONAME := libmapdev.so.$(LIBMAPDEV_SOVERSION)
LIBMAPDEV_SO := $(LIB_OUT)/libmapdev.so.$(LIBMAPDEV_VERSION)
LIBMAPDEV_PC := $(LIB_OUT)/mapdev.pc

.PHONY: lib install-lib

all: lib
lib: $(LIBMAPDEV_A) $(LIB_OUT)/$(LIBMAPDEV_SONAME) $(LIB_OUT)/libmapdev.so \
	$(LIBMAPDEV_PC)

$(LIB_OUT)/obj/%.o: lib/%.c lib/lib.mk
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARNFLAGS) -fPIC -MMD -MP -c -o $@ $<

-include $(LIB_OBJS:.o=.d)

$(LIBMAPDEV_A): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(LIBMAPDEV_SO): $(LIB_OBJS) lib/libmapdev.map
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(LIBMAPDEV_SONAME) \
		-Wl,--version-script=lib/libmapdev.map -Wl,-z,defs \
		-o $@ $(LIB_OBJS)

$(LIB_OUT)/$(LIBMAPDEV_SONAME): $(LIBMAPDEV_SO)
	ln -sf $(notdir $<) $@

$(LIB_OUT)/libmapdev.so: $(LIB_OUT)/$(LIBMAPDEV_SONAME)
	ln -sf $(notdir $<) $@

# The installed <mapdev.h> includes <linux/mapdev.h>, which goes to
# $(INCLUDEDIR)/mapdev/linux/; Cflags points there.  The file is written
# again whenever the directories it names change.
define LIBMAPDEV_PC_TEXT
prefix=$(PREFIX)
libdir=$(LIBDIR)
includedir=$(INCLUDEDIR)

Name: mapdev
Description: user-space library for mapdev devices and /proc/PID/maps
Version: $(LIBMAPDEV_VERSION)
Libs: -L$${libdir} -lmapdev
Cflags: -I$${includedir} -I$${includedir}/mapdev
endef
export LIBMAPDEV_PC_TEXT

$(LIBMAPDEV_PC): FORCE
	@mkdir -p $(@D)
	@printf '%s\n' "$$LIBMAPDEV_PC_TEXT" > $@.tmp
	@if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; \
		echo "  GEN     $@"; fi

.PHONY: FORCE
FORCE:

install: install-lib
install-lib: lib
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/mapdev/linux \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man3
	install -m 644 $(LIBMAPDEV_A) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(LIBMAPDEV_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(LIBMAPDEV_SO)) $(DESTDIR)$(LIBDIR)/$(LIBMAPDEV_SONAME)
	ln -sf $(LIBMAPDEV_SONAME) $(DESTDIR)$(LIBDIR)/libmapdev.so
	install -m 644 lib/include/mapdev.h $(DESTDIR)$(INCLUDEDIR)/mapdev.h
	install -m 644 include/uapi/linux/mapdev.h \
		$(DESTDIR)$(INCLUDEDIR)/mapdev/linux/mapdev.h
	install -m 644 $(LIBMAPDEV_PC) $(DESTDIR)$(PKGCONFIGDIR)/mapdev.pc
	install -m 644 docs/man/libmapdev.3 $(DESTDIR)$(MANDIR)/man3/
