// Worker thread of the report's pool (index.ts): renders a shard of the
// package pages (shard.ts) and answers with its counts, or the error.

import { serveTasks } from "../util/worker-pool.js";
import { renderShard, type ShardJob, type ShardResult } from "./shard.js";

serveTasks<ShardJob, ShardResult>(renderShard);
