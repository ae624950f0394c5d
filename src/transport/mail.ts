// Email over SMTP (nodemailer), for maintainer notifications (`bbs notify`)
// and operator alerts (postrun). Settings come from `notify.smtp.*`; an unset
// `notify.smtp.host` means "no mail". A message that cannot be delivered is a
// result (`SendOutcome.ok === false` with the server's answer), never an
// exception: one bad address must not stop the other messages (BBS ignored
// SMTPDataError the same way, but said nothing about it afterwards).

import nodemailer, { type Transporter } from "nodemailer";
import type { ResolvedConfig } from "../config/load.js";
import { errorMessage } from "../util/errors.js";

export interface SmtpSettings {
  host: string;
  port: number;
  /** Require STARTTLS (notify.smtp.tls); otherwise the connection stays plain. */
  tls: boolean;
  user?: string;
  password?: string;
}

export interface MailMessage {
  from: string;
  to: readonly string[];
  subject: string;
  /** Plain-text body. */
  text: string;
  /** Extra headers (e.g. `Errors-To`). */
  headers?: Readonly<Record<string, string>>;
}

export interface SendOutcome {
  ok: boolean;
  to: readonly string[];
  subject: string;
  /** Recipients the server refused (when it accepted others). */
  rejected: string[];
  /** Why sending failed (connection, authentication, refused recipients...). */
  error?: string;
  messageId?: string;
}

/** The SMTP settings of the configuration, or undefined when no SMTP server is configured. */
export function smtpSettings(config: ResolvedConfig): SmtpSettings | undefined {
  const v = config.values;
  const host = v["notify.smtp.host"];
  if (host === undefined || host.trim() === "") return undefined;
  return {
    host: host.trim(),
    port: v["notify.smtp.port"],
    tls: v["notify.smtp.tls"],
    ...(v["notify.smtp.user"] === undefined ? {} : { user: v["notify.smtp.user"] }),
    ...(v["notify.smtp.password"] === undefined ? {} : { password: v["notify.smtp.password"] }),
  };
}

/** How an SMTP server is named in messages. */
export function describeSmtp(settings: SmtpSettings): string {
  return `${settings.user === undefined ? "" : `${settings.user}@`}${settings.host}:${settings.port}${settings.tls ? " (STARTTLS)" : ""}`;
}

/** One SMTP connection reused for every message (closed by `close`). */
export class Mailer {
  private readonly transporter: Transporter;

  constructor(readonly settings: SmtpSettings) {
    this.transporter = nodemailer.createTransport({
      pool: true,
      maxConnections: 1,
      host: settings.host,
      port: settings.port,
      secure: false,
      requireTLS: settings.tls,
      ignoreTLS: !settings.tls,
      connectionTimeout: 30_000,
      greetingTimeout: 30_000,
      socketTimeout: 120_000,
      ...(settings.user === undefined ? {} : { auth: { user: settings.user, pass: settings.password ?? "" } }),
    });
  }

  async send(message: MailMessage): Promise<SendOutcome> {
    const base = { to: [...message.to], subject: message.subject };
    try {
      const info = (await this.transporter.sendMail({
        from: message.from,
        to: [...message.to],
        subject: message.subject,
        text: message.text,
        ...(message.headers === undefined ? {} : { headers: { ...message.headers } }),
      })) as { messageId?: string; rejected?: Array<string | { address: string }> };
      const rejected = (info.rejected ?? []).map((entry) => (typeof entry === "string" ? entry : entry.address));
      return {
        ...base,
        ok: rejected.length === 0,
        rejected,
        ...(info.messageId === undefined ? {} : { messageId: info.messageId }),
        ...(rejected.length === 0 ? {} : { error: `the server refused ${rejected.join(", ")}` }),
      };
    } catch (error) {
      return {
        ...base,
        ok: false,
        rejected: [],
        error: `${errorMessage(error)} (SMTP server ${describeSmtp(this.settings)})`,
      };
    }
  }

  close(): void {
    this.transporter.close();
  }
}
