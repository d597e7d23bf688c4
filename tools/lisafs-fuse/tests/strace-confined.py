#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""strace-confined.py LOG COMM EXPORT [PATH...]: reads `strace -f -Y -y` output and
checks that every path the process named COMM resolved lies inside EXPORT:
an absolute path must be under it, a relative one must hang off a directory
fd under it (never the working directory), and every fd it opened must name
a file under it. The server reopens inodes it holds through /proc/self/fd/N:
such a name counts as the file fd N was opened on (strace -y shows that).
The PATHs are the server's own configuration (its listening socket), which
it may name at any time.
Start-up (the dynamic loader, the listening socket) is not serving anyone:
the check starts with the first lookup below a directory fd in EXPORT.
Prints the offending lines; exits 1 if there is one, or if COMM resolved
nothing at all (then the check could not have failed)."""
import re
import sys

log, comm, export = sys.argv[1], sys.argv[2], sys.argv[3].rstrip('/')
own = tuple(sys.argv[4:])

# syscall -> the argument positions of its (dirfd, path) pairs; a None dirfd
# means the working directory.
PAIRS = {
    'openat': [(0, 1)], 'openat2': [(0, 1)], 'newfstatat': [(0, 1)],
    'statx': [(0, 1)], 'mkdirat': [(0, 1)], 'unlinkat': [(0, 1)],
    'mknodat': [(0, 1)], 'fchmodat': [(0, 1)], 'fchownat': [(0, 1)],
    'utimensat': [(0, 1)], 'readlinkat': [(0, 1)], 'faccessat': [(0, 1)],
    'faccessat2': [(0, 1)], 'name_to_handle_at': [(0, 1)],
    'fgetxattr': [], 'renameat': [(0, 1), (2, 3)],
    'renameat2': [(0, 1), (2, 3)], 'linkat': [(0, 1), (2, 3)],
    'symlinkat': [(1, 2)],
    'open': [(None, 0)], 'creat': [(None, 0)], 'stat': [(None, 0)],
    'lstat': [(None, 0)], 'access': [(None, 0)], 'chdir': [(None, 0)],
    'execve': [(None, 0)], 'truncate': [(None, 0)], 'mkdir': [(None, 0)],
    'unlink': [(None, 0)], 'rmdir': [(None, 0)], 'readlink': [(None, 0)],
    'getxattr': [(None, 0)], 'lgetxattr': [(None, 0)],
}
# Not files of the export, but nothing a client names either.
ALLOWED = ('/dev/flipcall', '/memfd:', '/dev/null')

line_re = re.compile(r'^\d+<([^>]*)>\s+(\w+)\((.*)\)\s+=\s+(-?\d+|\?)(<[^>]*>)?')
proc_fd_re = re.compile(r'^/proc/(self|\d+)/fd(/(\d+))?$')
fds = {}	# fd -> the path strace showed when it was opened


def split_args(s):
    args, cur, quoted, esc, depth = [], '', False, False, 0
    for ch in s:
        if quoted:
            cur += ch
            if esc:
                esc = False
            elif ch == '\\':
                esc = True
            elif ch == '"':
                quoted = False
            continue
        if ch == '"':
            quoted = True
        elif ch in '[{(<':
            depth += 1
        elif ch in ']})>':
            depth -= 1
        elif ch == ',' and depth == 0:
            args.append(cur.strip())
            cur = ''
            continue
        cur += ch
    args.append(cur.strip())
    return args


def inside(path):
    return (path == export or path.startswith(export + '/') or
            path.startswith(ALLOWED) or path in own)


def fd_path(arg):
    m = re.match(r'^-?\d+<(.*)>(\(deleted\))?$', arg)
    return m.group(1) if m else None


def resolved(path):
    """A /proc/self/fd/N name is the file of fd N; anything else as is."""
    m = proc_fd_re.match(path)
    if m and m.group(3):
        return fds.get(int(m.group(3)), path)
    return path


def confined(dirfd, path):
    path = path[1:-1].encode().decode('unicode_escape')
    if path.startswith('/'):
        return proc_fd_re.match(path) is not None and not \
            proc_fd_re.match(path).group(3) or inside(resolved(path))
    if dirfd is None or dirfd == 'AT_FDCWD':
        return False
    p = fd_path(dirfd)
    if p is None:
        return False
    if proc_fd_re.match(p) and path.isdigit():
        return inside(fds.get(int(path), p))
    return inside(p)


def whole_lines(f):
    """Joins the halves strace prints when other threads interleave."""
    pending = {}
    for line in f:
        line = line.rstrip('\n')
        m = re.match(r'^(\d+<[^>]*>)\s+(.*) <unfinished \.\.\.>$', line)
        if m:
            pending[m.group(1)] = m.group(2)
            continue
        m = re.match(r'^(\d+<[^>]*>)\s+<\.\.\. \w+ resumed>(.*)$', line)
        if m and m.group(1) in pending:
            line = m.group(1) + ' ' + pending.pop(m.group(1)) + m.group(2)
        yield line


bad, seen, serving = [], 0, False
with open(log, errors='replace') as f:
    for line in whole_lines(f):
        m = line_re.match(line)
        if not m or m.group(1) != comm:
            continue
        if not serving:
            first = split_args(m.group(3))[0]
            serving = (m.group(2) in PAIRS and fd_path(first) is not None and
                       inside(fd_path(first)) and not
                       fd_path(first).startswith(ALLOWED))
        ret = m.group(5)
        if not serving:
            if ret and ret[1:].startswith('/') and m.group(4).isdigit():
                fds[int(m.group(4))] = ret[1:-1]
            continue
        if ret and ret[1:].startswith('/') and m.group(4).isdigit():
            fds[int(m.group(4))] = ret[1:-1]
            if not (inside(ret[1:-1]) or proc_fd_re.match(ret[1:-1])):
                bad.append(line.rstrip())
        if m.group(2) not in PAIRS:
            continue
        args = split_args(m.group(3))
        for d, p in PAIRS[m.group(2)]:
            if p >= len(args) or not args[p].startswith('"'):
                continue
            seen += 1
            if not confined(None if d is None else args[d], args[p]):
                bad.append(line.rstrip())
for b in bad[:20]:
    print('outside the export: ' + b)
print('%d path lookups by %s, %d outside %s' % (seen, comm, len(bad), export))
sys.exit(1 if bad or seen == 0 else 0)
