// The fixture git server, checked with real git: repos, manifest, upstream
// changes that move exactly one head, controllable commit dates (for
// --snapshot-date), deterministic SHAs.

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { FIXTURE_EPOCH, FIXTURE_IDENTITY, git } from "../fixtures/git.js";
import { bumpVersion, formatManifest, GitServer } from "../fixtures/git-server.js";
import { writePackages, type PackageSpec } from "../fixtures/rpkg-generator.js";
import { useTempDirs } from "../fixtures/tmp.js";

const dirs = useTempDirs();
const SPECS: PackageSpec[] = [
  { name: "alpha", version: "1.0.0" },
  { name: "beta", version: "0.99.9", imports: ["alpha"] },
  { name: "gamma", version: "2.1", withC: true },
];
let sources: string;

async function serverWithPackages(label: string, options: { branch?: string } = {}): Promise<GitServer> {
  const server = new GitServer(join(await dirs.make(label), "git"), options);
  for (const spec of SPECS) await server.importDirectory(spec.name, join(sources, spec.name));
  return server;
}

/** `git show <branch>:<path>` in a bare repo. */
function show(server: GitServer, name: string, path: string): Promise<string> {
  return git(["--git-dir", server.repoPath(name), "show", `${server.branch}:${path}`]);
}

beforeAll(async () => {
  sources = await dirs.make("git-sources");
  await writePackages(sources, SPECS);
});

describe("GitServer repos", () => {
  it("creates bare repos at <root>/<pkg>.git on branch devel, reachable by file:// URLs", async () => {
    const server = await serverWithPackages("git-basic");
    for (const spec of SPECS) {
      expect(await git(["--git-dir", server.repoPath(spec.name), "rev-parse", "--is-bare-repository"])).toBe("true");
      expect(server.url(spec.name)).toBe(`file://${server.root}/${spec.name}.git`);
      expect(server.urlTemplate.replace("{package}", spec.name)).toBe(server.url(spec.name));
    }
    const out = await dirs.make("git-clone");
    await git(["clone", "--quiet", "--depth", "1", "--branch", "devel", server.url("gamma"), join(out, "gamma")]);
    expect(await readFile(join(out, "gamma", "DESCRIPTION"), "utf8")).toBe(
      await readFile(join(sources, "gamma", "DESCRIPTION"), "utf8"),
    );
    expect(existsSync(join(out, "gamma", "src", "gamma.c"))).toBe(true);
    const head = await server.headCommit("gamma");
    expect(await git(["rev-parse", "HEAD"], { cwd: join(out, "gamma") })).toBe(head.sha);
    expect(head.shortSha).toBe(head.sha.slice(0, head.shortSha.length));
    expect(head.timestamp).toBe(FIXTURE_EPOCH.getTime() / 1000);
    expect(head.date).toBe("2024-01-15T12:00:00+00:00");
    const author = await git([
      "--git-dir",
      server.repoPath("gamma"),
      "log",
      "-1",
      "--format=%an <%ae>|%cn <%ce>",
      "devel",
    ]);
    expect(author).toBe(
      `${FIXTURE_IDENTITY.name} <${FIXTURE_IDENTITY.email}>|${FIXTURE_IDENTITY.name} <${FIXTURE_IDENTITY.email}>`,
    );
  });

  it("is deterministic: the same content and date give the same SHAs on another server", async () => {
    const a = await serverWithPackages("git-det-a");
    const b = await serverWithPackages("git-det-b");
    for (const spec of SPECS) expect((await a.headCommit(spec.name)).sha).toBe((await b.headCommit(spec.name)).sha);
  });

  it("uses the branch it is given", async () => {
    const server = await serverWithPackages("git-branch", { branch: "RELEASE_3_16" });
    expect(await git(["--git-dir", server.repoPath("alpha"), "symbolic-ref", "HEAD"])).toBe("refs/heads/RELEASE_3_16");
    expect((await server.headCommit("alpha")).sha).toMatch(/^[0-9a-f]{40}$/);
    await expect(git(["--git-dir", server.repoPath("alpha"), "rev-parse", "--verify", "devel"])).rejects.toThrow();
  });

  it("refuses to import over an existing repo, and deletes repos", async () => {
    const server = await serverWithPackages("git-refuse");
    await expect(server.importDirectory("alpha", join(sources, "alpha"))).rejects.toThrow(/already exists/);
    await server.deleteRepo("alpha");
    expect(await server.exists("alpha")).toBe(false);
    await expect(git(["ls-remote", server.url("alpha")])).rejects.toThrow();
  });
});

