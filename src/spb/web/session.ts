// Operators' sign-in to the web UI: an operator pastes their SPB secret once;
// the coordinator answers with a session cookie (HttpOnly, SameSite=Strict,
// Secure behind https) signed with a key of its own (`<spb.dir>/web-session.key`,
// made on first use, mode 0600), so sessions survive a restart and no secret
// is ever stored in the browser. Each session carries a nonce; the forms of a
// signed-in page carry a CSRF token derived from it, and a writing request
// must present both the cookie and the token (and, when the browser sends
// one, an Origin of this site). A session names its principal, which must
// still be an operator credential when it is used (a revoked token ends its
// sessions).

import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { dirname } from "node:path";
import { roleOf, type Credential } from "../auth.js";

export const SESSION_COOKIE = "bbs_spb_session";
const SESSION_SECONDS = 12 * 3600;

function equal(a: string, b: string): boolean {
  const left = createHash("sha256").update(a).digest();
  const right = createHash("sha256").update(b).digest();
  return timingSafeEqual(left, right);
}

export interface Session {
  readonly principal: string;
  /** The token the page's forms carry. */
  readonly csrf: string;
}

export class Sessions {
  private constructor(
    private readonly key: Buffer,
    private readonly credentials: readonly Credential[],
    private readonly secure: boolean,
  ) {}

  /** The key in `file` (made when absent). `secure`: the site is reached over https (Secure cookies). */
  static open(file: string, credentials: readonly Credential[], secure: boolean): Sessions {
    if (!existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true });
      // Written whole under a temporary name, readable by the coordinator's user only.
      const temporary = `${file}.tmp-${process.pid}`;
      writeFileSync(temporary, randomBytes(32).toString("hex") + "\n", { mode: 0o600 });
      renameSync(temporary, file);
    }
    return new Sessions(Buffer.from(readFileSync(file, "utf8").trim(), "hex"), credentials, secure);
  }

  private mac(text: string): string {
    return createHmac("sha256", this.key).update(text).digest("base64url");
  }

  /** The operator a pasted secret belongs to (constant time over every credential), or undefined. */
  operatorOf(secret: string): string | undefined {
    let found: string | undefined;
    for (const credential of this.credentials)
      if (equal(credential.secret, secret) && roleOf(credential.principal)?.role === "operator")
        found = credential.principal;
    return found;
  }

  /** The Set-Cookie header of a new session of `principal`. */
  issue(principal: string, now = Date.now()): string {
    const payload = Buffer.from(
      JSON.stringify({ p: principal, e: Math.floor(now / 1000) + SESSION_SECONDS, n: randomBytes(12).toString("hex") }),
    ).toString("base64url");
    return this.cookie(`${payload}.${this.mac(payload)}`, SESSION_SECONDS);
  }

  /** The Set-Cookie header that ends the session. */
  clear(): string {
    return this.cookie("", 0);
  }

  private cookie(value: string, maxAge: number): string {
    return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${this.secure ? "; Secure" : ""}`;
  }

  /** The request's valid session, if any. */
  session(request: IncomingMessage, now = Date.now()): Session | undefined {
    const value = cookieValue(request.headers.cookie, SESSION_COOKIE);
    const [payload, mac, ...rest] = (value ?? "").split(".");
    if (payload === undefined || mac === undefined || rest.length > 0 || !equal(this.mac(payload), mac))
      return undefined;
    let parsed: { p?: unknown; e?: unknown; n?: unknown };
    try {
      parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as typeof parsed;
    } catch {
      return undefined;
    }
    const { p, e, n } = parsed;
    if (typeof p !== "string" || typeof e !== "number" || typeof n !== "string" || e * 1000 <= now) return undefined;
    // Still an operator? (The credentials are the coordinator's, read at its start.)
    if (!this.credentials.some((credential) => credential.principal === p) || roleOf(p)?.role !== "operator")
      return undefined;
    return { principal: p, csrf: this.mac(`csrf:${n}`) };
  }

  /** The session of a writing request: a valid cookie, the form's CSRF token, and no foreign Origin. */
  writer(request: IncomingMessage, form: URLSearchParams): Session | undefined {
    const session = this.session(request);
    if (session === undefined) return undefined;
    const token = form.get("csrf") ?? "";
    if (!equal(token, session.csrf) || !sameOrigin(request)) return undefined;
    return session;
  }
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return undefined;
}

/** A browser's Origin, when it sends one, names this host (CSRF from another site is refused). */
export function sameOrigin(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}
