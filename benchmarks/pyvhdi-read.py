#!/usr/bin/python3
"""pyvhdi (libvhdi) contender for benchmarks/compare.sh. Debian's /usr/bin/python3 with python3-libvhdi.

usage: pyvhdi-read.py seq|rand|open OFFSETS_FILE BASE [CHILD ...]
Opens the chain base first, linking each child to its parent with set_parent, then reads the whole disk in
1 MiB reads (seq), 4 KiB at each offset in OFFSETS_FILE (rand), or nothing (open). Prints the seconds the
workload took in-process (opening included only for 'open').
"""
import sys
import time

import pyvhdi

mode, offsets_file, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
start = time.perf_counter()
files = []
for path in paths:
    f = pyvhdi.file()
    f.open(path)
    if files:
        f.set_parent(files[-1])
    files.append(f)
leaf = files[-1]
if mode == "open":
    print(f"{time.perf_counter() - start:.6f}")
    sys.exit(0)
start = time.perf_counter()
if mode == "seq":
    size, offset, chunk = leaf.get_media_size(), 0, 1024 * 1024
    while offset < size:
        leaf.read_buffer_at_offset(min(chunk, size - offset), offset)
        offset += chunk
else:
    with open(offsets_file) as lines:
        for line in lines:
            leaf.read_buffer_at_offset(4096, int(line))
print(f"{time.perf_counter() - start:.6f}")
