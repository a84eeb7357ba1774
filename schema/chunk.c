/* chunk.c: not written yet */
