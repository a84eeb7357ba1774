# tracerec-test: special (t2500: objects' fields, len(), type(), vars() in replay; it prints ids)
"""Objects and containers at a call whose recorded state replay shows. The
program prints, as one JSON line, what Python itself says of them, for the
test to compare with what replay prints at that call."""
import json


class Point:
    def __init__(self, x, y, label):
        self.x = x
        self.y = y
        self.label = label


class Wide:
    def __init__(self):
        self.first_field_name = "a fairly long string, value number one"
        self.second_field_name = "a fairly long string, value number two"
        self.count = 3


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self):
        self.a = 1


class ManySlots:
    # more members than the recorder lists inline per type (16)
    __slots__ = tuple("m%02d" % i for i in range(20))

    def __init__(self):
        for i, name in enumerate(self.__slots__):
            if i != 7:
                setattr(self, name, i * i)


def fields(obj):
    return ", ".join("%s=%r" % kv for kv in vars(obj).items())


def slot_fields(obj):
    return ", ".join("%s=%r" % (n, getattr(obj, n)) for n in type(obj).__slots__
                     if hasattr(obj, n))


def stop_here(pt, wide, sl, many, items, big, text):
    head = "<%s.%s object at %#x" % (type(wide).__module__, type(wide).__qualname__, id(wide))
    facts = {
        "p pt": "<__main__.Point object at %#x %s>" % (id(pt), fields(pt)),
        "p sl": "<__main__.Slotted object at %#x a=%r>" % (id(sl), sl.a),
        "p many": "<__main__.ManySlots object at %#x %s>" % (id(many), slot_fields(many)),
        "p vars(pt)": repr(vars(pt)),
        "p pt.__dict__": repr(pt.__dict__),
        "p vars(pt)['label']": repr(vars(pt)["label"]),
        "p len(items), len(big), len(text)": repr((len(items), len(big), len(text))),
        "p type(pt), type(big), type(text), type(sl), type(None)":
            repr((type(pt), type(big), type(text), type(sl), type(None))),
        "p len(big) == 100 and type(pt) != type(sl)": repr(len(big) == 100 and type(pt) != type(sl)),
        "pp wide": head + "\n " + ",\n ".join("%s=%r" % kv for kv in vars(wide).items()) + ">",
    }
    print(json.dumps(facts))
    return len(big)


stop_here(Point(1, 2.5, "a"), Wide(), Slotted(), ManySlots(), [1, 2, 3], list(range(100)),
          "h\u00e9llo")
