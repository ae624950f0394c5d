// The queue back ends `spb.queue` can name, each with its coordinator and
// worker sides. A back end registers its factories here.

import type { ResolvedConfig } from "../../config/load.js";
import { BbsError } from "../../util/errors.js";
import type { SpbClient } from "../client.js";
import type { SpbStore } from "../store/store.js";
import { EmbeddedQueue } from "./embedded.js";
import { HttpWorkerQueue } from "./http-worker.js";
import { RabbitCoordinatorQueue } from "./rabbitmq/coordinator.js";
import { RabbitWorkerQueue } from "./rabbitmq/worker.js";
import { brokerSettings, clientCredential, coordinatorCredentials } from "../settings.js";
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
  [
    "rabbitmq",
    {
      coordinator: (config) => new RabbitCoordinatorQueue(brokerSettings(config), coordinatorCredentials(config)),
      // The coordinator's API is not needed: work, claims and events all go through the broker.
      worker: (config, _client, node, workerId) => {
        const credential = clientCredential(config);
        if (credential?.principal !== `node:${node}`)
          throw new BbsError(
            "BBS_CONFIG_INVALID",
            `spb.tokenFile of node ${node} must hold its own credential (node:${node} <secret>)` +
              (credential === undefined ? ", and it is not set" : `, not ${credential.principal}'s`),
            {
              hint: "the RabbitMQ back end signs this node's messages with it; the coordinator's spb.tokensFile has the same line",
            },
          );
        return new RabbitWorkerQueue(brokerSettings(config), credential, node, workerId, {
          // A heartbeat older than half the deadline says little about the node now.
          heartbeatExpirationMs: Math.max(1000, (config.values["spb.heartbeatTimeout"] * 1000) / 2),
        });
      },
    },
  ],
]);

export function backendFactories(name: QueueBackendName): BackendFactories {
  const factories = BACKENDS.get(name);
  if (factories === undefined)
    throw new BbsError("BBS_CONFIG_INVALID", `spb.queue: the ${name} back end is not available in this bbs`, {
      hint: "use spb.queue: embedded",
    });
  return factories;
}
