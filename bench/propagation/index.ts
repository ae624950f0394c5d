// The propagation benchmark: index generation (PACKAGES, PACKAGES.gz,
// PACKAGES.rds) for a contrib directory of many source tarballs, bbs against
// R's tools::write_PACKAGES, measured side by side in one run on the same
// files, with the records checked identical (PACKAGES bytes, and identical()
// of the .rds matrices in R).
//
// Lines: R write_PACKAGES (elapsed inside R, R's start-up excluded); bbs cold
// (prepare with no cache: every tarball opened); bbs warm (prepare again,
// nothing changed: served from the cache); bbs incremental (one new
// tarball). Every line is the median of --repeat runs.
//
// Options: --packages N   generated tarballs besides the nine corpus ones (default 300)
//          --repeat N     runs per bbs measurement (default 3)
//          --rscript CMD  R's Rscript (default Rscript)

import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { prepareRepository } from "../../src/propagation/prepare.js";
import { CollectingLog } from "../../src/propagation/reporter.js";
import type { RepositoryLayout } from "../../src/propagation/layout.js";
import { corpusDir } from "../../test/fixtures/corpus.js";
import { writePackage } from "../../test/fixtures/rpkg-generator.js";
import { numberOption, optionValue, type Benchmark } from "../types.js";

const CORPUS = corpusDir();

function positiveInt(args: readonly string[], name: string, fallback: number): number {
  const value = numberOption(args, name, fallback);
  if (!Number.isInteger(value)) throw new Error(`option --${name}: expected a whole number, got ${value}`);
  return value;
}

