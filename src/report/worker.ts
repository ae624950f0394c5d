// Worker thread entry: renders one shard of the package pages (shard.ts) and
// posts back its counts, or the error.

import { parentPort, workerData } from "node:worker_threads";
import { errorMessage } from "../util/errors.js";
import { renderShard, type ShardJob } from "./shard.js";

try {
  parentPort?.postMessage({ ok: true, result: renderShard(workerData as ShardJob) });
} catch (error) {
  parentPort?.postMessage({ ok: false, message: errorMessage(error) });
}
