// A static HTTP server for a report directory (`bbs serve`, the demo and the
// browser tests): files with the content types the published report gets
// (.htaccess: UTF-8 for .dcf/.txt/.log), index.html for directories, and a
// listing for directories without one (raw-results/), as Apache serves the
// published report. Read-only, GET and HEAD, never outside the root: a
// symbolic link inside the report that leads out of it (a link to /etc, a
// raw-results link to a builder's home) is refused, as a link into it is served.

import { createReadStream, realpathSync, statSync, readdirSync, type Stats } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, resolve, sep } from "node:path";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".png": "image/png",
  ".dcf": "text/plain; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".log": "text/plain; charset=utf-8",
  ".out": "text/plain; charset=utf-8",
  ".pdf": "application/pdf",
  ".tgz": "application/gzip",
  ".gz": "application/gzip",
};

function contentType(path: string): string {
  const type = CONTENT_TYPES[extname(path).toLowerCase()];
  if (type !== undefined) return type;
  return /(^|\/)(Renviron\.bioc|\.htaccess)$/.test(path) ? "text/plain; charset=utf-8" : "application/octet-stream";
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );
}

function send(response: ServerResponse, status: number, type: string, body: string, head: boolean): void {
  response.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
  response.end(head ? undefined : body);
}

function listing(dir: string, urlPath: string): string {
  const entries = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => !entry.name.startsWith("."))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((entry) => {
      const name = entry.isDirectory() ? `${entry.name}/` : entry.name;
      return `<li><a href="${escapeHtml(encodeURIComponent(entry.name))}${entry.isDirectory() ? "/" : ""}">${escapeHtml(name)}</a></li>`;
    });
  const title = `Index of ${escapeHtml(urlPath)}`;
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><ul><li><a href="../">../</a></li>${entries.join("")}</ul></body></html>\n`;
}

/** The request handler serving `root`. */
export function reportRequestHandler(root: string): (request: IncomingMessage, response: ServerResponse) => void {
  const base = resolve(root);
  let realBase: string | undefined;
  /** Whether the real path of `path` (links followed) is the root or under it. */
  const staysInside = (path: string): boolean => {
    realBase ??= realpathSync(base);
    const real = realpathSync(path);
    return real === realBase || real.startsWith(realBase + sep);
  };
  return (request, response) => {
    const head = request.method === "HEAD";
    if (request.method !== "GET" && !head) {
      send(response, 405, "text/plain; charset=utf-8", "method not allowed\n", head);
      return;
    }
    let urlPath: string;
    try {
      urlPath = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
    } catch {
      send(response, 400, "text/plain; charset=utf-8", "bad request\n", head);
      return;
    }
    // Only canonical paths: encoded separators and dot segments ("/%2Fhost%2F..") would otherwise
    // resolve to a directory whose redirect ("//host/../") a browser follows to another site.
    if (!isCanonicalPath(urlPath)) {
      send(response, 400, "text/plain; charset=utf-8", "bad request: the path is not in canonical form\n", head);
      return;
    }
    const path = resolve(join(base, urlPath));
    if (path !== base && !path.startsWith(base + sep)) {
      send(response, 403, "text/plain; charset=utf-8", "forbidden\n", head);
      return;
    }
    let stat: Stats;
    let inside: boolean;
    try {
      stat = statSync(path);
      inside = staysInside(path);
    } catch {
      send(response, 404, "text/plain; charset=utf-8", `not found: ${urlPath}\n`, head);
      return;
    }
    if (!inside) {
      send(response, 403, "text/plain; charset=utf-8", "forbidden\n", head);
      return;
    }
    if (stat.isDirectory()) {
      if (!urlPath.endsWith("/")) {
        response.writeHead(301, { Location: sameSiteLocation(urlPath) });
        response.end();
        return;
      }
      let index: Stats | undefined;
      try {
        index = staysInside(join(path, "index.html")) ? statSync(join(path, "index.html")) : undefined;
      } catch {
        index = undefined;
      }
      if (index === undefined || !index.isFile()) {
        send(response, 200, "text/html; charset=utf-8", listing(path, urlPath), head);
        return;
      }
      serveFile(response, join(path, "index.html"), index, head);
      return;
    }
    serveFile(response, path, stat, head);
  };
}

/** A decoded URL path with one slash between segments, no `.` or `..` segment, no backslash or NUL. */
export function isCanonicalPath(urlPath: string): boolean {
  if (!urlPath.startsWith("/") || /[\\\0]/.test(urlPath)) return false;
  const segments = urlPath.slice(1).split("/");
  // The last segment is empty for a directory ("/pkgA/") and for the root.
  return segments.every((segment, index) =>
    segment === "" ? index === segments.length - 1 : segment !== "." && segment !== "..",
  );
}

/** `urlPath` (canonical) + "/", each segment percent-encoded: a path on this server, never `//host` or `scheme:`. */
function sameSiteLocation(urlPath: string): string {
  const segments = urlPath.split("/").filter((segment) => segment !== "");
  return `/${segments.map((segment) => encodeURIComponent(segment)).join("/")}/`;
}

function serveFile(response: ServerResponse, path: string, stat: Stats, head: boolean): void {
  response.writeHead(200, { "Content-Type": contentType(path), "Content-Length": stat.size });
  if (head) {
    response.end();
    return;
  }
  createReadStream(path)
    .on("error", () => response.destroy())
    .pipe(response);
}

export interface ReportServer {
  server: Server;
  /** `http://127.0.0.1:<port>/` */
  url: string;
  close(): Promise<void>;
}

/** Serves `root` on `host:port` (port 0: any free port). */
export function serveReport(root: string, options: { host?: string; port?: number } = {}): Promise<ReportServer> {
  const server = createServer(reportRequestHandler(root));
  const host = options.host ?? "127.0.0.1";
  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      const { port } = server.address() as AddressInfo;
      resolvePromise({
        server,
        url: `http://${host.includes(":") ? `[${host}]` : host}:${port}/`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
