# SPDX-License-Identifier: GPL-2.0 (placeholder: the fuzzer's build rules and 'make fuzz')
