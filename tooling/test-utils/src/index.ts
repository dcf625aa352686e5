export {
  runInWorkers,
  startWorker,
  ScenarioWorker,
  ScenarioError,
  ScenarioTimeoutError,
  WorkerExitedError,
  type ScenarioContext,
  type RunOptions,
  type StartOptions,
} from "./workers.js";
export { scaled, stressScale, withTimeLimit, seededRandom, testSeed } from "./stress.js";
export { checkHistory, describeHistory, type HistoryItem, type HistoryReport } from "./history.js";
export { SPAWN_HOOK, INHERITED_KEY, type SpawnHook, type SpawnedChild } from "./runtime-link.js";
