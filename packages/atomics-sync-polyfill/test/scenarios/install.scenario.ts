import { install, notify, waitAsync } from "../../src/index.js";
import { hasNativeWaitAsync } from "../../src/internal.js";

type WaitAsyncFn = (
  i32: Int32Array,
  index: number,
  value: number,
  timeout?: number,
) => { async: boolean; value: unknown };

const globalWaitAsync = () => (Atomics as unknown as { waitAsync: WaitAsyncFn }).waitAsync;

export async function installWhereMissing() {
  delete (Atomics as { waitAsync?: unknown }).waitAsync;
  const installReturns = typeof install();
  const installed = globalWaitAsync();
  install();
  const i32 = new Int32Array(new SharedArrayBuffer(8));
  const notEqual = globalWaitAsync()(i32, 0, 1, 100);
  const timedOutAtOnce = globalWaitAsync()(i32, 0, 0, 0);
  const pending = globalWaitAsync()(i32, 0, 0, 10_000);
  setTimeout(() => {
    Atomics.store(i32, 0, 1);
    notify(i32, 0);
  }, 30);
  const woken = await pending.value;
  const timedOut = await globalWaitAsync()(i32, 1, 0, 30).value;
  const forever = globalWaitAsync()(i32, 1, 0, Number.NaN);
  setTimeout(() => {
    Atomics.store(i32, 1, 1);
    notify(i32, 1);
  }, 30);
  const nanTimeoutMeansForever = await forever.value;
  // The package's own waitAsync must not take the polyfill for a native one.
  const own = waitAsync(i32, 1, 1, 10_000);
  setTimeout(() => {
    Atomics.store(i32, 1, 2);
    notify(i32, 1);
  }, 30);
  return {
    installedIsFunction: typeof installed === "function" && !hasNativeWaitAsync(),
    idempotent: globalWaitAsync() === installed,
    installReturns,
    notEqual,
    timedOutAtOnce,
    asyncFlag: pending.async,
    woken,
    timedOut,
    nanTimeoutMeansForever,
    packageWaitAsyncStillWorks: await own,
  };
}

export function installWhereNative(): boolean {
  const native = globalWaitAsync();
  install();
  return typeof native === "function" && globalWaitAsync() === native;
}
