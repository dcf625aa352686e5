/**
 * Deadlock detection: naming locks and threads, and walking the wait-for
 * graph that waiting threads publish in core's runtime (`setWaitingFor`).
 *
 * A thread T waiting for lock L publishes (key of L, owner it saw). The walk
 * starts at the caller: its lock's owner U0, what U0 waits for and its owner
 * U1, … until it comes back to the caller (a cycle through the caller) or
 * reaches a thread that waits for nothing. The walk is bounded (MAX_HOPS)
 * and reads each entry once; the entries of other threads may be stale, so
 * the lock's slow path acts only on a cycle it sees twice, a slice apart.
 */
import { DeadlockError } from "@sabkit/core";
import { threadName, waitingFor } from "@sabkit/core/internal";

/** Longest cycle followed (more threads than this in one cycle are not reported). */
export const MAX_HOPS = 64;

// Names of the locks this thread has created or revived, by wait-for key.
const names = new Map<number, string>();

/** Remembers a lock's label for messages in this thread. */
export function rememberLock(key: number, label: string): void {
  names.set(key, label);
}

/** `lock "db"` for a named lock, `lock #1a2b3c4d` otherwise. */
export function lockLabel(key: number, name: string | undefined): string {
  return name !== undefined ? `lock "${name}"` : `lock #${(key >>> 0).toString(16)}`;
}

function lockName(key: number): string {
  return names.get(key) ?? lockLabel(key, undefined);
}

/** The thread's name (its Process's `name`) when it was given one, else `main thread (1)` or `thread 5`. */
export function threadLabel(identity: number): string {
  return threadName(identity) ?? (identity === 1 ? "main thread (1)" : `thread ${identity}`);
}

export interface Cycle {
  /** Identities of the threads in the cycle, starting with the caller. */
  readonly threads: readonly number[];
  /** One line per thread: who waits for which lock, held by whom. */
  readonly description: readonly string[];
  error(): DeadlockError;
}

/**
 * Labels of the threads of one cycle: each thread's label (see threadLabel), with
 * ` (thread <identity>)` added where two threads of the cycle would read the same.
 */
function cycleLabels(threads: readonly number[]): Map<number, string> {
  const plain = threads.map((id) => threadLabel(id));
  const labels = new Map<number, string>();
  threads.forEach((id, i) => {
    const label = plain[i] as string;
    const shared = plain.filter((other) => other === label).length > 1;
    labels.set(id, shared ? `${label} (thread ${id})` : label);
  });
  return labels;
}

/** The cycle through `me` (waiting for lock `key` held by `owner`), if the published waits form one. */
export function findCycle(me: number, key: number, owner: number): Cycle | undefined {
  const threads = [me];
  const locks = [key];
  let current = owner;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    if (current === me) {
      // Described only once found: the walk itself runs on every slice of a wait.
      const labels = cycleLabels(threads);
      const description = threads.map(
        (thread, i) =>
          `${labels.get(thread)} waits for ${lockName(locks[i] as number)} held by ${labels.get(threads[(i + 1) % threads.length] as number)}`,
      );
      return {
        threads,
        description,
        error: () =>
          new DeadlockError(
            description,
            `deadlock: ${description.join("; ")}. Acquire locks in one global order ` +
              "(Lock.all does it for you), or release what you hold before waiting",
          ),
      };
    }
    if (threads.includes(current)) return undefined; // a cycle that does not include us
    const wait = waitingFor(current);
    if (wait === undefined) return undefined;
    threads.push(current);
    locks.push(wait.lockKey);
    current = wait.owner;
  }
  return undefined;
}

/** A non-recursive lock acquired again by its owner: it would wait for itself for ever. */
export function selfDeadlock(info: { what: string; label: string }, me: number): DeadlockError {
  const line = `${threadLabel(me)} holds ${info.label} and waits for it`;
  return new DeadlockError(
    [line],
    `deadlock: ${line} (${info.what}): a Lock is not recursive; release it first, or use an RLock`,
  );
}
