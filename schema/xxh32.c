/* xxh32.c: not written yet */
