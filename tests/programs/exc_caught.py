"""Exceptions raised and caught at several depths."""


def parse(text):
    return int(text)


def safe_parse(text):
    try:
        value = parse(text)
    except ValueError as e:
        value = -1
        msg = str(e)
        print("caught:", msg)
    return value


def lookup(d, k):
    try:
        return d[k]
    except KeyError:
        return None


print(safe_parse("12"), safe_parse("x1"), lookup({"a": 1}, "a"), lookup({}, "b"))
print("EXIT-SUCCESS")
