// `pnpm --filter @sabkit/demo example <name>` runs examples/<name>.ts as the
// program (the same as `tsx --conditions=source examples/<name>.ts` in
// apps/demo). Each example module is both the program and its processes'
// target, guarded by isMainProcess().
const examples = ["processes", "pool-map", "queue", "lock", "pipe", "manager", "deadlock"];
const name = process.argv[2] ?? "";

if (examples.includes(name)) {
  await import(new URL(`./${name}.ts`, import.meta.url).href);
} else {
  console.error(
    `${name ? `no example "${name}"` : "which example?"}: pnpm --filter @sabkit/demo example <name>, ` +
      `with <name> one of: ${examples.join(", ")}`,
  );
  process.exitCode = 2;
}
