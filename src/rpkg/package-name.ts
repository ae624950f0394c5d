// R's grammar of package names, checked at every boundary a name crosses
// (manifest lines, SPB submissions, job ids, work directories): a name that
// passes contains no quote, separator, shell or SQL metacharacter and no `..`.

// tools:::.standard_regexps()$valid_package_name
const PACKAGE_NAME = /^[A-Za-z][A-Za-z0-9.]*[A-Za-z0-9]$/;

/** Whether `name` is a valid R package name. */
export function isValidPackageName(name: string): boolean {
  return PACKAGE_NAME.test(name);
}
