// The plain JavaScript program of the node-esm and umbrella-strict cases; each
// passes the classes from the packages it installed. Each part prints one
// line, or the error that stopped it, so one broken part hides no other.

async function part(name, body) {
  let line;
  try {
    line = await body();
  } catch (error) {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    line = `failed: ${text.split("\n")[0]}`;
  }
  console.log(`${name}: ${line}`);
}

export async function run({ Lock, Pool, Process, Queue }) {
  const target = new URL("./target.mjs", import.meta.url);

  // Two processes add 1,000 each to a plain (non-atomic) counter under a
  // Lock: a lost update would show as less than 2000.
  await part("lock", async () => {
    const lock = new Lock();
    const counter = new Int32Array(new SharedArrayBuffer(4));
    const adders = [0, 1].map(
      () => new Process({ target, export: "add", args: [lock, counter, 1000] }),
    );
    for (const p of adders) p.start();
    const codes = [];
    for (const p of adders) codes.push(await p.joinAsync({ timeout: 60_000 }));
    const errors = adders.filter((p) => p.error !== null).map((p) => ` ${p.error}`);
    return `${counter[0]} (exit codes ${codes.join(",")})${errors.join("")}`;
  });

  // A process puts the cubes of 1..5 into a Queue; this thread takes them.
  await part("queue", async () => {
    const queue = new Queue();
    const producer = new Process({ target, export: "cubes", args: [queue, 5] }).start();
    // A producer that fails ends the wait with its exit instead of a hang.
    const exited = producer.joinAsync({ timeout: 60_000 }).then((code) => {
      if (code !== 0) queue.close();
      return code;
    });
    const cubes = [];
    for await (const cube of queue) cubes.push(cube);
    const code = await exited;
    return code === 0 ? cubes.join(",") : `producer exit code ${code}: ${producer.error}`;
  });

  // Pool.map over a task module in plain JavaScript.
  await part("pool", async () => {
    const pool = new Pool(new URL("./tasks.mjs", import.meta.url), { processes: 2 });
    try {
      return (await pool.map("square", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], { timeout: 60_000 })).join(
        ",",
      );
    } finally {
      pool.close();
      await pool.join({ timeout: 60_000 });
    }
  });
}
