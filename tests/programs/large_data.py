"""Values larger than the recorder's bounds: long strings, big containers,
deep nesting, huge ints."""


def build():
    big_list = list(range(1000))
    big_dict = {i: str(i) for i in range(100)}
    long_str = "ab" * 1000
    deep = [[[[[["bottom"]]]]]]
    huge = 7 ** 200
    raw = bytes(range(256)) * 4
    return len(big_list), len(big_dict), len(long_str), deep, huge % 1000, len(raw)


print(build())
print("EXIT-SUCCESS")
