// `bbs serve`: serves a report directory over HTTP on this machine (the demo,
// or a look at a report before it is published). Read-only; stops on Ctrl-C.

import type { Command } from "commander";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { serveReport } from "../report/serve.js";
import { BbsError } from "../util/errors.js";
import { nodeConfig } from "./context.js";

interface ServeOptions {
  dir?: string;
  bind: string;
  port: string;
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("serve the report directory (report.path) over HTTP on localhost")
    .option("--dir <dir>", "directory to serve (default: report.path)")
    .option("--bind <address>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port (0: any free port)", "8000")
    .action(async (options: ServeOptions, command: Command) => {
      const dir = resolve(options.dir ?? nodeConfig(command).values["report.path"]);
      if (!existsSync(dir)) {
        throw new BbsError("BBS_PRECONDITION", `report directory ${dir} does not exist`, {
          hint: "generate it with `bbs report` (or `bbs postrun`), or pass --dir",
        });
      }
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new BbsError("BBS_USAGE", `--port ${options.port} is not a port number`, {
          hint: "use 0-65535 (0: any free port)",
        });
      }
      const server = await serveReport(dir, { host: options.bind, port }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "EADDRINUSE" || error.code === "EACCES" || error.code === "EADDRNOTAVAIL") {
          throw new BbsError("BBS_USAGE", `cannot listen on ${options.bind}:${port}: ${error.code}`, {
            hint: "choose another --port (0: any free port) or --bind address",
            cause: error,
          });
        }
        throw error;
      });
      process.stdout.write(`serving ${dir} at ${server.url} (Ctrl-C to stop)\n`);
      await new Promise<void>((done) => {
        const stop = (): void => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          void server.close().then(done);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });
}
