"""A small ray tracer: spheres, a plane, one light, shadows and one
reflection bounce, rendered to a grey-level checksum. Vector objects and
float maths, in the style of the classic benchmark."""
import math
from _scale import scaled


class V:
    __slots__ = ("x", "y", "z")

    def __init__(self, x, y, z):
        self.x, self.y, self.z = x, y, z

    def __add__(self, o):
        return V(self.x + o.x, self.y + o.y, self.z + o.z)

    def __sub__(self, o):
        return V(self.x - o.x, self.y - o.y, self.z - o.z)

    def __mul__(self, k):
        return V(self.x * k, self.y * k, self.z * k)

    def dot(self, o):
        return self.x * o.x + self.y * o.y + self.z * o.z

    def norm(self):
        return self * (1.0 / math.sqrt(self.dot(self)))


class Sphere:
    def __init__(self, c, r, refl):
        self.c, self.r, self.refl = c, r, refl

    def hit(self, orig, d):
        oc = orig - self.c
        b = oc.dot(d)
        disc = b * b - (oc.dot(oc) - self.r * self.r)
        if disc < 0:
            return None
        t = -b - math.sqrt(disc)
        return t if t > 1e-6 else None

    def normal(self, p):
        return (p - self.c).norm()


class Plane:
    refl = 0.0

    def hit(self, orig, d):
        if abs(d.y) < 1e-9:
            return None
        t = (-1.0 - orig.y) / d.y
        return t if t > 1e-6 else None

    def normal(self, p):
        return V(0.0, 1.0, 0.0)


SCENE = [Sphere(V(0.0, 0.0, 5.0), 1.0, 0.5), Sphere(V(1.8, -0.3, 6.0), 0.7, 0.2),
         Sphere(V(-1.6, 0.2, 4.5), 0.6, 0.0), Plane()]
LIGHT = V(-3.0, 5.0, 0.0)


def nearest(orig, d):
    best, obj = None, None
    for o in SCENE:
        t = o.hit(orig, d)
        if t is not None and (best is None or t < best):
            best, obj = t, o
    return best, obj


def trace(orig, d, depth):
    t, obj = nearest(orig, d)
    if obj is None:
        return 0.1
    p = orig + d * t
    n = obj.normal(p)
    to_l = (LIGHT - p).norm()
    shade = 0.1
    st, _ = nearest(p + n * 1e-4, to_l)
    if st is None:
        shade += max(0.0, n.dot(to_l)) * 0.9
    if depth > 0 and obj.refl > 0:
        r = d - n * (2 * d.dot(n))
        shade = shade * (1 - obj.refl) + trace(p + n * 1e-4, r.norm(), depth - 1) * obj.refl
    return shade


def render(w, h):
    eye = V(0.0, 0.0, 0.0)
    total = 0
    for j in range(h):
        for i in range(w):
            d = V((i - w / 2) / w, (h / 2 - j) / h, 1.0).norm()
            total += int(trace(eye, d, 1) * 255)
    return total


print(render(scaled(540), 80))
