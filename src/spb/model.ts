// The Single Package Builder's vocabulary: a job (one submission of one
// package), its expected nodes and their states, the pipeline's steps, the
// statuses a step can end with, and the events a worker sends about a node's
// build. Every other SPB module (store, queue back ends, coordinator, worker,
// web pages) speaks these types; none defines its own.

/** Where a submission's sources come from. */
export type JobSource =
  | {
      readonly kind: "git";
      readonly url: string;
      /** The commit asked for (full or abbreviated SHA); absent: the tip of the branch at build time. */
      readonly commit?: string;
      /** Branch cloned when no commit is given (default: the build's gitBranch). */
      readonly branch?: string;
    }
  | {
      readonly kind: "tarball";
      /** SHA-256 of the tarball the coordinator keeps; workers fetch it from the coordinator and verify it. */
      readonly sha256: string;
      readonly fileName: string;
    };

/**
 * A node's state in a job. queued: waiting for the node to claim it;
 * claimed: a worker of the node claimed it (recorded), it has not started;
 * running: the worker reported its start; done: the worker reported the end
 * (whatever the package's statuses); lost: the coordinator gave up on the
 * node (never claimed in time, heartbeats stopped, worker restarted mid-build).
 * done and lost are terminal.
 */
export type NodeState = "queued" | "claimed" | "running" | "done" | "lost";
export const TERMINAL_NODE_STATES: ReadonlySet<NodeState> = new Set(["done", "lost"]);

/** queued: no node has claimed it yet; running: some node has; complete: every expected node is terminal. */
export type JobState = "queued" | "running" | "complete";

/** The pipeline's steps on a node, in order (docs/spb.md#the-pipeline-on-a-node). */
export const STEPS = [
  "source", // clone and check out the commit, or unpack the tarball; DESCRIPTION and .BBSoptions
  "deps", // dependencies into the submission's own library
  "install", // R CMD INSTALL
  "buildsrc", // R CMD build
  "checksrc", // R CMD check
  "biocgitclone", // BiocCheckGitClone on the clone
  "bioccheck", // BiocCheck on the tarball
  "buildbin", // R CMD INSTALL --build (macOS, Windows)
] as const;
export type Step = (typeof STEPS)[number];

export function isStep(value: string): value is Step {
  return (STEPS as readonly string[]).includes(value);
}

/**
 * What a step ends with. OK/WARNINGS/ERROR/TIMEOUT are the package's (BBS's
 * status rules); skipped: not run (a previous step failed, or not for this
 * platform); UNSUPPORTED: `.BBSoptions` excludes the node; ABNORMAL: the
 * build system failed (clone, dependency install, a missing tool, a lost
 * node), never the package's fault.
 */
export const STEP_STATUSES = ["OK", "WARNINGS", "ERROR", "TIMEOUT", "skipped", "UNSUPPORTED", "ABNORMAL"] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export function isStepStatus(value: string): value is StepStatus {
  return (STEP_STATUSES as readonly string[]).includes(value);
}

/** What the build of one node ended with, as the worker reports it. */
export type NodeOutcome = "completed" | "unsupported" | "abnormal";

/** About the node that builds (sent once, with `started`). */
export interface NodeInfo {
  readonly hostname: string;
  readonly os: string;
  readonly arch: string;
  readonly platform: string;
  readonly rVersion: string;
  readonly bbsVersion: string;
}

interface EventBase {
  readonly jobId: string;
  readonly node: string;
  /** 1, 2, 3... per (job, node), assigned by the worker; (jobId, node, seq) identifies the event. */
  readonly seq: number;
  /** ISO-8601 UTC, the worker's clock. */
  readonly at: string;
  /** The accepted claim the worker builds under; events of a superseded claim are refused. */
  readonly claimId: string;
}

/** What a worker reports about one node's build. */
export type NodeEvent = EventBase &
  (
    | { readonly type: "started"; readonly workerId: string; readonly info: NodeInfo }
    | { readonly type: "step-started"; readonly step: Step; readonly command: readonly string[] }
    /** Bytes `offset..offset+text.length` (UTF-8) of the step's log. */
    | { readonly type: "log"; readonly step: Step; readonly offset: number; readonly text: string }
    | {
        readonly type: "step-finished";
        readonly step: Step;
        readonly status: StepStatus;
        readonly retCode: number | null;
        readonly elapsedSeconds: number;
        /** Why, in words (the 10-minute rule, the infrastructure failure, what was skipped). */
        readonly detail?: string;
        /** 1 + the retries of an infrastructure failure. */
        readonly attempts?: number;
      }
    /** After the source step: what was built. */
    | {
        readonly type: "source";
        readonly commit: string | null;
        readonly version: string;
        readonly maintainer: string | null;
      }
    | { readonly type: "finished"; readonly outcome: NodeOutcome; readonly reason?: string }
  );

/** A worker's sign of life, every `spb.heartbeatInterval`. */
export interface Heartbeat {
  readonly node: string;
  readonly workerId: string;
  readonly at: string;
  /** The job it is building, if any. */
  readonly jobId?: string;
  readonly step?: Step;
  readonly version?: string;
}

/** What a node's queue delivers: one job for one node. */
export interface WorkItem {
  readonly jobId: string;
  readonly node: string;
  readonly package: string;
  readonly source: JobSource;
  readonly newPackage: boolean;
  readonly biocVersion: string;
  /** ISO-8601 UTC. */
  readonly enqueuedAt: string;
}

/** A worker asking to build a delivered item. `claimId` is new for every claim a worker makes. */
export interface ClaimRequest {
  readonly jobId: string;
  readonly node: string;
  readonly workerId: string;
  readonly claimId: string;
}

/** accepted: build it (ack the delivery); refused: drop it (ack too), the reason says why. */
export type ClaimDecision = { readonly accepted: true } | { readonly accepted: false; readonly reason: string };
