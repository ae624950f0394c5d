// A submitted source tarball is checked before anything unpacks it (on the
// coordinator at submission, and again on each worker before `tar -x`):
// every entry lives under one top directory `<package>/`; no absolute name,
// no `..` component, no link whose target leaves that directory, no device
// or fifo; its DESCRIPTION names the package. A tar-slip archive is refused
// whole, with the entry that made it so.

import { createReadStream } from "node:fs";
import { posix } from "node:path";
import { createGunzip } from "node:zlib";
import { parseDcf, mergeDcfRecords } from "../rpkg/dcf.js";
import { TarParser, type TarEntry } from "../rpkg/tar.js";
import { BbsError, errorMessage } from "../util/errors.js";
import { isValidPackageName } from "./ids.js";

/** Most bytes a tarball may unpack to. */
export const MAX_UNPACKED_BYTES = 2 * 1024 * 1024 * 1024;

export interface CheckedTarball {
  readonly package: string;
  readonly version: string | undefined;
  readonly entries: number;
}

function refuse(file: string, why: string): BbsError {
  return new BbsError("BBS_INPUT_INVALID", `tarball ${file} is refused: ${why}`, {
    hint: "submit the tarball `R CMD build` made: every file under <package>/, no absolute paths, no `..`, no links out of it",
  });
}

/** Why an entry is unsafe, or undefined. `top` is the package directory every entry must live in. */
export function unsafeEntry(entry: TarEntry, top: string): string | undefined {
  const name = entry.name;
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name) || name.includes("\\"))
    return `entry ${JSON.stringify(name)} has an absolute or Windows path`;
  const parts = name.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) return `entry ${JSON.stringify(name)} has a ".." component`;
  if (parts[0] !== top) return `entry ${JSON.stringify(name)} is not under ${top}/`;
  if (entry.type === "other") return `entry ${JSON.stringify(name)} is a device, fifo or other special file`;
  if (entry.type === "symlink" || entry.type === "hardlink") {
    const target = entry.linkName ?? "";
    if (target.startsWith("/") || target.includes("\\"))
      return `link ${JSON.stringify(name)} points to an absolute path`;
    // A symlink is relative to its directory; a hard link names an archive member.
    const resolved =
      entry.type === "symlink"
        ? posix.normalize(posix.join(posix.dirname(parts.join("/")), target))
        : posix.normalize(target);
    if (resolved === ".." || resolved.startsWith("../") || resolved.split("/")[0] !== top)
      return `link ${JSON.stringify(name)} points out of ${top}/ (${JSON.stringify(target)})`;
  }
  return undefined;
}

/**
 * Checks a `.tar.gz`; returns the package it holds. `expectedPackage`: the
 * submission's package name, which DESCRIPTION's `Package` must equal.
 */
export async function checkTarball(file: string, expectedPackage?: string): Promise<CheckedTarball> {
  let top: string | undefined;
  let problem: string | undefined;
  let description: Buffer | undefined;
  let entries = 0;
  let unpacked = 0;
  const parser = new TarParser({
    entry(entry) {
      entries += 1;
      unpacked += entry.size;
      if (unpacked > MAX_UNPACKED_BYTES) problem = `it unpacks to more than ${MAX_UNPACKED_BYTES} bytes`;
      top ??= entry.name.split("/").find((part) => part !== "" && part !== ".");
      problem ??= top === undefined ? "an entry has an empty name" : unsafeEntry(entry, top);
      if (problem !== undefined) return "stop";
      const parts = entry.name.split("/").filter((part) => part !== "" && part !== ".");
      return parts.length === 2 && parts[1] === "DESCRIPTION" && entry.type === "file" && entry.size < 1024 * 1024
        ? "content"
        : "skip";
    },
    content(_entry, data) {
      description = data;
      return true;
    },
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const input = createReadStream(file);
      const gunzip = createGunzip();
      input.on("error", reject);
      gunzip.on("error", reject);
      gunzip.on("data", (chunk: Buffer) => {
        if (!parser.push(chunk)) {
          input.destroy();
          gunzip.destroy();
          resolve();
        }
      });
      gunzip.on("end", () => {
        try {
          parser.finish();
          resolve();
        } catch (error) {
          reject(error as Error);
        }
      });
      input.pipe(gunzip);
    });
  } catch (error) {
    throw refuse(file, `it is not a gzip-compressed tar archive (${errorMessage(error)})`);
  }
  if (problem !== undefined) throw refuse(file, problem);
  if (top === undefined || entries === 0) throw refuse(file, "it is empty");
  if (description === undefined) throw refuse(file, `it has no ${top}/DESCRIPTION`);
  let fields: ReadonlyMap<string, string>;
  try {
    fields = mergeDcfRecords(parseDcf(description, { source: `${top}/DESCRIPTION` })).fields;
  } catch (error) {
    throw refuse(file, `its DESCRIPTION does not parse: ${errorMessage(error)}`);
  }
  const pkg = fields.get("Package");
  if (pkg === undefined || !isValidPackageName(pkg)) throw refuse(file, `its DESCRIPTION has no valid Package field`);
  if (pkg !== top) throw refuse(file, `its DESCRIPTION says Package: ${pkg}, but its directory is ${top}/`);
  if (expectedPackage !== undefined && pkg !== expectedPackage)
    throw new BbsError(
      "BBS_INPUT_INVALID",
      `tarball ${file} holds package ${pkg}, not ${expectedPackage} as submitted`,
      {
        hint: "DESCRIPTION's Package field must equal the submitted package name",
      },
    );
  return { package: pkg, version: fields.get("Version"), entries };
}
