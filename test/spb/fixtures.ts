// An SPB site for tests: config/local's node `local` runs the coordinator
// (and the client commands, as an operator), and builder nodes `spb1`,
// `spb2`... each get a host file with their own work directory and
// credential. Secrets are random; files are mode 0600.

import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import type { Credential } from "../../src/spb/auth.js";
import { deepMerge, writeTestConfig, type TestConfig, type YamlMap } from "../fixtures/test-config.js";

export interface SpbSite {
  readonly config: TestConfig;
  readonly root: string;
  readonly nodes: readonly string[];
  /** Every credential the coordinator accepts, by principal. */
  readonly credentials: ReadonlyMap<string, Credential>;
  /** The coordinator's credentials file (the canary must not read it). */
  readonly tokensFile: string;
  /** Environment of `bbs` acting as `node` (BBS_NODE_ID). */
  envOf(node: string, extra?: Readonly<Record<string, string>>): Record<string, string>;
}

export interface SpbSiteOptions {
  readonly root: string;
  readonly nodes?: readonly string[];
  /** Merged into global.yaml's `spb:` section (short deadlines...). */
  readonly spb?: YamlMap;
  /** Merged into every builder's host file; its `spb:` section into the coordinator's host file too. */
  readonly builderHost?: YamlMap;
  /** Merged into one builder's host file (after builderHost), by node. */
  readonly nodeHost?: Readonly<Record<string, YamlMap>>;
  readonly global?: YamlMap;
}

function secret(): string {
  return randomBytes(24).toString("hex");
}

export function writeSpbSite(options: SpbSiteOptions): SpbSite {
  const nodes = options.nodes ?? ["spb1", "spb2"];
  const secretsDir = join(options.root, "secrets");
  mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  const principals = ["submit:bot", "operator:ops", ...nodes.map((node) => `node:${node}`)];
  const credentials = new Map(principals.map((principal) => [principal, { principal, secret: secret() }] as const));
  const tokensFile = join(secretsDir, "coordinator-tokens.txt");
  writeFileSync(tokensFile, [...credentials.values()].map((c) => `${c.principal} ${c.secret}`).join("\n") + "\n", {
    mode: 0o600,
  });
  const tokenFileOf = (principal: string): string => {
    const file = join(secretsDir, `${principal.replace(":", "-")}.txt`);
    const credential = credentials.get(principal) as Credential;
    writeFileSync(file, `${credential.principal} ${credential.secret}\n`, { mode: 0o600 });
    return file;
  };
  const config = writeTestConfig({
    workDir: join(options.root, "central"),
    global: {
      ...options.global,
      spb: { nodes: [...nodes], listen: "127.0.0.1:0", ...options.spb },
    },
    // The coordinator's host gets the back end's per-host keys too (its broker user...).
    host: {
      spb: {
        tokensFile,
        tokenFile: tokenFileOf("operator:ops"),
        ...((options.builderHost?.spb as YamlMap | undefined) ?? {}),
      },
    },
  });
  // The builders share the platform of config/local (Linux, R 4.2).
  const hostBase = config.layers.host;
  for (const node of nodes) {
    const host: YamlMap = {
      ...hostBase,
      ...options.builderHost,
      nodeId: node,
      workDir: join(options.root, node),
      spb: {
        tokenFile: tokenFileOf(`node:${node}`),
        ...((options.builderHost?.spb as YamlMap | undefined) ?? {}),
      },
    };
    writeFileSync(join(config.dir, "hosts", `${node}.yaml`), stringify(deepMerge(host, options.nodeHost?.[node])));
  }
  return {
    config,
    root: options.root,
    nodes,
    credentials,
    tokensFile,
    envOf: (node, extra = {}) => config.cliEnv({ BBS_NODE_ID: node, ...extra }),
  };
}
