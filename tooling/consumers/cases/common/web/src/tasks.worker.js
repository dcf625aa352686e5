// The Pool's worker entry: the bundler builds tasks.js into it.
import { servePool } from "sabkit/worker";

servePool(() => import("./tasks.js"));
