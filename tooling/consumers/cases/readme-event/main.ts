// Runs the README's example() and prints the lines it returns.
import { example } from "./example.ts";

for (const line of await example()) console.log(line);
