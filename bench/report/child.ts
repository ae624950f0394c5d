// The measured process of the report benchmark: loads the configuration and
// runs generateReport once, then prints its summary with this process's peak
// resident set size (getrusage's ru_maxrss), as one JSON line.
//
// argv: <threads> <config dir> <run dir> <report dir> [<history db>]

import { loadAllHosts } from "../../src/config/load.js";
import { generateReport } from "../../src/report/index.js";

async function main(): Promise<void> {
  const [threads, configDir, runDir, reportDir, historyDb] = process.argv.slice(2);
  if (threads === undefined || configDir === undefined || runDir === undefined || reportDir === undefined)
    throw new Error("usage: child.js <threads> <config dir> <run dir> <report dir> [<history db>]");
  const started = process.hrtime.bigint();
  const hosts = loadAllHosts(configDir, { env: {} });
  const centralId = [...hosts.values()][0]?.values["central.nodeId"];
  const central = centralId === undefined ? undefined : hosts.get(centralId);
  if (central === undefined) throw new Error(`no central node in ${configDir}`);
  const summary = await generateReport({
    central,
    hosts,
    runDir,
    reportDir,
    threads: Number(threads),
    ...(historyDb === undefined ? {} : { historyDb }),
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const usage = process.resourceUsage();
  process.stdout.write(
    `${JSON.stringify({ wallMs, reportMs: summary.elapsedMs, maxRssKiB: usage.maxRSS, userMs: usage.userCPUTime / 1000, systemMs: usage.systemCPUTime / 1000, threads: summary.threads, pages: summary.pages, files: summary.files, bytes: summary.bytes, timings: summary.timings, warnings: summary.warnings.length })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
