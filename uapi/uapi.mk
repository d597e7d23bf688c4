# SPDX-License-Identifier: GPL-2.0
# check-headers: the uapi header and the public library headers compile on
# their own as C and as C++ with every warning an error, and the ABI layout
# assertions in uapi/tests/abi_layout.c hold. One result line per compile.
HEADER_CHECK_FLAGS := -Wall -Wextra -Werror -pedantic -fsyntax-only
HEADER_CHECKS := \
	"uapi header as C11|$(CC) -std=c11 -xc uapi/tests/abi_layout.c -Iuapi" \
	"uapi header as C++11|c++ -std=c++11 -xc++ uapi/tests/abi_layout.c -Iuapi" \
	"library headers as C11|$(CC) -std=c11 -xc uapi/tests/lib_headers.c -Iuapi -Ilib/include" \
	"library headers as C++11|c++ -std=c++11 -xc++ uapi/tests/lib_headers.c -Iuapi -Ilib/include"

.PHONY: check-headers
check-headers:
	@out=$(RESULTS)/headers.results; : >$$out; \
	for check in $(HEADER_CHECKS); do \
		name=$${check%%|*}; cmd=$${check#*|}; \
		if $$cmd $(HEADER_CHECK_FLAGS); then echo "PASS $$name" >>$$out; \
		else echo "FAIL $$name" >>$$out; fi; \
	done

NATIVE_CHECKS += check-headers
