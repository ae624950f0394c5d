// The queue back ends the SPB acceptance tests run over: one factory each.
// A test does `describe.each(BACKENDS)(...)`, starts the back end once per
// file (`await backend.start(root)`), merges its settings into the test site
// (writeSpbSite({ spb: running.spb, builderHost: running.host })) and disposes
// of it at the end. A back end with a broker restarts it on demand (the
// "broker restarted mid-build" fault).
//
// BBS_TEST_SPB_BACKENDS=embedded,rabbitmq limits the list (default: all).

import type { QueueBackendName } from "../../src/spb/queue/types.js";
import { startRabbitMq, type RabbitMqFixture } from "../fixtures/rabbitmq.js";
import type { YamlMap } from "../fixtures/test-config.js";

/** A started back end, as a test site uses it. */
export interface RunningBackend {
  readonly name: QueueBackendName;
  /** Merged into global.yaml's `spb:` section (spb.queue and the back end's own keys). */
  readonly spb: YamlMap;
  /** Merged into every builder's host file and the coordinator's (per-host credentials of the back end...). */
  readonly host?: YamlMap;
  /** Restarts the broker (stop, start on the same ports and data); absent when the back end has none. */
  readonly restartBroker?: () => Promise<void>;
  /** The broker itself, when the back end has one (stop/start/crash for finer faults). */
  readonly broker?: RabbitMqFixture;
  /** Stops what start() started; nothing of it survives. */
  dispose(): Promise<void>;
}

export interface BackendFactory {
  readonly name: QueueBackendName;
  /** Starts what the back end needs; `root`: a temporary directory of the test for its data. */
  start(root: string): Promise<RunningBackend>;
}

const embedded: BackendFactory = {
  name: "embedded",
  start: () => Promise.resolve({ name: "embedded", spb: { queue: "embedded" }, dispose: () => Promise.resolve() }),
};

/** A real RabbitMQ (test/fixtures/rabbitmq.ts) of the test file, on loopback ports of its own (~10 s to start). */
const rabbitmq: BackendFactory = {
  name: "rabbitmq",
  start: async () => {
    const broker = await startRabbitMq({ label: "spb" });
    return {
      name: "rabbitmq",
      spb: { queue: "rabbitmq", rabbitmq: { vhost: broker.vhost, prefix: "bbs.spb.test" } },
      host: {
        spb: {
          rabbitmq: {
            host: broker.host,
            port: broker.stompPort,
            user: broker.user,
            passwordFile: broker.passwordFile,
            // Short STOMP heart-beats: a dead connection is noticed within seconds.
            heartbeat: 2,
          },
        },
      },
      broker,
      restartBroker: () => broker.restart(),
      dispose: () => broker.dispose(),
    };
  },
};

const ALL: readonly BackendFactory[] = [embedded, rabbitmq];

function selected(all: readonly BackendFactory[]): BackendFactory[] {
  const wanted = process.env.BBS_TEST_SPB_BACKENDS?.split(",").map((name) => name.trim());
  return wanted === undefined || wanted.join("") === "" ? [...all] : all.filter((b) => wanted.includes(b.name));
}

/** The back ends of this run, for `describe.each`. */
export const BACKENDS: readonly BackendFactory[] = selected(ALL);
