# tracerec-test: special (t0222: SIGTERM while tracerec finishes the trace)
"""A SIGTERM that comes while tracerec finishes the trace, as when a
multiprocessing pool terminates a worker that is ending: the trace is
finished first, then the process dies of the signal. The signal is sent
from within the finishing itself, through a stand-in for the recorder
whose stop() sends it, so that it comes while the window is open."""
import os
import signal

import tracerec._session


class KilledWhileClosing:
    def __init__(self, rec):
        self.rec = rec

    def __getattr__(self, name):
        return getattr(self.rec, name)

    def stop(self):
        self.rec.stop()
        os.kill(os.getpid(), signal.SIGTERM)


def finish_here():
    session = tracerec._session.current()
    session.rec = KilledWhileClosing(session.rec)


finish_here()
print("done", flush=True)
