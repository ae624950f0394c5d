// NodeInfo/ (docs/formats.md#nodeinfo): what the report's "More about <node>" and "R
// packages installed" pages show. Each file is a command's merged output;
// a missing tool just leaves its error text in the file, as in BBS.
// `R CMD config --all` is asked once (BBS asked R once per variable).

import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runProcess } from "../../jobs/process.js";
import { NODE_INFO_FILES, versionFileName } from "../../layout/central.js";

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
const COMPILERS = ["CC", "CXX", "CXX11", "CXX14", "CXX17"].map(
  (variable) => [variable, versionFileName(variable)] as const,
);

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
    join(dir, NODE_INFO_FILES.rConfig),
    R_CONFIG_VARIABLES.map((name) => `${name}: ${config.get(name) ?? ""}\n`).join(""),
  );
  const jobs: Array<Promise<unknown>> = [
    run(NODE_INFO_FILES.rVersion, `${settings.rCmd} --version`),
    run(versionFileName("pandoc"), "pandoc --version"),
    run(NODE_INFO_FILES.sessionInfo, `${settings.rscriptCmd} -e "sessionInfo()"`),
    run(
      NODE_INFO_FILES.instPkgs,
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
  if (settings.windows) jobs.push(run(versionFileName("java"), "java -version"));
  else {
    const java = config.get("JAVA") ?? "";
    jobs.push(
      java === ""
        ? Promise.resolve(writeFileSync(join(dir, versionFileName("JAVA")), "R CMD config JAVA is empty\n"))
        : run(versionFileName("JAVA"), `${shellQuote(java)} -version`),
    );
  }
  await Promise.all(jobs);
  return [
    NODE_INFO_FILES.rVersion,
    NODE_INFO_FILES.rConfig,
    ...COMPILERS.map(([, file]) => file),
    versionFileName(settings.windows ? "java" : "JAVA"),
    versionFileName("pandoc"),
    NODE_INFO_FILES.sessionInfo,
    NODE_INFO_FILES.instPkgs,
  ];
}
