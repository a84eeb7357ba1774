# tracerec-test: special (t0201: threads that set a trace function of their own or none while other threads start)
"""Two threads take the recorder's trace function away, one for a trace
function of its own and one for none, then wait while three more threads
start: starting them must not give the recorder's trace function back to
the first two (3.13's only setter for other threads sets every thread)."""
import sys
import threading

seen = []


def tracer(frame, event, arg):
    if frame.f_code.co_name == "counted":
        seen.append(event)
    return tracer


def counted(n):
    total = 0
    for i in range(n):
        total += i
    return total


ready = threading.Barrier(3)
go = threading.Event()


def own():
    sys.settrace(tracer)
    ready.wait()
    go.wait()
    counted(2)
    sys.settrace(None)


def off():
    sys.settrace(None)
    ready.wait()
    go.wait()
    counted(2)


first = [threading.Thread(target=own), threading.Thread(target=off)]
for t in first:
    t.start()
ready.wait()
others = [threading.Thread(target=counted, args=(3,)) for _ in range(3)]
for t in others:
    t.start()
for t in others:
    t.join()
go.set()
for t in first:
    t.join()
print(seen)
