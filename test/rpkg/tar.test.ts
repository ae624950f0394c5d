import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { TarFormatError, TarParser, type TarEntry } from "../../src/rpkg/tar.js";

let dir: string;
const longDir = "d".repeat(70) + "/" + "e".repeat(60); // > 100 bytes with the file names below

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "bbs-tar-"));
  const tree = join(dir, "tree");
  mkdirSync(join(tree, "pkg", "src"), { recursive: true });
  mkdirSync(join(tree, "pkg", longDir), { recursive: true });
  writeFileSync(join(tree, "pkg", "DESCRIPTION"), "Package: pkg\nVersion: 1.0\n");
  writeFileSync(join(tree, "pkg", "src", "a.c"), "int x;\n".repeat(200));
  writeFileSync(join(tree, "pkg", longDir, "file-with-a-long-name-" + "f".repeat(40) + ".txt"), "long\n");
  execFileSync("ln", ["-s", "DESCRIPTION", join(tree, "pkg", "link")]);
  for (const format of ["gnu", "posix", "ustar", "oldgnu"]) {
    try {
      execFileSync("tar", [`--format=${format}`, "-cf", join(dir, `${format}.tar`), "-C", tree, "pkg"], {
        stdio: "pipe",
      });
    } catch {
      // ustar cannot store every long name: archive what it can
      execFileSync("tar", [
        `--format=${format}`,
        "-cf",
        join(dir, `${format}.tar`),
        "-C",
        tree,
        "pkg/DESCRIPTION",
        "pkg/src",
      ]);
    }
  }
});

function parseAll(
  bytes: Buffer,
  chunkSize: number,
  wanted: (entry: TarEntry) => boolean = () => false,
): { entries: TarEntry[]; contents: Map<string, string> } {
  const entries: TarEntry[] = [];
  const contents = new Map<string, string>();
  const parser = new TarParser({
    entry(entry) {
      entries.push(entry);
      return wanted(entry) ? "content" : "skip";
    },
    content(entry, data) {
      contents.set(entry.name, data.toString("utf8"));
      return true;
    },
  });
  for (let offset = 0; offset < bytes.length && !parser.done; offset += chunkSize)
    parser.push(bytes.subarray(offset, offset + chunkSize));
  parser.finish();
  return { entries, contents };
}

describe("TarParser", () => {
  for (const format of ["gnu", "posix", "ustar", "oldgnu"]) {
    it(`lists a ${format} archive exactly as GNU tar does, whatever the chunking`, () => {
      const bytes = readFileSync(join(dir, `${format}.tar`));
      const expected = execFileSync("tar", ["-tf", join(dir, `${format}.tar`)], { encoding: "utf8" })
        .trimEnd()
        .split("\n");
      for (const chunkSize of [1, 7, 512, 1000, 1 << 20]) {
        const { entries, contents } = parseAll(bytes, chunkSize, (entry) => entry.name === "pkg/DESCRIPTION");
        expect(entries.map((entry) => entry.name)).toEqual(expected);
        expect(contents.get("pkg/DESCRIPTION")).toBe("Package: pkg\nVersion: 1.0\n");
      }
      const { entries } = parseAll(bytes, 4096);
      expect(entries.find((e) => e.name === "pkg/src/")?.type).toBe("directory");
      expect(entries.find((e) => e.name === "pkg/src/a.c")).toMatchObject({ type: "file", size: 1400 });
      const link = entries.find((e) => e.name === "pkg/link");
      if (link !== undefined) expect(link).toMatchObject({ type: "symlink", linkName: "DESCRIPTION" });
    });
  }

  it("stops when the visitor says so", () => {
    const bytes = readFileSync(join(dir, "gnu.tar"));
    const seen: string[] = [];
    const parser = new TarParser({
      entry(entry) {
        seen.push(entry.name);
        return seen.length === 2 ? "stop" : "skip";
      },
    });
    expect(parser.push(bytes)).toBe(false);
    expect(parser.stoppedByVisitor).toBe(true);
    expect(seen).toHaveLength(2);
  });

  it("reads GNU base-256 sizes", () => {
    const bytes = Buffer.from(readFileSync(join(dir, "gnu.tar")));
    // Find the DESCRIPTION header and rewrite its size field in base-256.
    let offset = 0;
    while (bytes.toString("utf8", offset, offset + 15) !== "pkg/DESCRIPTION") offset += 512;
    const size = parseInt(bytes.toString("latin1", offset + 124, offset + 135), 8);
    bytes.fill(0, offset + 124, offset + 136);
    bytes[offset + 124] = 0x80;
    bytes.writeUInt32BE(size, offset + 132);
    bytes.fill(0x20, offset + 148, offset + 156);
    let sum = 0;
    for (let i = 0; i < 512; i += 1) sum += bytes[offset + i]!;
    bytes.write(sum.toString(8).padStart(6, "0") + "\0 ", offset + 148, "latin1");
    const { contents } = parseAll(bytes, 512, (entry) => entry.name === "pkg/DESCRIPTION");
    expect(contents.get("pkg/DESCRIPTION")).toBe("Package: pkg\nVersion: 1.0\n");
  });

  it("rejects garbage and truncated archives", () => {
    expect(() => new TarParser({ entry: () => "skip" }).push(Buffer.alloc(512, 0x41))).toThrow(TarFormatError);
    const bytes = readFileSync(join(dir, "gnu.tar"));
    const parser = new TarParser({ entry: () => "skip" });
    parser.push(bytes.subarray(0, 512 * 3 + 100));
    expect(() => parser.finish()).toThrow(/truncated/);
  });
});
