// `bbs config import-bbs`: reads a BBS checkout's config chain for one
// <version>/<buildtype> (every node directory's config.sh or config.bat and
// what it sources) and nodes/nodespecs.py, and writes a draft bbs config
// directory for the central node and the report nodes, listing what it could
// not translate. Nothing of the checkout is executed (docs/migration.md).

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { BbsError } from "../../util/errors.js";
import { swapDirectory, temporaryPathFor } from "../../util/fs.js";
import { checkConfigDir } from "../load.js";
import { parseReportNode } from "../nodes.js";
import { configFileIn, evaluateChain, type ChainResult } from "./chain.js";
import { uniqueItems, type ImportItem } from "./items.js";
import { placeValues } from "./layers.js";
import { parseNodeSpecs, type NodeSpec } from "./nodespecs.js";
import { translateHost, type HostTranslation } from "./translate.js";
import { writeDraftDir } from "./write.js";

export { formatItem, type ImportItem } from "./items.js";

export interface ImportOptions {
  checkout: string;
  /** `<version>/<buildtype>`, e.g. `3.21/bioc`. */
  build: string;
  /** Draft directory (default `config/<buildtype>-<version>`). */
  out?: string;
  force?: boolean;
  /** The central node, when the checkout does not make it clear. */
  central?: string;
}

export interface ImportResult {
  outDir: string;
  central: string;
  hosts: string[];
  platforms: string[];
  /** What could not be translated (and notes), in the order the report prints them. */
  items: ImportItem[];
  /** `bbs config check` on the draft: empty when it passes. */
  checkProblems: string[];
}

const VERSION_DIR = /^[0-9]+\.[0-9]+$/;

function subdirsWithConfig(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name), { throwIfNoEntry: false })?.isDirectory() === true)
    .filter((name) => configFileIn(join(dir, name)) !== undefined)
    .sort();
}

function locateBuild(options: ImportOptions): {
  checkout: string;
  version: string;
  buildType: string;
  buildDir: string;
} {
  const checkout = resolve(options.checkout);
  if (!existsSync(checkout) || !statSync(checkout).isDirectory()) {
    throw new BbsError("BBS_INPUT_INVALID", `BBS checkout ${checkout} does not exist or is not a directory`, {
      hint: "pass the directory of a clone of https://github.com/Bioconductor/BBS",
    });
  }
  const match = /^([^/]+)\/([^/]+)\/?$/.exec(options.build);
  if (!match) {
    throw new BbsError("BBS_USAGE", `"${options.build}" is not <version>/<buildtype>`, {
      hint: "e.g. bbs config import-bbs ~/BBS 3.21/bioc",
    });
  }
  const [, version = "", buildType = ""] = match;
  const versions = subdirsWithConfig(checkout).filter((name) => VERSION_DIR.test(name));
  if (versions.length === 0) {
    throw new BbsError("BBS_INPUT_INVALID", `${checkout} is not a BBS checkout: no <version>/config.sh in it`, {
      hint: "pass the directory of a clone of https://github.com/Bioconductor/BBS (it holds 3.21/, nodes/...)",
    });
  }
  if (!versions.includes(version)) {
    throw new BbsError("BBS_INPUT_INVALID", `version ${version} is not in the BBS checkout ${checkout}`, {
      hint: `versions found: ${versions.join(", ")}`,
    });
  }
  const buildTypes = subdirsWithConfig(join(checkout, version));
  if (!buildTypes.includes(buildType)) {
    throw new BbsError("BBS_INPUT_INVALID", `build type ${buildType} is not in ${join(checkout, version)}`, {
      hint:
        buildTypes.length > 0
          ? `build types of ${version}: ${buildTypes.join(", ")}`
          : `${version}/ has no <buildtype>/config.sh`,
    });
  }
  return { checkout, version, buildType, buildDir: join(checkout, version, buildType) };
}

interface NodeDir {
  dir: string;
  chain: ChainResult;
}

