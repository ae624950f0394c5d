// HttpReader against a real HTTP server (node:http serving a directory, with a
// path that fails once and a path that serves corrupt bytes) and against file://.

import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TransportError } from "../../src/transport/errors.js";
import { HttpReader } from "../../src/transport/http.js";

let base: string;
let central: string;
let server: Server;
let baseUrl: string;
const requests: string[] = [];
const failuresLeft = new Map<string, number>();

const tarball = Buffer.from("pretend this is a tarball\n".repeat(1000));
const tarballMd5 = createHash("md5").update(tarball).digest("hex");

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), "bbs http "));
  central = join(base, "central dir");
  mkdirSync(join(central, "src", "contrib"), { recursive: true });
  writeFileSync(join(central, "meat-index.dcf"), "Package: A\nVersion: 1.0\n");
  writeFileSync(join(central, "src", "contrib", "PACKAGES"), "Package: A\nVersion: 1.0\nMD5sum: x\n");
  writeFileSync(join(central, "src", "contrib", "A_1.0.tar.gz"), tarball);
  writeFileSync(join(central, "a b.txt"), "spaced\n");
  server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname);
    requests.push(path);
    const left = failuresLeft.get(path) ?? 0;
    if (left > 0) {
      failuresLeft.set(path, left - 1);
      response.writeHead(503).end("busy");
      return;
    }
    if (path === "/corrupt.tar.gz") {
      response.writeHead(200).end(Buffer.from("not the expected bytes"));
      return;
    }
    if (path.startsWith("/secret")) {
      response.writeHead(403).end("forbidden");
      return;
    }
    let body: Buffer;
    try {
      body = readFileSync(join(central, path));
    } catch {
      response.writeHead(404).end("not found");
      return;
    }
    response.writeHead(200).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("no address");
  baseUrl = `http://127.0.0.1:${address.port}/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(base, { recursive: true, force: true });
});

describe.each([
  { scheme: "http", reader: () => new HttpReader(baseUrl) },
  { scheme: "file", reader: () => new HttpReader(pathToFileURL(central).href) },
])("$scheme base URL", ({ scheme, reader }) => {
  it("reads small text files, and tells a missing one apart", async () => {
    const central_ = reader();
    expect(await central_.readText("meat-index.dcf")).toBe("Package: A\nVersion: 1.0\n");
    expect(await central_.readText("src/contrib/PACKAGES")).toContain("Package: A");
    expect(await central_.readText("a b.txt")).toBe("spaced\n");
    expect(await central_.readTextIfExists("skipped-index.dcf")).toBeUndefined();
    expect(await central_.exists("meat-index.dcf")).toBe(true);
    expect(await central_.exists("nothing")).toBe(false);
    const error = (await central_.readText("nothing/here.dcf").catch((e: unknown) => e)) as TransportError;
    expect(error).toBeInstanceOf(TransportError);
    expect(error.message).toContain("nothing/here.dcf");
    expect(error.hint).toMatch(/central\.baseUrl/);
  });

  it("downloads with MD5 verification, and skips a local copy that matches", async () => {
    const target = join(base, `downloads-${scheme}`, "A_1.0.tar.gz");
    const first = await reader().download("src/contrib/A_1.0.tar.gz", target, { md5: tarballMd5 });
    expect(first).toMatchObject({ skipped: false, md5: tarballMd5, bytes: tarball.length, attempts: 1 });
    expect(readFileSync(target).equals(tarball)).toBe(true);
    const second = await reader().download("src/contrib/A_1.0.tar.gz", target, { md5: tarballMd5 });
    expect(second.skipped).toBe(true);
  });

  it("refuses a download whose MD5 differs, leaving the old file in place", async () => {
    const dir = join(base, `mismatch-${scheme}`);
    const target = join(dir, "A_1.0.tar.gz");
    mkdirSync(dir, { recursive: true });
    writeFileSync(target, "old\n");
    const error = (await reader()
      .download("src/contrib/A_1.0.tar.gz", target, { md5: "0".repeat(32), retry: { delayMs: 0 } })
      .catch((e: unknown) => e)) as TransportError;
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ operation: "download", attempts: 3 });
    expect(error.message).toMatch(/MD5 mismatch: expected 0{32}, got [0-9a-f]{32}/);
    expect(readFileSync(target, "utf8")).toBe("old\n");
    expect(readdirSync(dir)).toEqual(["A_1.0.tar.gz"]);
  });
});

describe("HTTP failures", () => {
  it("retries a server error and succeeds", async () => {
    failuresLeft.set("/meat-index.dcf", 2);
    const before = requests.length;
    const retries: number[] = [];
    const text = await new HttpReader(baseUrl).readText("meat-index.dcf", {
      retry: { delayMs: 0 },
      onRetry: (failure) => void retries.push(failure.attempt),
    });
    expect(text).toBe("Package: A\nVersion: 1.0\n");
    expect(retries).toEqual([1, 2]);
    expect(requests.slice(before)).toEqual(["/meat-index.dcf", "/meat-index.dcf", "/meat-index.dcf"]);
  });

  it("does not retry a client error, and names the URL", async () => {
    const error = (await new HttpReader(baseUrl).readText("secret/x").catch((e: unknown) => e)) as TransportError;
    expect(error).toMatchObject({ attempts: 1, permanent: true });
    expect(error.message).toBe(`readText ${baseUrl}secret/x failed: HTTP 403 Forbidden`);
  });

  it("retries a refused connection, then reports it", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const address = closed.address();
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    if (typeof address !== "object" || address === null) throw new Error("no address");
    const error = (await new HttpReader(`http://127.0.0.1:${address.port}/central`)
      .readText("meat-index.dcf", { retry: { attempts: 2, delayMs: 0 } })
      .catch((e: unknown) => e)) as TransportError;
    expect(error).toMatchObject({ attempts: 2, permanent: false });
    expect(error.message).toContain("ECONNREFUSED");
    expect(error.hint).toContain(`http://127.0.0.1:${address.port}/central`);
  });

  it("checks the base URL", () => {
    expect(() => new HttpReader("ftp://host/x")).toThrow(/unsupported scheme ftp:/);
    expect(() => new HttpReader("not a url")).toThrow(/central\.baseUrl "not a url" is not a URL/);
    expect(new HttpReader("https://nebbiolo1.bioconductor.org/BBS/3.21/bioc/").url("src/contrib/a b_1.0.tar.gz")).toBe(
      "https://nebbiolo1.bioconductor.org/BBS/3.21/bioc/src/contrib/a%20b_1.0.tar.gz",
    );
    expect(() => new HttpReader("http://h/x").url("../etc/passwd")).toThrow(/stay under/);
  });
});
