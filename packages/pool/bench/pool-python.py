# Python's multiprocessing.Pool on the same scenarios; prints one JSON line of rates.
import json
import sys
import time
from multiprocessing import Pool


def square(x):
    return x * x


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    processes = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    out = {}
    with Pool(processes) as pool:
        pool.map(square, range(1000))  # warm up
        start = time.perf_counter()
        results = [pool.apply_async(square, (i,)) for i in range(n)]
        for r in results:
            r.get()
        out["apply_async"] = n / (time.perf_counter() - start)
        start = time.perf_counter()
        pool.map(square, range(n), chunksize=1)
        out["map_chunksize_1"] = n / (time.perf_counter() - start)
        rates = []
        for _ in range(5):
            start = time.perf_counter()
            pool.map(square, range(n))
            rates.append(n / (time.perf_counter() - start))
        out["map_default_chunksize"] = max(rates)
        # The mean time of the 5 runs, as a rate (what tinybench's mean time/op gives).
        out["map_default_chunksize_mean"] = n * len(rates) / sum(n / r for r in rates)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
