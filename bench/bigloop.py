"""The program recorded to make bench/_data's large trace: a tight loop
whose events are almost all line events with one local changing, the
shape that dominates long recordings. BIG_EVENTS sets the target count
(two line events per iteration, plus a few calls)."""
import os


def loop(n):
    acc = 0
    for i in range(n):
        acc = (acc + i * i) % 1000003
    return acc


def main():
    events = int(os.environ.get("BIG_EVENTS", "50000000"))
    print(loop(events // 2))


main()
