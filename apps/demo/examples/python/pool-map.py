# The Pool example of Python's multiprocessing documentation, plus the seed's
# pool.map(square, range(10)) on the same pool.
from multiprocessing import Pool


def f(x):
    return x * x


if __name__ == "__main__":
    with Pool(5) as p:
        print(p.map(f, [1, 2, 3]))
        print(p.map(f, range(10)))
