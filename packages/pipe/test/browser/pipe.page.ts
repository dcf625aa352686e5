// The page side of test/browser.test.ts: async forms and streams only (the
// page's main thread must not block).
import { Pipe } from "../../src/index.js";

async function run() {
  const worker = new Worker("/pipe-worker.js", { type: "module" });
  const failed = new Promise<never>((_, reject) => {
    worker.onerror = (event) => reject(new Error(`worker error: ${event.message}`));
  });
  await Promise.race([new Promise((resolve) => (worker.onmessage = resolve)), failed]);
  const [values, valuesPeer] = Pipe<{ n: number; tag: string }>({ capacity: 256 });
  const [bytes, bytesPeer] = Pipe({ duplex: false, capacity: 4096 });
  worker.postMessage({ values: valuesPeer.handle, bytes: bytesPeer.handle });
  let echoed = 0;
  let wrong = 0;
  for (let n = 0; n < 300; n++) {
    await values.sendAsync({ n, tag: `t${n}` }, { timeout: 10_000 });
    const reply = await Promise.race([values.recvAsync({ timeout: 10_000 }), failed]);
    if (reply.n !== 2 * n || reply.tag !== `T${n}`) wrong++;
    echoed++;
  }
  values.close();
  let total = 0;
  let bytesWrong = 0;
  const reader = bytes.readable.getReader();
  for (;;) {
    const { done, value } = await Promise.race([reader.read(), failed]);
    if (done) break;
    for (let i = 0; i < value.length; i++) if (value[i] !== ((total + i) & 0xff)) bytesWrong++;
    total += value.length;
  }
  worker.terminate();
  return { echoed, wrong, total, bytesWrong, crossOriginIsolated };
}

(globalThis as { __sabkitResult?: unknown }).__sabkitResult = run();
