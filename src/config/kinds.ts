// Building blocks of the configuration schema: what kinds of value a key can
// hold, in which layer it may be set, and the BBS variable it replaces.
// `schema.ts` declares every key once with these helpers; the TypeScript type of
// the resolved configuration is derived from that declaration.

/**
 * Where a key may be set.
 * - `build`: describes the whole build; only in global.yaml.
 * - `node`: may be set in any layer (global default, platform, host override).
 * - `host`: identity of one node; only in hosts/<node-id>.yaml.
 */
export type Scope = "build" | "node" | "host";

/** The layer a value came from. */
export type LayerName = "global" | "platform" | "host";

interface KeyBase {
  scope: Scope;
  /** One sentence for docs/config.md and `bbs config show`. */
  doc: string;
  /** The BBS variable (or file) this key replaces, for operators migrating a config.sh chain. */
  bbs?: string;
  /**
   * Environment variable that overrides the resolved value. Only for keys that
   * BBS let a node set in its own config.sh, so operators' habits keep working.
   */
  env?: string;
}

export interface StringKey extends KeyBase {
  kind: "string";
  /** May contain `${other.key}` references, resolved after merging. */
  default?: string;
  required?: boolean;
  pattern?: RegExp;
  patternHint?: string;
  /** A filesystem path: `~/` is expanded and a relative value is taken relative to the config directory. */
  path?: boolean;
}

export interface IntKey extends KeyBase {
  kind: "int";
  /** A number, or a `${other.key}` reference to an int key. */
  default?: number | string;
  min: number;
  /** A duration: the message for text values says "seconds". */
  seconds?: boolean;
}

export interface BoolKey extends KeyBase {
  kind: "bool";
  default: boolean;
}

export interface EnumKey<V extends string = string> extends KeyBase {
  kind: "enum";
  values: readonly V[];
  default?: V;
  required?: boolean;
}

export interface ListKey extends KeyBase {
  kind: "list";
  default: readonly string[];
  required?: boolean;
}

export interface MapKey extends KeyBase {
  kind: "map";
  default: Readonly<Record<string, string>>;
}

export type KeySpec = StringKey | IntKey | BoolKey | EnumKey | ListKey | MapKey;

/** The TypeScript type of a resolved value of key spec `S`. */
export type ValueOf<S> = S extends StringKey
  ? S extends { required: true }
    ? string
    : S extends { default: string }
      ? string
      : string | undefined
  : S extends IntKey
    ? number
    : S extends BoolKey
      ? boolean
      : S extends EnumKey<infer V>
        ? S extends { required: true }
          ? V
          : S extends { default: string }
            ? V
            : V | undefined
        : S extends ListKey
          ? readonly string[]
          : S extends MapKey
            ? Readonly<Record<string, string>>
            : never;

export type ResolvedValue =
  string | number | boolean | readonly string[] | Readonly<Record<string, string>> | undefined;

// Constructors keep literal types (for ValueOf) while checking the shape.
export const str = <const S extends Omit<StringKey, "kind">>(s: S): S & { kind: "string" } => ({
  ...s,
  kind: "string",
});
export const int = <const S extends Omit<IntKey, "kind">>(s: S): S & { kind: "int" } => ({ ...s, kind: "int" });
export const bool = <const S extends Omit<BoolKey, "kind">>(s: S): S & { kind: "bool" } => ({ ...s, kind: "bool" });
export const oneOf = <const V extends string, const S extends Omit<EnumKey<V>, "kind">>(
  s: S & { values: readonly V[] },
): S & { kind: "enum" } => ({
  ...s,
  kind: "enum",
});
export const list = <const S extends Omit<ListKey, "kind">>(s: S): S & { kind: "list" } => ({ ...s, kind: "list" });
export const map = <const S extends Omit<MapKey, "kind">>(s: S): S & { kind: "map" } => ({ ...s, kind: "map" });

/** Which layers may set a key of the given scope. */
export function layersAllowed(scope: Scope): readonly LayerName[] {
  switch (scope) {
    case "build":
      return ["global"];
    case "node":
      return ["global", "platform", "host"];
    case "host":
      return ["host"];
  }
}

export function describeKind(spec: KeySpec): string {
  switch (spec.kind) {
    case "string":
      return "string";
    case "int":
      return spec.seconds ? `integer seconds (>= ${spec.min})` : `integer (>= ${spec.min})`;
    case "bool":
      return "true/false";
    case "enum":
      return spec.values.map((v) => `\`${v}\``).join(" \\| ");
    case "list":
      return "list of strings";
    case "map":
      return "map of string to string";
  }
}
