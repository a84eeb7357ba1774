"""Tight numeric loops: a prime sieve, a Mandelbrot grid, integer
accumulation. Nearly all events are line events in one frame, with a local
changing at each."""
from _scale import scaled


def sieve(n):
    flags = [True] * (n + 1)
    flags[0] = flags[1] = False
    i = 2
    while i * i <= n:
        if flags[i]:
            for j in range(i * i, n + 1, i):
                flags[j] = False
        i += 1
    count = 0
    for f in flags:
        if f:
            count += 1
    return count


def mandel(w, h, iters):
    inside = 0
    for y in range(h):
        ci = -1.2 + 2.4 * y / h
        for x in range(w):
            cr = -2.0 + 3.0 * x / w
            zr = zi = 0.0
            k = 0
            while k < iters and zr * zr + zi * zi < 4.0:
                zr, zi = zr * zr - zi * zi + cr, 2.0 * zr * zi + ci
                k += 1
            if k == iters:
                inside += 1
    return inside


def accumulate(n):
    acc = 0
    for i in range(n):
        acc = (acc + i * i) % 1000003
    return acc


n = scaled(8)
print(sieve(200000 * n), mandel(60 * n, 40, 60), accumulate(300000 * n))
