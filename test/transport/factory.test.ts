// Transports chosen from a real configuration directory: the central node
// (centralHost: localhost) works on its directory locally, a builder reaches
// the same directory through rsync over ssh (a real sshd), and destinations
// such as report.publishDest are parsed as rsync targets.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, type ResolvedConfig } from "../../src/config/load.js";
import { centralReader, centralTransport, destinationTransport } from "../../src/transport/factory.js";
import { LocalTransport } from "../../src/transport/local.js";
import { RsyncSshTransport } from "../../src/transport/rsync.js";
import { startSshd, type SshdFixture } from "./sshd.js";

let sshd: SshdFixture;
let base: string;
let centralDir: string;
let central: ResolvedConfig;
let builder: ResolvedConfig;

beforeAll(async () => {
  sshd = await startSshd();
  base = mkdtempSync(join(tmpdir(), "bbs factory "));
  centralDir = join(base, "central dir");
  mkdirSync(centralDir, { recursive: true });
  const configDir = join(base, "config");
  mkdirSync(join(configDir, "platforms"), { recursive: true });
  mkdirSync(join(configDir, "hosts"), { recursive: true });
  writeFileSync(
    join(configDir, "global.yaml"),
    [
      'biocVersion: "3.16"',
      "buildType: bioc",
      "packageGitUrl: file:///nowhere/{package}.git",
      "manifest:",
      "  gitUrl: file:///nowhere/manifest.git",
      "  file: software.txt",
      "central:",
      "  nodeId: nebbiolo1",
      `  user: ${sshd.user}`,
      `  dir: ${centralDir}`,
      "reportNodes: [nebbiolo1, lconway]",
      `report:`,
      `  publishDest: ${sshd.user}@${sshd.host}:${join(base, "published report")}`,
      "",
    ].join("\n"),
  );
  writeFileSync(join(configDir, "platforms", "linux.yaml"), "os: Linux\n");
  const host = (id: string, extra: string[]): void =>
    writeFileSync(
      join(configDir, "hosts", `${id}.yaml`),
      [
        `nodeId: ${id}`,
        "platform: linux",
        `workDir: ${join(base, `work ${id}`)}`,
        "rHome: /usr/lib/R",
        ...extra,
        "",
      ].join("\n"),
    );
  // The central node reaches the report's destination with its own ssh settings.
  host("nebbiolo1", ["centralHost: localhost", "tools:", `  ssh: ${sshd.sshCommand}`]);
  host("lconway", [
    `centralHost: ${sshd.host}`,
    "transmissionMode: asynchronous",
    "tools:",
    `  ssh: ${sshd.sshCommand}`,
  ]);
  central = loadConfig(configDir, "nebbiolo1", { env: {} });
  builder = loadConfig(configDir, "lconway", { env: {} });
});

afterAll(async () => {
  await sshd.dispose();
  rmSync(base, { recursive: true, force: true });
});

describe("centralTransport", () => {
  it("is local on the central node and rsync over ssh on a builder, both on the same directory", async () => {
    const onCentral = centralTransport(central);
    const onBuilder = centralTransport(builder);
    expect(onCentral).toBeInstanceOf(LocalTransport);
    expect(onCentral.describe()).toBe(centralDir);
    expect(onBuilder).toBeInstanceOf(RsyncSshTransport);
    expect(onBuilder.describe()).toBe(`${sshd.user}@${sshd.host}:${centralDir}`);

    await onCentral.putText("Package: A\nVersion: 1.0\n", "meat-index.dcf");
    expect(await onBuilder.readText("meat-index.dcf")).toBe("Package: A\nVersion: 1.0\n");
    await onBuilder.putText("Status: OK\n", "products-in/lconway/install/A.install-summary.dcf");
    expect(await onCentral.readText("products-in/lconway/install/A.install-summary.dcf")).toBe("Status: OK\n");
  });

  it("reads the central directory at central.baseUrl (file:// by default)", async () => {
    expect(builder.values["central.baseUrl"]).toBe(`file://${centralDir}`);
    expect(await centralReader(builder).readText("meat-index.dcf")).toBe("Package: A\nVersion: 1.0\n");
  });
});

describe("destinationTransport", () => {
  it("publishes to an rsync target over ssh", async () => {
    const destination = destinationTransport(
      central.values["report.publishDest"] as string,
      "report.publishDest",
      central,
    );
    expect(destination).toBeInstanceOf(RsyncSshTransport);
    const report = join(base, "report");
    mkdirSync(report, { recursive: true });
    writeFileSync(join(report, "index.html"), "<html></html>\n");
    await destination.put(report, "");
    expect(readFileSync(join(base, "published report", "index.html"), "utf8")).toBe("<html></html>\n");
  });

  it("uses the filesystem for a local directory", () => {
    const destination = destinationTransport(join(base, "published repo"), "propagation.destination", central);
    expect(destination).toBeInstanceOf(LocalTransport);
    expect(destination.describe()).toBe(join(base, "published repo"));
  });
});
