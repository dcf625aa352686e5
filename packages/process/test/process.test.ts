import {
  InvalidHandleError,
  isThreadAlive,
  SabkitError,
  TimeoutError,
  threadIdentity,
} from "@sabkit/core";
import { withTimeLimit } from "@sabkit/test-utils";
import { describe, expect, it } from "vitest";
import { currentProcess, isMainProcess, Process } from "../src/index.js";
import { CustomFailure, SlowFailure } from "./fixtures/tasks.js";

const tasks = new URL("./fixtures/tasks.ts", import.meta.url);
const BOUND = 20_000;
const shared = (n: number) => new Int32Array(new SharedArrayBuffer(4 * n));

/** Awaits the process's end within the test's bound. */
const finished = (p: Process) => withTimeLimit(p.joinAsync(), BOUND, `${p.name} to end`);

describe("the seed's three-process example", () => {
  it("three processes that each sleep 1 s run at the same time and all exit 0", async () => {
    const times = new Float64Array(new SharedArrayBuffer(8 * 6));
    const processes = [0, 1, 2].map(
      (i) => new Process({ target: tasks, export: "sleeper", args: [times, i, 1000] }),
    );
    for (const p of processes) p.start();
    for (const p of processes) expect(p.join(BOUND)).toBe(0);
    // Each started before any finished: they overlapped (ran concurrently).
    const latestStart = Math.max(times[0]!, times[2]!, times[4]!);
    const earliestEnd = Math.min(times[1]!, times[3]!, times[5]!);
    expect(latestStart).toBeLessThan(earliestEnd);
    expect(processes.map((p) => p.exitCode)).toEqual([0, 0, 0]);
    expect(new Set(processes.map((p) => p.pid)).size).toBe(3);
    expect(processes.map((p) => p.isAlive())).toEqual([false, false, false]);
  });
});

describe("a target that starts processes at its top level (no isMainProcess() guard)", () => {
  it("is refused in the worker with an error that says what to do; nothing is started", async () => {
    const p = new Process({ target: new URL("./fixtures/runaway.ts", import.meta.url) }).start();
    expect(await finished(p)).toBe(1);
    expect(p.error).toBeInstanceOf(SabkitError);
    expect(p.error?.message).toMatch(
      /^Process\.start\(\) was called while this worker was still importing its module file:.*runaway\.ts: /,
    );
    expect(p.error?.message).toContain("`if (isMainProcess()) { ... }`");
  });
});

describe("errors", () => {
  it("a thrown error reaches the parent with its class, message and the worker's stack; exitCode 1", async () => {
    const p = new Process({
      target: tasks,
      export: "throwsTypeError",
      args: ["bad input"],
    }).start();
    expect(p.join(BOUND)).toBe(1);
    // Blocking join drained the report synchronously.
    expect(p.error).toBeInstanceOf(TypeError);
    expect(p.error?.message).toBe("bad input");
    expect(p.error?.stack).toContain("throwsTypeError");
    expect(p.error?.stack).toContain("tasks.ts");
    expect(await finished(p)).toBe(1);
  });

  it("a rejected async target's registered error class arrives as itself, with its own fields (joinAsync resolves 1)", async () => {
    const p = new Process({ target: tasks, export: "rejectsCustom", args: ["no luck"] }).start();
    expect(await finished(p)).toBe(1);
    expect(p.error).toBeInstanceOf(CustomFailure);
    expect(p.error?.name).toBe("CustomFailure");
    expect(p.error?.message).toBe("no luck");
    expect((p.error as unknown as { detail: number }).detail).toBe(42);
    expect(p.error?.stack).toContain("rejectsCustom");
  });

  it("an unregistered subclass arrives as its nearest registered ancestor, with its own name", async () => {
    const p = new Process({ target: tasks, export: "throwsSlow" }).start();
    expect(await finished(p)).toBe(1);
    expect(p.error).toBeInstanceOf(TimeoutError);
    expect(p.error).not.toBeInstanceOf(SlowFailure);
    expect(p.error?.name).toBe("SlowFailure");
    expect((p.error as TimeoutError).code).toBe("ERR_SABKIT_TIMEOUT");
    expect(p.error?.message).toBe("too slow");
  });

  it("a missing export is a TypeError in the process that says what to do", async () => {
    const p = new Process({ target: tasks, export: "notAFunction" }).start();
    expect(await finished(p)).toBe(1);
    expect(p.error).toBeInstanceOf(TypeError);
    expect(p.error?.message).toMatch(/no exported function "notAFunction" \(found number\)/);
  });

  it("a target that cannot be imported ends with 1 and the import error", async () => {
    const p = new Process({ target: new URL("./fixtures/missing.ts", import.meta.url) }).start();
    expect(await finished(p)).toBe(1);
    expect(p.error?.message).toMatch(/missing/);
  });

  it("an out-of-memory death (resourceLimits) is seen by joinAsync with exitCode 1", async () => {
    const p = new Process({
      target: tasks,
      export: "allocateForever",
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    }).start();
    expect(await finished(p)).toBe(1);
    expect((p.error as { code?: string }).code).toBe("ERR_WORKER_OUT_OF_MEMORY");
    expect(isThreadAlive(p.pid!)).toBe(false);
  });
});

