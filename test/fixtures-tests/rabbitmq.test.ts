// The RabbitMQ fixture itself: a broker of its own on loopback ports, a login
// that works and one that does not (no guest), a restart that keeps the data
// directory, and nothing left running after dispose().

import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isLive, readProcStat } from "../../src/jobs/procfs.js";
import { probeStomp, startRabbitMq, type RabbitMqFixture } from "../fixtures/rabbitmq.js";

/** Local addresses of the sockets a process listens on (TCP, from /proc/net/tcp*). */
function listeningPorts(): Map<number, string> {
  const ports = new Map<number, string>();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, "utf8").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      // state 0A = LISTEN
      if (fields[3] !== "0A" || fields[1] === undefined) continue;
      const [address, port] = fields[1].split(":");
      ports.set(parseInt(port ?? "0", 16), address ?? "");
    }
  }
  return ports;
}

const LOOPBACK_V4 = "0100007F";
const LOOPBACK_V6 = "00000000000000000000000001000000";

describe("RabbitMQ fixture", () => {
  let broker: RabbitMqFixture;

  beforeAll(async () => {
    broker = await startRabbitMq({ label: "fixture" });
  });

  afterAll(async () => {
    await broker?.dispose();
  });

  it("listens on loopback only, on ports of its own, with its own epmd", () => {
    const listening = listeningPorts();
    for (const port of [broker.stompPort, broker.amqpPort, broker.distPort, broker.epmdPort]) {
      expect(listening.has(port), `port ${port}`).toBe(true);
      expect([LOOPBACK_V4, LOOPBACK_V6]).toContain(listening.get(port));
    }
    expect(new Set([broker.stompPort, broker.amqpPort, broker.distPort, broker.epmdPort]).size).toBe(4);
    const commands = broker.processes().map((p) => p.command);
    expect(commands).toContain("beam.smp");
    expect(commands).toContain("epmd");
  });

  it("accepts its generated user, refuses a wrong password and the guest account", async () => {
    const login = { vhost: broker.vhost, user: broker.user, password: broker.password };
    expect(await probeStomp(broker.stompPort, login)).toBe("connected");
    expect(await probeStomp(broker.stompPort, { ...login, password: "wrong" })).toBe("refused");
    expect(await probeStomp(broker.stompPort, { vhost: broker.vhost, user: "guest", password: "guest" })).toBe(
      "refused",
    );
    expect(readFileSync(broker.passwordFile, "utf8")).toBe(`${broker.password}\n`);
    expect(statSync(broker.passwordFile).mode & 0o077).toBe(0);
  });

  it("stops and starts again on the same ports with the same data directory", async () => {
    const login = { vhost: broker.vhost, user: broker.user, password: broker.password };
    const mnesia = join(broker.dir, "mnesia", broker.nodeName);
    expect(existsSync(mnesia)).toBe(true);
    const port = broker.stompPort;
    await broker.stop();
    expect(broker.running).toBe(false);
    expect(await probeStomp(port, login)).toBe("down");
    // epmd stays for the restart; the VM and its helpers are gone.
    expect(broker.processes().map((p) => p.command)).toEqual(["epmd"]);
    await broker.start();
    expect(broker.stompPort).toBe(port);
    expect(await probeStomp(port, login)).toBe("connected");
  });

  it("survives a crash of the Erlang VM (SIGKILL) and restarts", async () => {
    await broker.restart({ crash: true });
    expect(
      await probeStomp(broker.stompPort, { vhost: broker.vhost, user: broker.user, password: broker.password }),
    ).toBe("connected");
  });

  it("dispose() leaves no process and no directory behind", async () => {
    const other = await startRabbitMq({ label: "dispose" });
    const pids = other.processes().map((p) => p.pid);
    expect(pids.length).toBeGreaterThanOrEqual(3);
    await other.dispose();
    expect(existsSync(other.dir)).toBe(false);
    expect(pids.filter((pid) => isLive(readProcStat(pid)))).toEqual([]);
  });
});
