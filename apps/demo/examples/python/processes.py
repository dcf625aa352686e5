# The three-process example of Python's multiprocessing documentation.
import multiprocessing
import time


def worker(num):
    time.sleep(1)
    print(f"Worker: {num}")


if __name__ == "__main__":
    jobs = []
    for i in range(3):
        p = multiprocessing.Process(target=worker, args=(i,))
        jobs.append(p)
        p.start()
    for p in jobs:
        p.join()
