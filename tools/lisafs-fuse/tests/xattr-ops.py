#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""xattr-ops.py FILE: one sequence of xattr calls on FILE; prints each
result or errno message, so two files compare with cmp."""
import os, sys
f = sys.argv[1]
out = []
def step(fn, *a):
    try:
        r = fn(*a)
        out.append(repr(sorted(r) if isinstance(r, list) else r))
    except OSError as e:
        out.append(os.strerror(e.errno))
step(os.setxattr, f, 'user.a', b'v1')
step(os.setxattr, f, 'user.b', b'x' * 3000)
step(os.getxattr, f, 'user.a')
step(lambda: len(os.getxattr(f, 'user.b')))
step(os.listxattr, f)
step(os.setxattr, f, 'user.a', b'v2', os.XATTR_CREATE)
step(os.removexattr, f, 'user.a')
step(os.getxattr, f, 'user.a')
step(os.listxattr, f)
print('\n'.join(out))