/** The node whose chain sets the postrun variables; several: the one the builders' BBS_CENTRAL_RHOST names. */
function findCentral(nodes: readonly NodeDir[], buildRel: string, option: string | undefined): NodeDir {
  const names = nodes.map((node) => node.dir);
  if (option !== undefined) {
    const chosen = nodes.find((node) => node.dir === option);
    if (chosen === undefined) {
      throw new BbsError(
        "BBS_INPUT_INVALID",
        `--central ${option}: ${buildRel}/${option}/ has no config.sh or config.bat`,
        {
          hint: `node directories of ${buildRel}: ${names.join(", ")}`,
        },
      );
    }
    return chosen;
  }
  const candidates = nodes.filter((node) => (node.chain.vars.get("BBS_REPORT_NODES")?.val.text ?? "").trim() !== "");
  if (candidates.length === 1 && candidates[0] !== undefined) return candidates[0];
  if (candidates.length === 0) {
    throw new BbsError(
      "BBS_INPUT_INVALID",
      `no node directory of ${buildRel} sets BBS_REPORT_NODES (the central node's postrun settings)`,
      {
        hint: `name the central node with --central <node>; node directories: ${names.join(", ")}`,
      },
    );
  }
  const votes = new Map<string, number>();
  for (const node of nodes) {
    const host = node.chain.vars.get("BBS_CENTRAL_RHOST")?.val.text;
    if (host !== undefined) votes.set(host, (votes.get(host) ?? 0) + 1);
  }
  const ranked = [...candidates].sort((a, b) => (votes.get(b.dir) ?? 0) - (votes.get(a.dir) ?? 0));
  const [best, second] = ranked;
  if (best !== undefined && (votes.get(best.dir) ?? 0) > (second === undefined ? 0 : (votes.get(second.dir) ?? 0)))
    return best;
  throw new BbsError(
    "BBS_INPUT_INVALID",
    `several node directories of ${buildRel} set BBS_REPORT_NODES: ${candidates.map((c) => c.dir).join(", ")}`,
    {
      hint: "name the central node with --central <node>",
    },
  );
}

