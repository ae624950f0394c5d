// What the import could not carry over, each with where (file:line of the
// BBS checkout), which variable and why, so the operator finishes the draft
// from one list.

export type ImportItemKind =
  /** A line the importer does not understand (a command, a conditional, a malformed value). */
  | "unparsed"
  /** A value bbs needs from the user: no valid translation, or a key the draft lacks. */
  | "needs-user"
  /** A BBS variable bbs has no use for (the reason says what replaces it). */
  | "dropped"
  /** Translated, but differently from what BBS wrote (a fix, a choice between hosts). */
  | "note";

export interface ImportItem {
  kind: ImportItemKind;
  /** File relative to the BBS checkout (or the draft's file, for `bbs config check` problems). */
  file: string;
  line?: number;
  variable?: string;
  /** The text of an unparsed line. */
  text?: string;
  why: string;
}

export const ITEM_ORDER: readonly ImportItemKind[] = ["needs-user", "unparsed", "note", "dropped"];

export function formatItem(item: ImportItem): string {
  const where = item.line === undefined ? item.file : `${item.file}:${item.line}`;
  const what = item.variable ?? (item.text === undefined ? "" : `\`${item.text}\``);
  return `${where}${what === "" ? "" : `  ${what}`}: ${item.why}`;
}

/** One item per place and reason: files every node sources are read once per node. */
export function uniqueItems(items: readonly ImportItem[]): ImportItem[] {
  const seen = new Set<string>();
  const kept: ImportItem[] = [];
  for (const item of items) {
    const id = `${item.kind}\u0000${item.file}\u0000${item.line ?? ""}\u0000${item.variable ?? ""}\u0000${item.why}`;
    if (seen.has(id)) continue;
    seen.add(id);
    kept.push(item);
  }
  return kept.sort(
    (a, b) =>
      ITEM_ORDER.indexOf(a.kind) - ITEM_ORDER.indexOf(b.kind) ||
      a.file.localeCompare(b.file) ||
      (a.line ?? 0) - (b.line ?? 0),
  );
}
