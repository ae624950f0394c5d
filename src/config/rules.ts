// Rules across keys, checked after the values are resolved: node identity,
// the report node list, the OUTGOING map, notify nodes and the central node.

import { listHostIds } from "./dir.js";
import { position, type Entry } from "./layer-file.js";
import { parseOutgoingEntry, parseReportNode } from "./nodes.js";
import type { ConfigProblem } from "./problems.js";
import { checkScheduleRules } from "./schedule-rules.js";
import type { KeyName } from "./schema.js";
import { rsyncOptionProblem } from "../util/rsync-options.js";

export function checkRules(
  configDir: string,
  nodeId: string,
  hostFile: string,
  merged: ReadonlyMap<KeyName, Entry>,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const hosts = listHostIds(configDir);

  const declaredId = merged.get("nodeId");
  if (declaredId && declaredId.source === hostFile && declaredId.value !== nodeId) {
    problems.push({
      file: hostFile,
      ...position(declaredId),
      key: "nodeId",
      message: `node id "${String(declaredId.value)}" differs from the file name "${nodeId}"`,
      hint: `rename the file to hosts/${String(declaredId.value)}.yaml or set nodeId: ${nodeId}`,
    });
  }

  const reportEntry = merged.get("reportNodes");
  const reportIds = new Set<string>();
  const foreignIds = new Set<string>();
  if (reportEntry && Array.isArray(reportEntry.value)) {
    const seen = new Map<string, number>();
    reportEntry.value.forEach((text, index) => {
      const where = { file: reportEntry.source, ...itemPosition(reportEntry, index), key: `reportNodes[${index}]` };
      const parsed = parseReportNode(text);
      if (!parsed.ok) {
        problems.push({ ...where, message: parsed.message, hint: parsed.hint });
        return;
      }
      const { id, foreign } = parsed.value;
      const first = seen.get(id);
      if (first !== undefined) {
        problems.push({
          ...where,
          message: `duplicate node id "${id}" (already listed as reportNodes[${first}])`,
          hint: "list each node once",
        });
        return;
      }
      seen.set(id, index);
      reportIds.add(id);
      if (foreign) foreignIds.add(id);
      else if (!hosts.includes(id)) {
        problems.push({
          ...where,
          message: `report node "${id}" has no host file hosts/${id}.yaml`,
          hint: `create hosts/${id}.yaml, mark it \`${id}:foreign\`, or remove it`,
        });
      }
    });
    if (reportEntry.value.length === 0) {
      problems.push({
        file: reportEntry.source,
        ...position(reportEntry),
        key: "reportNodes",
        message: "lists no node",
        hint: "list the builders shown on the report",
      });
    }
  }

  const outgoing = merged.get("outgoing");
  if (outgoing && typeof outgoing.value === "object" && !Array.isArray(outgoing.value)) {
    for (const [pkgType, target] of Object.entries(outgoing.value)) {
      const keyPos = outgoing.keyPositions?.[pkgType];
      const where = {
        file: outgoing.source,
        ...(keyPos && keyPos.line > 0 ? keyPos : position(outgoing)),
        key: `outgoing.${pkgType}`,
      };
      const parsed = parseOutgoingEntry(pkgType, target);
      if (!parsed.ok) problems.push({ ...where, message: parsed.message, hint: parsed.hint });
      else if (!reportIds.has(parsed.value.nodeId) || foreignIds.has(parsed.value.nodeId)) {
        problems.push({
          ...where,
          message: `names node "${parsed.value.nodeId}", which is not a (non-foreign) report node`,
          hint: `report nodes: ${[...reportIds].filter((id) => !foreignIds.has(id)).join(", ") || "(none)"}`,
        });
      }
    }
  }

  const notifyNodes = merged.get("notify.nodes");
  if (notifyNodes && Array.isArray(notifyNodes.value)) {
    notifyNodes.value.forEach((id, index) => {
      if (!reportIds.has(id)) {
        problems.push({
          file: notifyNodes.source,
          ...itemPosition(notifyNodes, index),
          key: `notify.nodes[${index}]`,
          message: `"${id}" is not a report node`,
          hint: "notify nodes must be listed in reportNodes",
        });
      }
    });
  }

  // The rules the transport enforces when it runs rsync, so a value it would refuse never passes the check.
  for (const key of ["tools.rsync", "tools.rsyncOptions"] as const) {
    const entry = merged.get(key);
    if (entry === undefined || typeof entry.value !== "string") continue;
    const problem = rsyncOptionProblem(entry.value, key);
    if (problem !== undefined)
      problems.push({ file: entry.source, ...position(entry), key, message: problem.message, hint: problem.hint });
  }

  const central = merged.get("central.nodeId");
  if (central && typeof central.value === "string" && !hosts.includes(central.value)) {
    problems.push({
      file: central.source,
      ...position(central),
      key: "central.nodeId",
      message: `central node "${central.value}" has no host file hosts/${central.value}.yaml`,
      hint: `known nodes: ${hosts.join(", ")}`,
    });
  }
  problems.push(...checkScheduleRules(merged));
  problems.push(...checkBrokerLogin(nodeId, hostFile, merged));
  return problems;
}

/**
 * With the RabbitMQ back end, every SPB node and the coordinator (the
 * central node) log in to the broker: each needs its user and password file.
 */
function checkBrokerLogin(nodeId: string, hostFile: string, merged: ReadonlyMap<KeyName, Entry>): ConfigProblem[] {
  const queue = merged.get("spb.queue");
  if (queue?.value !== "rabbitmq") return [];
  const spbNodes = merged.get("spb.nodes")?.value;
  const role =
    Array.isArray(spbNodes) && spbNodes.includes(nodeId)
      ? "an SPB node"
      : merged.get("central.nodeId")?.value === nodeId
        ? "the central node (where `bbs spb serve` runs)"
        : undefined;
  if (role === undefined) return [];
  const missing = (["spb.rabbitmq.user", "spb.rabbitmq.passwordFile"] as const).filter((key) => !merged.has(key));
  return missing.map((key) => ({
    file: hostFile,
    key,
    message: `is not set: spb.queue is rabbitmq (${queue.source}) and ${nodeId} is ${role}, which logs in to the broker`,
    hint: `set ${key} in ${hostFile}: ${key === "spb.rabbitmq.user" ? "this host's broker user" : "a file (mode 0600) holding the broker password of this host"} (docs/spb.md, RabbitMQ back end)`,
  }));
}

function itemPosition(entry: Entry, index: number): { line?: number; column?: number } {
  const item = entry.itemPositions?.[index];
  if (item && item.line > 0) return { line: item.line, column: item.column };
  return position(entry);
}
