"""Classes: inheritance, super(), properties, class and static methods."""


class Shape:
    count = 0

    def __init__(self, name):
        self.name = name
        Shape.count += 1

    def area(self):
        return 0

    def describe(self):
        return "%s with area %s" % (self.name, self.area())


class Rect(Shape):
    def __init__(self, w, h):
        super().__init__("rect")
        self._w = w
        self.h = h

    @property
    def w(self):
        return self._w

    @w.setter
    def w(self, value):
        self._w = value

    def area(self):
        return self.w * self.h

    @classmethod
    def square(cls, side):
        return cls(side, side)

    @staticmethod
    def unit():
        return 1


r = Rect(2, 3)
r.w = 5
sq = Rect.square(4)
print(r.describe(), sq.describe(), Rect.unit(), Shape.count)
print("EXIT-SUCCESS")
