// Who may call the SPB's writing endpoints. A credential is a principal and a
// secret: `submit:<name>` (the tracker bot, the git hook), `operator:<name>`
// (reruns, and submissions) and `node:<id>` (the worker of that node only:
// a node can claim, report and heart-beat for itself, never for another).
// A request proves it holds the secret in one of two ways:
//   Authorization: Bearer <secret>
//   Authorization: BBS-HMAC <principal>:<unix seconds>:<hex HMAC-SHA256(secret, METHOD\nPATH\nSECONDS\nSHA256(body))>
// Secrets are compared in constant time; HMAC signatures more than five
// minutes off are refused. The coordinator's credentials come from
// `spb.tokensFile` (one `<principal> <secret>` per line, # comments) and the
// `spb.tokens` map; a client's own from `spb.tokenFile` (one such line).

import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { BbsError, errorMessage } from "../util/errors.js";

export type Role = "submit" | "operator" | "node";

export interface Credential {
  /** `submit:<name>`, `operator:<name>` or `node:<id>`. */
  readonly principal: string;
  readonly secret: string;
}

const PRINCIPAL = /^(submit|operator|node):([A-Za-z0-9][A-Za-z0-9._-]{0,63})$/;
const HMAC_WINDOW_SECONDS = 300;

export function roleOf(principal: string): { role: Role; name: string } | undefined {
  const match = PRINCIPAL.exec(principal);
  return match === null ? undefined : { role: match[1] as Role, name: match[2] as string };
}

/** `<principal> <secret>` lines; BBS_CONFIG_INVALID naming the file and line of a bad one. */
export function parseCredentials(text: string, source: string): Credential[] {
  const credentials: Credential[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const [principal, secret, ...rest] = line.split(/\s+/);
    if (principal === undefined || secret === undefined || rest.length > 0 || roleOf(principal) === undefined) {
      throw new BbsError("BBS_CONFIG_INVALID", `${source}:${index + 1}: not a \`<principal> <secret>\` line`, {
        hint: "a principal is submit:<name>, operator:<name> or node:<node-id>; the secret has no spaces",
      });
    }
    if (secret.length < 16) {
      throw new BbsError(
        "BBS_CONFIG_INVALID",
        `${source}:${index + 1}: the secret of ${principal} is shorter than 16 characters`,
        {
          hint: "make secrets long and random, e.g. `openssl rand -hex 32`",
        },
      );
    }
    credentials.push({ principal, secret });
  });
  return credentials;
}

export function readCredentialsFile(path: string): Credential[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new BbsError("BBS_CONFIG_INVALID", `cannot read the SPB credentials file ${path}: ${errorMessage(error)}`, {
      hint: "check spb.tokensFile / spb.tokenFile in the config, and the file's permissions",
    });
  }
  return parseCredentials(text, path);
}

function constantTimeEqual(a: string, b: string): boolean {
  // Hash first: equal lengths for timingSafeEqual, and no length leak.
  const left = createHash("sha256").update(a).digest();
  const right = createHash("sha256").update(b).digest();
  return timingSafeEqual(left, right);
}

export function sha256Hex(body: Uint8Array | string): string {
  return createHash("sha256").update(body).digest("hex");
}

function signature(secret: string, method: string, path: string, seconds: string, body: Uint8Array | string): string {
  return createHmac("sha256", secret)
    .update(`${method.toUpperCase()}\n${path}\n${seconds}\n${sha256Hex(body)}`)
    .digest("hex");
}

/** The Authorization header a client sends: HMAC-signed (default) or bearer. */
export function authorizationHeader(
  credential: Credential,
  request: { method: string; path: string; body: Uint8Array | string },
  scheme: "hmac" | "bearer" = "hmac",
  now = Date.now(),
): string {
  if (scheme === "bearer") return `Bearer ${credential.secret}`;
  const seconds = String(Math.floor(now / 1000));
  return `BBS-HMAC ${credential.principal}:${seconds}:${signature(credential.secret, request.method, request.path, seconds, request.body)}`;
}

/** The principal a request authenticates as, or undefined (no, malformed or wrong credentials). */
export function authenticate(
  credentials: readonly Credential[],
  header: string | undefined,
  request: { method: string; path: string; body: Uint8Array | string },
  now = Date.now(),
): string | undefined {
  if (header === undefined) return undefined;
  const bearer = /^Bearer (\S+)$/.exec(header);
  if (bearer !== null) {
    let found: string | undefined;
    // Compare with every secret (no early exit), so timing tells nothing about which matched.
    for (const credential of credentials)
      if (constantTimeEqual(credential.secret, bearer[1] as string)) found = credential.principal;
    return found;
  }
  const hmac = /^BBS-HMAC ([^:\s]+:[^:\s]+):(\d{1,12}):([0-9a-f]{64})$/.exec(header);
  if (hmac === null) return undefined;
  const [, principal, seconds, given] = hmac as unknown as [string, string, string, string];
  if (Math.abs(now / 1000 - Number(seconds)) > HMAC_WINDOW_SECONDS) return undefined;
  const credential = credentials.find((candidate) => candidate.principal === principal);
  if (credential === undefined) return undefined;
  const expected = signature(credential.secret, request.method, request.path, seconds, request.body);
  return constantTimeEqual(expected, given) ? principal : undefined;
}

/**
 * The signature of a message carried by a broker (the `bbs-signature`
 * header): `<principal>:<hex HMAC-SHA256(secret, BBS-SPB-MESSAGE\nKIND\nSHA256(body))>`.
 * Unlike a request, a message has no time window: it may wait in a durable
 * queue for hours (a coordinator down over night). Replaying one changes
 * nothing: claims are keyed by their claim id, events by (job, node, seq).
 */
export function signMessage(credential: Credential, kind: string, body: Uint8Array | string): string {
  const mac = createHmac("sha256", credential.secret)
    .update(`BBS-SPB-MESSAGE\n${kind}\n${sha256Hex(body)}`)
    .digest("hex");
  return `${credential.principal}:${mac}`;
}

/** The principal that signed a broker message, or undefined (no, malformed or wrong signature). */
export function verifyMessage(
  credentials: readonly Credential[],
  header: string | undefined,
  kind: string,
  body: Uint8Array | string,
): string | undefined {
  const match = header === undefined ? null : /^([^:\s]+:[^:\s]+):([0-9a-f]{64})$/.exec(header);
  if (match === null) return undefined;
  const credential = credentials.find((candidate) => candidate.principal === match[1]);
  if (credential === undefined) return undefined;
  const expected = signMessage(credential, kind, body);
  return constantTimeEqual(expected, header as string) ? credential.principal : undefined;
}
