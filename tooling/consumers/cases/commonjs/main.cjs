// A CommonJS program: require() of the ESM-only packages (Node's require of
// ES modules, unflagged since Node 20.19 and 22.12).
const { Lock, Pool } = require("sabkit");
const { Queue } = require("@sabkit/queue");

async function main() {
  const lock = new Lock();
  const held = lock.acquire({ timeout: 1000 });
  const locked = lock.locked;
  const again = lock.tryAcquire(); // false: a Lock is not re-entrant
  held.release();
  const free = lock.tryAcquire();
  lock.release();
  console.log(`lock: locked ${locked}, taken again ${again}, free after release ${free}`);

  const queue = new Queue();
  queue.putMany(["a", "b", "c"].map((key, i) => ({ key, square: (i + 1) ** 2 })));
  const items = queue.getMany(3, { timeout: 1000 });
  console.log(
    `queue: ${items.map((item) => `${item.key}=${item.square}`).join(" ")}, then empty ${queue.empty()}`,
  );

  const pool = new Pool(require("node:url").pathToFileURL(`${__dirname}/tasks.cjs`), {
    processes: 2,
  });
  try {
    console.log(`pool: ${(await pool.map("cube", [1, 2, 3, 4], { timeout: 60_000 })).join(",")}`);
  } finally {
    pool.close();
    await pool.join({ timeout: 60_000 });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
