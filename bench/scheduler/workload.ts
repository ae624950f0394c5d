// The scheduler benchmark's workload: the real Bioconductor 3.18 graph
// (software packages + their CRAN closure, bench/data) with per-job
// durations derived from real timings, deterministically (fixed seed).
//
// - install: the per-package estimate of bioc-install-time-estimates.tsv
//   (3.22 fit, else 3.21); packages without one (Bioconductor packages
//   missing from the fits, every CRAN package) get the median of the
//   estimates used.
// - build, check (Bioconductor packages only): the install duration times
//   the build/install and check/install ratios of one package, drawn at
//   random with the seed, among the real BBS summaries of
//   bbs-stage-times-sample.tsv where install, buildsrc and checksrc were all
//   OK/WARNINGS on the same node and report; capped at BBS's 2400 s timeout.
// - data-experiment/annotation and recommended packages count as already
//   installed: jobs without a command (BBS's SKIP).
// - the scheduler's estimates are "last night's" durations: the true ones
//   times a seeded log-normal factor (sigma 0.25), not the exact future.

import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface WorkloadPackage {
  readonly name: string;
  readonly kind: "bioc" | "cran" | "preinstalled";
  /** Install dependencies (Depends/Imports/LinkingTo), as package names. */
  readonly deps: readonly string[];
  /** Seconds; build/check only for Bioconductor packages. */
  readonly install: number;
  readonly build: number | undefined;
  readonly check: number | undefined;
}

export interface Workload {
  readonly packages: readonly WorkloadPackage[];
  readonly derivation: readonly string[];
}

export const STAGE_TIMEOUT_SECONDS = 2400;

/** mulberry32: a small deterministic PRNG. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box-Muller). */
export function normal(random: () => number): number {
  const u = Math.max(random(), Number.EPSILON);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function readTsv(path: string): Array<Record<string, string>> {
  const [header = "", ...lines] = readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "");
  const columns = header.split("\t");
  return lines.map((line) => {
    const cells = line.split("\t");
    return Object.fromEntries(columns.map((column, index) => [column, cells[index] ?? ""]));
  });
}

function list(cell: string | undefined): string[] {
  return (cell ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function loadWorkload(dataDir: string, seed: number): Workload {
  const bioc = readTsv(join(dataDir, "bioc-3.18-software.tsv"));
  const cran = readTsv(join(dataDir, "cran-closure-3.18.tsv"));

  const estimates = new Map<string, number>();
  for (const cycle of ["3.21", "3.22"]) {
    // 3.22 read last, so it wins where both cycles have a fit.
    for (const row of readTsv(join(dataDir, "bioc-install-time-estimates.tsv"))) {
      if (row.bioc_version === cycle) estimates.set(row.package ?? "", Number(row.est_install_s));
    }
  }
  const used = bioc
    .map((row) => estimates.get(row.package ?? ""))
    .filter((value): value is number => value !== undefined && Number.isFinite(value));
  const fallback = median(used);

  const triples: Array<{ build: number; check: number }> = [];
  const byJob = new Map<string, Map<string, { elapsed: number; status: string }>>();
  for (const row of readTsv(join(dataDir, "bbs-stage-times-sample.tsv"))) {
    const key = `${row.archive}\t${row.node}\t${row.package}`;
    const stages = byJob.get(key) ?? new Map<string, { elapsed: number; status: string }>();
    stages.set(row.stage ?? "", { elapsed: Number(row.elapsed_s), status: row.status ?? "" });
    byJob.set(key, stages);
  }
  const good = (entry: { status: string } | undefined): entry is { elapsed: number; status: string } =>
    entry !== undefined && (entry.status === "OK" || entry.status === "WARNINGS");
  for (const stages of byJob.values()) {
    const install = stages.get("install");
    const build = stages.get("buildsrc");
    const check = stages.get("checksrc");
    if (good(install) && good(build) && good(check) && install.elapsed > 0) {
      triples.push({ build: build.elapsed / install.elapsed, check: check.elapsed / install.elapsed });
    }
  }

  const random = seededRandom(seed);
  const sorted = [...bioc].sort((a, b) => (a.package ?? "").localeCompare(b.package ?? ""));
  const packages: WorkloadPackage[] = [];
  const known = new Set<string>([...bioc.map((row) => row.package ?? ""), ...cran.map((row) => row.package ?? "")]);
  const preinstalled = new Set<string>();
  let missingEstimates = 0;
  let capped = 0;
  const cap = (seconds: number): number => {
    if (seconds <= STAGE_TIMEOUT_SECONDS) return seconds;
    capped += 1;
    return STAGE_TIMEOUT_SECONDS;
  };
  for (const row of sorted) {
    const name = row.package ?? "";
    const deps = [
      ...new Set([...list(row.bioc_deps), ...list(row.cran_deps), ...list(row.data_deps), ...list(row.base_rec_deps)]),
    ];
    for (const dep of deps) if (!known.has(dep)) preinstalled.add(dep);
    const estimate = estimates.get(name);
    if (estimate === undefined) missingEstimates += 1;
    const install = estimate ?? fallback;
    const ratio = triples[Math.floor(random() * triples.length)] as { build: number; check: number };
    packages.push({
      name,
      kind: "bioc",
      deps,
      install: cap(install),
      build: cap(install * ratio.build),
      check: cap(install * ratio.check),
    });
  }
  for (const row of cran) {
    const deps = [
      ...new Set([...list(row.cran_deps), ...list(row.bioc_deps), ...list(row.data_deps), ...list(row.base_rec_deps)]),
    ];
    for (const dep of deps) if (!known.has(dep)) preinstalled.add(dep);
    packages.push({
      name: row.package ?? "",
      kind: "cran",
      deps,
      install: fallback,
      build: undefined,
      check: undefined,
    });
  }
  for (const name of [...preinstalled].sort())
    packages.push({ name, kind: "preinstalled", deps: [], install: 0, build: undefined, check: undefined });

  const derivation = [
    `graph: ${bioc.length} Bioconductor 3.18 software packages + ${cran.length} CRAN closure packages (bioc-3.18-software.tsv, cran-closure-3.18.tsv); ` +
      `${preinstalled.size} data/recommended packages count as installed (jobs without a command)`,
    `install: per-package estimate of bioc-install-time-estimates.tsv (3.22 fit, else 3.21) for ${bioc.length - missingEstimates} packages; ` +
      `the median of those, ${fallback.toFixed(1)} s, for ${missingEstimates} Bioconductor packages without one and for every CRAN package`,
    `build/check: install x the build/install and check/install ratios of one of ${triples.length} real BBS summaries ` +
      `(bbs-stage-times-sample.tsv, install+buildsrc+checksrc all OK/WARNINGS), drawn with seed ${seed}; ${capped} durations capped at the ${STAGE_TIMEOUT_SECONDS} s timeout`,
    "scheduler estimates: true duration x exp(N(0, 0.25)) with the same seed (last night's durations, not tonight's)",
  ];
  return { packages, derivation };
}
