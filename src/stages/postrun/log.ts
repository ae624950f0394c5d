// The postrun log: one timestamped line per event, appended to
// `<run dir>/postrun.log` (the run's own record, kept with its products) and
// handed to a listener (the CLI prints it).

import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { logTimestamp } from "../../util/log-format.js";

export type LogLevel = "info" | "warning" | "error";

export interface PostrunEvent {
  at: Date;
  level: LogLevel;
  /** The step the event belongs to, if any. */
  step?: string;
  message: string;
}

export type PostrunListener = (event: PostrunEvent) => void;

/** `2026-11-21 15:00:01 [outgoing] WARNING: message` */
export function formatEventLine(event: PostrunEvent): string {
  const level = event.level === "info" ? "" : `${event.level.toUpperCase()}: `;
  return `${logTimestamp(event.at)} ${event.step === undefined ? "" : `[${event.step}] `}${level}${event.message}`;
}

export class PostrunLog {
  constructor(
    readonly path: string,
    private readonly listener: PostrunListener = () => undefined,
    private readonly now: () => Date = () => new Date(),
  ) {
    mkdirSync(dirname(path), { recursive: true });
  }

  info(message: string, step?: string): void {
    this.write("info", message, step);
  }

  warn(message: string, step?: string): void {
    this.write("warning", message, step);
  }

  error(message: string, step?: string): void {
    this.write("error", message, step);
  }

  private write(level: LogLevel, message: string, step: string | undefined): void {
    const event: PostrunEvent = { at: this.now(), level, message, ...(step === undefined ? {} : { step }) };
    appendFileSync(this.path, `${formatEventLine(event)}\n`);
    this.listener(event);
  }
}
