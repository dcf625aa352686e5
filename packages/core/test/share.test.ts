import { describe, expect, it, vi } from "vitest";
import { InvalidHandleError, revive, reviveAsync, share } from "../src/index.js";
import { HANDLE_RECORD_KEY, isKindRegistered, isShareable, registerKind } from "../src/internal.js";
import { TinyLock } from "./fixtures/tiny-lock.js";

// A package whose register entry registers a kind when imported, for reviveAsync.
vi.mock("sabkit-virtual-kind/register", async () => {
  const { registerKind: register } = await import("../src/internal.js");
  register("test.virtual", { from: (handle) => ({ revivedVirtual: handle.byteLength }) });
  return {};
});

/** What postMessage does to a shared tree. */
const send = <T>(tree: T): unknown => structuredClone(share(tree));

function record(kind: string, pkg: string | undefined = undefined): Record<string, unknown> {
  return {
    [HANDLE_RECORD_KEY]: {
      kind,
      version: 1,
      package: pkg,
      buffer: new SharedArrayBuffer(8),
      byteOffset: 0,
      byteLength: 8,
    },
  };
}

describe("share / revive", () => {
  it("replaces shareable primitives by marked handle records and back", () => {
    const lock = new TinyLock();
    const shared = share([1, lock, { nested: [lock] }]) as unknown[];
    expect(shared[1]).toEqual({ [HANDLE_RECORD_KEY]: lock.handle });
    const [n, revived, { nested }] = revive<[number, TinyLock, { nested: TinyLock[] }]>(
      structuredClone(shared),
    );
    expect(n).toBe(1);
    expect(revived).toBeInstanceOf(TinyLock);
    expect(nested[0]).toBe(revived); // one record -> one live primitive
    using _held = lock.acquire();
    expect(() => revived.acquire({ timeout: 0 })).toThrow("timed out"); // same memory
  });

  it("walks Maps (keys and values), Sets and null-prototype objects", () => {
    const lock = new TinyLock();
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { lock });
    const tree = {
      map: new Map<unknown, unknown>([
        ["a", lock],
        [lock, 2],
      ]),
      set: new Set([lock, 3]),
      bare,
    };
    const out = revive<typeof tree>(send(tree));
    const [[keyA, valueA], [keyLock, two]] = [...out.map] as [
      [unknown, unknown],
      [unknown, unknown],
    ];
    expect(keyA).toBe("a");
    expect(valueA).toBeInstanceOf(TinyLock);
    expect(keyLock).toBe(valueA);
    expect(two).toBe(2);
    expect([...out.set]).toEqual([valueA, 3]);
    expect(out.bare.lock).toBe(valueA);
  });

  it("preserves cycles and shared references", () => {
    const lock = new TinyLock();
    const node: Record<string, unknown> = { lock, name: "root" };
    node.self = node;
    const list: unknown[] = [node, node];
    list.push(list);
    const out = revive<unknown[]>(send(list));
    const first = out[0] as Record<string, unknown>;
    expect(out[1]).toBe(first);
    expect(out[2]).toBe(out);
    expect(first.self).toBe(first);
    expect(first.lock).toBeInstanceOf(TinyLock);
    const map = new Map<string, unknown>();
    map.set("me", map);
    const set = new Set<unknown>();
    set.add(set);
    const outMap = revive<Map<string, unknown>>(send(map));
    expect(outMap.get("me")).toBe(outMap);
    const outSet = revive<Set<unknown>>(send(set));
    expect([...outSet][0]).toBe(outSet);
  });

  it("leaves data alone: primitives, Dates, typed arrays, SharedArrayBuffers, sparse arrays, plain handles", () => {
    const sab = new SharedArrayBuffer(4);
    const date = new Date(0);
    const bytes = new Uint8Array([1, 2]);
    const sparse: number[] = [1];
    sparse[2] = 3;
    const lock = new TinyLock();
    const tree = {
      n: -0,
      nan: Number.NaN,
      big: 2n ** 64n,
      s: "x",
      u: undefined,
      z: null,
      sab,
      date,
      bytes,
      sparse,
      handle: lock.handle,
    };
    const shared = share(tree) as typeof tree;
    expect(shared).not.toBe(tree);
    expect(shared.sab).toBe(sab);
    expect(shared.date).toBe(date);
    expect(shared.bytes).toBe(bytes);
    expect(1 in shared.sparse).toBe(false);
    expect(Object.is(shared.n, -0)).toBe(true);
    const out = revive<typeof tree>(structuredClone(shared));
    expect(out.big).toBe(2n ** 64n);
    expect(Number.isNaN(out.nan)).toBe(true);
    expect(out.handle).toEqual(lock.handle); // a plain handle travels as data
    expect(out.handle).not.toBeInstanceOf(TinyLock);
  });

  it("passes class instances that are not shareable through unchanged", () => {
    class Point {
      constructor(readonly x: number) {}
    }
    const point = new Point(1);
    expect((share({ point }) as { point: Point }).point).toBe(point);
    expect(isShareable(point)).toBe(false);
    expect(isShareable({ handle: new TinyLock().handle })).toBe(false); // plain objects are data
    expect(isShareable(new TinyLock())).toBe(true);
  });

  it.each([
    [[1, { onDone: () => {} }], "args[1].onDone is a function"],
    [[Symbol("s")], "args[0] is a symbol"],
    [{ "odd key": { deep: [new WeakMap()] } }, 'args["odd key"].deep[0] is a WeakMap'],
    [[new Map([["k", new WeakSet()]])], 'args[0].get("k") is a WeakSet'],
    [[new Map([[() => {}, 1]])], "args[0].keys()[0] is a function"],
    [[new Set([1, Promise.resolve()])], "args[0].values()[1] is a Promise"],
    [{ ref: new WeakRef({}) }, "args.ref is a WeakRef"],
  ])("rejects non-cloneable values with a TypeError naming the path: %o", (tree, fragment) => {
    expect(() => share(tree)).toThrow(TypeError);
    expect(() => share(tree)).toThrow(fragment);
  });

  it("uses the given root name in paths", () => {
    expect(() => share({ f: () => {} }, "initArgs")).toThrow("initArgs.f is a function");
  });

  it("propagates a getter that throws", () => {
    const tree = Object.defineProperty({}, "boom", {
      enumerable: true,
      get() {
        throw new Error("getter");
      },
    });
    expect(() => share(tree)).toThrow("getter");
  });
});