describe("exit codes", () => {
  it.each([0, 7, 255])(
    "process.exit(%i) mid-target gives that exitCode and stops the target",
    async (code) => {
      const out = shared(1);
      const p = new Process({ target: tasks, export: "exits", args: [code, out] }).start();
      expect(p.join(BOUND)).toBe(code);
      expect(await finished(p)).toBe(code);
      expect(out[0]).toBe(1);
      expect(p.error).toBeNull();
    },
  );

  it("the default export runs when no export is named", async () => {
    const out = shared(1);
    const p = new Process({ target: tasks, args: [out, 31] }).start();
    expect(p.join(BOUND)).toBe(0);
    expect(out[0]).toBe(31);
  });
});

describe("terminate and kill", () => {
  it.each([
    ["terminate", -15],
    ["kill", -9],
  ] as const)(
    "%s ends a busy-looping process: exitCode %i, its death recorded",
    async (how, code) => {
      const flag = shared(2);
      const p = new Process({ target: tasks, export: "busy", args: [flag] }).start();
      // Wait until the target is looping.
      while (Atomics.load(flag, 0) === 0) Atomics.wait(flag, 0, 0, 50);
      expect(p.isAlive()).toBe(true);
      expect(isThreadAlive(p.pid!)).toBe(true);
      p[how]();
      expect(p.exitCode).toBe(code);
      expect(p.isAlive()).toBe(false);
      expect(p.join(BOUND)).toBe(code);
      expect(await finished(p)).toBe(code);
      expect(isThreadAlive(p.pid!)).toBe(false);
      p.terminate(); // after the end: nothing happens
      expect(p.exitCode).toBe(code);
    },
  );

  it("terminate after a normal exit keeps exitCode 0", async () => {
    const out = shared(1);
    const p = new Process({ target: tasks, args: [out, 1] }).start();
    expect(p.join(BOUND)).toBe(0);
    p.terminate();
    expect(p.exitCode).toBe(0);
    expect(await finished(p)).toBe(0);
  });
});

describe("join with a timeout", () => {
  it("join(timeout) and joinAsync({ timeout }) on a live process return null and leave it running", async () => {
    const flag = shared(2);
    const p = new Process({ target: tasks, export: "busy", args: [flag] }).start();
    expect(p.join(0)).toBeNull();
    expect(p.join(50)).toBeNull();
    expect(await p.joinAsync({ timeout: 50 })).toBeNull();
    expect(await p.joinAsync({ timeout: 0 })).toBeNull();
    expect(p.isAlive()).toBe(true);
    Atomics.store(flag, 1, 99); // let the loop return
    expect(p.join(BOUND)).toBe(0);
  });

  it("joinAsync rejects with AbortError when its signal aborts, and the process keeps running", async () => {
    const flag = shared(2);
    const p = new Process({ target: tasks, export: "busy", args: [flag] }).start();
    const controller = new AbortController();
    const pending = p.joinAsync({ signal: controller.signal });
    controller.abort(new Error("enough"));
    await expect(pending).rejects.toMatchObject({ name: "AbortError", cause: new Error("enough") });
    await expect(p.joinAsync({ signal: controller.signal })).rejects.toMatchObject({
      name: "AbortError",
    });
    expect(p.isAlive()).toBe(true);
    p.terminate();
    expect(await finished(p)).toBe(-15);
  });
});

