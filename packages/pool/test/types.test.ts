import { describe, expectTypeOf, test } from "vitest";
import type { Pool, TaskFuture } from "../src/index.js";

type Tasks = typeof import("./fixtures/tasks.ts");

describe("Pool<typeof import(module)> types", () => {
  test("a pool typed by its module takes only its exported functions with their arguments, and returns their results", () => {
    const pool = undefined as unknown as Pool<Tasks>;
    const typed = (): void => {
      expectTypeOf(pool.apply("add", [1, 2])).toEqualTypeOf<Promise<number>>();
      expectTypeOf(pool.submit("slowSquare", [1, 2])).toEqualTypeOf<TaskFuture<number>>();
      expectTypeOf(pool.map("square", [1, 2, 3])).toEqualTypeOf<Promise<number[]>>();
      expectTypeOf(pool.starmap("add", [[1, 2]])).toEqualTypeOf<Promise<number[]>>();
      expectTypeOf(pool.imap("square", [1])).toEqualTypeOf<
        AsyncGenerator<number, void, undefined>
      >();
      expectTypeOf(pool.apply("whoAmI", [])).toEqualTypeOf<
        Promise<{ index: number; generation: number; pid: number }>
      >();
      // @ts-expect-error: not an exported function of the module
      void pool.apply("nope", []);
      // @ts-expect-error: square takes a number
      void pool.map("square", ["x"]);
      // @ts-expect-error: add takes two numbers
      void pool.apply("add", [1]);
      // @ts-expect-error: CustomError is a class, not a task... (classes are callable types only with new)
      void pool.apply("CustomError", []);
    };
    expectTypeOf(typed).toBeFunction();
  });

  test("an untyped pool takes any task name and any items", () => {
    const pool = undefined as unknown as Pool;
    const untyped = (): void => {
      // map's items of an untyped pool are any (they were never, refusing every array).
      void pool.map("square", [1, 2, 3]);
      void pool.map("label", ["a", "b"]);
      expectTypeOf(pool.map("square", [1])).toEqualTypeOf<Promise<unknown[]>>();
    };
    expectTypeOf(untyped).toBeFunction();
  });
});
