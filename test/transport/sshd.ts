// A real OpenSSH server on 127.0.0.1, so tests reach "a remote central node"
// through the same rsync-over-ssh path a builder uses. Reusable by any test:
//
//   let sshd: SshdFixture;
//   beforeAll(async () => { sshd = await startSshd(); });
//   afterAll(async () => { await sshd.dispose(); });
//   new RsyncSshTransport({ host: sshd.host, user: sshd.user, ssh: sshd.sshCommand, root, ... })
//   // or config values: sshd.configValues() -> { centralHost, "central.user", "tools.ssh" }
//
// The server runs on a free unprivileged port with its own sshd_config, a
// generated host key and an authorized_keys file holding a generated client
// key; the client side is an ssh config file (used with `ssh -F`) defining a
// host alias, so `centralHost` is not `localhost` (which means "local").

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

const SSHD = "/usr/sbin/sshd";

export interface SshdFixture {
  /** The ssh host alias (defined in sshConfigPath): use it as `centralHost`. */
  readonly host: string;
  readonly port: number;
  /** The login user (the user running the tests). */
  readonly user: string;
  /** Scratch directory holding keys, configs and logs. */
  readonly dir: string;
  readonly sshConfigPath: string;
  /** The `tools.ssh` value reaching the server: `ssh -F <sshConfigPath>`. */
  readonly sshCommand: string;
  /** The configuration keys that make a node reach this server as its central node. */
  configValues(): { centralHost: string; "central.user": string; "tools.ssh": string };
  /** Runs a command over ssh (for assertions); returns stdout, throws on failure. */
  ssh(command: string): string;
  readonly running: boolean;
  /** Stops the server (existing sessions end with their clients); keeps keys and port. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Stops the server and removes the scratch directory. */
  dispose(): Promise<void>;
}

export interface SshdOptions {
  /** Host alias clients use (default `bbs-test-central`). */
  alias?: string;
  /** Create the fixture without starting the server (a test starts it later). */
  stopped?: boolean;
}

/** A free TCP port on 127.0.0.1 (for test servers). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null ? resolvePort(address.port) : reject(new Error("no port")),
      );
    });
  });
}

function keygen(path: string): void {
  const result = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "bbs-test", "-f", path], {
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`ssh-keygen failed: ${result.stderr}`);
}

export async function startSshd(options: SshdOptions = {}): Promise<SshdFixture> {
  const dir = mkdtempSync(join(tmpdir(), "bbs-sshd-"));
  const alias = options.alias ?? "bbs-test-central";
  const user = userInfo().username;
  const hostKey = join(dir, "host_ed25519");
  const clientKey = join(dir, "client_ed25519");
  keygen(hostKey);
  keygen(clientKey);
  writeFileSync(join(dir, "authorized_keys"), readFileSync(`${clientKey}.pub`));
  // sshd running as root insists on its privilege separation directory.
  if (process.getuid?.() === 0 && !existsSync("/run/sshd")) mkdirSync("/run/sshd", { mode: 0o755 });

  let port = await freePort();
  const sshdConfigPath = join(dir, "sshd_config");
  const sshConfigPath = join(dir, "ssh_config");
  const writeConfigs = (): void => {
    writeFileSync(
      sshdConfigPath,
      [
        `Port ${port}`,
        "ListenAddress 127.0.0.1",
        `HostKey ${hostKey}`,
        `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
        `PidFile ${join(dir, "sshd.pid")}`,
        "StrictModes no",
        "UsePAM no",
        "PermitRootLogin yes",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        // Tests open many connections at once (parallel puts, background pushes).
        "MaxStartups 200",
        "MaxSessions 200",
        "LogLevel INFO",
        "",
      ].join("\n"),
    );
    writeFileSync(
      sshConfigPath,
      [
        `Host ${alias}`,
        "  HostName 127.0.0.1",
        `  Port ${port}`,
        `  User ${user}`,
        `  IdentityFile ${clientKey}`,
        "  IdentitiesOnly yes",
        "  StrictHostKeyChecking no",
        "  UserKnownHostsFile /dev/null",
        "  GlobalKnownHostsFile /dev/null",
        "  BatchMode yes",
        "  LogLevel ERROR",
        "",
      ].join("\n"),
    );
  };

  let child: ChildProcess | undefined;
  let log = "";

  const launch = (): Promise<void> =>
    new Promise((resolveStart, reject) => {
      const process_ = spawn(SSHD, ["-D", "-e", "-f", sshdConfigPath], { stdio: ["ignore", "ignore", "pipe"] });
      let settled = false;
      process_.stderr?.setEncoding("utf8");
      process_.stderr?.on("data", (chunk: string) => {
        log += chunk;
        if (!settled && log.includes(`Server listening on 127.0.0.1 port ${port}`)) {
          settled = true;
          child = process_;
          resolveStart();
        }
      });
      process_.once("exit", (code, signal) => {
        if (child === process_) child = undefined;
        if (!settled) {
          settled = true;
          reject(new Error(`sshd exited (${code ?? signal}) before listening:\n${log}`));
        }
      });
    });

  const start = async (fixedPort: boolean): Promise<void> => {
    for (let attempt = 1; ; attempt += 1) {
      writeConfigs();
      log = "";
      try {
        await launch();
        return;
      } catch (error) {
        // The free port may have been taken between probing and binding.
        if (fixedPort || attempt >= 5 || !log.includes("Address already in use")) throw error;
        port = await freePort();
      }
    }
  };

  const stop = async (): Promise<void> => {
    const running = child;
    if (running === undefined) return;
    await new Promise<void>((resolveStop) => {
      running.once("exit", () => resolveStop());
      running.kill("SIGTERM");
    });
    child = undefined;
  };

  if (options.stopped === true) writeConfigs();
  else await start(false);

  const sshCommand = `ssh -F ${sshConfigPath}`;
  return {
    host: alias,
    get port() {
      return port;
    },
    user,
    dir,
    sshConfigPath,
    sshCommand,
    configValues: () => ({ centralHost: alias, "central.user": user, "tools.ssh": sshCommand }),
    ssh(command: string): string {
      const result = spawnSync("ssh", ["-F", sshConfigPath, alias, command], { encoding: "utf8" });
      if (result.status !== 0) throw new Error(`ssh ${alias} ${command} failed (${result.status}): ${result.stderr}`);
      return result.stdout;
    },
    get running() {
      return child !== undefined;
    },
    stop,
    start: () => start(true),
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
