// BUILD_STATUS_DB.txt (docs/formats.md#build_status_dbtxt) and PROPAGATION_STATUS_DB.txt (#propagation_status_dbtxt):
// `<pkg>#<node>#<stage>: <status>` and `<pkg>#<pkgType>#propagate: <explanation>`,
// one line each, no blank lines. Readers treat each file as one merged DCF
// record, i.e. a map from key to value.

import { BbsError } from "../util/errors.js";
import { asStatus, type Status } from "./status.js";
import { isStage, type Stage } from "../layout/stages.js";
import { BUILD_STATUS_DB_FILE, PROPAGATION_STATUS_DB_FILE } from "../layout/central.js";

/** File names at the root of a run directory (and copied into the report). */

export interface BuildStatusLine {
  package: string;
  node: string;
  stage: Stage;
  status: Status;
}

export function formatBuildStatusDb(lines: readonly BuildStatusLine[]): string {
  return lines.map((l) => `${l.package}#${l.node}#${l.stage}: ${l.status}\n`).join("");
}

export function buildStatusKey(pkg: string, node: string, stage: Stage): string {
  return `${pkg}#${node}#${stage}`;
}

/** Parses BUILD_STATUS_DB.txt; `source` names the file in errors. */
export function parseBuildStatusDb(text: string, source: string): BuildStatusLine[] {
  return parseKeyedLines(text, source).map(({ key, value, line }) => {
    const [pkg, node, stage, ...rest] = key.split("#");
    if (pkg === undefined || node === undefined || stage === undefined || rest.length > 0 || !isStage(stage)) {
      throw new BbsError("BBS_INPUT_INVALID", `${source}:${line}: "${key}" is not <package>#<node>#<stage>`, {
        hint: `${BUILD_STATUS_DB_FILE} is written by \`bbs postrun --only status-db\`; re-run it`,
      });
    }
    return { package: pkg, node, stage, status: asStatus(value) };
  });
}

export type PropagationVerdict = "YES" | "NO" | "UNNEEDED";

export interface PropagationLine {
  package: string;
  pkgType: string;
  /** The whole explanation, e.g. `NO, package depends on 'P' which is not available`. */
  explanation: string;
}

export function propagationVerdict(explanation: string): PropagationVerdict | undefined {
  if (explanation.startsWith("YES")) return "YES";
  if (explanation.startsWith("NO")) return "NO";
  if (explanation.startsWith("UNNEEDED")) return "UNNEEDED";
  return undefined;
}

export function formatPropagationDb(lines: readonly PropagationLine[]): string {
  return lines.map((l) => `${l.package}#${l.pkgType}#propagate: ${l.explanation}\n`).join("");
}

export function parsePropagationDb(text: string, source: string): PropagationLine[] {
  return parseKeyedLines(text, source).map(({ key, value, line }) => {
    const [pkg, pkgType, word, ...rest] = key.split("#");
    if (pkg === undefined || pkgType === undefined || word !== "propagate" || rest.length > 0) {
      throw new BbsError("BBS_INPUT_INVALID", `${source}:${line}: "${key}" is not <package>#<pkgType>#propagate`, {
        hint: `${PROPAGATION_STATUS_DB_FILE} is written by \`bbs postrun --only propagation-db\`; re-run it`,
      });
    }
    return { package: pkg, pkgType, explanation: value };
  });
}

function parseKeyedLines(text: string, source: string): Array<{ key: string; value: string; line: number }> {
  const result: Array<{ key: string; value: string; line: number }> = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    if (raw.trim() === "") return;
    const colon = raw.indexOf(":");
    if (colon < 0) {
      throw new BbsError("BBS_INPUT_INVALID", `${source}:${index + 1}: line has no ":"`, {
        hint: "each line is `<key>: <value>`",
      });
    }
    result.push({ key: raw.slice(0, colon).trim(), value: raw.slice(colon + 1).trim(), line: index + 1 });
  });
  return result;
}
