"""Program atexit functions and a non-daemon thread still running when the
main code ends: both run before the trace is closed."""
import atexit
import threading

main_done = threading.Event()


def goodbye(who):
    print("goodbye", who)


def background():
    main_done.wait()
    n = 0
    for i in range(50):
        n += i
    print("background", n)


atexit.register(goodbye, "world")
threading.Thread(target=background, name="background").start()
print("main done", flush=True)
main_done.set()
