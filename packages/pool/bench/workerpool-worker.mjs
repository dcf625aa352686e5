// workerpool's worker script: registers the same tasks.
import workerpool from "workerpool";
import { busy, square } from "./tasks.mjs";

workerpool.worker({ square, busy });
