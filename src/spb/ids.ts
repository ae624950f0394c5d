// Names that cross the SPB's boundaries (HTTP, queue messages, directory
// names, SQL parameters), checked at each one: package names by R's grammar,
// job ids `<package>-<n>` (n counts the package's submissions), node ids and
// worker ids by a strict token grammar. A name that passes contains no quote,
// `;`, `/`, white space or `..`, so it is safe as one path component.

import { isValidPackageName } from "../rpkg/package-name.js";
import { BbsError } from "../util/errors.js";

export { isValidPackageName };

const JOB_ID = /^([A-Za-z][A-Za-z0-9.]*[A-Za-z0-9])-([1-9][0-9]{0,9})$/;
const TOKEN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function formatJobId(pkg: string, counter: number): string {
  return `${pkg}-${counter}`;
}

/** The package and counter of a job id, or undefined when it is not one. */
export function parseJobId(id: string): { package: string; counter: number } | undefined {
  const match = JOB_ID.exec(id);
  if (match === null || !isValidPackageName(match[1] as string)) return undefined;
  return { package: match[1] as string, counter: Number(match[2]) };
}

export function isJobId(id: string): boolean {
  return parseJobId(id) !== undefined;
}

export function isNodeId(id: string): boolean {
  return NODE_ID.test(id) && !id.includes("..");
}

/** Worker and claim ids: random tokens made by workers. */
export function isToken(id: string): boolean {
  return TOKEN.test(id);
}

/** BBS_USAGE naming `what` unless `name` is a valid R package name. */
export function assertPackageName(name: string, what = "package name"): string {
  if (!isValidPackageName(name)) {
    throw new BbsError("BBS_INPUT_INVALID", `${what} ${JSON.stringify(name)} is not a valid R package name`, {
      hint: "a package name has letters, digits and dots, starts with a letter and does not end with a dot",
    });
  }
  return name;
}

export function assertJobId(id: string): string {
  if (!isJobId(id)) {
    throw new BbsError("BBS_USAGE", `${JSON.stringify(id)} is not an SPB job id`, {
      hint: "a job id is <package>-<number>, as `bbs spb jobs` lists them",
    });
  }
  return id;
}
