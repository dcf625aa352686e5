/// <reference lib="webworker" />
// The worker of failing.page.ts: logs, then fails the way the page asks.
self.onmessage = (event: MessageEvent<string>) => {
  console.log("hello from the worker");
  if (event.data === "worker-console") console.error("planted worker console error");
  if (event.data === "worker-throw") throw new Error("planted worker error");
};
