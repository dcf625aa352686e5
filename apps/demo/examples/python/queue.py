# Producer/consumer over a multiprocessing Queue, with None as the sentinel
# that ends the consumer.
from multiprocessing import Process, Queue


def producer(q):
    for i in range(5):
        q.put(i)
    q.put(None)


def consumer(q):
    while True:
        item = q.get()
        if item is None:
            break
        print(f"consumed {item}")


if __name__ == "__main__":
    q = Queue()
    p = Process(target=producer, args=(q,))
    c = Process(target=consumer, args=(q,))
    p.start()
    c.start()
    p.join()
    c.join()
    print("done")
