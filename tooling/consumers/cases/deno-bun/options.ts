// Options a runtime's workers would ignore: Process must refuse them there,
// not pass them on silently.
import { Process } from "@sabkit/process";

const target = new URL("./target.ts", import.meta.url);
for (const [name, options] of [
  ["resourceLimits", { resourceLimits: { maxOldGenerationSizeMb: 64 } }],
  ["prefixOutput", { prefixOutput: true }],
] as const) {
  try {
    new Process({ target, ...options });
    console.log(`${name}: accepted`);
  } catch (error) {
    console.log(
      `${name}: ${(error as Error).name}: ${(error as Error).message.split(":")[1]?.trim()}`,
    );
  }
}
