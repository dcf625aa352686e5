export { checkHistory, describeHistory, type HistoryItem, type HistoryReport } from "./history.js";
export { seededRandom } from "./prng.js";
export { readmeAndExample } from "./readme.js";
export { INHERITED_KEY, SPAWN_HOOK, type SpawnedChild, type SpawnHook } from "./runtime-link.js";
export {
  scaled,
  stressScale,
  testSeed,
  waitForWord,
  withTimeLimit,
} from "./stress.js";
export {
  type RunOptions,
  runInWorkers,
  type ScenarioContext,
  ScenarioError,
  ScenarioTimeoutError,
  ScenarioWorker,
  type StartOptions,
  startWorker,
  WorkerExitedError,
} from "./workers.js";
