import { afterEach, describe, expect, it } from "vitest";
import { checkConfigDir, loadConfig } from "../../src/config/load.js";
import { BbsError } from "../../src/util/errors.js";
import { validFiles, writeConfigDir } from "./config-dir.js";

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function dirWith(files: Record<string, string>): string {
  const { dir, cleanup } = writeConfigDir(files);
  cleanups.push(cleanup);
  return dir;
}

describe("layered configuration", () => {
  it("takes host over platform over global over default, and says which layer set each value", () => {
    const config = loadConfig(dirWith(validFiles()), "linux1", { env: {} });
    expect(config.values["timeouts.check"]).toBe(1000);
    expect(config.sources["timeouts.check"]).toBe("hosts/linux1.yaml");
    expect(config.values["r.checkOptions"]).toBe("--no-manual");
    expect(config.sources["r.checkOptions"]).toBe("platforms/linux.yaml");
    expect(config.values["biocVersion"]).toBe("3.21");
    expect(config.sources["biocVersion"]).toBe("global.yaml");
    expect(config.values["timeouts.install"]).toBe(2400);
    expect(config.sources["timeouts.install"]).toBe("default (buildType bioc)");
    expect(config.values["gitBranch"]).toBe("devel");
    expect(config.sources["gitBranch"]).toBe("default");
  });

  it("lets a platform override global when the host is silent", () => {
    const files = validFiles();
    files["hosts/linux1.yaml"] = files["hosts/linux1.yaml"]!.replace("timeouts:\n  check: 1000\n", "");
    const config = loadConfig(dirWith(files), "linux1", { env: {} });
    expect(config.values["timeouts.check"]).toBe(2000);
    expect(config.sources["timeouts.check"]).toBe("platforms/linux.yaml");
    const windows = loadConfig(dirWith(files), "win1", { env: {} });
    expect(windows.values["timeouts.check"]).toBe(3000);
    expect(windows.sources["timeouts.check"]).toBe("global.yaml");
  });

  it("resolves references after merging, across layers, keeping the referenced type", () => {
    const config = loadConfig(dirWith(validFiles()), "linux1", { env: {} });
    expect(config.values["meatDir"]).toBe("/home/bbs/work/meat");
    expect(config.sources["meatDir"]).toBe("default (workDir: hosts/linux1.yaml)");
    expect(config.values["r.cmd"]).toBe("/usr/lib/R/bin/R");
    // slots.install set by the host; slots.build defaults to ${slots.default} from global.yaml
    expect(config.values["slots.install"]).toBe(8);
    expect(config.values["slots.build"]).toBe(2);
    expect(typeof config.values["slots.build"]).toBe("number");
    const windows = loadConfig(dirWith(validFiles()), "win1", { env: {} });
    expect(windows.values["r.cmd"]).toBe("C:/R/bin/R.exe");
    expect(windows.values["meatDir"]).toBe("C:/bbs/meat");
  });

  it("applies the BBS_* variables a node could set in config.sh, labelled env:NAME", () => {
    const env = {
      BBS_CHECK_TIMEOUT: "4321",
      BBS_NB_CPU: "6",
      BBS_WORK_TOPDIR: "/elsewhere",
      BBS_EXTRA_CHECK_OPTIONS: "",
    };
    const config = loadConfig(dirWith(validFiles()), "linux1", { env });
    expect(config.values["timeouts.check"]).toBe(4321);
    expect(config.sources["timeouts.check"]).toBe("env:BBS_CHECK_TIMEOUT");
    expect(config.values["slots.default"]).toBe(6);
    // the default ${slots.default} follows the environment too
    expect(config.values["slots.check"]).toBe(6);
    expect(config.values["workDir"]).toBe("/elsewhere");
    expect(config.values["meatDir"]).toBe("/elsewhere/meat");
    // an empty variable counts as unset, as in BBS
    expect(config.values["r.checkOptions"]).toBe("--no-manual");
  });

  it("rejects an invalid environment value, naming the variable", () => {
    try {
      loadConfig(dirWith(validFiles()), "linux1", { env: { BBS_INSTALL_NB_CPU: "many" } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(BbsError);
      expect((error as BbsError).details.join("\n")).toContain(
        'env:BBS_INSTALL_NB_CPU: slots.install: invalid value "many"',
      );
    }
  });

  it("derives timeouts from the build type", () => {
    const files = validFiles();
    files["global.yaml"] = files["global.yaml"]!.replace("timeouts:\n  check: 3000\n", "") + "buildType: books\n";
    files["platforms/windows.yaml"] = files["platforms/windows.yaml"]!;
    const config = loadConfig(dirWith(files), "win1", { env: {} });
    expect(config.values["timeouts.build"]).toBe(18000);
    expect(config.values["timeouts.check"]).toBe(300);
    expect(config.sources["timeouts.check"]).toBe("default (buildType books)");
  });

  it("expands ~ and resolves relative paths against the config directory", () => {
    const files = validFiles();
    files["hosts/linux1.yaml"] = files["hosts/linux1.yaml"]!.replace("workDir: /home/bbs/work", "workDir: ./work");
    const dir = dirWith(files);
    const config = loadConfig(dir, "linux1", { env: {} });
    expect(config.values["workDir"]).toBe(`${dir}/work`);
    expect(config.values["historyDb"]).toBe(`${dir}/work/history.sqlite`);
  });

  it("names the known nodes when the host file is missing", () => {
    expect(() => loadConfig(dirWith(validFiles()), "mac1", { env: {} })).toThrowError(/no host file hosts\/mac1.yaml/);
    try {
      loadConfig(dirWith(validFiles()), "mac1", { env: {} });
    } catch (error) {
      expect((error as BbsError).code).toBe("BBS_CONFIG_NOT_FOUND");
      expect((error as BbsError).hint).toContain("linux1, win1");
    }
  });

  it("accepts the valid directory in config check", () => {
    const result = checkConfigDir(dirWith(validFiles()), { env: {} });
    expect(result.problems).toEqual([]);
    expect(result.hosts).toEqual(["linux1", "win1"]);
  });
});
