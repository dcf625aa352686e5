// One pipeline stage in a worker: reads numbers from its input, applies its
// operation, writes to its output (shared-memory mailboxes or MessagePorts).
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import { MailboxReceiver, MailboxSender } from "./mailbox.js";

interface StageData {
  transport: "shared" | "postMessage";
  operation: "square" | "sum";
  input: SharedArrayBuffer | MessagePort;
  output?: SharedArrayBuffer | MessagePort;
}

const data = workerData as StageData;

function runShared(): void {
  const receiver = new MailboxReceiver(data.input as SharedArrayBuffer);
  if (data.operation === "square") {
    const sender = new MailboxSender(data.output as SharedArrayBuffer);
    receiver.drain((x) => sender.send(x * x));
    sender.close();
    parentPort!.postMessage({ done: true });
  } else {
    let sum = 0;
    let count = 0;
    receiver.drain((x) => {
      sum += x;
      count++;
    });
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
    if (data.operation === "square") {
      for (let i = 0; i < batch.length; i++) batch[i] = batch[i]! * batch[i]!;
      output!.postMessage(batch, [batch.buffer]);
    } else {
      for (let i = 0; i < batch.length; i++) sum += batch[i]!;
      count += batch.length;
    }
  });
}

if (data.transport === "shared") runShared();
else runPostMessage();
