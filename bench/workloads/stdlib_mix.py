"""A stdlib-heavy program: re, collections, itertools, heapq, datetime,
decimal, fractions, textwrap, csv, statistics and dataclasses doing a
small report. Most time is spent in library frames, not the script."""
import csv
import datetime
import decimal
import fractions
import heapq
import io
import itertools
import re
import statistics
import textwrap
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from _scale import scaled


@dataclass(order=True)
class Sale:
    day: datetime.date
    region: str
    amount: decimal.Decimal


def sales(n):
    start = datetime.date(2020, 1, 1)
    regions = ["north", "south", "east", "west"]
    for i in range(n):
        yield Sale(start + datetime.timedelta(days=i % 365), regions[i % 4],
                   decimal.Decimal(i % 997) / decimal.Decimal(7))


def report(n):
    rows = list(sales(n))
    by_region = defaultdict(list)
    for s in rows:
        by_region[s.region].append(s.amount)
    buf = io.StringIO()
    wr = csv.writer(buf)
    for region, amounts in sorted(by_region.items()):
        wr.writerow([region, len(amounts), sum(amounts), statistics.median(amounts)])
    text = buf.getvalue()
    words = Counter(re.findall(r"[a-z]+", text * 50))
    top = heapq.nlargest(3, rows)
    window = deque(maxlen=5)
    for pair in itertools.islice(itertools.combinations(range(40), 2), 500):
        window.append(fractions.Fraction(pair[0] + 1, pair[1] + 1))
    wrapped = textwrap.fill(" ".join(w for w, _ in words.most_common()) * 20, 40)
    return len(text) + len(top) + sum(window).denominator % 1000 + len(wrapped)


print(sum(report(3000) for _ in range(scaled(35))))
