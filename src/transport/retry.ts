// The retry loop shared by every operation: transient failures are retried per
// the operation's policy, permanent ones end the loop at once, and the final
// error lists what each attempt saw.

import { setTimeout as sleep } from "node:timers/promises";
import { TransportError, type Diagnosis } from "./errors.js";
import type { CallOptions, OperationName, RetryPolicy } from "./transport.js";

export type AttemptOutcome<T> =
  { ok: true; value: T } | { ok: false; diagnosis: Diagnosis; stderr?: string; exitCode?: number };

export interface OperationLabel {
  operation: OperationName;
  source: string;
  destination?: string;
}

/** The default policy with the caller's overrides, checked. */
export function resolvePolicy(defaults: RetryPolicy, override: Partial<RetryPolicy> | undefined): RetryPolicy {
  const policy = { ...defaults, ...override };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) {
    throw new TypeError(`retry.attempts must be a positive integer, got ${policy.attempts}`);
  }
  return policy;
}

/** Time limit of one attempt moving `bytes` bytes: the base plus the size allowance. */
export function attemptTimeoutMs(policy: RetryPolicy, bytes: number): number {
  if (policy.bytesPerSecond === undefined) return policy.timeoutMs;
  return policy.timeoutMs + Math.ceil((bytes / policy.bytesPerSecond) * 1000);
}

export async function withRetries<T>(
  label: OperationLabel,
  policy: RetryPolicy,
  options: CallOptions,
  attempt: (attemptNumber: number) => Promise<AttemptOutcome<T>>,
): Promise<{ value: T; attempts: number }> {
  const reasons: string[] = [];
  for (let n = 1; ; n += 1) {
    const outcome = await attempt(n);
    if (outcome.ok) return { value: outcome.value, attempts: n };
    const { diagnosis } = outcome;
    reasons.push(diagnosis.reason);
    const last = diagnosis.permanent || n >= policy.attempts || options.signal?.aborted === true;
    if (!last) {
      await options.onRetry?.({
        operation: label.operation,
        attempt: n,
        attempts: policy.attempts,
        message: diagnosis.reason,
        delayMs: policy.delayMs,
      });
      try {
        if (policy.delayMs > 0) await sleep(policy.delayMs, undefined, { signal: options.signal });
      } catch {
        reasons.push("cancelled");
        throw failure(
          label,
          n,
          { reason: "cancelled while waiting to retry", permanent: true, hint: diagnosis.hint },
          outcome,
          reasons,
        );
      }
      continue;
    }
    throw failure(label, n, diagnosis, outcome, reasons);
  }
}

function failure(
  label: OperationLabel,
  attempts: number,
  diagnosis: Diagnosis,
  outcome: { stderr?: string; exitCode?: number },
  reasons: readonly string[],
): TransportError {
  const earlier = reasons.slice(0, attempts - 1);
  return new TransportError({
    ...label,
    attempts,
    reason: diagnosis.reason,
    hint: diagnosis.hint,
    permanent: diagnosis.permanent,
    stderr: outcome.stderr,
    exitCode: outcome.exitCode,
    earlier: earlier.every((reason) => reason === diagnosis.reason) ? undefined : earlier,
  });
}
