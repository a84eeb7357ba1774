"""Dict and sort crunching: word frequencies, group-by, multi-key sorts,
and joins between dicts of records."""
from _scale import scaled

WORDS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu "
         "nu xi omicron pi rho sigma tau upsilon phi chi psi omega").split()


def corpus(n, seed):
    x = seed
    out = []
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        out.append(WORDS[x % len(WORDS)])
    return out


def crunch(seed):
    words = corpus(40000, seed)
    freq = {}
    for w in words:
        freq[w] = freq.get(w, 0) + 1
    groups = {}
    for i, w in enumerate(words):
        groups.setdefault(w[0], []).append(i)
    ranked = sorted(freq.items(), key=lambda kv: (-kv[1], kv[0]))
    recs = [{"w": w, "n": n, "len": len(w)} for w, n in ranked]
    recs.sort(key=lambda r: (r["len"], -r["n"]))
    joined = {w: (freq[w], len(groups[w[0]])) for w in freq}
    return ranked[0][1] + sum(a * b for a, b in joined.values()) % 9973 + len(recs)


print(sum(crunch(s) for s in range(scaled(27))))
