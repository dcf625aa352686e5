// One pipeline stage in a worker: reads numbers from its input, applies its
// operation, writes to its output (shared-memory mailboxes or MessagePorts).
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import { MailboxReceiver, MailboxSender } from "./mailbox.js";
import { mix } from "./work.js";

interface StageData {
  transport: "shared" | "postMessage";
  operation: "mix" | "sum";
  /** One input for a mixer; one per mixer for the sum stage. */
  inputs: (SharedArrayBuffer | MessagePort)[];
  output?: SharedArrayBuffer | MessagePort;
}

const data = workerData as StageData;

function runShared(): void {
  const receivers = data.inputs.map((input) => new MailboxReceiver(input as SharedArrayBuffer));
  if (data.operation === "mix") {
    const receiver = receivers[0]!;
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
    // The source deals batches to the mixers in turn, so taking them in
    // turn here never waits on one mixer while another has a batch ready
    // for longer than one batch.
    let sum = 0;
    let count = 0;
    const open = receivers.map(() => true);
    let openCount = receivers.length;
    for (let k = 0; openCount > 0; k = (k + 1) % receivers.length) {
      if (!open[k]) continue;
      const receiver = receivers[k]!;
      const batch = receiver.next();
      if (batch === null) {
        open[k] = false;
        openCount--;
        continue;
      }
      for (let i = 0; i < batch.length; i++) sum += batch[i]!;
      count += batch.length;
      receiver.release();
    }
    parentPort!.postMessage({ done: true, sum, count });
  }
}

function runPostMessage(): void {
  const output = data.output as MessagePort | undefined;
  let sum = 0;
  let count = 0;
  let openInputs = data.inputs.length;
  for (const input of data.inputs as MessagePort[]) {
    input.on("message", (batch: Float64Array | null) => {
      if (batch === null) {
        input.close();
        if (--openInputs > 0) return;
        if (output) output.postMessage(null);
        parentPort!.postMessage({ done: true, sum, count });
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
}

if (data.transport === "shared") runShared();
else runPostMessage();
