#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# in-chroot.sh RELEASE VERSION : run by check-deb.sh inside the throw-away
# Debian root, with our .debs, the example sources and the debian/ files
# they were built from in /tmp/flipcall. Prints PASS/FAIL/NOTE lines and
# leaves the module DKMS built in /tmp/flipcall/.
#   RELEASE  Debian's kernel (its headers are installed): DKMS must have
#            built flipcall VERSION for it
set -uo pipefail
release=$1 version=$2
dir=/tmp/flipcall
export PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C
cd "$dir" || exit 1

# check NAME COMMAND...: PASS or FAIL with the command's last output lines.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		echo "PASS $name"
	else
		echo "FAIL $name"
		echo "$out" | tail -5 | sed 's/^/# /'
	fi
}

# The running kernel is the host's: its headers are not here, so the
# packages' maintainer scripts build for none and the kernel hook (what a
# kernel upgrade runs) builds for Debian's kernel, as AUTOINSTALL says.
check "dpkg -i of $(cd debs && ls ./*.deb | sed 's|^\./||; s|_.*||' | tr '\n' ' ')" \
	dpkg -i debs/*.deb
if ! dkms status -k "$release" 2>/dev/null | grep -q installed; then
	echo "NOTE dkms: nothing installed for $release by dpkg -i; running the kernel hook"
	/etc/kernel/postinst.d/dkms "$release" >/dev/null 2>&1
fi
status=$(dkms status 2>&1)
echo "$status" | sed 's/^/NOTE dkms status: /'
check "dkms status: flipcall/$version built and installed for $release" \
	grep -q "^flipcall/$version, $release, [^:]*: installed" <<<"$status"
check "dkms: flipcall.ko under /lib/modules/$release" \
	sh -c "find /lib/modules/$release -name 'flipcall.ko*' | grep -q ."
check "modinfo: the DKMS module has the dev_mode option" \
	sh -c "modinfo -k $release -F parm flipcall | grep -q '^dev_mode:'"

check "postinst: system group flipcall exists" getent group flipcall
check "udev rule installed as shipped" \
	cmp /lib/udev/rules.d/60-flipcall-dkms.rules flipcall-dkms.udev
check "modprobe.d options installed as shipped" \
	cmp /etc/modprobe.d/flipcall-dkms.conf flipcall-dkms.modprobe

check "pkg-config --libs flipcall is -lflipcall" \
	test "$(echo $(pkg-config --libs flipcall 2>&1))" = "-lflipcall"
check "pkg-config --cflags flipcall finds the headers" \
	sh -c 'test -f "$(pkg-config --variable=includedir flipcall)/flipcall/flipcall.h"'
# shellcheck disable=SC2046 # pkg-config prints words
check "the example client and server build with pkg-config" \
	sh -c 'for p in client server; do
		gcc -Wall -Werror -D_GNU_SOURCE -o /tmp/$p examples/flipcall-$p.c \
			$(pkg-config --cflags --libs flipcall) || exit 1; done'
check "the examples link the installed libflipcall.so.1" \
	sh -c 'ldd /tmp/client | grep -Eq "libflipcall.so.1 => (/usr)?/lib/[^ ]*/libflipcall.so.1"'
# No module in a chroot: the futex transport, across two processes.
check "the example pair exchanges a message through the installed library" \
	sh -c '/tmp/server -f /tmp/ex.sock >/tmp/server.out 2>&1 &
		for i in $(seq 50); do [ -S /tmp/ex.sock ] && break; sleep 0.1; done
		/tmp/client /tmp/ex.sock hello >/tmp/client.out 2>&1 &&
		wait && grep -qx "client: HELLO" /tmp/client.out'

# Every installed program runs against the installed shared libraries.
for prog in $(dpkg -L flipcall-tools | grep -E '^/usr/s?bin/.'); do
	check "$prog links the shared libraries and starts" \
		sh -c "ldd $prog | grep -q libc.so && ! ldd $prog | grep -q 'not found' &&
			{ timeout 5 $prog --help >/dev/null 2>&1 </dev/null; [ \$? -lt 126 ]; }"
done
check "urpc-call links the shared libflipcall" \
	sh -c 'ldd /usr/bin/urpc-call | grep -q libflipcall.so.1'

# The module DKMS built goes to the VM stage (check-deb.sh takes it from
# here); then removal must take it out of DKMS and /lib/modules.
find "/lib/modules/$release" -name 'flipcall.ko*' -exec cp {} "$dir/" \;
check "dpkg --purge of all four" \
	dpkg --purge flipcall-tools libflipcall-dev libflipcall1 flipcall-dkms
check "after the purge: no flipcall in dkms status or /lib/modules" \
	sh -c '! dkms status 2>&1 | grep -q flipcall &&
		! find /lib/modules -name "flipcall.ko*" | grep -q .'
exit 0
