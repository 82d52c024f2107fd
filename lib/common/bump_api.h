/* SPDX-License-Identifier: MIT */
/*
 * bump_api.h - what libbump exports.  The library is built with hidden
 * visibility: only declarations marked BUMP_API in the installed headers
 * are part of its ABI, the rest (slow paths of other files, the vfio
 * container's internals) stays inside, as liburing's map and DPDK's
 * version.map keep theirs.  test/unit/test_symbols.py checks that the two
 * sets agree.
 */
#ifndef BUMP_API_H
#define BUMP_API_H

#define BUMP_API __attribute__((visibility("default")))

#endif /* BUMP_API_H */