/** Deterministic incompressible bytes (xorshift), so tarball sizes are what the padding says. */
function noise(size: number, seed: number): Buffer {
  const bytes = Buffer.alloc(size);
  let state = seed | 1;
  for (let i = 0; i < size; i += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

/** Generated source tarballs of realistic sizes (20 KB to 2 MB, log-uniform), plus the corpus. */
async function generateRepository(
  dir: string,
  count: number,
  scratch: string,
): Promise<{ files: number; bytes: number }> {
  mkdirSync(dir, { recursive: true });
  for (let i = 1; i <= count; i += 1) {
    const name = `benchPkg${String(i).padStart(4, "0")}`;
    const version = `1.${i % 7}.${i % 13}`;
    const pkgDir = await writePackage(scratch, {
      name,
      version,
      imports: i > 3 ? [`benchPkg${String(i - 1).padStart(4, "0")}`, `benchPkg${String(i - 3).padStart(4, "0")}`] : [],
      withC: i % 5 === 0,
      // R CMD build always writes NeedsCompilation; one in ten lacks it (a hand-made tarball: inferred from src/).
      extraDescription: i % 10 === 0 ? {} : { NeedsCompilation: i % 5 === 0 ? "yes" : "no" },
    });
    const size = Math.round(20_000 * Math.pow(100, ((i * 7919) % 1000) / 1000));
    mkdirSync(join(pkgDir, "inst", "extdata"), { recursive: true });
    writeFileSync(join(pkgDir, "inst", "extdata", "data.bin"), noise(size, i));
    // As R CMD build writes them: members in name order, DESCRIPTION (rewritten by build) last,
    // so finding it means decompressing the whole file, for R and for bbs alike.
    const tar = join(scratch, `${name}.tar`);
    execFileSync("tar", ["--sort=name", "-cf", tar, "-C", scratch, `--exclude=${name}/DESCRIPTION`, name]);
    execFileSync("tar", ["-rf", tar, "-C", scratch, `${name}/DESCRIPTION`]);
    execFileSync("gzip", ["-6", "-n", tar]);
    renameSync(`${tar}.gz`, join(dir, `${name}_${version}.tar.gz`));
    rmSync(pkgDir, { recursive: true, force: true });
  }
  for (const file of readdirSync(CORPUS)) copyFileSync(join(CORPUS, file), join(dir, file));
  const files = readdirSync(dir).filter((file) => file.endsWith(".tar.gz"));
  return { files: files.length, bytes: files.reduce((total, file) => total + statSync(join(dir, file)).size, 0) };
}

function layoutOf(root: string): RepositoryLayout {
  return {
    root,
    rVersion: undefined,
    contribDirs: [{ pkgType: "source", path: "src/contrib", extension: "tar.gz", indexType: "source" }],
  };
}

async function timeBbs(root: string): Promise<{ seconds: number; opened: number }> {
  const started = performance.now();
  const result = await prepareRepository(layoutOf(root), {
    landingPages: false,
    rscript: "Rscript",
    dryRun: false,
    reporter: new CollectingLog(),
  });
  return { seconds: (performance.now() - started) / 1000, opened: result.opened };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function row(label: string, seconds: number, reference: number, note = ""): string {
  const ratio = reference / seconds;
  return `  ${label.padEnd(34)} ${seconds.toFixed(3).padStart(9)} s   ${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1)}x faster than R${note}`;
}

export const propagationBenchmark: Benchmark = {
  name: "propagation",
  description:
    "index generation of a contrib directory: bbs (cold, warm, incremental) vs tools::write_PACKAGES, same files, same run",
  async run(args) {
    const count = positiveInt(args, "packages", 300);
    const repeat = positiveInt(args, "repeat", 3);
    const rscript = optionValue(args, "rscript") ?? "Rscript";
    const base = mkdtempSync(join(tmpdir(), "bbs-bench-propagation-"));
    try {
      const source = join(base, "tarballs");
      process.stdout.write(`generating ${count} tarballs...\n`);
      const { files, bytes } = await generateRepository(source, count, join(base, "scratch"));
      process.stdout.write(`${files} source tarballs, ${(bytes / 1e6).toFixed(0)} MB\n`);

      // R, on its own copy of the same files; elapsed time measured inside R.
      const rRepo = join(base, "r", "src", "contrib");
      cpSync(source, rRepo, { recursive: true });
      execFileSync("sync");
      const rRuns = execFileSync(
        rscript,
        [
          "--vanilla",
          "-e",
          `a <- commandArgs(TRUE); for (i in seq_len(as.integer(a[2]))) cat(system.time(suppressMessages(tools::write_PACKAGES(a[1], type = "source")))[["elapsed"]], "\\n")`,
          rRepo,
          String(repeat),
        ],
        { encoding: "utf8", env: { ...process.env, LANG: "C.UTF-8", LC_ALL: "C.UTF-8", R_LIBS_USER: "" } },
      )
        .trim()
        .split(/\s+/)
        .map(Number);
      const rSeconds = median(rRuns);

      // bbs cold: a fresh repository (no cache) per run, all copied before any is measured.
      const coldRoots = Array.from({ length: repeat }, (_, i) => join(base, `bbs-${i}`));
      for (const root of coldRoots) cpSync(source, join(root, "src", "contrib"), { recursive: true });
      execFileSync("sync");
      const cold: number[] = [];
      for (const root of coldRoots) {
        const run = await timeBbs(root);
        if (run.opened !== files) throw new Error(`cold run opened ${run.opened} of ${files} files`);
        cold.push(run.seconds);
      }
      const bbsRoot = coldRoots[coldRoots.length - 1]!;
      const warm: number[] = [];
      for (let i = 0; i < repeat; i += 1) {
        const run = await timeBbs(bbsRoot);
        if (run.opened !== 0) throw new Error(`warm run opened ${run.opened} files`);
        warm.push(run.seconds);
      }
      const incremental: number[] = [];
      for (let i = 0; i < repeat; i += 1) {
        // A new package file: a copy of a generated one under a new name and version.
        const donor = readdirSync(source).find((file) => file.startsWith("benchPkg0001_"))!;
        const renamed = join(bbsRoot, "src", "contrib", donor.replace(/_[^_]+\.tar\.gz$/, `_9.9.${i}.tar.gz`));
        copyFileSync(join(source, donor), renamed);
        const run = await timeBbs(bbsRoot);
        if (run.opened !== 1) throw new Error(`incremental run opened ${run.opened} files`);
        rmSync(renamed);
        await timeBbs(bbsRoot);
        incremental.push(run.seconds);
      }

      // Identical records: PACKAGES bytes, and the .rds matrices in R.
      const coldRepo = join(base, "bbs-0", "src", "contrib");
      const samePackages = readFileSync(join(coldRepo, "PACKAGES")).equals(readFileSync(join(rRepo, "PACKAGES")));
      const sameRds = execFileSync(
        rscript,
        [
          "--vanilla",
          "-e",
          `a <- commandArgs(TRUE); cat(identical(readRDS(a[1]), readRDS(a[2])))`,
          join(coldRepo, "PACKAGES.rds"),
          join(rRepo, "PACKAGES.rds"),
        ],
        {
          encoding: "utf8",
        },
      ).trim();
      if (!samePackages || sameRds !== "TRUE")
        throw new Error(`records differ: PACKAGES identical ${samePackages}, PACKAGES.rds identical ${sameRds}`);

      process.stdout.write(
        `\nindex generation, ${files} tarballs (${(bytes / 1e6).toFixed(0)} MB); median of ${repeat} runs each\n`,
      );
      process.stdout.write(
        `(${availableParallelism()} CPUs, load average ${loadavg()
          .map((value) => value.toFixed(2))
          .join(" ")}; bbs reads in parallel, R one file at a time)\n`,
      );
      process.stdout.write(`  ${"R tools::write_PACKAGES".padEnd(34)} ${rSeconds.toFixed(3).padStart(9)} s\n`);
      process.stdout.write(`${row("bbs cold (every tarball opened)", median(cold), rSeconds)}\n`);
      process.stdout.write(`${row("bbs warm (cache, nothing new)", median(warm), rSeconds)}\n`);
      process.stdout.write(`${row("bbs incremental (1 new tarball)", median(incremental), rSeconds)}\n`);
      process.stdout.write(`records identical: PACKAGES byte for byte, PACKAGES.rds identical() in R\n`);
    } finally {
      if (process.env.BBS_BENCH_KEEP === undefined) rmSync(base, { recursive: true, force: true });
      else process.stdout.write(`kept ${base}\n`);
    }
  },
};
