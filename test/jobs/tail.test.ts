// The last lines of an out file, as the status rules read them: right at the
// edges (empty file, no trailing newline, CRLF), bounded for a line of
// hundreds of megabytes, and never holding the event loop while it reads.

import { writeFileSync, openSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_TAIL_LINE_BYTES, readLastLines } from "../../src/jobs/tail.js";
import { tempDir } from "./helpers.js";

/** Writes `head`, then `bytes` of `x` without a newline, then `tail`, in 1 MiB writes. */
function writeLongLineFile(path: string, head: string, bytes: number, tail: string): void {
  const fd = openSync(path, "w");
  try {
    writeSync(fd, head);
    const block = Buffer.alloc(1024 * 1024, "x");
    for (let left = bytes; left > 0; left -= block.length) writeSync(fd, block, 0, Math.min(left, block.length));
    writeSync(fd, tail);
  } finally {
    closeSync(fd);
  }
}

describe("readLastLines", () => {
  it("reads the last lines of a large file from its end", async () => {
    const out = join(tempDir(), "big.txt");
    const lines = Array.from({ length: 50_000 }, (_, index) => `line ${index} ${"é".repeat(index % 7)}`);
    writeFileSync(out, `${lines.join("\n")}\n`);
    expect(await readLastLines(out, 12)).toEqual(lines.slice(-12));
    writeFileSync(out, lines.join("\n"));
    expect(await readLastLines(out, 6)).toEqual(lines.slice(-6));
    writeFileSync(out, "only\n");
    expect(await readLastLines(out, 6)).toEqual(["only"]);
    writeFileSync(out, "a\n\nb\n\n");
    expect(await readLastLines(out, 6)).toEqual(["a", "", "b", ""]);
    writeFileSync(out, "\n");
    expect(await readLastLines(out, 6)).toEqual([""]);
    writeFileSync(out, "");
    expect(await readLastLines(out, 6)).toEqual([]);
    writeFileSync(out, "one\r\ntwo\r\nStatus: 1 WARNING\r\n");
    expect(await readLastLines(out, 2)).toEqual(["two", "Status: 1 WARNING"]);
  });

  it("keeps the head of a 96 MiB line, and the short lines around it whole", async () => {
    const out = join(tempDir(), "long.txt");
    writeLongLineFile(out, "* checking examples ... OK\nStatus: 2 WARNINGs\nSTART", 96 * 1024 * 1024, "\nlast\n");
    const lines = await readLastLines(out, 6);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe("* checking examples ... OK");
    expect(lines[1]).toBe("Status: 2 WARNINGs");
    expect(lines[2]?.length).toBe(MAX_TAIL_LINE_BYTES);
    expect(lines[2]?.startsWith("STARTxxx")).toBe(true);
    expect(lines[3]).toBe("last");
  });

  it("lets other callbacks run while it scans a long line (the event loop is not held)", async () => {
    const out = join(tempDir(), "long.txt");
    writeLongLineFile(out, "", 32 * 1024 * 1024, "\n");
    let ranMeanwhile = false;
    const reading = readLastLines(out, 6).then((lines) => ({ lines, ranMeanwhile }));
    setImmediate(() => {
      ranMeanwhile = true;
    });
    const result = await reading;
    expect(result.ranMeanwhile).toBe(true);
    expect(result.lines).toHaveLength(1);
  });
});
