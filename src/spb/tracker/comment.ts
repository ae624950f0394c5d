// The comment a completed job posts on its tracker issue (Markdown): the
// overall result, one row per expected node with its cells, the commit
// built, why a node ended ABNORMAL, the link to the job page and the
// products (each step's log, the source tarball built). A hidden marker
// names the job, so the post-back finds its own comment again even if the
// coordinator died between posting it and recording its id.

import { COLUMNS } from "../state.js";
import type { JobView } from "../store/views.js";
import { COLUMN_LABELS } from "../web/views.js";

export function commentMarker(jobId: string): string {
  return `<!-- bbs-spb-job: ${jobId} -->`;
}

/** Text safe in a Markdown table cell (no pipes, line breaks or HTML). */
function cell(text: string): string {
  return text
    .replace(/[\r\n]+/g, " ")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll("|", "\\|")
    .replaceAll("`", "'");
}

export function jobPageUrl(publicUrl: string, jobId: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/jobs/${encodeURIComponent(jobId)}`;
}

export function commentBody(job: JobView, publicUrl: string): string {
  const page = jobPageUrl(publicUrl, job.id);
  const commits = [...new Set(job.nodes.map((node) => node.commit).filter((c): c is string => c !== null))];
  const lines = [
    commentMarker(job.id),
    `### bbs SPB: \`${job.package}\` job [${job.id}](${page}): **${cell(job.result)}**`,
    "",
    `Commit built: ${commits.length === 0 ? "none (no node reached the source step)" : commits.map((c) => `\`${c}\``).join(", ")}` +
      ` · Bioconductor ${cell(job.biocVersion)}${job.newPackage ? " · new package" : ""} · [full report](${page})`,
    "",
    `| node | ${COLUMNS.map((column) => COLUMN_LABELS[column]).join(" | ")} | version |`,
    `|---|${COLUMNS.map(() => "---").join("|")}|---|`,
    ...job.nodes.map(
      (node) =>
        `| ${node.node}${node.state === "lost" ? " (lost)" : ""} | ${COLUMNS.map((column) => node.cells[column]).join(" | ")} | ${cell(node.version ?? "")} |`,
    ),
  ];
  const abnormal = job.nodes.filter((node) => node.state === "lost" || node.outcome === "abnormal");
  if (abnormal.length > 0) {
    lines.push("", "ABNORMAL (a build system problem, not the package's):");
    for (const node of abnormal) lines.push(`- ${node.node}: ${cell(node.reason ?? "no reason recorded")}`);
  }
  const products: string[] = [];
  for (const node of job.nodes) {
    const logs = node.steps.map((step) => `[${step.step}](${page}/logs/${encodeURIComponent(node.node)}/${step.step})`);
    const built = node.steps.find((step) => step.step === "buildsrc" && step.status === "OK");
    if (logs.length === 0) continue;
    products.push(
      `- ${node.node}: ${built && node.version ? `source tarball \`${job.package}_${cell(node.version)}.tar.gz\` built; ` : ""}logs ${logs.join(", ")}`,
    );
  }
  if (products.length > 0) lines.push("", "Products:", ...products);
  lines.push(
    "",
    `<sub>Posted by bbs spb when the job completed; labels show the latest result of each package of this issue.</sub>`,
  );
  return lines.join("\n") + "\n";
}
