# Two processes take two locks in opposite orders: the nearest Python to
# deadlock.ts. Python has no deadlock detector and no Lock.all: a lock
# acquired with no timeout would wait for ever, so B-then-A waits with a
# timeout and reports the cycle it knows by construction; the fix takes the
# locks in one global order (here: by name), which is what Lock.all does.
from multiprocessing import Barrier, Lock, Process

NAMES = ["A-then-B", "B-then-A"]


def broken(me, first, second, ready):
    first_name, second_name = ("A", "B") if me == 0 else ("B", "A")
    with first:
        ready.wait()
        if second.acquire(timeout=None if me == 0 else 1):
            try:
                print(f"{NAMES[me]} took {first_name} then {second_name}", flush=True)
            finally:
                second.release()
        else:
            other = NAMES[1 - me]
            print(
                f"{NAMES[me]} got DeadlockError: "
                f'{NAMES[me]} waits for lock "{second_name}" held by {other}; '
                f'{other} waits for lock "{first_name}" held by {NAMES[me]}',
                flush=True,
            )


def fixed(me, first, second, ready):
    first_name, second_name = ("A", "B") if me == 0 else ("B", "A")
    ready.wait()
    ordered = [lock for _, lock in sorted([(first_name, first), (second_name, second)])]
    with ordered[0], ordered[1]:
        print(f"{NAMES[me]} took {first_name} and {second_name}", flush=True)


def run(phase, a, b):
    ready = Barrier(3)
    processes = [
        Process(target=phase, args=(0, a, b, ready)),
        Process(target=phase, args=(1, b, a, ready)),
    ]
    for p in processes:
        p.start()
    ready.wait()
    for p in processes:
        p.join()


if __name__ == "__main__":
    print("opposite orders, deadlock detection on:", flush=True)
    run(broken, Lock(), Lock())
    print("Lock.all:", flush=True)
    run(fixed, Lock(), Lock())
