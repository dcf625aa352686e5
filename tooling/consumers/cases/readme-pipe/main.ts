// Runs the README's main() with its worker() in a Process: the README leaves
// starting the worker to the reader, and Process is sabkit's way.
import { Process } from "@sabkit/process";
import { main } from "./readme-example.ts";

let worker: Process | undefined;
const result = await main((ends) => {
  worker = new Process({
    target: new URL("./readme-example.ts", import.meta.url),
    export: "worker",
    args: [ends],
  }).start();
});
console.log(
  `${JSON.stringify(result)} (worker exit code ${await worker?.joinAsync({ timeout: 60_000 })})`,
);