describe("currentProcess and isMainProcess", () => {
  it("in the root thread: MainProcess, pid 1, no parent", () => {
    expect(isMainProcess()).toBe(true);
    expect(currentProcess()).toEqual({ name: "MainProcess", pid: 1, daemon: false, parent: null });
  });

  it("in a process: its name, pid = its thread identity = Process.pid, parent MainProcess; not main even while imported", async () => {
    const out = shared(8);
    const p = new Process({
      target: tasks,
      export: "whoAmI",
      args: [out],
      kwargs: { kwarg: "worker-x" },
      name: "worker-x",
    }).start();
    expect(await finished(p)).toBe(0);
    expect(p.error).toBeNull();
    expect([...out]).toEqual([p.pid, p.pid, 0, 0, 1, 0, 1, 1]);
    expect(p.pid).not.toBe(threadIdentity());
    expect(typeof p.threadId).toBe("number");
  });

  it("default names count up; daemon defaults to the current process's flag", async () => {
    const a = new Process({ target: tasks });
    const b = new Process({ target: tasks });
    expect(a.name).toMatch(/^Process-\d+$/);
    expect(Number(b.name.slice(8))).toBe(Number(a.name.slice(8)) + 1);
    expect(a.daemon).toBe(false);
    const out = shared(2);
    const p = new Process({
      target: new URL("./fixtures/nested.ts", import.meta.url),
      export: "inheritsDaemon",
      args: [out],
      daemon: true,
      name: "outer",
    }).start();
    expect(await finished(p)).toBe(0);
    expect([...out]).toEqual([1, 1]);
  });
});

describe("daemon semantics", () => {
  it("a process joins its non-daemonic children and terminates its daemonic ones before it ends", async () => {
    const out = shared(4);
    const p = new Process({
      target: new URL("./fixtures/nested.ts", import.meta.url),
      export: "parent",
      args: [out],
    }).start();
    expect(await finished(p)).toBe(0);
    expect(Atomics.load(out, 0)).toBe(1); // the slow non-daemonic child finished first
    const daemonPid = Atomics.load(out, 3);
    expect(isThreadAlive(daemonPid)).toBe(false); // the daemonic one died with its parent
    const ticks = Atomics.load(out, 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(Atomics.load(out, 1)).toBe(ticks);
  });

  it("a daemonic process does not keep the program alive; a non-daemonic one does (subprocess)", async () => {
    const { runProgram } = await import("./program.js");
    const result = await runProgram(new URL("./fixtures/daemon.ts", import.meta.url));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("non-daemon done");
    expect(result.stdout).toContain("at exit: daemon alive=true, non-daemon exitCode=0");
  });

  it("the daemon flag cannot change after start", () => {
    const flag = shared(2);
    const p = new Process({ target: tasks, export: "busy", args: [flag] });
    p.daemon = true;
    p.start();
    expect(() => {
      p.daemon = false;
    }).toThrow(SabkitError);
    p.terminate();
    expect(p.join(BOUND)).toBe(-15);
  });
});

describe("environment and output (Node)", () => {
  it("env sets the worker's process.env", async () => {
    const out = shared(1);
    const p = new Process({
      target: tasks,
      export: "envValue",
      args: [out, "SABKIT_TEST_VALUE"],
      env: { SABKIT_TEST_VALUE: "1234" },
    }).start();
    expect(await finished(p)).toBe(0);
    expect(out[0]).toBe(1234);
  });

  it("prefixOutput writes every stdout line with the process name as prefix", async () => {
    const written: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      const p = new Process({
        target: tasks,
        export: "prints",
        args: [3],
        name: "printer",
        prefixOutput: true,
      }).start();
      expect(await finished(p)).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      process.stdout.write = original;
    }
    expect(written.join("")).toBe(
      "[printer] line 0\n[printer] line 1\n[printer] line 2\n[printer] no newline at the end\n",
    );
  });
});

