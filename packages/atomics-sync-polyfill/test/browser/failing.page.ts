// Pages that fail on purpose, to prove the harness turns failures into test failures.
const { mode } = (globalThis as { __sabkitArgs?: { mode: string } }).__sabkitArgs ?? { mode: "" };
if (mode === "throw") throw new Error("planted page error");
if (mode === "reject") {
  (globalThis as { __sabkitResult?: unknown }).__sabkitResult = Promise.reject(
    new RangeError("planted rejection"),
  );
}
if (mode === "console-error") console.error("planted console error");
if (mode === "value") (globalThis as { __sabkitResult?: unknown }).__sabkitResult = { answer: 42 };
// mode "hang": never reports a result.
