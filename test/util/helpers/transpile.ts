// Child processes in tests cannot import TypeScript sources (Node 20 has no
// type stripping and vitest's transform lives in the test worker only), so the
// modules a child needs are transpiled to JavaScript in a temporary directory.
// Sources import each other with `.js` extensions, so the output runs as is.

import { mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import ts from "typescript";

const repoRoot = resolve(import.meta.dirname, "../../..");

/** Transpiles one `.ts` file into `<outDir>/<name>.js`. */
function transpileFile(source: string, outDir: string): void {
  const output = ts.transpileModule(readFileSync(source, "utf8"), {
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    fileName: basename(source),
  });
  writeFileSync(join(outDir, `${basename(source, ".ts")}.js`), output.outputText);
}

/** Transpiles every `.ts` file of `src/<dir>` for each dir into `<tmp>/<dir>`; returns `<tmp>`. */
export function transpileSourceDirs(dirs: readonly string[]): string {
  const outRoot = mkdtempSync(join(tmpdir(), "bbs-transpiled-"));
  writeFileSync(join(outRoot, "package.json"), '{ "type": "module" }\n');
  for (const dir of dirs) {
    const sourceDir = join(repoRoot, "src", dir);
    mkdirSync(join(outRoot, dir), { recursive: true });
    for (const file of readdirSync(sourceDir).filter((name) => name.endsWith(".ts"))) {
      transpileFile(join(sourceDir, file), join(outRoot, dir));
    }
  }
  return outRoot;
}

/**
 * Transpiles the whole `src` tree into `<tmp>/dist` (the layout of the built
 * package: `<tmp>/package.json`, `<tmp>/node_modules`, `templates`, `config` and `examples`
 * linked to the repo's)
 * and writes `<tmp>/bbs.mjs`, a launcher like bin/bbs.js (`<tmp>` is
 * `outRoot` when given). Tests run the CLI
 * from the current sources this way, whatever state `dist/` is in.
 */
export function transpileCli(outRoot: string = mkdtempSync(join(tmpdir(), "bbs-cli-"))): string {
  mkdirSync(outRoot, { recursive: true });
  const version = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
  writeFileSync(join(outRoot, "package.json"), `${JSON.stringify({ type: "module", version })}\n`);
  symlinkSync(join(repoRoot, "node_modules"), join(outRoot, "node_modules"));
  // The package's data directories, as `npm install -g .` ships them (package.json "files").
  for (const dataDir of ["templates", "config", "examples"])
    symlinkSync(join(repoRoot, dataDir), join(outRoot, dataDir));
  const walk = (relativeDir: string): void => {
    const sourceDir = join(repoRoot, "src", relativeDir);
    mkdirSync(join(outRoot, "dist", relativeDir), { recursive: true });
    for (const entry of readdirSync(sourceDir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(relativeDir, entry.name));
      else if (entry.name.endsWith(".ts"))
        transpileFile(join(sourceDir, entry.name), join(outRoot, "dist", relativeDir));
    }
  };
  walk("");
  const launcher = join(outRoot, "bbs.mjs");
  writeFileSync(launcher, 'import { main } from "./dist/cli/main.js";\nprocess.exitCode = await main(process.argv);\n');
  return launcher;
}
