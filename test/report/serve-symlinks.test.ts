// `bbs serve` never serves a file outside the report's root, even through a
// symbolic link inside the report (issue 14, defect 8): over real HTTP on a
// loopback port chosen at run time.

import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveReport, type ReportServer } from "../../src/report/serve.js";
import { useTempDirs } from "../fixtures/tmp.js";

const temp = useTempDirs();
let server: ReportServer;

beforeAll(async () => {
  const root = await temp.make("serve-links");
  const report = join(root, "report");
  const secret = join(root, "secret");
  mkdirSync(join(report, "pkgA", "raw-results"), { recursive: true });
  mkdirSync(secret);
  writeFileSync(join(report, "index.html"), "<p>report</p>\n");
  writeFileSync(join(report, "pkgA", "index.html"), "<p>pkgA</p>\n");
  writeFileSync(join(secret, "passwd"), "root:x:0:0\n");
  writeFileSync(join(secret, "index.html"), "<p>secret</p>\n");
  symlinkSync(join(secret, "passwd"), join(report, "passwd.txt")); // a file out of the root
  symlinkSync(secret, join(report, "pkgA", "raw-results", "node1")); // a directory out of the root
  symlinkSync("../index.html", join(report, "pkgA", "top.html")); // a link that stays inside
  symlinkSync(join(report, "pkgA"), join(report, "alias")); // a directory link that stays inside
  // The root itself may be a link (central.dir is one): what is under it is served.
  symlinkSync(report, join(root, "current"));
  server = await serveReport(join(root, "current"));
});

afterAll(async () => server?.close());

async function get(path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(new URL(path, server.url));
  return { status: response.status, body: await response.text() };
}

describe("bbs serve and symbolic links", () => {
  it("serves the report, and links that stay inside it", async () => {
    expect(await get("/")).toEqual({ status: 200, body: "<p>report</p>\n" });
    expect(await get("/pkgA/top.html")).toEqual({ status: 200, body: "<p>report</p>\n" });
    expect(await get("/alias/")).toEqual({ status: 200, body: "<p>pkgA</p>\n" });
  });

  it("refuses a link that leads out of the root, to a file or a directory, and what is under it", async () => {
    for (const path of ["/passwd.txt", "/pkgA/raw-results/node1/", "/pkgA/raw-results/node1/passwd"]) {
      const { status, body } = await get(path);
      expect(status, path).toBe(403);
      expect(body, path).not.toContain("root:x");
      expect(body, path).not.toContain("secret");
    }
    const head = await fetch(new URL("/passwd.txt", server.url), { method: "HEAD" });
    expect(head.status).toBe(403);
  });
});
