// Symbolic links in a package's clone that the central node must not follow
// (issue 15, item 7). A package is hostile input: a DESCRIPTION linking to
// /etc/passwd would be read and quoted by prerun and the report, and a file of
// R/ linking out of the clone would be packed into the tarball every builder
// installs. So the clone is inspected with lstat, never followed.

import { lstatSync, readdirSync, readlinkSync, realpathSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

/** Why the clone of `name` in `dir` is refused, or undefined when no link leads out of it. */
export function unsafeLinkReason(name: string, dir: string): string | undefined {
  const description = join(dir, "DESCRIPTION");
  if (lstatSync(description, { throwIfNoEntry: false })?.isSymbolicLink() === true) {
    return (
      `'${name}/DESCRIPTION' is a symbolic link; the build system reads only a DESCRIPTION that is a regular file ` +
      `of the package (its target is not read)`
    );
  }
  const root = realpathSync(dir);
  const outside = firstLinkOut(root, "");
  if (outside === undefined) return undefined;
  return (
    `'${name}/${outside}' is a symbolic link that leads out of the package's source tree; ` +
    `the build system neither follows nor packs it: replace it by the file itself`
  );
}

/** The first link under `root/relativeDir` (depth first, sorted) whose target is not inside `root`. */
function firstLinkOut(root: string, relativeDir: string): string | undefined {
  const absoluteDir = join(root, relativeDir);
  for (const entry of readdirSync(absoluteDir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (relativeDir === "" && entry.name === ".git") continue; // git's own, never packed
    const relativePath = relativeDir === "" ? entry.name : `${relativeDir}/${entry.name}`;
    if (entry.isSymbolicLink()) {
      if (!staysInside(root, join(root, relativePath))) return relativePath;
    } else if (entry.isDirectory()) {
      const found = firstLinkOut(root, relativePath);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Whether the link at `path` resolves inside `root` (followed through further links; a dangling or looping one does not). */
function staysInside(root: string, path: string): boolean {
  let target: string;
  try {
    target = realpathSync(path);
  } catch {
    // Dangling or a loop: judged by where the link text points, so nothing outside is ever touched.
    const text = readlinkSync(path);
    target = isAbsolute(text) ? text : resolve(dirname(path), text);
  }
  const within = relative(root, target);
  return within === "" || (!within.startsWith(`..${sep}`) && within !== ".." && !isAbsolute(within));
}
