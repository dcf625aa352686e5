// The browser test page: Process on module Web Workers, on a COOP/COEP page.
import { isMainProcess, Process } from "../../src/index.js";

const target = new URL("/target.js", location.href);

async function scenario(): Promise<Record<string, unknown>> {
  // Three processes sleeping 1 s at once.
  const times = new Float64Array(new SharedArrayBuffer(8 * 6));
  const processes = [0, 1, 2].map(
    (i) => new Process({ target, export: "sleeper", args: [times, i, 1000] }),
  );
  for (const p of processes) p.start();
  const codes = await Promise.all(processes.map((p) => p.joinAsync({ timeout: 15_000 })));
  const overlapped =
    Math.max(times[0]!, times[2]!, times[4]!) < Math.min(times[1]!, times[3]!, times[5]!);

  const who = new Int32Array(new SharedArrayBuffer(16));
  const me = new Process({ target, export: "whoAmI", args: [who] }).start();
  const whoCode = await me.joinAsync({ timeout: 10_000 });

  const failing = new Process({ target, export: "fails", args: ["out of range"] }).start();
  const failCode = await failing.joinAsync({ timeout: 10_000 });

  const flag = new Int32Array(new SharedArrayBuffer(8));
  const spinner = new Process({ target, export: "busy", args: [flag] }).start();
  const beforeTimeout = await spinner.joinAsync({ timeout: 100 });
  spinner.terminate();
  const terminated = await spinner.joinAsync({ timeout: 10_000 });
  const busy2 = new Process({
    target,
    export: "busy",
    args: [new Int32Array(new SharedArrayBuffer(8))],
  }).start();
  busy2.kill();
  const killed = await busy2.joinAsync({ timeout: 10_000 });

  let joinOnMain = "";
  try {
    const p = new Process({
      target,
      export: "busy",
      args: [new Int32Array(new SharedArrayBuffer(8))],
    }).start();
    try {
      p.join(10);
    } finally {
      p.terminate();
    }
  } catch (error) {
    joinOnMain = (error as Error).message;
  }

  let uncloneable = "";
  try {
    new Process({ target, args: [{ f: () => 1 }] }).start();
  } catch (error) {
    uncloneable = `${(error as Error).name}: ${(error as Error).message.split(",")[0]}`;
  }

  const sumOut = new Int32Array(new SharedArrayBuffer(4));
  const summer = new Process({
    target,
    export: "sum",
    args: [{ a: [1, 2, 3] }, { times: 7 }, sumOut],
  }).start();
  const sumCode = await summer.joinAsync({ timeout: 10_000 });

  const nested = new Int32Array(new SharedArrayBuffer(16));
  const outer = new Process({ target, export: "parentBlocking", args: [nested] }).start();
  const outerCode = await outer.joinAsync({ timeout: 15_000 });

  return {
    isMain: isMainProcess(),
    codes,
    overlapped,
    whoCode,
    whoPidMatches: who[0] === me.pid,
    importedAsMain: who[1],
    parentPid: who[2],
    failCode,
    failClass: failing.error?.constructor.name,
    failMessage: failing.error?.message,
    failStackHasTarget: /fails/.test(failing.error?.stack ?? ""),
    beforeTimeout,
    terminated,
    killed,
    joinOnMain,
    uncloneable,
    sumCode,
    sum: sumOut[0],
    outerCode,
    nestedChildCode: nested[3],
    nestedChildStarted: nested[2]! > 1,
  };
}

(globalThis as { __sabkitResult?: unknown }).__sabkitResult = scenario();
