/**
 * This thread's identity, as owner words and waiters record it: read from
 * the runtime (runtime.ts) once and cached, so `threadIdentity()` is one
 * compare on the hot path; and the hook through which the interleaving
 * explorer gives each of its logical threads an identity of its own.
 */
import { threadState } from "./runtime.js";

type Scope = Record<symbol, unknown>;

let cachedIdentity = 0;

/**
 * This thread's identity: never 0, fits in an int32, unique across the
 * threads of the runtime tree. The root thread is 1; workers started through
 * sabkit get one allocated by their parent; other threads get a fallback
 * identity at or above 2^30.
 *
 * @example
 * ```ts
 * Atomics.compareExchange(i32, OWNER, 0, threadIdentity()); // take ownership
 * ```
 */
export function threadIdentity(): number {
  if (cachedIdentity !== 0) return cachedIdentity;
  return uncachedIdentity();
}

/**
 * The slow path of {@link threadIdentity}: the first call, and every call
 * while an identity provider is installed (the provider keeps
 * `cachedIdentity` at 0, so the fast path above is unchanged: one compare).
 */
function uncachedIdentity(): number {
  if (identityProvider !== undefined) return identityProvider() ?? threadState().identity;
  cachedIdentity = threadState().identity;
  return cachedIdentity;
}

let identityProvider: (() => number | undefined) | undefined;

/** This copy of core's setter, registered in {@link IDENTITY_PROVIDERS_KEY}. */
function setThisCopysProvider(provider: (() => number | undefined) | undefined): void {
  identityProvider = provider;
  // 0 sends every call to uncachedIdentity (the provider); after removal
  // the next call caches the real identity again.
  cachedIdentity = 0;
}

/**
 * Where every copy of core loaded in this thread registers its identity
 * provider setter (a `Set` on `globalThis`), so that one call reaches the
 * source and the built copy alike. The interleaving explorer
 * (`@sabkit/test-utils/explorer`) uses it directly: test-utils does not
 * depend on core.
 */
export const IDENTITY_PROVIDERS_KEY: unique symbol = Symbol.for(
  "sabkit.runtime.identityProviders",
) as never;

{
  const scope = globalThis as unknown as Scope;
  let setters = scope[IDENTITY_PROVIDERS_KEY] as Set<typeof setThisCopysProvider> | undefined;
  if (setters === undefined) {
    setters = new Set();
    Object.defineProperty(globalThis, IDENTITY_PROVIDERS_KEY, {
      value: setters,
      configurable: true,
    });
  }
  setters.add(setThisCopysProvider);
}

/**
 * Internal, for tools that run several logical threads in one JS thread
 * (the interleaving explorer): while `provider` is installed,
 * `threadIdentity()` returns what it returns (the real identity when it
 * returns `undefined`), in every copy of core loaded in this thread. Pass
 * `undefined` to remove it. `isThreadAlive` is unchanged: give logical
 * threads identities in the fallback range (>= 2^30), whose liveness is
 * unknown, so no lock takes one over as dead.
 *
 * Production cost: none on the hot path. `threadIdentity()` still returns
 * its cached identity after one compare; the provider is consulted only
 * while installed (which keeps the cache empty).
 */
export function setThreadIdentityProvider(provider: (() => number | undefined) | undefined): void {
  if (provider !== undefined && typeof provider !== "function") {
    throw new TypeError(
      `setThreadIdentityProvider: provider must be a function or undefined, got ${typeof provider}`,
    );
  }
  const setters = (globalThis as unknown as Scope)[IDENTITY_PROVIDERS_KEY] as Set<
    typeof setThisCopysProvider
  >;
  for (const set of setters) set(provider);
}
