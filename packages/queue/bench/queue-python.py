# Python's multiprocessing.Queue moving small ints from one process to another;
# prints the rate as JSON (used by bench/index.ts as a reference row).
import json, multiprocessing as mp, sys, time

def consumer(q, n):
    for _ in range(n):
        q.get()

if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    payload = {"int": 42, "object": {"id": 12345, "name": "alpha", "tags": ["x", "y"], "score": 3.5}}[sys.argv[2] if len(sys.argv) > 2 else "int"]
    q = mp.Queue()
    p = mp.Process(target=consumer, args=(q, n))
    p.start()
    start = time.perf_counter()
    for _ in range(n):
        q.put(payload)
    p.join()
    elapsed = time.perf_counter() - start
    print(json.dumps({"messages": n, "seconds": elapsed, "perSecond": n / elapsed, "python": sys.version.split()[0]}))
