"""fd_numbers: the program sees the file descriptor numbers it would see
under plain python (the trace's own files keep out of its way)."""
import os

fds = [os.open(os.devnull, os.O_RDONLY) for _ in range(3)]
print("fds", fds)
for fd in fds:
    os.close(fd)
r, w = os.pipe()
print("pipe", r, w)
print("EXIT-SUCCESS")
