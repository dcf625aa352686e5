// Pages that fail on purpose, to prove the harness turns failures into test
// failures, and pages that check what the harness promises (the prelude).
const { mode } = (globalThis as { __sabkitArgs?: { mode: string } }).__sabkitArgs ?? { mode: "" };
const report = (value: unknown) => {
  (globalThis as { __sabkitResult?: unknown }).__sabkitResult = value;
};
if (mode === "throw") throw new Error("planted page error");
if (mode === "reject") report(Promise.reject(new RangeError("planted rejection")));
if (mode === "reject-handled") {
  // A thenable, so no promise is ever rejected without a handler: the
  // rejection reaches the harness only through the result it settles.
  report({
    // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose
    then(_resolve: unknown, reject: (error: unknown) => void) {
      reject(new RangeError("planted result rejection"));
    },
  });
}
if (mode === "console-error") console.error("planted console error");
if (mode === "missing") void fetch("/missing.js");
if (mode === "worker-console" || mode === "worker-throw") {
  // Nothing is reported: the worker's failure must fail the run.
  new Worker("/logging.js", { type: "module" }).postMessage(mode);
}
if (mode === "value") report({ answer: 42 });
if (mode === "prelude") {
  const g = globalThis as { __sabkitPrelude?: unknown };
  report({ prelude: g.__sabkitPrelude ?? null });
}
// mode "hang": never reports a result.
