// The worker's pure rules, without R: the 10-minute check rule of
// spb.checkWarningMinutes, BiocCheck's summary line, the environment package
// code gets, UTF-8-safe log chunks, and the boot entries --print-service prints.

import { describe, expect, it } from "vitest";
import { utf8Prefix } from "../../src/spb/worker/events.js";
import { longCheckRule } from "../../src/spb/worker/pipeline.js";
import { biocCheckArgv, biocCheckCounts } from "../../src/spb/worker/r-scripts.js";
import { buildEnvironment } from "../../src/spb/worker/sandbox.js";
import { serviceText } from "../../src/spb/worker/service.js";

describe("spb worker rules", () => {
  it("a clean R CMD check of a Software package over spb.checkWarningMinutes is WARNINGS, saying why", () => {
    expect(longCheckRule("OK", 601, 10, true)).toMatchObject({
      status: "WARNINGS",
      detail: expect.stringMatching(/10\.0 min, over the 10 min of spb.checkWarningMinutes/),
    });
    expect(longCheckRule("OK", 599, 10, true)).toEqual({ status: "OK" });
    expect(longCheckRule("OK", 601, 10, false)).toEqual({ status: "OK" }); // not Software
    expect(longCheckRule("OK", 10_000, 0, true)).toEqual({ status: "OK" }); // 0: no such rule
    expect(longCheckRule("ERROR", 10_000, 10, true)).toEqual({ status: "ERROR" });
    expect(longCheckRule("OK", 181, 3, true).status).toBe("WARNINGS");
  });

  it("reads BiocCheck's last summary line; no summary means it did not finish", () => {
    expect(biocCheckCounts("...\n─ BiocCheck results ──\n4 ERRORS | 1 WARNINGS | 2 NOTES\n")).toEqual({
      errors: 4,
      warnings: 1,
      notes: 2,
    });
    expect(biocCheckCounts("0 ERRORS | 0 WARNINGS | 1 NOTE\n")).toEqual({ errors: 0, warnings: 0, notes: 1 });
    expect(biocCheckCounts("Error: no internet connection?\nExecution halted\n")).toBeUndefined();
  });

  it("BiocCheck's argv carries --new-package exactly for new submissions and only well-formed extra options", () => {
    const plain = biocCheckArgv("Rscript", "p_1.0.tar.gz", {
      newPackage: false,
      extra: ["--no-check-CRAN", "; rm -rf /"],
    });
    expect(plain).not.toContain("--new-package");
    expect(plain).toContain("--no-check-CRAN");
    expect(plain).not.toContain("; rm -rf /");
    expect(plain.slice(-3)).toEqual(["p_1.0.tar.gz", "--quit-with-status", "--no-check-CRAN"]);
    expect(biocCheckArgv("Rscript", "p_1.0.tar.gz", { newPackage: true, extra: [] })).toContain("--new-package");
  });

  it("package code gets the allow-list and spb.envAllow, never spb.secretEnv nor BBS_*", () => {
    const env = buildEnvironment(
      { PATH: "/bin", HOME: "/h", BIOC_DEVEL_PASSWORD: "pw", BBS_SPB_URL: "u", AWS_SECRET: "s", KEEP: "k" },
      ["KEEP", "BIOC_DEVEL_PASSWORD", "BBS_SPB_URL"],
      ["BIOC_DEVEL_PASSWORD"],
      { R_LIBS: "/lib" },
    );
    expect(env).toEqual({ PATH: "/bin", HOME: "/h", KEEP: "k", R_LIBS: "/lib" });
  });

  it("cuts log chunks on UTF-8 character boundaries", () => {
    const text = Buffer.from("ab€", "utf8"); // € is 3 bytes
    expect(utf8Prefix(text)).toBe(5);
    expect(utf8Prefix(text.subarray(0, 4))).toBe(2);
    expect(utf8Prefix(text.subarray(0, 3))).toBe(2);
    expect(utf8Prefix(Buffer.from("abc"))).toBe(3);
  });

  it("prints the boot entries of the worker: cron @reboot, systemd, Task Scheduler", () => {
    const input = {
      node: "/usr/bin/node",
      bbs: "/opt/bbs/bin/bbs.js",
      configDir: "/etc/bbs config",
      nodeId: "spb1",
      user: "pkgbuild",
      logFile: "/var/log/spb.log",
    };
    expect(serviceText("cron", input)).toMatch(
      /^@reboot \/usr\/bin\/node \/opt\/bbs\/bin\/bbs.js --config '\/etc\/bbs config' --host spb1 spb worker >> \/var\/log\/spb.log 2>&1$/m,
    );
    expect(serviceText("systemd", input)).toMatch(/^ExecStart=.* --host spb1 spb worker$/m);
    expect(serviceText("systemd", input)).toMatch(/^Restart=always$/m);
    expect(serviceText("task", input)).toMatch(/<BootTrigger>/);
    expect(serviceText("task", input)).toMatch(/<Arguments>.*&quot;\/etc\/bbs config&quot;.*spb worker<\/Arguments>/);
  });
});
