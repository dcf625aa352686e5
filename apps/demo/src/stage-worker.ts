// One pipeline stage in a worker: reads numbers from its input, applies its
// operation, writes to its output (shared-memory mailboxes or MessagePorts).
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import { MailboxReceiver, MailboxSender } from "./mailbox.js";
import { mix } from "./work.js";

interface StageData {
  transport: "shared" | "postMessage";
  operation: "mix" | "sum";
  input: SharedArrayBuffer | MessagePort;
  output?: SharedArrayBuffer | MessagePort;
}

const data = workerData as StageData;

function runShared(): void {
  const receiver = new MailboxReceiver(data.input as SharedArrayBuffer);
  if (data.operation === "mix") {
    const sender = new MailboxSender(data.output as SharedArrayBuffer);
    for (let batch = receiver.next(); batch !== null; batch = receiver.next()) {
      const out = sender.claim();
      for (let i = 0; i < batch.length; i++) out[i] = mix(batch[i]!);
      sender.publish(batch.length);
      receiver.release();
    }
    sender.close();
    parentPort!.postMessage({ done: true });
  } else {
    let sum = 0;
    let count = 0;
    for (let batch = receiver.next(); batch !== null; batch = receiver.next()) {
      for (let i = 0; i < batch.length; i++) sum += batch[i]!;
      count += batch.length;
      receiver.release();
    }
    parentPort!.postMessage({ done: true, sum, count });
  }
}

function runPostMessage(): void {
  const input = data.input as MessagePort;
  const output = data.output as MessagePort | undefined;
  let sum = 0;
  let count = 0;
  input.on("message", (batch: Float64Array | null) => {
    if (batch === null) {
      if (output) output.postMessage(null);
      parentPort!.postMessage({ done: true, sum, count });
      input.close();
      return;
    }
    if (data.operation === "mix") {
      for (let i = 0; i < batch.length; i++) batch[i] = mix(batch[i]!);
      output!.postMessage(batch, [batch.buffer as ArrayBuffer]);
    } else {
      for (let i = 0; i < batch.length; i++) sum += batch[i]!;
      count += batch.length;
    }
  });
}

if (data.transport === "shared") runShared();
else runPostMessage();
