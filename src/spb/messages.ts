// Parsing of everything that reaches the coordinator from outside (HTTP
// bodies, broker messages): each value is checked field by field against the
// model's types and names' grammars; anything else is refused with a message
// saying which field is wrong. No unchecked JSON gets past this module.

import { isJobId, isNodeId, isToken, isValidPackageName } from "./ids.js";
import {
  isStep,
  isStepStatus,
  type ClaimRequest,
  type Heartbeat,
  type JobSource,
  type NodeEvent,
  type NodeInfo,
  type Step,
  type WorkItem,
} from "./model.js";

export class MessageError extends Error {
  override readonly name = "MessageError";
}

type Json = Record<string, unknown>;

function object(value: unknown, what: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new MessageError(`${what} must be an object`);
  return value as Json;
}

function string(record: Json, key: string, what: string, check?: (value: string) => boolean): string {
  const value = record[key];
  if (typeof value !== "string" || (check !== undefined && !check(value)))
    throw new MessageError(`${what}.${key} is missing or invalid`);
  return value;
}

function optionalString(
  record: Json,
  key: string,
  what: string,
  check?: (value: string) => boolean,
): string | undefined {
  return record[key] === undefined || record[key] === null ? undefined : string(record, key, what, check);
}

function integer(record: Json, key: string, what: string, min: number): number {
  const value = record[key];
  if (typeof value !== "number" || !Number.isInteger(value) || value < min)
    throw new MessageError(`${what}.${key} must be an integer >= ${min}`);
  return value;
}

function isIsoDate(value: string): boolean {
  return value.length <= 40 && Number.isFinite(Date.parse(value));
}

/** A git URL a worker may clone: https, http, ssh, git or file URL, or scp-like `user@host:path`; never an option. */
export function isGitUrl(url: string): boolean {
  if (url.length > 500 || /[\s\0]/.test(url) || url.startsWith("-")) return false;
  return /^(https?|ssh|git|file):\/\/[^\s]+$/.test(url) || /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$/.test(url);
}

export function isCommitId(value: string): boolean {
  return /^[0-9a-f]{7,40}$/.test(value);
}

export function isBranchName(value: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/.test(value) && !value.includes("..");
}

export function parseJobSource(value: unknown): JobSource {
  const record = object(value, "source");
  if (record.kind === "git") {
    const commit = optionalString(record, "commit", "source", isCommitId);
    const branch = optionalString(record, "branch", "source", isBranchName);
    return {
      kind: "git",
      url: string(record, "url", "source", isGitUrl),
      ...(commit ? { commit } : {}),
      ...(branch ? { branch } : {}),
    };
  }
  if (record.kind === "tarball") {
    return {
      kind: "tarball",
      sha256: string(record, "sha256", "source", (sha) => /^[0-9a-f]{64}$/.test(sha)),
      fileName: string(
        record,
        "fileName",
        "source",
        (name) => /^[A-Za-z0-9._-]{1,200}$/.test(name) && !name.includes(".."),
      ),
    };
  }
  throw new MessageError("source.kind must be git or tarball");
}

export function parseWorkItem(value: unknown): WorkItem {
  const record = object(value, "work item");
  if (typeof record.newPackage !== "boolean") throw new MessageError("work item.newPackage must be true or false");
  return {
    jobId: string(record, "jobId", "work item", isJobId),
    node: string(record, "node", "work item", isNodeId),
    package: string(record, "package", "work item", isValidPackageName),
    source: parseJobSource(record.source),
    newPackage: record.newPackage,
    biocVersion: string(record, "biocVersion", "work item", (v) => /^[0-9]+\.[0-9]+$/.test(v)),
    enqueuedAt: string(record, "enqueuedAt", "work item", isIsoDate),
  };
}

export function parseClaimRequest(value: unknown): ClaimRequest {
  const record = object(value, "claim");
  return {
    jobId: string(record, "jobId", "claim", isJobId),
    node: string(record, "node", "claim", isNodeId),
    workerId: string(record, "workerId", "claim", isToken),
    claimId: string(record, "claimId", "claim", isToken),
  };
}

