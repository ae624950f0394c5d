// The error envelope of src/util/worker-pool.ts: what a worker thread throws
// comes out on the main thread as the main thread would have thrown it (the
// threads themselves are exercised by test/report/worker-errors.test.ts and
// test/rpkg/record-pool.test.ts, on compiled code).

import { describe, expect, it } from "vitest";
import { BbsError } from "../../src/util/errors.js";
import { classifyFsError } from "../../src/util/fs-errors.js";
import { fromWireError, toWireError } from "../../src/util/worker-pool.js";

/** The round trip, through structured clone as postMessage does it. */
function across(error: unknown): Error {
  return fromWireError(structuredClone(toWireError(error)), "report shard 1");
}

describe("worker pool errors", () => {
  it("keep a BbsError's code, hint and details", () => {
    const back = across(new BbsError("BBS_INPUT_INVALID", "x.tar.gz is bad", { hint: "rebuild it", details: ["a"] }));
    expect(back).toBeInstanceOf(BbsError);
    expect(back).toMatchObject({ code: "BBS_INPUT_INVALID", message: "x.tar.gz is bad", hint: "rebuild it" });
    expect((back as BbsError).details).toEqual(["a"]);
  });

  it("keep a file-system error's errno fields, so it is classified as on the main thread", () => {
    const original = Object.assign(new Error("ENOSPC: no space left on device, write"), {
      code: "ENOSPC",
      errno: -28,
      syscall: "write",
      path: "/srv/report/x.html",
    });
    const back = across(original);
    expect(back).toMatchObject({ code: "ENOSPC", errno: -28, syscall: "write", path: "/srv/report/x.html" });
    const classified = classifyFsError(back);
    expect(classified?.code).toBe("BBS_DISK_FULL");
    expect(classified?.message).toBe(classifyFsError(original)?.message);
  });

  it("make anything else a bug naming the task", () => {
    const back = across(new TypeError("x is undefined"));
    expect(back).toMatchObject({ code: "BBS_INTERNAL", message: "report shard 1: x is undefined" });
  });
});
