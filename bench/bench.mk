# SPDX-License-Identifier: GPL-2.0 (placeholder; owner fills in)
