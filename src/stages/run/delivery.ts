// How a builder's products reach `products-in/<node>/` of its run (docs/bbs-rules.md#delivery),
// for the three transmission modes:
//   synchronous   each finished job's files are put right away (a few jobs'
//                 puts at a time, off the job slots);
//   asynchronous  each finished job's files are copied into the local outbox
//                 `products-out/<stage>/`, which a BatchedPusher sends every
//                 10 finished jobs and once more when the stage is over;
//   none          files go to the outbox only (the central node pulls).
// Node-level files (pkg_dep_graph.txt, NodeInfo/, BBS_EndOfRun.txt,
// jobs.ndjson) are put directly (outbox for `none`).
// A delivery that fails after the transport's retries is recorded, never
// thrown: the run goes on, and its end says what did not arrive.
//
// Complete or absent: everything goes to `products-in/.<node>.incoming/`
// on the central node, which is renamed to `products-in/<node>/` once it
// holds BBS_EndOfRun.txt and every delivery arrived (`complete()`). Postrun
// therefore sees a node's previous complete delivery, or none, never half of
// one; a run that keeps what was delivered (--resume, --packages, --stage)
// starts from a copy of the complete one (hard links, so it costs no space).

import { cpSync, mkdirSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import pLimit from "p-limit";
import type { TransmissionMode } from "../../config/schema.js";
import type { Stage } from "../../layout/stages.js";
import { BatchedPusher, type Transport } from "../../transport/index.js";
import { errorMessage, isBbsError } from "../../util/errors.js";
import { linkOrCopy } from "../../util/fs.js";
import { appendDeliveryJournal } from "./meat-state.js";
import { END_OF_RUN_FILE, nodeIncomingDir, nodeProductsDir } from "../../layout/central.js";
import { quoteForShell } from "../../transport/shell.js";

export interface DeliveryFailure {
  /** What did not arrive: `checksrc/IRanges`, `NodeInfo`... */
  readonly what: string;
  readonly message: string;
  readonly hint?: string;
}

/** The files of one finished job. */
export interface JobDelivery {
  readonly stage: Stage;
  readonly pkg: string;
  /** Local paths (in meat): the product or its -MISSING marker, the out file, the summary. */
  readonly files: readonly string[];
  /** Names in the stage directory that these files make stale (the marker when the product exists, and vice versa). */
  readonly stale: readonly string[];
}

export interface DeliveryOptions {
  readonly mode: TransmissionMode;
  /** The run's central directory (undefined for mode none). */
  readonly transport: Transport | undefined;
  readonly node: string;
  /** Local outbox root: `<workDir>/products-out`. */
  readonly outbox: string;
  readonly journal: string;
  /** Puts running at once in synchronous mode. */
  readonly concurrency?: number;
  /** Attempts and pause of each put (default: the transport's, BBS's 5 attempts 30 s apart). */
  readonly retry?: { readonly attempts: number; readonly delayMs: number };
  readonly onFailure?: (failure: DeliveryFailure) => void;
}

/** `full`: remake products-in/<node>/ (BBS's all / no-bin); `stages`: remake each stage's directory; `keep`: add to what is there (resume, --packages). */
export type DeliveryScope = "full" | "stages" | "keep";

export class Delivery {
  private readonly options: DeliveryOptions;
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly pending = new Map<Stage, Array<Promise<void>>>();
  private readonly pushers = new Map<Stage, BatchedPusher>();
  private readonly failuresList: DeliveryFailure[] = [];
  private scope: DeliveryScope = "keep";

  constructor(options: DeliveryOptions) {
    this.options = options;
    this.limit = pLimit(options.concurrency ?? 4);
  }

  get failures(): readonly DeliveryFailure[] {
    return this.failuresList;
  }

  /** The directory being assembled on the central node. */
  private get incoming(): string {
    return nodeIncomingDir(this.options.node);
  }

  private stageDir(stage: Stage): string {
    return `${this.incoming}/${stage}`;
  }

  private get transport(): Transport | undefined {
    return this.options.mode === "none" ? undefined : this.options.transport;
  }

  private retry(): { retry?: { attempts: number; delayMs: number } } {
    return this.options.retry === undefined ? {} : { retry: { ...this.options.retry } };
  }

  /** Records a failed delivery (the latest failure of the same thing replaces an earlier one). */
  private fail(what: string, error: unknown): void {
    const failure: DeliveryFailure = {
      what,
      message: errorMessage(error),
      ...(isBbsError(error) && error.hint !== undefined ? { hint: error.hint } : {}),
    };
    this.succeeded(what);
    this.failuresList.push(failure);
    this.options.onFailure?.(failure);
  }

  /** A later delivery of the same thing (jobs.ndjson is sent after each stage) makes an earlier failure moot. */
  private succeeded(what: string): void {
    const index = this.failuresList.findIndex((failure) => failure.what === what);
    if (index >= 0) this.failuresList.splice(index, 1);
  }

  /** Prepares the central and local directories of the stages about to run. Failures here are fatal (nothing could arrive). */
  async begin(stages: readonly Stage[], scope: DeliveryScope): Promise<void> {
    this.scope = scope;
    const { outbox, mode } = this.options;
    const transport = this.transport;
    if (transport !== undefined) {
      if (scope === "full") await transport.remake(this.incoming);
      else await this.seedIncoming(transport);
      for (const stage of stages) {
        if (scope === "stages") await transport.remake(this.stageDir(stage));
        else await transport.mkdirs(this.stageDir(stage));
      }
    }
    if (mode !== "synchronous") {
      if (scope === "full") rmSync(outbox, { recursive: true, force: true });
      for (const stage of stages) {
        if (scope === "stages") rmSync(join(outbox, stage), { recursive: true, force: true });
        mkdirSync(join(outbox, stage), { recursive: true });
      }
    }
    if (mode === "asynchronous" && transport !== undefined) {
      for (const stage of stages) {
        this.pushers.set(
          stage,
          new BatchedPusher({
            transport,
            localDir: join(outbox, stage),
            remoteDir: this.stageDir(stage),
            logFile: join(outbox, `${stage}-push.log`),
            ...(this.options.retry === undefined ? {} : { finalRetry: { ...this.options.retry } }),
          }),
        );
      }
    }
  }

  /** Hands over a finished job's files; returns when they are delivered (or the failure recorded). */
  job(delivery: JobDelivery): Promise<void> {
    const work =
      this.options.mode === "synchronous"
        ? this.limit(() => this.put(delivery))
        : Promise.resolve().then(() => this.toOutbox(delivery));
    const list = this.pending.get(delivery.stage) ?? [];
    list.push(work);
    this.pending.set(delivery.stage, list);
    return work;
  }

  private async put(delivery: JobDelivery): Promise<void> {
    const transport = this.transport;
    if (transport === undefined) return;
    const dir = this.stageDir(delivery.stage);
    try {
      if (this.scope === "keep")
        for (const name of delivery.stale) await transport.remove(`${dir}/${name}`, this.retry());
      for (const file of delivery.files) await transport.put(file, `${dir}/${basename(file)}`, this.retry());
      appendDeliveryJournal(this.options.journal, delivery.stage, delivery.pkg);
    } catch (error) {
      this.fail(`${delivery.stage}/${delivery.pkg}`, error);
    }
  }

  private async toOutbox(delivery: JobDelivery): Promise<void> {
    const dir = join(this.options.outbox, delivery.stage);
    try {
      mkdirSync(dir, { recursive: true });
      for (const name of delivery.stale) rmSync(join(dir, name), { recursive: true, force: true });
      // Linked, not copied: the products and logs in meat are replaced, never rewritten in place.
      for (const file of delivery.files) linkOrCopy(file, join(dir, basename(file)));
      // Pushes never delete on the central node: stale files of a re-run package are removed there.
      const transport = this.transport;
      if (transport !== undefined && this.scope === "keep") {
        for (const name of delivery.stale)
          await transport.remove(`${this.stageDir(delivery.stage)}/${name}`, this.retry());
      }
      appendDeliveryJournal(this.options.journal, delivery.stage, delivery.pkg);
      this.pushers.get(delivery.stage)?.jobFinished();
    } catch (error) {
      this.fail(`${delivery.stage}/${delivery.pkg}`, error);
    }
  }

  /** The stage is over: waits for its deliveries, then (asynchronous) the final push of its outbox. */
  async stageDone(stage: Stage): Promise<void> {
    for (;;) {
      const list = this.pending.get(stage) ?? [];
      this.pending.set(stage, []);
      if (list.length === 0) break;
      await Promise.all(list);
    }
    const pusher = this.pushers.get(stage);
    if (pusher === undefined) return;
    this.pushers.delete(stage);
    const report = await pusher.finish();
    if (!report.complete) {
      const last = report.pushes[report.pushes.length - 1];
      this.fail(
        `${stage} (final push of ${join(this.options.outbox, stage)})`,
        last?.error ?? new Error("the final push failed"),
      );
    }
  }

  /**
   * Puts a node-level file or directory (NodeInfo/) into products-in/<node>/
   * (mode none: into the outbox); false when it failed (recorded).
   */
  async nodeFile(localPath: string, name: string = basename(localPath)): Promise<boolean> {
    const transport = this.transport;
    try {
      if (transport === undefined) {
        const target = join(this.options.outbox, name);
        mkdirSync(this.options.outbox, { recursive: true });
        rmSync(target, { recursive: true, force: true });
        // Copied: the jobs log grows while the run goes on.
        cpSync(localPath, target, { recursive: true });
      } else {
        await transport.put(localPath, `${this.incoming}/${name}`, this.retry());
      }
      this.succeeded(name);
      return true;
    } catch (error) {
      this.fail(name, error);
      return false;
    }
  }

  /**
   * A run that adds to what was delivered starts from the delivery being
   * assembled (an interrupted attempt: --resume goes on with it), else from a
   * copy of the complete one, else from nothing.
   */
  private async seedIncoming(transport: Transport): Promise<void> {
    const incoming = quoteForShell(this.incoming);
    const complete = quoteForShell(nodeProductsDir(this.options.node));
    const seed = quoteForShell(`${this.incoming}.seed`);
    await transport.run(
      [
        `test -d ${incoming} && exit 0`,
        `rm -rf ${seed}`,
        `if test -d ${complete}; then cp -al ${complete} ${seed} 2>/dev/null || { rm -rf ${seed}; cp -Rp ${complete} ${seed}; }; else mkdir -p ${seed}; fi`,
        `mv ${seed} ${incoming}`,
      ].join("\n"),
      this.retry(),
    );
  }

  /**
   * Makes the assembled delivery the node's delivery of the run, when it is
   * complete (it holds BBS_EndOfRun.txt: a --packages run on a node that
   * never finished leaves it incomplete). Returns whether it was switched in.
   * The previous complete delivery is replaced by two renames.
   */
  async complete(): Promise<boolean> {
    const transport = this.transport;
    if (transport === undefined) return false;
    const incoming = quoteForShell(this.incoming);
    const complete = quoteForShell(nodeProductsDir(this.options.node));
    const old = quoteForShell(`${this.incoming}.old`);
    const result = await transport
      .run(
        [
          `test -e ${incoming}/${END_OF_RUN_FILE} || { echo incomplete; exit 0; }`,
          `rm -rf ${old}`,
          `if test -e ${complete}; then mv ${complete} ${old}; fi`,
          `mv ${incoming} ${complete}`,
          `rm -rf ${old}`,
          "echo complete",
        ].join("\n"),
        this.retry(),
      )
      .catch((error: unknown) => {
        this.fail(`${nodeProductsDir(this.options.node)} (switching in the complete delivery)`, error);
        return undefined;
      });
    return result?.stdout.trim() === "complete";
  }

  /** Waits for every stage's deliveries and final pushes. */
  async close(): Promise<readonly DeliveryFailure[]> {
    const stages = new Set<Stage>([...this.pending.keys(), ...this.pushers.keys()]);
    for (const stage of stages) await this.stageDone(stage);
    return this.failuresList;
  }
}
