import { describe, expect, it } from "vitest";
import { Guard, NotOwnerError } from "../src/index.js";

function counted(): { guard: Guard; releases: () => number } {
  let count = 0;
  const guard = new Guard(() => {
    count++;
  });
  return { guard, releases: () => count };
}

describe("Guard", () => {
  it("releases once; later release() calls do nothing", () => {
    const { guard, releases } = counted();
    expect(guard.released).toBe(false);
    guard.release();
    guard.release();
    guard[Symbol.dispose]();
    expect(guard.released).toBe(true);
    expect(releases()).toBe(1);
  });

  it("is released by `using` at the end of the block", () => {
    const { guard, releases } = counted();
    {
      using held = guard;
      expect(held.released).toBe(false);
      expect(releases()).toBe(0);
    }
    expect(releases()).toBe(1);
    expect(guard.released).toBe(true);
  });

  it("is released by `using` when the block throws, and the error propagates", () => {
    const { guard, releases } = counted();
    const run = () => {
      using _held = guard;
      throw new Error("planted");
    };
    expect(run).toThrow("planted");
    expect(releases()).toBe(1);
  });

  it("is released by `await using`", async () => {
    const { guard, releases } = counted();
    {
      await using _held = guard;
      await Promise.resolve();
      expect(releases()).toBe(0);
    }
    expect(releases()).toBe(1);
  });

  it("does not release twice when released manually inside `using`", () => {
    const { guard, releases } = counted();
    {
      using held = guard;
      held.release();
    }
    expect(releases()).toBe(1);
  });

  it("counts as released when the action throws, and does not run it again", () => {
    let calls = 0;
    const guard = new Guard(() => {
      calls++;
      throw new NotOwnerError();
    });
    expect(() => guard.release()).toThrow(NotOwnerError);
    expect(guard.released).toBe(true);
    guard.release();
    expect(calls).toBe(1);
  });

  it("rejects from asyncDispose when the action throws", async () => {
    const guard = new Guard(() => {
      throw new NotOwnerError();
    });
    await expect(guard[Symbol.asyncDispose]()).rejects.toBeInstanceOf(NotOwnerError);
    await expect(guard[Symbol.asyncDispose]()).resolves.toBeUndefined();
  });

  it("runs a re-entrant release once", () => {
    let calls = 0;
    const guard: Guard = new Guard(() => {
      calls++;
      guard.release();
    });
    guard.release();
    expect(calls).toBe(1);
  });

  it("requires a function", () => {
    expect(() => new Guard(undefined as unknown as () => void)).toThrow(TypeError);
  });
});