describe("revive: bad records", () => {
  it("tells which package to import for an unregistered kind", () => {
    const run = () => revive([record("test.unknown", "@sabkit/unknown")]);
    expect(run).toThrow(InvalidHandleError);
    expect(run).toThrow(
      'revive: args[0] is a "test.unknown" handle but no kind "test.unknown" is registered',
    );
    expect(run).toThrow(
      "import \"@sabkit/unknown/register\" in this worker's module (it registers the package's kinds",
    );
    expect(() => revive([record("test.unknown")])).toThrow("import the package that defines it");
  });

  it.each([
    [{ [HANDLE_RECORD_KEY]: 5 }, "handle is 5, not a handle object"],
    [{ [HANDLE_RECORD_KEY]: null }, "handle is null"],
    [{ [HANDLE_RECORD_KEY]: { kind: 7 } }, "handle.kind is 7, not a string"],
  ])("rejects a forged record %o", (forged, fragment) => {
    expect(() => revive({ x: forged })).toThrow(InvalidHandleError);
    expect(() => revive({ x: forged })).toThrow(
      `revive: args.x is a handle record whose ${fragment}`,
    );
  });

  it("reports an invalid handle of a registered kind with its path", () => {
    const lock = new TinyLock();
    const forged = { [HANDLE_RECORD_KEY]: { ...lock.handle, byteOffset: 3 } };
    expect(() => revive([0, forged])).toThrow(InvalidHandleError);
    expect(() => revive([0, forged])).toThrow(
      "revive: args[1]: TinyLock.from(handle): handle.byteOffset",
    );
    const wrongTag = { [HANDLE_RECORD_KEY]: { ...lock.handle, buffer: new SharedArrayBuffer(8) } };
    expect(() => revive([wrongTag])).toThrow("type tag");
  });

  it("does not take objects with other keys for records", () => {
    const tree = { [HANDLE_RECORD_KEY]: 1, other: 2 };
    expect(revive(tree)).toEqual(tree);
  });

  it("registerKind validates its arguments", () => {
    expect(() => registerKind("", { from: () => 1 })).toThrow(TypeError);
    expect(() => registerKind("x", {} as never)).toThrow("from(handle) method");
  });
});

describe("reviveAsync", () => {
  it("imports the package of an unregistered kind, then revives", async () => {
    expect(isKindRegistered("test.virtual")).toBe(false);
    const out = await reviveAsync<unknown[]>([record("test.virtual", "sabkit-virtual-kind")]);
    expect(out).toEqual([{ revivedVirtual: 8 }]);
    expect(isKindRegistered("test.virtual")).toBe(true);
  });

  it("revives registered kinds without importing anything", async () => {
    const lock = new TinyLock();
    const [out] = await reviveAsync<[TinyLock]>(send([lock]));
    expect(out).toBeInstanceOf(TinyLock);
  });

  it("refuses package names that are paths or URLs", async () => {
    for (const pkg of [
      "./evil.js",
      "/abs/evil.js",
      "file:///evil.js",
      "node:fs",
      "https://x/y.js",
      "../x",
    ]) {
      await expect(reviveAsync([record("test.unknown2", pkg)])).rejects.toThrow(
        "is not a bare npm package name",
      );
    }
  });

  it("reports a package that cannot be imported, and one that does not register the kind", async () => {
    const missing = reviveAsync([record("test.unknown3", "@sabkit/no-such-package-here")]);
    await expect(missing).rejects.toBeInstanceOf(InvalidHandleError);
    await expect(missing).rejects.toThrow(
      'importing "@sabkit/no-such-package-here/register" (for a "test.unknown3" handle) failed',
    );
    const nothing = reviveAsync([record("test.unknown4", "some-package")], "args", {
      importPackage: async () => ({}),
    });
    await expect(nothing).rejects.toThrow(
      '"some-package" was imported but did not register kind "test.unknown4"',
    );
  });

  it("imports through the given importPackage, once per package, with the handle's package name", async () => {
    const asked: string[] = [];
    const out = await reviveAsync<unknown[]>(
      [record("test.viaImporter", "pkg-a"), record("test.viaImporter", "pkg-a")],
      "args",
      {
        importPackage: async (name) => {
          asked.push(name);
          registerKind("test.viaImporter", { from: () => "live" });
        },
      },
    );
    expect(asked).toEqual(["pkg-a"]);
    expect(out).toEqual(["live", "live"]);
  });
});
