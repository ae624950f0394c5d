// Writes a config directory from a map of relative path -> YAML text (for config tests
// that need exact, possibly malformed, file contents).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export function writeConfigDir(files: Record<string, string>): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "bbs-config-test-"));
  for (const [relative, text] of Object.entries(files)) {
    const path = join(dir, relative);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A small valid two-node build, the base the tests modify. */
export function validFiles(): Record<string, string> {
  return {
    "global.yaml": [
      'biocVersion: "3.21"',
      "central:",
      "  nodeId: linux1",
      "  dir: /srv/central",
      "reportNodes:",
      "  - linux1",
      "  - win1:bin",
      "outgoing:",
      "  source: linux1/buildsrc",
      "  win.binary: win1/buildbin",
      "timeouts:",
      "  check: 3000",
      "slots:",
      "  default: 2",
      "",
    ].join("\n"),
    "platforms/linux.yaml": [
      "os: Linux",
      "arch: x86_64",
      "timeouts:",
      "  check: 2000",
      "r:",
      "  checkOptions: --no-manual",
      "",
    ].join("\n"),
    "platforms/windows.yaml": [
      "os: Windows",
      "arch: x64",
      "pkgType: win.binary",
      "r:",
      "  cmd: ${rHome}/bin/R.exe",
      "",
    ].join("\n"),
    "hosts/linux1.yaml": [
      "nodeId: linux1",
      "platform: linux",
      "workDir: /home/bbs/work",
      "rHome: /usr/lib/R",
      "timeouts:",
      "  check: 1000",
      "slots:",
      "  install: 8",
      "",
    ].join("\n"),
    "hosts/win1.yaml": ["nodeId: win1", "platform: windows", "workDir: C:/bbs", "rHome: C:/R", ""].join("\n"),
  };
}