describe("targets", () => {
  it.each([
    ["a .mjs module with a named export", "./fixtures/plain.mjs", "store"],
    ["a .js module's default export", "./fixtures/plain.js", undefined],
    ["a .ts module (through tsx)", "./fixtures/tasks.ts", undefined],
  ])("%s", async (_, path, exportName) => {
    const out = shared(1);
    const target = new URL(path, import.meta.url);
    const p = new Process({ target: target.href, export: exportName, args: [out, 77] }).start();
    expect(await finished(p)).toBe(0);
    expect(out[0]).toBe(77);
  });

  it("a filesystem path is resolved against the working directory", async () => {
    const out = shared(1);
    const { fileURLToPath } = await import("node:url");
    const { relative } = await import("node:path");
    const path = relative(
      process.cwd(),
      fileURLToPath(new URL("./fixtures/plain.mjs", import.meta.url)),
    );
    const p = new Process({ target: path, export: "store", args: [out, 5] });
    expect(p.target).toBe(new URL("./fixtures/plain.mjs", import.meta.url).href);
    p.start();
    expect(await finished(p)).toBe(0);
    expect(out[0]).toBe(5);
  });
});

describe("bad input", () => {
  it.each([
    ["no options", undefined, /options must be an object/],
    ["no target", {}, /target must be a module URL or path/],
    ["an empty target", { target: "" }, /target must be a module URL or path/],
    ["a numeric export", { target: tasks, export: 3 }, /export must be the name/],
    ["args that are not an array", { target: tasks, args: "x" }, /args must be an array/],
    ["kwargs that are an array", { target: tasks, kwargs: [] }, /kwargs must be a plain object/],
    ["a numeric name", { target: tasks, name: 1 }, /name must be a string/],
    ["a string daemon", { target: tasks, daemon: "yes" }, /daemon must be true or false/],
  ])("%s is a TypeError", (_, options, message) => {
    expect(() => new Process(options as never)).toThrow(TypeError);
    expect(() => new Process(options as never)).toThrow(message);
  });

  it.each([-1, Number.NaN, Number.NEGATIVE_INFINITY, "100", {}])(
    "join(%s) is a RangeError",
    (timeout) => {
      const p = new Process({ target: tasks, export: "busy", args: [shared(2)] }).start();
      try {
        expect(() => p.join(timeout as number)).toThrow(RangeError);
      } finally {
        p.terminate();
      }
    },
  );

  it("joinAsync with a bad timeout is a RangeError and a bad signal a TypeError", async () => {
    const p = new Process({ target: tasks, export: "busy", args: [shared(2)] }).start();
    await expect(p.joinAsync({ timeout: -5 })).rejects.toThrow(RangeError);
    await expect(p.joinAsync({ signal: "stop" as never })).rejects.toThrow(TypeError);
    p.terminate();
    expect(await finished(p)).toBe(-15);
  });

  it("join, joinAsync, terminate and kill before start are SabkitErrors saying to start()", async () => {
    const p = new Process({ target: tasks });
    expect(() => p.join(0)).toThrow(/has not been started; call start\(\) first/);
    await expect(p.joinAsync()).rejects.toThrow(SabkitError);
    expect(() => p.terminate()).toThrow(SabkitError);
    expect(() => p.kill()).toThrow(SabkitError);
    expect(p.exitCode).toBeNull();
    expect(p.pid).toBeNull();
    expect(p.isAlive()).toBe(false);
  });

  it("starting twice is a SabkitError", async () => {
    const p = new Process({ target: tasks, args: [shared(1), 1] }).start();
    expect(() => p.start()).toThrow(/already started; a process starts once/);
    expect(await finished(p)).toBe(0);
  });
});

