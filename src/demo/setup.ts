// Sets up a self-contained site under a demo work directory: a local git
// server holding the example corpus and its manifest, and a `local` config
// pointing every directory of the build inside the work directory.

import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseDocument } from "yaml";
import { BbsError } from "../util/errors.js";
import { writeFileAtomic } from "../util/fs.js";
import { importDirectory, type GitIdentity } from "./git-import.js";

/** The repository root of the installed bbs (dist/demo/ -> ../../). */
export function packageRoot(): string {
  return fileURLToPath(new URL("../../", import.meta.url));
}

export const DEMO_NODE_ID = "local";

/**
 * Default CHECK timeout of the demo build, in seconds: the example that never ends (tinySlow) shows
 * its TIMEOUT after this, so a new user does not wait minutes; a healthy tiny package checks in
 * well under it on an ordinary machine (`--check-timeout` for a slow one).
 */
export const DEMO_CHECK_TIMEOUT = 45;
const DEMO_IDENTITY: GitIdentity = { name: "bbs demo", email: "demo@bbs.example.org" };

export interface DemoLayout {
  workDir: string;
  gitRoot: string;
  configDir: string;
}

export function demoLayout(workDir: string): DemoLayout {
  return { workDir, gitRoot: join(workDir, "git"), configDir: join(workDir, "config") };
}

export interface ServedPackage {
  name: string;
  commit: string;
  changed: boolean;
}

/** Package directories of a corpus: subdirectories holding a DESCRIPTION, sorted. */
export function corpusPackages(corpusDir: string): string[] {
  if (!existsSync(corpusDir)) {
    throw new BbsError("BBS_PRECONDITION", `example corpus ${corpusDir} not found`, {
      hint: "run bbs from its source checkout or a complete install (examples/ is part of the package)",
    });
  }
  return readdirSync(corpusDir)
    .filter((name) => statSync(join(corpusDir, name)).isDirectory() && existsSync(join(corpusDir, name, "DESCRIPTION")))
    .sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
}

/**
 * Serves every package of the corpus as `<gitRoot>/<pkg>.git` on `branch`, and
 * a manifest repository `<gitRoot>/manifest.git` listing them in software.txt.
 */
export async function serveCorpus(corpusDir: string, gitRoot: string, branch: string): Promise<ServedPackage[]> {
  const names = corpusPackages(corpusDir);
  const served: ServedPackage[] = [];
  for (const name of names) {
    const result = await importDirectory(join(gitRoot, `${name}.git`), join(corpusDir, name), {
      branch,
      message: `${name}: sources from the bbs example corpus`,
      identity: DEMO_IDENTITY,
    });
    served.push({ name, ...result });
  }
  const manifestDir = mkdtempSync(join(tmpdir(), "bbs-demo-manifest-"));
  try {
    const lines = [
      "# The bbs example corpus (examples/corpus), one package per line.",
      "",
      ...names.map((n) => `Package: ${n}`),
      "",
    ];
    writeFileSync(join(manifestDir, "software.txt"), lines.join("\n"));
    await importDirectory(join(gitRoot, "manifest.git"), manifestDir, {
      branch,
      message: "manifest of the example corpus",
      identity: DEMO_IDENTITY,
    });
  } finally {
    rmSync(manifestDir, { recursive: true, force: true });
  }
  return served;
}

/** Settings the demo changes in config/local (key path -> value). */
export interface DemoSettings {
  workDir: string;
  /** CHECK timeout in seconds: short, so the example that never ends times out quickly. */
  checkTimeout: number;
  slots: number;
}

/**
 * Writes the demo's config directory from the repository's `config/local`, with
 * the work directory and timeouts of the demo. An existing demo config is kept
 * (the operator may have edited it) unless it points to another work directory.
 */
export function writeDemoConfig(configDir: string, settings: DemoSettings): void {
  const source = join(packageRoot(), "config", "local");
  const hostFile = join(configDir, "hosts", `${DEMO_NODE_ID}.yaml`);
  if (existsSync(hostFile) && parseDocument(readFileSync(hostFile, "utf8")).get("workDir") === settings.workDir) return;
  cpSync(source, configDir, { recursive: true });
  edit(hostFile, (doc) => {
    doc.set("workDir", settings.workDir);
    doc.setIn(["slots", "default"], settings.slots);
  });
  edit(join(configDir, "global.yaml"), (doc) => {
    doc.setIn(["timeouts", "check"], settings.checkTimeout);
  });
}

function edit(path: string, change: (doc: ReturnType<typeof parseDocument>) => void): void {
  const doc = parseDocument(readFileSync(path, "utf8"));
  change(doc);
  writeFileAtomic(path, doc.toString());
}
