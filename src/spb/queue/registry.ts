// The queue back ends `spb.queue` can name, each with its coordinator and
// worker sides. A back end registers its factories here.

import type { ResolvedConfig } from "../../config/load.js";
import { BbsError } from "../../util/errors.js";
import type { SpbClient } from "../client.js";
import type { SpbStore } from "../store/store.js";
import { EmbeddedQueue } from "./embedded.js";
import { HttpWorkerQueue } from "./http-worker.js";
import type { CoordinatorQueue, QueueBackendName, WorkerQueue } from "./types.js";

export interface BackendFactories {
  coordinator(config: ResolvedConfig, store: SpbStore): CoordinatorQueue;
  /** `client`: the coordinator's API (for what the back end does not carry, e.g. tarballs). */
  worker(config: ResolvedConfig, client: SpbClient, node: string, workerId: string): WorkerQueue;
}

const BACKENDS = new Map<QueueBackendName, BackendFactories>([
  [
    "embedded",
    {
      coordinator: (config, store) => new EmbeddedQueue(store, config.values["spb.lease"] * 1000),
      worker: (_config, client, node, workerId) => new HttpWorkerQueue(client, node, workerId),
    },
  ],
]);

export function registerBackend(name: QueueBackendName, factories: BackendFactories): void {
  BACKENDS.set(name, factories);
}

export function backendFactories(name: QueueBackendName): BackendFactories {
  const factories = BACKENDS.get(name);
  if (factories === undefined)
    throw new BbsError("BBS_CONFIG_INVALID", `spb.queue: the ${name} back end is not available in this bbs`, {
      hint: "use spb.queue: embedded",
    });
  return factories;
}
