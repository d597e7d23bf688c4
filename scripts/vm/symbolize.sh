#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# symbolize.sh MODULE.ko BASE < text : annotate raw return addresses inside
# the module (printed after it was unloaded, e.g. in kmemleak backtraces)
# with "symbol+offset [module]". BASE is the module's load address from
# /proc/modules. The module loader places the executable non-init sections
# first, in section order, each at its alignment, which is what is rebuilt
# here. Module addresses share the top 32 bits (0xffffffff), so only the low
# 32 bits are compared (awk's numbers are doubles).
set -euo pipefail
ko=$1 base=$2
name=$(basename "$ko" .ko)

awk -v base="$base" -v mod="$name" -v secfile=<(readelf -SW "$ko") -v symfile=<(objdump -t "$ko") '
	function hex(s,   i, n, c) {
		n = 0; s = tolower(s)
		for (i = 1; i <= length(s); i++) {
			c = index("0123456789abcdef", substr(s, i, 1))
			if (c == 0) break
			n = n * 16 + c - 1
		}
		return n
	}
	function low32(s) { sub(/^0x/, "", s); return hex(substr(s, length(s) - 7)) }
	BEGIN {
		off = 0
		# "[Nr] Name Type Address Off Size ES Flg Lk Inf Al"; Nr may be "[ 3]".
		while ((getline line < secfile) > 0) {
			if (line !~ /^ *\[ *[0-9]+\]/) continue
			sub(/^ *\[ *[0-9]+\] */, "", line)
			split(line, f, /[ \t]+/)
			if (f[7] !~ /A/ || f[7] !~ /X/ || f[1] ~ /^\.init/) continue
			al = f[10] + 0
			if (al > 1 && off % al) off += al - off % al
			secoff[f[1]] = off
			off += hex(f[5])
		}
		textsize = off
		nsym = 0
		while ((getline line < symfile) > 0) {
			if (split(line, f, /[ \t]+/) < 6 || !(f[4] in secoff) || line !~ / F /) continue
			sym[++nsym] = secoff[f[4]] + hex(f[1]); symname[nsym] = f[6]
		}
		b = low32(base)
	}
	{
		out = ""; rest = $0
		while (match(rest, /(0x)?ffffffff[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]/)) {
			tok = substr(rest, RSTART, RLENGTH)
			out = out substr(rest, 1, RSTART + RLENGTH - 1)
			rest = substr(rest, RSTART + RLENGTH)
			a = low32(tok) - b
			if (a < 0 || a >= textsize) continue
			best = 0
			for (i = 1; i <= nsym; i++)
				if (sym[i] <= a && (best == 0 || sym[i] > sym[best])) best = i
			if (best)
				out = out sprintf(" (%s+0x%x [%s])", symname[best], a - sym[best], mod)
		}
		print out rest
	}'
