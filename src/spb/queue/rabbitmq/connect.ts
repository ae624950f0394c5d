// Connecting to the broker for the SPB: the client options from this host's
// settings, and a first connect that waits for a broker not up yet (a worker
// started at boot before RabbitMQ) until its signal aborts. A refused login
// is thrown at once: no retry fixes a wrong password. Once connected,
// StompClient itself reconnects and resubscribes after any loss.

import { setTimeout as sleep } from "node:timers/promises";
import { BrokerAuthError, BrokerError, StompClient, type StompClientOptions } from "../../../transport/stomp/index.js";
import type { BrokerSettings } from "../../settings.js";

/** The longest pause between two connection attempts. */
const RETRY_MAX_MS = 3000;

export function stompOptions(settings: BrokerSettings, log: (line: string) => void): StompClientOptions {
  return {
    host: settings.host,
    port: settings.port,
    vhost: settings.vhost,
    login: settings.user,
    passcode: settings.password,
    heartbeatMs: settings.heartbeatMs,
    // Attempts at a broker that is down cost nothing; a builder or coordinator is back within seconds of it.
    reconnect: { initialDelayMs: 200, maxDelayMs: RETRY_MAX_MS },
    log,
    onError: (error) => log(error.message),
  };
}

/** Connects, retrying with backoff (at most RETRY_MAX_MS apart) while the broker cannot be reached; undefined when `signal` aborted. */
export async function connectWhenReachable(
  options: StompClientOptions,
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<StompClient | undefined> {
  for (let delay = 200; !signal.aborted; delay = Math.min(RETRY_MAX_MS, delay * 2)) {
    try {
      const client = await StompClient.connect(options);
      if (!signal.aborted) return client;
      await client.close();
      return undefined;
    } catch (error) {
      if (error instanceof BrokerAuthError || !(error instanceof BrokerError)) throw error;
      log(`${error.message}; retrying in ${delay} ms`);
    }
    await sleep(delay, undefined, { signal }).catch(() => undefined);
  }
  return undefined;
}
