// `bbs spb serve`: the coordinator with its store, queue back end and HTTP
// API, until stopped.

import { join } from "node:path";
import type { ResolvedConfig } from "../config/load.js";
import { BbsError } from "../util/errors.js";
import { Coordinator } from "./coordinator/coordinator.js";
import { startHttpServer, type CoordinatorServer } from "./coordinator/http.js";
import { EmbeddedQueue } from "./queue/embedded.js";
import { backendFactories } from "./queue/registry.js";
import { coordinatorCredentials, coordinatorSettings, listenAddress, spbDbPath } from "./settings.js";
import { SpbStore } from "./store/store.js";
import { webRoutes } from "./web/routes.js";
import { Sessions } from "./web/session.js";

/** The key that signs the web UI's session cookies (made on first start). */
const WEB_SESSION_KEY_FILE = "web-session.key";

export interface RunningCoordinator {
  readonly coordinator: Coordinator;
  readonly server: CoordinatorServer;
  stop(): Promise<void>;
}

export async function startCoordinator(
  config: ResolvedConfig,
  options: { listen?: string; subscribers?: readonly string[] } = {},
): Promise<RunningCoordinator> {
  const settings = coordinatorSettings(config);
  const credentials = coordinatorCredentials(config);
  const listen = listenAddress(options.listen ?? config.values["spb.listen"]);
  const publicUrl = config.values["spb.publicUrl"];
  const sessions = Sessions.open(
    join(settings.dir, WEB_SESSION_KEY_FILE),
    credentials,
    publicUrl?.startsWith("https:") === true,
  );
  const store = SpbStore.open(spbDbPath(config), { subscribers: options.subscribers ?? [] });
  const queue = backendFactories(config.values["spb.queue"]).coordinator(config, store);
  const coordinator = new Coordinator(store, queue, settings);
  let server: CoordinatorServer;
  try {
    await coordinator.start();
    server = await startHttpServer(
      coordinator,
      queue instanceof EmbeddedQueue ? queue : undefined,
      credentials,
      listen,
    );
    server.routes.push(
      ...webRoutes(coordinator, {
        title: `Single Package Builder (Bioconductor ${settings.biocVersion})`,
        sessions,
      }),
    );
  } catch (error) {
    await coordinator.stop();
    store.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL")
      throw new BbsError("BBS_USAGE", `cannot listen on ${listen.host}:${listen.port}: ${code}`, {
        hint: "choose another spb.listen (or --listen)",
        cause: error,
      });
    throw error;
  }
  return {
    coordinator,
    server,
    stop: async () => {
      await server.close();
      await coordinator.stop();
      store.close();
    },
  };
}
