# tracerec-test: special (t0201: threads started while an audit hook runs Python code and the GIL changes hands every microsecond; CPython's own threading.settrace races there)
"""Threads started under an audit hook, with a switch interval of a
microsecond: the hook's bytecode gives the GIL up, so a new thread may run
to its end while another thread is giving it a trace function."""
import sys
import threading

sys.addaudithook(lambda name, args: None)
sys.setswitchinterval(1e-6)


def work():
    return sum(range(100))


for _ in range(150):
    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
print("ok")
