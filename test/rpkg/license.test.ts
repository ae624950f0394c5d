import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { R_LICENSE_DB } from "../../src/rpkg/license-db.generated.js";
import { posixRegexToJs, standardizeLicense } from "../../src/rpkg/license.js";
import { runRscriptJson } from "./helpers/r.js";

const GENERATED = resolve(import.meta.dirname, "../../src/rpkg/license-db.generated.ts");

interface RLicenseDb {
  rVersion: string;
  reComponent: string;
  validNumericVersion: string;
  standardizableSpecs: [string, string][];
}

// The R code that dumps R's license database; run with BBS_REGENERATE_R_DATA=1
// to rewrite src/rpkg/license-db.generated.ts after an R upgrade.
const DUMP = `ns <- asNamespace("tools"); d <- ns$.standardizable_license_specs_db
cat(jsonlite::toJSON(list(
  rVersion = paste(R.version$major, R.version$minor, sep = "."),
  reComponent = ns$R_license_db_vars()$re_component,
  validNumericVersion = base:::.standard_regexps()$valid_numeric_version,
  standardizableSpecs = unname(Map(c, d$ispecs, d$ospecs))), auto_unbox = TRUE))`;

const LICENSES = [
  "Artistic-2.0",
  "GPL (>= 2)",
  "GPL(>=2)",
  "GPL (>=2.0)",
  "GPL (>=  3.0.1)",
  "GPL-2 | GPL-3",
  "GPL-3 + file LICENSE",
  "GPL-3+file LICENSE",
  "MIT + file LICENSE",
  "MIT+ file LICENCE",
  "file LICENSE",
  "LGPL",
  "LGPL (>= 2.1)",
  "Artistic License 2.0",
  "Artistic License (>= 2)",
  "GNU General Public License version 2",
  "GPL version 2 or newer",
  "BSD_3_clause + file LICENSE",
  "BSD_2_clause + file LICENSE",
  "CC BY 4.0",
  "CC0",
  "Unlimited",
  "Part of R 4.2.2",
  "EPL",
  "GPL",
  "GPL (>= 2) | file LICENCE",
  "AGPL-3",
  "Apache License 2.0",
  "Apache License (== 2.0)",
  "Apache License (>= 2.0)",
  "MPL-2.0",
  "  GPL-2  ",
  "GPL-2 |",
  "| GPL-2",
  "GPL-2 | | MIT",
  "Proprietary",
  "",
  "GPL (>= 2 , <= 3)",
  "Artistic-2.0 | GPL (>= 2)",
  "LGPL-2.1 | file LICENSE",
  "Lucent Public License",
  "GPL\n(>= 2)",
  "GPL (\n>= 2\n)",
  "LGPL version 2.1 or later",
  "LGPL version 2.1 or later | MIT",
  "GPL (>= 3) | BSD_3_clause + file LICENSE",
  "GPL-2 + file LICENSE | MIT",
  "Artistic-2.0 + file LICENSE",
  "GPL>=2",
  "GPL 2",
  "Apache License Version 2.0",
  "FreeBSD",
  "ACM",
  "ACM (== 1998)",
  "CeCILL (>= 2)",
  "EUPL",
  "X11 (http://www.x.org/Downloads_terms.html)",
  "GPL (>=2) + file LICENSE",
  "LGPL (>= 2.0, < 3) | Mozilla Public License",
  "GPL-2 | GPL-3 | Artistic-2.0",
  "GPL (≥ 2)",
  "GPL (> 2)",
  "GPL ( >= 2 )",
];

let r: { db: RLicenseDb; standardized: (string | null)[]; specStandardized: (string | null)[] };

beforeAll(() => {
  const db = runRscriptJson<RLicenseDb>(DUMP);
  if (process.env.BBS_REGENERATE_R_DATA === "1") {
    writeFileSync(
      GENERATED,
      `// Generated from R ${db.rVersion}'s license database by test/rpkg/license.test.ts\n` +
        `// (BBS_REGENERATE_R_DATA=1 npx vitest run test/rpkg/license.test.ts). Do not edit.\n\n` +
        `export const R_LICENSE_DB = ${JSON.stringify(db, null, 2)} as const;\n`,
    );
  }
  const standardized = runRscriptJson<{ a: (string | null)[]; b: (string | null)[] }>(
    `x <- jsonlite::fromJSON(commandArgs(TRUE)[1]); specs <- tools:::.standardizable_license_specs_db$ispecs
s <- function(v) { r <- tools:::analyze_licenses(v); ifelse(r$is_standardizable, r$standardization, NA) }
cat(jsonlite::toJSON(list(a = s(x), b = s(specs))))`,
    [JSON.stringify(LICENSES)],
  );
  r = { db, standardized: standardized.a, specStandardized: standardized.b };
});

describe("R's license database", () => {
  it("is the installed R's (regenerate with BBS_REGENERATE_R_DATA=1 after an R upgrade)", () => {
    expect(R_LICENSE_DB).toEqual(r.db);
    expect(readFileSync(GENERATED, "utf8")).toContain(`R ${r.db.rVersion}`);
  });

  it("converts POSIX classes", () => {
    expect(posixRegexToJs("[[:space:]]*[[:digit:]]+")).toBe("[\\s]*[0-9]+");
    expect(() => posixRegexToJs("[[:cntrl:]]")).toThrow(/unsupported POSIX class/);
  });
});

describe("standardizeLicense agrees with tools:::analyze_licenses", () => {
  it("on hand-picked licenses", () => {
    expect(LICENSES.map((license) => standardizeLicense(license) ?? null)).toEqual(r.standardized);
  });

  it("on every known non-canonical spelling of R's database", () => {
    const specs = R_LICENSE_DB.standardizableSpecs.map(([input]) => input);
    expect(specs.map((license) => standardizeLicense(license) ?? null)).toEqual(r.specStandardized);
  });

  it("drops a missing license", () => {
    expect(standardizeLicense(undefined)).toBeUndefined();
  });
});
