// Files the coordinator keeps: submitted tarballs, named by their SHA-256.

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { join } from "node:path";

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Where the coordinator keeps the tarball of a job (sha256 checked by isJobSource). */
export function tarballPath(dir: string, sha256: string): string {
  return join(dir, "tarballs", `${sha256}.tar.gz`);
}
