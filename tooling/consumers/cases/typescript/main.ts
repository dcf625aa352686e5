// A user's TypeScript program. Each part prints one line, or the error that
// stopped it, so one broken part does not hide the others.
import { Process } from "@sabkit/process";
import { Queue } from "@sabkit/queue";

async function part(name: string, body: () => Promise<string>): Promise<void> {
  let line: string;
  try {
    line = await body();
  } catch (error) {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    line = `failed: ${text.split("\n")[0]}`;
  }
  console.log(`${name}: ${line}`);
}

const target = new URL("./target.ts", import.meta.url);

await part("process", async () => {
  const out = new Int32Array(new SharedArrayBuffer(4 * 4));
  const p = new Process({ target, export: "fill", args: [out, 3] }).start();
  const code = await p.joinAsync({ timeout: 60_000 });
  return `${out.join(" ")} (exit code ${code})${p.error === null ? "" : ` ${p.error}`}`;
});

await part("queue", async () => {
  const queue = new Queue<string>();
  const p = new Process({ target, export: "produce", args: [queue, 4] }).start();
  const items: string[] = [];
  // Until the producer closes the queue; a producer that never starts ends
  // the wait with its exit instead of a hang.
  const exited = p.joinAsync({ timeout: 60_000 }).then((code) => {
    if (code !== 0) queue.close();
    return code;
  });
  for await (const item of queue) items.push(item);
  const code = await exited;
  return code === 0 ? items.join(",") : `producer exit code ${code}: ${p.error}`;
});

await part("pool README", async () => {
  const { main } = await import("./readme-example.ts");
  return JSON.stringify(await main());
});
