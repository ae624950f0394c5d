// What `bbs spb status` and `bbs spb jobs` print for people (--json prints the API's JSON).

import type { JobSummaryView, JobView } from "./store/views.js";

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export function formatJob(job: JobView): string {
  const source =
    job.source.kind === "git"
      ? `${job.source.url}${job.source.commit ? ` @ ${job.source.commit}` : ""}`
      : `tarball ${job.source.fileName}`;
  const head = [
    `job ${job.id}: ${job.state}${job.state === "complete" ? `, ${job.result}` : ""}`,
    `  package ${job.package}, ${source}${job.issue === null ? "" : `, issue #${job.issue}`}${job.newPackage ? ", new package" : ""}`,
    `  submitted ${job.submittedAt} by ${job.submittedBy}${job.rerunOf ? `, rerun of ${job.rerunOf}` : ""}`,
  ];
  const rows = [["node", "state", "INSTALL", "BUILD", "CHECK", "BiocCheck", "BUILD BIN", "commit"]];
  for (const node of job.nodes) {
    rows.push([
      node.node,
      node.state,
      node.cells.install,
      node.cells.build,
      node.cells.check,
      node.cells.bioccheck,
      node.cells.buildbin,
      node.commit?.slice(0, 12) ?? "",
    ]);
  }
  const reasons = job.nodes.filter((node) => node.reason !== null).map((node) => `  ${node.node}: ${node.reason}`);
  return `${[...head, "", table(rows).replace(/^/gm, "  "), ...(reasons.length > 0 ? ["", ...reasons] : [])].join("\n")}\n`;
}

export function formatJobs(jobs: readonly JobSummaryView[]): string {
  if (jobs.length === 0) return "no SPB jobs\n";
  const rows = [["job", "state", "result", "submitted", "commit"]];
  for (const job of jobs)
    rows.push([job.id, job.state, job.result ?? "", job.submittedAt, job.commit?.slice(0, 12) ?? ""]);
  return `${table(rows)}\n`;
}
