// The RabbitMQ back end's configuration: `bbs config check` names the
// missing spb.rabbitmq.* key of each host that logs in to the broker (the SPB
// nodes and the central node, never the others), and the broker settings of
// a host read its password file without ever showing its content.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkConfigDir, loadConfig } from "../../src/config/load.js";
import { brokerSettings } from "../../src/spb/settings.js";
import type { BbsError } from "../../src/util/errors.js";
import { validFiles, writeConfigDir } from "../config/config-dir.js";

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

function siteWith(hostExtra: Record<string, string>): { dir: string; files: Record<string, string> } {
  const files = validFiles();
  files["global.yaml"] += "spb:\n  queue: rabbitmq\n  nodes:\n    - win1\n  rabbitmq:\n    vhost: /spb\n";
  for (const [host, extra] of Object.entries(hostExtra)) files[`hosts/${host}.yaml`] += extra;
  const { dir, cleanup } = writeConfigDir(files);
  cleanups.push(cleanup);
  return { dir, files };
}

describe("spb.rabbitmq.* keys", () => {
  it("config check names the missing key and host of the SPB node and the central node", () => {
    const { dir } = siteWith({});
    const problems = checkConfigDir(dir, { env: {} }).problems.join("\n");
    for (const host of ["win1", "linux1"])
      for (const key of ["spb.rabbitmq.user", "spb.rabbitmq.passwordFile"])
        expect(problems).toContain(`hosts/${host}.yaml: ${key}: is not set: spb.queue is rabbitmq (global.yaml)`);
    expect(problems).toContain("win1 is an SPB node");
    expect(problems).toContain("linux1 is the central node");
  });

  it("reads the password file; an unreadable or empty one is an error naming the key, never the content", () => {
    const login = (file: string): string => `spb:\n  rabbitmq:\n    user: spb-win1\n    passwordFile: ${file}\n`;
    const { dir } = siteWith({ win1: login("secrets/broker-password"), linux1: login("secrets/broker-password") });
    expect(checkConfigDir(dir, { env: {} }).problems).toEqual([]);
    const load = () => brokerSettings(loadConfig(dir, "win1", { env: {} }));
    expect(load).toThrow(/spb\.rabbitmq\.passwordFile: cannot read .*broker-password/);
    mkdirSync(join(dir, "secrets"));
    const file = join(dir, "secrets", "broker-password");
    writeFileSync(file, "", { mode: 0o600 });
    expect(load).toThrow(/spb\.rabbitmq\.passwordFile: .* must hold the password on one line/);
    writeFileSync(file, "s3cret-broker-pw\n");
    expect(load()).toMatchObject({ user: "spb-win1", password: "s3cret-broker-pw", vhost: "/spb", port: 61613 });
    writeFileSync(file, "s3cret-broker-pw\nsecond line\n");
    let message = "";
    try {
      load();
    } catch (error) {
      message = String(error);
    }
    expect(message).toMatch(/must hold the password on one line/);
    expect(message).not.toContain("s3cret");
  });

  it("loading the config of a host without its login fails, the details naming the keys", () => {
    const { dir } = siteWith({});
    let details: readonly string[] = [];
    try {
      loadConfig(dir, "win1", { env: {} });
    } catch (error) {
      details = (error as BbsError).details;
    }
    expect(details.join("\n")).toContain("hosts/win1.yaml: spb.rabbitmq.user: is not set");
    expect(details.join("\n")).toContain("hosts/win1.yaml: spb.rabbitmq.passwordFile: is not set");
  });
});
