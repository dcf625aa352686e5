// The same program with only the umbrella package installed.
import { Lock, Pool, Process, Queue } from "sabkit";
import { run } from "./program.mjs";

await run({ Lock, Pool, Process, Queue });