describe("upstream changes", () => {
  let server: GitServer;
  beforeAll(async () => {
    server = await serverWithPackages("git-changes");
  });

  it("moves exactly the changed repo's head, by one commit whose parent is the old head", async () => {
    const before = new Map<string, string>();
    for (const spec of SPECS) before.set(spec.name, (await server.headCommit(spec.name)).sha);
    const sha = await server.commitChange("beta", { version: "bump" });
    expect(sha).not.toBe(before.get("beta"));
    expect((await server.headCommit("beta")).sha).toBe(sha);
    expect(await git(["--git-dir", server.repoPath("beta"), "rev-parse", `${sha}^`])).toBe(before.get("beta"));
    for (const name of ["alpha", "gamma"]) expect((await server.headCommit(name)).sha).toBe(before.get(name));
    expect(await show(server, "beta", "DESCRIPTION")).toMatch(/^Version: 0\.99\.10$/m);
    expect((await server.log("beta")).map((c) => c.subject)).toEqual(["bump version", "Import beta"]);
  });

  it("writes, deletes and touches files, and sets a given version", async () => {
    await server.commitChange(
      "alpha",
      { version: "1.5.0", files: { NEWS: "changes\n", "R/hello.R": null } },
      { message: "release 1.5.0" },
    );
    expect(await show(server, "alpha", "DESCRIPTION")).toMatch(/^Version: 1\.5\.0$/m);
    expect(await show(server, "alpha", "NEWS")).toBe("changes");
    await expect(show(server, "alpha", "R/hello.R")).rejects.toThrow();
    const headBefore = (await server.headCommit("alpha")).sha;
    await server.commitChange("alpha", { touch: "inst/touched.txt" });
    await server.commitChange("alpha", { touch: "inst/touched.txt" });
    expect((await show(server, "alpha", "inst/touched.txt")).split("\n")).toHaveLength(2);
    expect((await server.log("alpha")).map((c) => c.sha)).toContain(headBefore);
  });

  it("dates default commits one hour after the head, and takes explicit dates (snapshot dates)", async () => {
    const start = (await server.headCommit("gamma")).timestamp;
    await server.commitChange("gamma", { touch: "a" });
    expect((await server.headCommit("gamma")).timestamp).toBe(start + 3600);
    const early = await server.commitChange("gamma", { touch: "a" }, { date: new Date("2024-06-01T08:00:00Z") });
    const late = await server.commitChange("gamma", { touch: "a" }, { date: "2024-06-10T12:30:00-04:00" });
    const head = await server.headCommit("gamma");
    expect(head.sha).toBe(late);
    expect(head.date).toBe("2024-06-10T12:30:00-04:00");
    // What `--snapshot-date` will do: the last commit before a date.
    const before = (date: string) =>
      git(["--git-dir", server.repoPath("gamma"), "rev-list", "-1", `--before=${date}`, server.branch]);
    expect(await before("2024-06-05T00:00:00Z")).toBe(early);
    expect(await before("2024-06-11T00:00:00Z")).toBe(late);
    expect(await before("2024-01-15T12:30:00Z")).toBe((await server.log("gamma")).at(-1)?.sha);
  });
});

describe("manifest", () => {
  it("formats spec 6.1 lines: Package: prefix, bare names, comments, blank lines", () => {
    expect(
      formatManifest([
        { comment: "software" },
        "a",
        { blank: true },
        { package: "b", prefix: false },
        { package: "c" },
      ]),
    ).toBe("# software\nPackage: a\n\nb\nPackage: c\n");
  });

  it("lives in manifest.git on the server's branch and changes by commits", async () => {
    const server = new GitServer(join(await dirs.make("git-manifest"), "git"));
    const first = await server.writeManifest(["alpha", { blank: true }, "beta"]);
    expect(await show(server, "manifest", "software.txt")).toBe("Package: alpha\n\nPackage: beta");
    const second = await server.writeManifest(["alpha", "beta", "gamma"], { date: "2024-02-01T00:00:00Z" });
    expect(await git(["--git-dir", server.repoPath("manifest"), "rev-parse", `${second}^`])).toBe(first);
    const clone = join(await dirs.make("git-manifest-clone"), "manifest");
    await git(["clone", "--quiet", "--depth", "1", "--branch", "devel", server.manifestUrl, clone]);
    expect(await readFile(join(clone, "software.txt"), "utf8")).toBe("Package: alpha\nPackage: beta\nPackage: gamma\n");
  });
});

describe("bumpVersion", () => {
  it("adds one to the last component", () => {
    expect(bumpVersion("1.2.3")).toBe("1.2.4");
    expect(bumpVersion("0.99.9")).toBe("0.99.10");
    expect(bumpVersion("1.0-9")).toBe("1.0-10");
    expect(() => bumpVersion("1.0-beta")).toThrow(/does not end with a number/);
  });
});
