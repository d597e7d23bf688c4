# SPDX-License-Identifier: GPL-2.0
# Each tool lives in tools/<name>/ with its own <name>.mk fragment.
include $(sort $(wildcard tools/*/*.mk))
