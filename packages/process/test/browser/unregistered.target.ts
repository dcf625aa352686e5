// A target that uses a Lock without importing @sabkit/lock/register: in a
// browser nothing can be imported by name, so revival must fail at once.
export function hold(lock: { tryAcquire(): boolean }): boolean {
  return lock.tryAcquire();
}
