// Type-checked, never run: what a user's code writes against the published
// .d.ts files, from the umbrella package and from single packages. The
// expected errors below must stay errors: declarations that degrade to `any`
// would leave their directives unused, which tsc reports.
import { waitSync } from "@sabkit/atomics-sync-polyfill";
import { TimeoutError, type WaitOptions } from "@sabkit/core";
import { Lock } from "@sabkit/lock";
import { Pool } from "@sabkit/pool";
import { Queue } from "@sabkit/queue";
import * as sabkit from "sabkit";

const options: WaitOptions = { timeout: 10 };

const lock: sabkit.Lock = new Lock({ name: "types" });
const guard = lock.acquire(options);
guard.release();

const queue = new Queue<{ n: number }>({ maxSize: 4 });
queue.put({ n: 1 });
const item: { n: number } = queue.get(options);
// @ts-expect-error: the queue carries { n: number }
queue.put("not an item");

const word = new Int32Array(new SharedArrayBuffer(4));
const woke: "ok" | "not-equal" | "timed-out" = waitSync(word, 0, 0, 0);

const pool = new Pool<typeof import("./tasks.js")>(new URL("./tasks.js", import.meta.url));
const squared: Promise<number> = pool.apply("square", [item.n]);
// @ts-expect-error: square takes a number
void pool.apply("square", ["2"]);
// @ts-expect-error: cube is not an exported task
void pool.apply("cube", [2]);

const child = new sabkit.Process({ target: new URL("./tasks.js", import.meta.url), args: [2] });
const code: Promise<number | null> = child.start().joinAsync({ timeout: 100 });

const event = new sabkit.Event();
const isTimeout = (error: unknown): boolean => error instanceof TimeoutError;

export { code, event, isTimeout, squared, woke };
