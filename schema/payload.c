/* payload.c: not written yet */
