"""Python's Manager().dict() from 2 processes: N get/set ops each (half get, half set) on 1,000 keys.

Usage: python3 dict-python.py N  -> prints {"perSecond": total ops / wall seconds}
"""
import json
import sys
import time
from multiprocessing import Manager, Process


def work(d, n, w):
    for i in range(n):
        key = "k%d" % ((i * 7 + w) % 1000)
        if i & 1:
            d[key] = i
        else:
            d.get(key)


if __name__ == "__main__":
    n = int(sys.argv[1])
    with Manager() as manager:
        d = manager.dict()
        for k in range(1000):
            d["k%d" % k] = 0
        procs = [Process(target=work, args=(d, n, w)) for w in range(2)]
        start = time.perf_counter()
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        elapsed = time.perf_counter() - start
    print(json.dumps({"perSecond": 2 * n / elapsed}))
