// Parsing of the build-wide node lists: report nodes (`id[:bin|:foreign]`) and the
// OUTGOING map (`pkgType: node_id/stage`). Parsed properly, unlike BBS's
// getSourceNode() character-set strip that mangled names such as `lconway`.

import { BbsError } from "../util/errors.js";
import type { ResolvedConfig } from "./resolved.js";
import { PKG_TYPES, type PkgType } from "./schema.js";

export interface ReportNode {
  id: string;
  /** Node builds binary packages (BUILD BIN column). */
  bin: boolean;
  /** Results come from another build's report (no products here). */
  foreign: boolean;
}

export interface OutgoingSource {
  pkgType: PkgType;
  nodeId: string;
  stage: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string; hint: string };

export function parseReportNode(text: string): Parsed<ReportNode> {
  const [id = "", suffix, ...rest] = text.split(":");
  if (id === "" || rest.length > 0 || (suffix !== undefined && suffix !== "bin" && suffix !== "foreign")) {
    return {
      ok: false,
      message: `invalid report node "${text}"`,
      hint: "write `node_id`, `node_id:bin` or `node_id:foreign`",
    };
  }
  return { ok: true, value: { id, bin: suffix === "bin", foreign: suffix === "foreign" } };
}

export function parseReportNodes(items: readonly string[]): ReportNode[] {
  return items.map(parseReportNode).flatMap((p) => (p.ok ? [p.value] : []));
}

export const OUTGOING_STAGES = ["buildsrc", "buildbin", "checksrc"] as const;

export function parseOutgoingEntry(pkgType: string, target: string): Parsed<OutgoingSource> {
  if (!(PKG_TYPES as readonly string[]).includes(pkgType)) {
    return { ok: false, message: `unknown package type "${pkgType}"`, hint: `use one of ${PKG_TYPES.join(", ")}` };
  }
  const parts = target.split("/");
  if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
    return {
      ok: false,
      message: `"${target}" is not of the form node_id/stage`,
      hint: "e.g. nebbiolo1/buildsrc or palomino8/buildbin",
    };
  }
  const [nodeId = "", stage = ""] = parts;
  if (!(OUTGOING_STAGES as readonly string[]).includes(stage)) {
    return {
      ok: false,
      message: `unknown stage "${stage}" in "${target}"`,
      hint: "source packages come from buildsrc, binaries from buildbin",
    };
  }
  return { ok: true, value: { pkgType: pkgType as PkgType, nodeId, stage } };
}

export function parseOutgoing(map: Readonly<Record<string, string>>): OutgoingSource[] {
  return Object.entries(map)
    .map(([pkgType, target]) => parseOutgoingEntry(pkgType, target))
    .flatMap((p) => (p.ok ? [p.value] : []));
}

/** Prerun and postrun run on the central node only: anything else is a mistake of --host or BBS_NODE_ID. */
export function assertCentralNode(config: ResolvedConfig, command: string): void {
  const central = config.values["central.nodeId"];
  if (config.nodeId !== central) {
    throw new BbsError("BBS_PRECONDITION", `${command} runs on the central node ${central}, not on ${config.nodeId}`, {
      hint: `run it on the central node (--host ${central}), or change central.nodeId in global.yaml`,
    });
  }
}
