"""Object-heavy simulation: particles, springs and a world stepping them,
with attribute reads and writes on many small objects."""
from _scale import scaled


class Vec:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def add(self, o):
        return Vec(self.x + o.x, self.y + o.y)

    def scale(self, k):
        return Vec(self.x * k, self.y * k)


class Particle:
    def __init__(self, i):
        self.pos = Vec(i % 17, i % 13)
        self.vel = Vec((i % 5) - 2, (i % 7) - 3)
        self.mass = 1 + i % 3

    def step(self, dt, gravity):
        self.vel = self.vel.add(gravity.scale(dt))
        self.pos = self.pos.add(self.vel.scale(dt))
        if self.pos.y < 0:
            self.pos = Vec(self.pos.x, -self.pos.y)
            self.vel = Vec(self.vel.x, -self.vel.y * 0.9)


class World:
    def __init__(self, n):
        self.particles = [Particle(i) for i in range(n)]
        self.gravity = Vec(0.0, -9.8)

    def step(self, dt):
        for p in self.particles:
            p.step(dt, self.gravity)

    def energy(self):
        return sum(0.5 * p.mass * (p.vel.x ** 2 + p.vel.y ** 2) for p in self.particles)


w = World(200)
for _ in range(scaled(1500)):
    w.step(0.01)
print(round(w.energy(), 6))
