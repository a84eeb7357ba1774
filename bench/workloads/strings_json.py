"""String and JSON processing: build records, serialise, parse, and
transform text (split, join, format, case changes)."""
import json
from _scale import scaled


def make_record(i):
    return {"id": i, "name": "user%05d" % i, "tags": ["t%d" % (i % 7), "g%d" % (i % 3)],
            "score": (i * 37) % 101 / 7.0, "active": i % 2 == 0}


def transform(text):
    words = text.split()
    out = []
    for w in words:
        if w.isdigit():
            out.append(w[::-1])
        elif len(w) > 4:
            out.append(w.upper())
        else:
            out.append(w.capitalize())
    return " ".join(out)


total = 0
for rnd in range(scaled(20)):
    recs = [make_record(i + rnd) for i in range(3000)]
    blob = json.dumps(recs, sort_keys=True)
    back = json.loads(blob)
    total += sum(len(r["name"]) for r in back)
    for r in back[:1500]:
        line = "%(id)d %(name)s %(score).3f tagged with " % r + " and ".join(r["tags"])
        total += len(transform(line))
print(total)
