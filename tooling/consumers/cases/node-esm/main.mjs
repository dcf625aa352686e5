// A user's plain JavaScript program (no TypeScript, no loader), importing the
// single packages it installed.
import { Lock } from "@sabkit/lock";
import { Pool } from "@sabkit/pool";
import { Process } from "@sabkit/process";
import { Queue } from "@sabkit/queue";
import { run } from "./program.mjs";

await run({ Lock, Pool, Process, Queue });