export function parseHeartbeat(value: unknown): Heartbeat {
  const record = object(value, "heartbeat");
  const jobId = optionalString(record, "jobId", "heartbeat", isJobId);
  const step = optionalString(record, "step", "heartbeat", isStep);
  const version = optionalString(record, "version", "heartbeat", (v) => v.length <= 40);
  return {
    node: string(record, "node", "heartbeat", isNodeId),
    workerId: string(record, "workerId", "heartbeat", isToken),
    at: string(record, "at", "heartbeat", isIsoDate),
    ...(jobId ? { jobId } : {}),
    ...(step && isStep(step) ? { step } : {}),
    ...(version ? { version } : {}),
  };
}

function parseNodeInfo(value: unknown): NodeInfo {
  const record = object(value, "info");
  const short = (text: string): boolean => text.length <= 200;
  return {
    hostname: string(record, "hostname", "info", short),
    os: string(record, "os", "info", short),
    arch: string(record, "arch", "info", short),
    platform: string(record, "platform", "info", short),
    rVersion: string(record, "rVersion", "info", short),
    bbsVersion: string(record, "bbsVersion", "info", short),
  };
}

const MAX_TEXT = 1024 * 1024;

export function parseNodeEvent(value: unknown): NodeEvent {
  const record = object(value, "event");
  const base = {
    jobId: string(record, "jobId", "event", isJobId),
    node: string(record, "node", "event", isNodeId),
    seq: integer(record, "seq", "event", 1),
    at: string(record, "at", "event", isIsoDate),
    claimId: string(record, "claimId", "event", isToken),
  };
  const step = (): Step => {
    const name = string(record, "step", "event");
    if (!isStep(name)) throw new MessageError(`event.step ${JSON.stringify(name)} is not a step`);
    return name;
  };
  switch (record.type) {
    case "started":
      return {
        ...base,
        type: "started",
        workerId: string(record, "workerId", "event", isToken),
        info: parseNodeInfo(record.info),
      };
    case "step-started": {
      const command = record.command;
      if (
        !Array.isArray(command) ||
        command.length > 200 ||
        !command.every((arg) => typeof arg === "string" && arg.length <= 4096)
      )
        throw new MessageError("event.command must be a list of strings");
      return { ...base, type: "step-started", step: step(), command: command as string[] };
    }
    case "log":
      return {
        ...base,
        type: "log",
        step: step(),
        offset: integer(record, "offset", "event", 0),
        text: string(record, "text", "event", (t) => t.length <= MAX_TEXT),
      };
    case "step-finished": {
      const status = string(record, "status", "event", isStepStatus);
      const retCode = record.retCode;
      if (retCode !== null && (typeof retCode !== "number" || !Number.isInteger(retCode)))
        throw new MessageError("event.retCode must be an integer or null");
      const elapsed = record.elapsedSeconds;
      if (typeof elapsed !== "number" || !Number.isFinite(elapsed) || elapsed < 0)
        throw new MessageError("event.elapsedSeconds must be a number >= 0");
      const detail = optionalString(record, "detail", "event", (t) => t.length <= 4000);
      const attempts = record.attempts === undefined ? undefined : integer(record, "attempts", "event", 1);
      return {
        ...base,
        type: "step-finished",
        step: step(),
        status: status as Extract<NodeEvent, { type: "step-finished" }>["status"],
        retCode: retCode as number | null,
        elapsedSeconds: elapsed,
        ...(detail === undefined ? {} : { detail }),
        ...(attempts === undefined ? {} : { attempts }),
      };
    }
    case "source":
      return {
        ...base,
        type: "source",
        commit: optionalString(record, "commit", "event", (c) => /^[0-9a-f]{40,64}$/.test(c)) ?? null,
        version: string(record, "version", "event", (v) => v.length <= 100),
        maintainer: optionalString(record, "maintainer", "event", (m) => m.length <= 500) ?? null,
      };
    case "finished": {
      const outcome = string(record, "outcome", "event", (o) => ["completed", "unsupported", "abnormal"].includes(o));
      const reason = optionalString(record, "reason", "event", (t) => t.length <= 4000);
      return {
        ...base,
        type: "finished",
        outcome: outcome as "completed",
        ...(reason === undefined ? {} : { reason }),
      };
    }
    default:
      throw new MessageError(`event.type ${JSON.stringify(record.type)} is unknown`);
  }
}
