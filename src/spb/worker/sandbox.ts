// What package code runs with on an SPB node. A submission is untrusted code
// (INSTALL, build, check and BiocCheck run it), so unlike the real SPB, which
// exported BIOC_DEVEL_PASSWORD and left the node's keys and tokens readable
// (docs/spb.md, "what the real SPB did"), a build gets:
//
// - an environment made from an allow-list (PATH, LANG, HOME...; plus
//   spb.envAllow), minus every variable named in spb.secretEnv and anything
//   of bbs's own (BBS_*), so no token travels in a variable;
// - with spb.sandbox `namespace`: a private mount namespace (unshare, as an
//   unprivileged user namespace) in which the SPB credential files, the
//   coordinator's credentials file and spb.hidePaths are covered (a file by
//   /dev/null, a directory by an empty read-only tmpfs) before the command
//   is exec'ed under the worker's own uid again. The script below is fixed
//   text: the paths and the command are its positional arguments, never
//   parsed by a shell.

import { existsSync, statSync } from "node:fs";
import { runCommand } from "../../util/runner.js";

/** Variables a build may see (when the worker has them), besides spb.envAllow. */
export const BUILD_ENV_ALLOW: readonly string[] = [
  "PATH",
  "HOME",
  "LANG",
  "LANGUAGE",
  "LC_ALL",
  "LC_CTYPE",
  "LC_COLLATE",
  "LC_MESSAGES",
  "TZ",
  "TMPDIR",
  "TEMP",
  "TMP",
  "USER",
  "LOGNAME",
  "SHELL",
  "TERM",
  "DISPLAY",
  "SYSTEMROOT",
  "WINDIR",
  "COMSPEC",
  "PATHEXT",
  "PROGRAMFILES",
];

/**
 * The environment of package code: the allowed variables of `from`, then
 * `extra` (R_LIBS, R_ENVIRON_USER, ...), never a variable of `secret` nor
 * one of bbs's own BBS_* (which may name credential files).
 */
export function buildEnvironment(
  from: NodeJS.ProcessEnv,
  allow: readonly string[],
  secret: readonly string[],
  extra: Readonly<Record<string, string>>,
): Record<string, string> {
  const secrets = new Set(secret);
  const env: Record<string, string> = {};
  for (const name of [...BUILD_ENV_ALLOW, ...allow]) {
    const value = from[name];
    if (value !== undefined && !secrets.has(name) && !name.startsWith("BBS_")) env[name] = value;
  }
  for (const [name, value] of Object.entries(extra)) if (!secrets.has(name)) env[name] = value;
  return env;
}

// $1 uid, $2 gid, then paths up to "--", then the command. Runs as root of a
// new user namespace with a private mount namespace; mounts, then re-enters a
// nested user namespace mapped back to the worker's uid and execs.
const HIDE_SCRIPT = [
  'uid="$1"; gid="$2"; shift 2',
  'while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do',
  '  if [ -d "$1" ]; then mount -t tmpfs -o size=4k,mode=0555 bbs-spb-hidden "$1" || exit 125',
  '  elif [ -e "$1" ]; then mount --bind /dev/null "$1" || exit 125; fi',
  "  shift",
  "done",
  "shift",
  'exec unshare --map-user="$uid" --map-group="$gid" -- "$@"',
].join("\n");

export interface Sandbox {
  readonly kind: "namespace" | "none";
  /** The argv that runs `argv` inside the sandbox. */
  wrap(argv: readonly string[]): string[];
}

/** No isolation beyond the environment (spb.sandbox: none, or a platform without namespaces). */
export const NO_SANDBOX: Sandbox = { kind: "none", wrap: (argv) => [...argv] };

/** A mount-namespace sandbox hiding `paths` (those that exist when a command starts). */
export function namespaceSandbox(paths: readonly string[]): Sandbox {
  const uid = String(process.getuid?.() ?? 0);
  const gid = String(process.getgid?.() ?? 0);
  return {
    kind: "namespace",
    wrap: (argv) => {
      const hidden = [...new Set(paths)].filter(
        (path) => existsSync(path) && (statSync(path).isFile() || statSync(path).isDirectory()),
      );
      return [
        "unshare",
        "--user",
        "--map-root-user",
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        HIDE_SCRIPT,
        "bbs-spb-sandbox",
        uid,
        gid,
        ...hidden,
        "--",
        ...argv,
      ];
    },
  };
}

/**
 * Whether this machine can make the namespace sandbox: a probe hiding a
 * file and reading it back empty. Undefined when it works, else why not.
 */
export async function probeNamespaceSandbox(probeFile: string): Promise<string | undefined> {
  const sandbox = namespaceSandbox([probeFile]);
  const result = await runCommand({
    command: { argv: sandbox.wrap(["cat", probeFile]) },
    output: { capture: true },
    timeoutMs: 30_000,
  });
  if (result.spawnError !== undefined) return `cannot run unshare: ${result.spawnError}`;
  if (result.exitCode !== 0) return `unshare failed (exit ${result.exitCode}): ${result.stderr.trim().slice(0, 300)}`;
  if (result.stdout !== "") return "the probe file was still readable inside the namespace";
  return undefined;
}
