// The package-file reader threads of src/rpkg/record-pool.ts. They exist only
// in compiled code (a worker cannot load TypeScript), so this test runs the
// sources transpiled to JavaScript, as `npm run build` ships them, and checks
// that the threads read the same records as this thread, and report a bad file
// with the same error.

import { copyFileSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { packagesIndexFields, readPackageFileRecord, type PackageFileRecord } from "../../src/rpkg/packages-index.js";
import type { recordReader as RecordReaderFactory } from "../../src/rpkg/record-pool.js";
import { corpusDir } from "../fixtures/corpus.js";
import { transpileCli } from "../util/helpers/transpile.js";

async function compiledRecordReader(): Promise<typeof RecordReaderFactory> {
  const outRoot = mkdtempSync(join(tmpdir(), "bbs-record-pool-"));
  transpileCli(outRoot);
  const module = (await import(pathToFileURL(join(outRoot, "dist", "rpkg", "record-pool.js")).href)) as {
    recordReader: typeof RecordReaderFactory;
  };
  return module.recordReader;
}

describe("record reader threads", () => {
  it("read the records this thread reads, and name a file that is not a tarball", async () => {
    const recordReader = await compiledRecordReader();
    const dir = mkdtempSync(join(tmpdir(), "bbs-record-pool-repo-"));
    for (const file of readdirSync(corpusDir())) copyFileSync(join(corpusDir(), file), join(dir, file));
    writeFileSync(join(dir, "garbage_1.0.tar.gz"), "this is not a tarball\n");
    const files = readdirSync(dir).sort();
    // Every corpus tarball several times over: enough files for the threads to start.
    const paths = Array.from({ length: 4 }, () =>
      files.filter((file) => !file.startsWith("garbage")).map((file) => join(dir, file)),
    ).flat();
    const fields = packagesIndexFields();

    const reader = recordReader(paths.length);
    try {
      expect(reader.threads).toBeGreaterThan(0);
      const threaded = await Promise.all(paths.map((path) => reader.read(path, "source", fields)));
      const here = await Promise.all(paths.map((path) => readPackageFileRecord(path, "source", fields)));
      const plain = (records: PackageFileRecord[]) =>
        records.map((record) => ({ file: record.file, values: [...record.values] }));
      expect(plain(threaded)).toEqual(plain(here));
      expect(threaded.every((record) => /^[0-9a-f]{32}$/.test(record.values.get("MD5sum") ?? ""))).toBe(true);

      const failure = await reader.read(join(dir, "garbage_1.0.tar.gz"), "source", fields).then(
        () => undefined,
        (error: unknown) => error as { code?: string; message: string },
      );
      expect(failure?.code).toBe("BBS_INPUT_INVALID");
      expect(failure?.message).toMatch(/garbage_1\.0\.tar\.gz is not a readable package tarball/);
      // The threads go on after a bad file.
      expect((await reader.read(paths[0] as string, "source", fields)).file).toBe((here[0] as PackageFileRecord).file);
    } finally {
      await reader.close();
    }
  });
});
