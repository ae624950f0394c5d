// `bbs serve` never redirects to another site (issue 15, item 7): a request
// whose decoded path is not canonical (encoded slashes, dot segments,
// backslashes) is refused, and the trailing-slash redirect of a directory is
// always a path on this server. Raw HTTP requests, so no client normalises
// the path first; on a loopback port chosen at run time.

import { request } from "node:http";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isCanonicalPath, serveReport, type ReportServer } from "../../src/report/serve.js";
import { useTempDirs } from "../fixtures/tmp.js";

const temp = useTempDirs();
let server: ReportServer;

beforeAll(async () => {
  const report = await temp.make("serve-redirect");
  mkdirSync(join(report, "pkgA"));
  mkdirSync(join(report, "evil.com"));
  mkdirSync(join(report, "odd?#name"));
  writeFileSync(join(report, "index.html"), "<p>report</p>\n");
  server = await serveReport(report);
});

afterAll(async () => server?.close());

/** Sends `rawPath` exactly as written. */
function rawGet(rawPath: string): Promise<{ status: number; location: string | undefined }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: rawPath, method: "GET" }, (response) => {
      response.resume();
      response.on("end", () => resolve({ status: response.statusCode ?? 0, location: response.headers.location }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Where a browser on the report's page would go with `location`. */
function target(location: string): URL {
  return new URL(location, server.url);
}

describe("bbs serve and redirects", () => {
  it.each([
    "/%2Fevil.com%2F..",
    "/%2F%2Fevil.com%2F..",
    "/%2Fevil.com",
    "/%2FpkgA",
    "/%5Cevil.com%2F..",
    "/pkgA%2F..%2F..%2Fetc",
    "/pkgA/%2E%2E/%2F%2Fevil.com",
    "/a%00b",
  ])("refuses %s with 400 and no Location", async (path) => {
    const { status, location } = await rawGet(path);
    expect(status).toBe(400);
    expect(location).toBeUndefined();
  });

  it("redirects a directory to its slash form on this server, segments encoded", async () => {
    for (const [path, expected] of [
      ["/pkgA", "/pkgA/"],
      ["/evil.com", "/evil.com/"],
      ["/odd%3F%23name", "/odd%3F%23name/"],
    ] as const) {
      const { status, location } = await rawGet(path);
      expect(status, path).toBe(301);
      expect(location, path).toBe(expected);
      expect(target(location!).origin, path).toBe(new URL(server.url).origin);
    }
  });

  it("still serves canonical paths", async () => {
    expect((await rawGet("/")).status).toBe(200);
    expect((await rawGet("/pkgA/")).status).toBe(200);
    expect((await rawGet("/index.html")).status).toBe(200);
  });

  it("isCanonicalPath", () => {
    expect(isCanonicalPath("/")).toBe(true);
    expect(isCanonicalPath("/a/b/")).toBe(true);
    expect(isCanonicalPath("/a/b.html")).toBe(true);
    for (const bad of ["//a", "/a//b", "/a/../b", "/./a", "/a/.", "/a\\b", "a", "/a/b//"])
      expect(isCanonicalPath(bad), bad).toBe(false);
  });
});
