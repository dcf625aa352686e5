/**
 * The link between test-utils' workers and @sabkit/core's runtime (thread
 * identities and the liveness table behind owner-death detection), made
 * through well-known global symbols so that test-utils does not import core
 * (core's own tests use test-utils).
 *
 * Parent side: when core is loaded it publishes `SPAWN_HOOK` on globalThis.
 * `spawnChild()` allocates the child's identity and returns what the child
 * needs (`data`, structured-cloneable) and `onExit`, to be called once when
 * the child worker has exited for any reason.
 *
 * Child side: the worker bootstrap stores `data` under `INHERITED_KEY` before
 * any user module loads; core reads it when it initialises.
 */
export const SPAWN_HOOK = Symbol.for("sabkit.runtime.spawn");
export const INHERITED_KEY = Symbol.for("sabkit.runtime.inherited");

export interface SpawnedChild {
  readonly data: unknown;
  onExit(exitCode: number): void;
}

export interface SpawnHook {
  spawnChild(name?: string): SpawnedChild;
}

export function spawnHook(): SpawnHook | undefined {
  return (globalThis as Record<symbol, SpawnHook | undefined>)[SPAWN_HOOK];
}
