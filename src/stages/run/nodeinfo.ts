// NodeInfo/ (docs/formats.md#nodeinfo): what the report's "More about <node>" and "R
// packages installed" pages show. Each file is a command's merged output;
// a missing tool just leaves its error text in the file, as in BBS.
// `R CMD config --all` is asked once (BBS asked R once per variable).

import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runProcess } from "../../jobs/process.js";

/** The variables of R-config.txt, in BBS's order. */
export const R_CONFIG_VARIABLES = [
  "MAKE",
  "CC",
  "CFLAGS",
  "CPICFLAGS",
  "CXX",
  "CXXFLAGS",
  "CXXPICFLAGS",
  ...["CXX11", "CXX14", "CXX17"].flatMap((cxx) => [cxx, `${cxx}FLAGS`, `${cxx}PICFLAGS`, `${cxx}STD`]),
] as const;

/** Compilers whose `--version` is recorded, and the file it goes to. */
const COMPILERS = [
  ["CC", "CC-version.txt"],
  ["CXX", "CXX-version.txt"],
  ["CXX11", "CXX11-version.txt"],
  ["CXX14", "CXX14-version.txt"],
  ["CXX17", "CXX17-version.txt"],
] as const;

export interface NodeInfoSettings {
  readonly rCmd: string;
  readonly rscriptCmd: string;
  /** Environment of the R processes (R_LIBS, R_ENVIRON_USER). */
  readonly env: Readonly<Record<string, string>>;
  readonly killGraceMs: number;
  /** `java-version.txt` and `java -version` on Windows, `JAVA-version.txt` from R's JAVA elsewhere. */
  readonly windows: boolean;
  readonly signal?: AbortSignal;
}

/** `NAME = value` lines of `R CMD config --all`. */
export function parseRConfigAll(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^([A-Z][A-Z0-9_]*) = ?(.*)$/.exec(line);
    if (match) values.set(match[1] as string, (match[2] as string).trim());
  }
  return values;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

/** Writes NodeInfo/ into `dir` (emptied first); returns the files written. */
export async function writeNodeInfo(dir: string, settings: NodeInfoSettings): Promise<string[]> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const run = (file: string, command: string, timeoutMs = 60_000) =>
    runProcess({
      command: `${command} 2>&1`,
      outputFile: join(dir, file),
      truncateOutput: true,
      env: settings.env,
      timeoutMs,
      killGraceMs: settings.killGraceMs,
      cwd: dir,
      ...(settings.signal === undefined ? {} : { signal: settings.signal }),
    });
  const configFile = join(dir, ".R-config-all.txt");
  await run(".R-config-all.txt", `${settings.rCmd} CMD config --all`);
  const config = parseRConfigAll(readFileSync(configFile, "utf8"));
  rmSync(configFile, { force: true });
  writeFileSync(
    join(dir, "R-config.txt"),
    R_CONFIG_VARIABLES.map((name) => `${name}: ${config.get(name) ?? ""}\n`).join(""),
  );
  const jobs: Array<Promise<unknown>> = [
    run("R-version.txt", `${settings.rCmd} --version`),
    run("pandoc-version.txt", "pandoc --version"),
    run("R-sessionInfo.txt", `${settings.rscriptCmd} -e "sessionInfo()"`),
    run(
      "R-instpkgs.txt",
      `${settings.rscriptCmd} -e "options(width=500);print(installed.packages()[,c('LibPath','Version','Built')])"`,
      120_000,
    ),
  ];
  for (const [variable, file] of COMPILERS) {
    const compiler = config.get(variable) ?? "";
    jobs.push(
      compiler === ""
        ? Promise.resolve(writeFileSync(join(dir, file), `R CMD config ${variable} is empty\n`))
        : run(file, `${compiler} --version`),
    );
  }
  if (settings.windows) jobs.push(run("java-version.txt", "java -version"));
  else {
    const java = config.get("JAVA") ?? "";
    jobs.push(
      java === ""
        ? Promise.resolve(writeFileSync(join(dir, "JAVA-version.txt"), "R CMD config JAVA is empty\n"))
        : run("JAVA-version.txt", `${shellQuote(java)} -version`),
    );
  }
  await Promise.all(jobs);
  return [
    "R-version.txt",
    "R-config.txt",
    ...COMPILERS.map(([, file]) => file),
    settings.windows ? "java-version.txt" : "JAVA-version.txt",
    "pandoc-version.txt",
    "R-sessionInfo.txt",
    "R-instpkgs.txt",
  ];
}
