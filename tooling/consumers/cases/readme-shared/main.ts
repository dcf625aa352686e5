// Runs the README's main() with countLine in three Processes (one line each),
// then pythonLike(); a Map prints as its entries.
import { Process } from "@sabkit/process";
import { main } from "./readme-example.ts";
import { pythonLike } from "./readme-python.ts";

const lines = ["the cat sat", "the dog sat", "a cat ran"];
const counted = await main(async (handles) => {
  const workers = lines.map((line) =>
    new Process({
      target: new URL("./readme-example.ts", import.meta.url),
      export: "countLine",
      args: [handles, line],
    }).start(),
  );
  for (const worker of workers) {
    const code = await worker.joinAsync({ timeout: 60_000 });
    if (code !== 0) throw new Error(`countLine exited with ${code}: ${worker.error}`);
  }
});
console.log(JSON.stringify(counted));
const python = pythonLike();
console.log(JSON.stringify({ ...python, stock: [...python.stock] }));