export function importBbs(options: ImportOptions): ImportResult {
  const { checkout, version, buildType, buildDir } = locateBuild(options);
  const buildRel = `${version}/${buildType}`;
  const outDir = resolve(options.out ?? join("config", `${buildType}-${version}`));
  if (existsSync(outDir) && options.force !== true) {
    throw new BbsError("BBS_USAGE", `${outDir} exists already`, {
      hint: "pass --out <new directory>, or --force to replace it",
    });
  }
  const nodeDirs = subdirsWithConfig(buildDir);
  if (nodeDirs.length === 0) {
    throw new BbsError("BBS_INPUT_INVALID", `${buildRel} has no node directory (<node>/config.sh or config.bat)`, {
      hint: `BBS keeps each node's settings in ${buildRel}/<node>/config.sh`,
    });
  }
  const nodes: NodeDir[] = nodeDirs.map((dir) => ({
    dir,
    chain: evaluateChain(checkout, configFileIn(join(buildDir, dir)) as string),
  }));
  const central = findCentral(nodes, buildRel, options.central);
  const items: ImportItem[] = [];

  const specFile = "nodes/nodespecs.py";
  let specs = new Map<string, NodeSpec>();
  if (existsSync(join(checkout, specFile))) {
    const parsed = parseNodeSpecs(readFileSync(join(checkout, specFile), "utf8"), specFile);
    specs = parsed.specs;
    items.push(...parsed.items);
  } else
    items.push({
      kind: "needs-user",
      file: specFile,
      why: "missing: os, arch, rPlatform and pkgType of every node need you",
    });

  // The central node and every report node that builds here get a host file.
  const reportBinding = central.chain.vars.get("BBS_REPORT_NODES");
  const wanted = new Set<string>();
  for (const word of (reportBinding?.val.text ?? "").split(/\s+/).filter((w) => w !== "")) {
    const parsed = parseReportNode(word);
    if (parsed.ok && !parsed.value.foreign) wanted.add(parsed.value.id);
  }
  const hosts: HostTranslation[] = [];
  for (const node of nodes) {
    const isCentral = node === central;
    const hostname = node.chain.vars.get("BBS_NODE_HOSTNAME")?.val.text || node.dir;
    const translation = translateHost(node.dir, node.chain, {
      checkout,
      isCentral,
      spec: specs.get(hostname) ?? specs.get(node.dir),
      specFile,
    });
    if (!isCentral && !wanted.has(translation.nodeId)) {
      items.push({
        kind: "note",
        file: `${buildRel}/${node.dir}`,
        why: "not imported: neither the central node nor one of its BBS_REPORT_NODES",
      });
      continue;
    }
    wanted.delete(translation.nodeId);
    const start = node.chain.files[0] ?? `${buildRel}/${node.dir}`;
    translation.values.set(
      "nodeId",
      translation.values.get("nodeId") ?? {
        value: translation.nodeId,
        literal: translation.nodeId,
        file: start,
        line: 0,
        variable: "(directory name)",
        layer: "host",
      },
    );
    translation.values.set("platform", {
      value: translation.platform,
      literal: translation.platform,
      file: translation.hasSpec ? specFile : start,
      line: 0,
      variable: translation.hasSpec ? `'${hostname}'` : "(no nodespecs.py entry: bbs's defaults)",
      layer: "host",
    });
    if (!translation.hasSpec && !isCentral)
      items.push({
        kind: "needs-user",
        file: specFile,
        variable: `'${hostname}'`,
        why: `no entry for this report node: platforms/${translation.platform}.yaml holds bbs's defaults (Linux x86_64 source); set os, arch, rPlatform, pkgType`,
      });
    items.push(...translation.items);
    hosts.push(translation);
  }
  for (const missing of wanted) {
    items.push({
      kind: "needs-user",
      file: reportBinding?.file ?? buildRel,
      ...(reportBinding ? { line: reportBinding.line } : {}),
      variable: "BBS_REPORT_NODES",
      why: `report node ${missing} has no directory ${buildRel}/${missing}/: write hosts/${missing}.yaml by hand, or list it as ${missing}:foreign`,
    });
  }

  const centralHost = hosts.find((host) => host.dir === central.dir) as HostTranslation;
  const layers = placeValues(hosts, centralHost.nodeId);
  items.push(...layers.items);
  layers.global.set("central.nodeId", {
    value: centralHost.nodeId,
    from: {
      file: reportBinding?.file ?? central.chain.files[0] ?? "",
      line: reportBinding?.line ?? 0,
      variable: "(the node that sets BBS_REPORT_NODES)",
    },
  });
  const copies = new Map<string, string>();
  for (const host of hosts) for (const [name, path] of host.copies) copies.set(name, path);

  mkdirSync(dirname(outDir), { recursive: true });
  const temporary = temporaryPathFor(outDir);
  const source = `${buildRel} of the BBS checkout ${checkout}`;
  writeDraftDir(temporary, {
    layers,
    copies,
    headers: (file) => {
      const lines = [`Drafted by \`bbs config import-bbs\` from ${source}.`];
      if (file.startsWith("host:"))
        lines.push(
          `Node ${file.slice("host:".length)}${file.slice(5) === centralHost.nodeId ? " (central node)" : ""}.`,
        );
      lines.push("Each value names the BBS file, line and variable it replaces; review, then run `bbs config check`.");
      return lines;
    },
  });
  let checkProblems: string[];
  try {
    const checked = checkConfigDir(temporary, { env: {} });
    checkProblems = [...checked.problems, ...checked.siteProblems];
    swapDirectory(temporary, outDir);
  } catch (error) {
    // The draft was not put in place: leave nothing behind.
    rmSync(temporary, { recursive: true, force: true });
    throw error;
  }
  return {
    outDir,
    central: centralHost.nodeId,
    hosts: hosts.map((host) => host.nodeId),
    platforms: [...layers.platforms.keys()].sort(),
    items: uniqueItems(items),
    checkProblems,
  };
}
