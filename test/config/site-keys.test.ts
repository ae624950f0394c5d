// `bbs config check` on a site of several hosts (issue 12's defects): a key of
// the build that resolves per host (config/local's `central.dir:
// ${workDir}/central` copied to a second host) and rsync options that `bbs run`
// would refuse are reported, naming the key, the hosts and the reference.

import { execa } from "execa";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { checkConfigDir } from "../../src/config/load.js";
import { writeTestConfig, type YamlMap } from "../fixtures/test-config.js";
import { useTempDirs } from "../fixtures/tmp.js";

const dirs = useTempDirs();

const configCheck = (dir: string) =>
  execa("node", ["bin/bbs.js", "config", "check", "--config", dir], {
    reject: false,
    all: true,
    env: { BBS_CONFIG: "", BBS_NODE_ID: "", BBS_WORK_TOPDIR: "" },
  });

async function twoHosts(label: string, global: YamlMap = {}, builder: YamlMap = {}) {
  const root = await dirs.make(`site-keys-${label}`);
  const config = writeTestConfig({
    workDir: join(root, "central1"),
    nodeId: "central1",
    global: { reportNodes: ["central1", "builder2"], ...global },
  });
  writeFileSync(
    join(config.dir, "hosts", "builder2.yaml"),
    stringify({ ...config.layers.host, nodeId: "builder2", workDir: join(root, "builder2"), ...builder }),
  );
  return { root, config };
}

describe("keys of the build must resolve the same on every host", () => {
  it("reports central.dir: ${workDir}/central on a site of two hosts, with both values and the reference", async () => {
    const { root, config } = await twoHosts("workdir");
    const result = await configCheck(config.dir);
    expect(result.exitCode, result.all).toBe(2);
    expect(result.all).toContain(
      `global.yaml: central.dir: resolves differently per host ("${join(root, "central1", "central")}" on central1, "${join(root, "builder2", "central")}" on builder2): "\${workDir}/central" refers to \${workDir}, which each host sets itself`,
    );
    expect(result.all).toContain(
      `write it out in global.yaml, e.g. central.dir: "${join(root, "central1", "central")}" (central.baseUrl, central.runsDir, report.path follow it)`,
    );
    // Derived keys are not reported once more.
    expect(result.all).not.toMatch(/ - default \(central\.dir: global\.yaml\): central\.runsDir/);
    expect(result.all).toMatch(/hint: central\.dir is a key of the build: every node must see the same value/);
    // Postrun and the report use the central node's values: loading stays possible.
    expect(checkConfigDir(config.dir, { env: {} }).problems).toEqual([]);
  });

  it("passes once the central directory is written out", async () => {
    const { config } = await twoHosts("written-out", {
      central: { dir: "/srv/bbs/central" },
      report: { publishDest: "/srv/bbs/published", publishedUrl: "https://bbs.example.org/report/" },
      propagation: { finalRepo: "file:///srv/bbs/repo", stagingDir: "/srv/bbs/staging", destination: "/srv/bbs/repo" },
    });
    const result = await configCheck(config.dir);
    expect(result.all).toBe(`${config.dir}: OK (2 host(s): builder2, central1)`);
    expect(result.exitCode).toBe(0);
  });
});

describe("rsync options: the rules bbs run applies", () => {
  it("reports tools.rsync: rsync -P (in-place partial files) like the transport refuses it", async () => {
    const { config } = await twoHosts("rsync-p", {}, { tools: { rsync: "rsync -P" } });
    const result = await configCheck(config.dir);
    expect(result.exitCode, result.all).toBe(2);
    expect(result.all).toContain("hosts/builder2.yaml:");
    expect(result.all).toMatch(
      /tools\.rsync: -P makes rsync write files in place, so readers could see half-written files/,
    );
    expect(result.all).toMatch(/hint: remove -P; bbs relies on rsync's default/);
  });
});