describe("arguments", () => {
  it("primitives anywhere in args and kwargs arrive live; 3 processes count exactly under the shared lock", async () => {
    const { TinyLock } = await import("./fixtures/tiny-lock.js");
    const lock = new TinyLock();
    const counter = shared(1);
    const times = 2_000;
    const processes = [0, 1, 2].map(
      () =>
        new Process({
          target: new URL("./fixtures/locked.ts", import.meta.url),
          export: "increment",
          args: [{ deep: [{ lock }] }, new Map([["counter", counter]]), times],
        }),
    );
    for (const p of processes) p.start();
    for (const p of processes) expect(await finished(p)).toBe(0);
    for (const p of processes) expect(p.error).toBeNull();
    expect(counter[0]).toBe(3 * times);
  });

  it("a process killed while holding a lock is reported dead to the lock's owner check", async () => {
    const { TinyLock } = await import("./fixtures/tiny-lock.js");
    const lock = new TinyLock();
    const flag = shared(1);
    const p = new Process({
      target: new URL("./fixtures/locked.ts", import.meta.url),
      export: "holdForever",
      args: [lock, flag],
    }).start();
    while (Atomics.load(flag, 0) === 0) Atomics.wait(flag, 0, 0, 50);
    expect(lock.owner).toBe(p.pid);
    expect(isThreadAlive(lock.owner)).toBe(true);
    p.kill();
    expect(await finished(p)).toBe(-9);
    expect(isThreadAlive(lock.owner)).toBe(false);
  });

  it("a function in args is a TypeError naming its path; nothing is started", () => {
    const p = new Process({ target: tasks, args: [1, { onDone: () => {} }] });
    expect(() => p.start()).toThrow(TypeError);
    expect(() => p.start()).toThrow(
      /^args\[1\]\.onDone is a function, which cannot be sent to a worker/,
    );
    expect(p.pid).toBeNull();
    expect(p.isAlive()).toBe(false);
  });

  it("a symbol in kwargs is a TypeError naming kwargs.tag", () => {
    const p = new Process({ target: tasks, kwargs: { tag: Symbol("x") } });
    expect(() => p.start()).toThrow(/^kwargs\.tag is a symbol/);
  });

  it("a value structured clone rejects (a MessagePort not transferred) is a TypeError naming its path", async () => {
    const { MessageChannel } = await import("node:worker_threads");
    const { port1, port2 } = new MessageChannel();
    try {
      const p = new Process({ target: tasks, args: [{ ok: 1, nested: [2, { port: port1 }] }] });
      expect(() => p.start()).toThrow(TypeError);
      expect(() => p.start()).toThrow(
        /^args\[0\]\.nested\[1\]\.port is a MessagePort, which cannot be sent/,
      );
      expect(p.pid).toBeNull();
      const k = new Process({ target: tasks, args: [1], kwargs: { port: port2 } });
      expect(() => k.start()).toThrow(/^kwargs\.port is a MessagePort/);
    } finally {
      port1.close();
      port2.close();
    }
  });

  it("an error that is not about the arguments (execArgv Node refuses) is not blamed on a transferred port", async () => {
    const { MessageChannel } = await import("node:worker_threads");
    const { port1, port2 } = new MessageChannel();
    try {
      const p = new Process({
        target: tasks,
        args: [{ port: port1 }],
        transfer: [port1],
        execArgv: ["--max-semi-space-size=64"],
      });
      expect(() => p.start()).toThrow(
        expect.objectContaining({ code: "ERR_WORKER_INVALID_EXEC_ARGV" }),
      );
      expect(p.pid).toBeNull();
    } finally {
      port1.close();
      port2.close();
    }
  });

  it("a forged handle record in args fails in the process with InvalidHandleError", async () => {
    const forged = { "$sabkit.handle": { kind: "no.such-kind", version: 1, package: "./evil.js" } };
    const p = new Process({ target: tasks, args: [forged] }).start();
    expect(await finished(p)).toBe(1);
    expect(p.error).toBeInstanceOf(InvalidHandleError);
    expect(p.error?.message).toMatch(/not a bare npm package name/);
  });
});
