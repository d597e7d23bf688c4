# SPDX-License-Identifier: GPL-2.0
# Sourced after fixture.sh: operation sequences lisafs-fuse-test.sh runs in a
# copy of the test tree on a plain directory and on the mount, comparing
# their output and the trees afterwards.
ops_mv() {
	mv a/file1 empty/ && mv a/b "dir with space/" && mv dangling a/moved_link &&
		mv -f hardlink2 a/random.bin && mv "$(long_name)" "ütf8-ñame-✓/"
}
ops_rm() {
	rm -r "dir with space" && rm abs_link && ls
}
ops_ln() {
	ln sparse sparse-link && ln sparse-link sparse-link2 &&
		stat -c '%h %s' sparse sparse-link2 &&
		[ "$(stat -c %i sparse)" = "$(stat -c %i sparse-link2)" ]
}
ops_ln_s() {
	ln -s 'target with  space/../x' sl && ln -s "$(long_name)" sl-long &&
		readlink sl sl-long a/rel_link
}
ops_truncate() {
	truncate -s 12345 a/random.bin && truncate -s 3 sparse-link &&
		truncate -s 200000 empty/file1 && truncate -s 0 a/random.bin &&
		truncate -s 4097 a/random.bin && md5sum a/random.bin sparse empty/file1
}
ops_touch() {
	touch -d '1999-12-31 23:59:59.5' empty/file1 a && touch -d @1 sticky &&
		touch -d '2038-01-19 03:14:08' new-file && stat -c '%n %y' empty/file1 a sticky new-file
}
ops_chmod() {
	chmod 0751 a && chmod 0 new-file && chmod u+s,g+s sparse && chmod -R go-w a &&
		chown 1234:5678 new-file && chown -h 4321 a/rel_link &&
		stat -c '%n %a %u %g' a new-file sparse a/rel_link
}
