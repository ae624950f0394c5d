// docs/config.md, generated from the schema so the table can never drift from the code.

import { describeKind, layersAllowed } from "./kinds.js";
import { buildTypeDefault, KEY_NAMES, SCHEMA, type KeyName } from "./schema.js";

const LAYER_LABEL = { global: "global", platform: "platform", host: "host" } as const;

function defaultText(key: KeyName): string {
  const spec = SCHEMA[key];
  if (buildTypeDefault(key, "bioc") !== undefined) return `by build type (bioc: ${buildTypeDefault(key, "bioc")})`;
  if (!("default" in spec) || spec.default === undefined)
    return "required" in spec && spec.required ? "**required**" : "unset";
  const d = spec.default;
  if (Array.isArray(d)) return d.length === 0 ? "`[]`" : `\`${d.join(", ")}\``;
  if (typeof d === "object") return Object.keys(d).length === 0 ? "`{}`" : `\`${JSON.stringify(d)}\``;
  if (d === "") return '`""`';
  return `\`${String(d).replaceAll("|", "\\|")}\``;
}

export function renderConfigDoc(): string {
  const envKeys = KEY_NAMES.filter((k) => "env" in SCHEMA[k] && (SCHEMA[k] as { env?: string }).env);
  const rows = KEY_NAMES.map((key) => {
    const spec = SCHEMA[key];
    const bbs = "bbs" in spec && spec.bbs ? spec.bbs.replaceAll("|", "\\|") : "(new in bbs)";
    const env = "env" in spec && spec.env ? `\`${spec.env}\`` : "";
    const layers = layersAllowed(spec.scope)
      .map((l) => LAYER_LABEL[l])
      .join(", ");
    return `| \`${key}\` | ${describeKind(spec)} | ${defaultText(key)} | ${layers} | ${bbs} | ${env} | ${spec.doc.replaceAll("|", "\\|")} |`;
  });
  return `# Configuration

<!-- Generated from src/config/schema.ts by \`npm run docs:config\`; do not edit by hand. -->

A config directory describes one build (one Bioconductor version and build type):

\`\`\`
<config-dir>/
  global.yaml               the build: version, build type, manifest, central node, report nodes,
                            OUTGOING map, default timeouts, report, notify and propagation settings
  platforms/<name>.yaml     one per platform: R commands, rsync options, pkgType, extra R CMD options
  hosts/<node-id>.yaml      one per node: its platform, work dir, R home and library, slots, overrides
\`\`\`

bbs picks the directory from \`--config <dir>\`, else \`$BBS_CONFIG\`, else \`./config/local\`, and the
node from \`--host <node-id>\`, else \`$BBS_NODE_ID\`, else this machine's hostname (as BBS does).

## Layers and precedence

For the selected node, values are taken in this order, each overriding the previous one key by
key: **default** -> **global.yaml** -> **platforms/<platform>.yaml** -> **hosts/<node-id>.yaml** ->
**environment** (\`BBS_*\`, below). \`bbs config show\` prints every resolved value with the layer
that set it; \`bbs config check\` validates every host of the directory and lists all problems at
once, each with file, line, column and key.

A key's *layers* column says where it may be written: build-wide keys only in \`global.yaml\`, node
identity only in the host file, everything else anywhere (a global default, a platform value, a
host override). Setting a key elsewhere is an error.

Keys are nested YAML maps: \`slots.install\` is written

\`\`\`yaml
slots:
  install: 18
\`\`\`

String values may refer to other keys as \`\${key}\`, e.g. \`meatDir: \${workDir}/meat\`; references are
resolved after the layers are merged, so a global default can use a host's \`workDir\`. A value
that is exactly one reference keeps the referenced value's type (\`slots.install: \${slots.default}\`).
\`$\${\` writes a literal \`\${\`. A reference to an unknown or unset key, and a cycle, are errors.
Path keys expand \`~/\` and are taken relative to the config directory when relative.
Timeouts are whole numbers of seconds.

## Environment overrides

These \`BBS_*\` variables, which BBS let a node set in its own \`config.sh\`, still override the files
(an empty value counts as unset, as in BBS); \`bbs config show\` labels such values \`env:<NAME>\`:

${envKeys.map((k) => `- \`${(SCHEMA[k] as { env?: string }).env}\` -> \`${k}\``).join("\n")}

## Translating a BBS \`config.sh\` chain

BBS layers shell files: \`nodes/<host>/local-settings.sh\` (tool paths) -> \`<ver>/config.sh\` ->
\`<ver>/<buildtype>/config.sh\` -> \`<ver>/<buildtype>/<host>/config.sh\`. In bbs, what the version and
build-type files set goes into \`global.yaml\`; what \`local-settings.sh\` and the per-OS parts set
goes into \`platforms/<name>.yaml\`; what the host file sets goes into \`hosts/<node-id>.yaml\`. The
central-only postrun variables (\`BBS_REPORT_NODES\`, \`BBS_OUTGOING_MAP\`, ...) are build-wide keys in
\`global.yaml\`. \`nodes/nodespecs.py\` becomes the \`os\`, \`arch\`, \`rPlatform\`, \`pkgType\`, \`logEncoding\` and \`reportNote\` keys. The table gives the BBS
variable each key replaces. \`bbs config import-bbs <BBS checkout> <version>/<buildtype>\` does this
translation and lists what it could not translate (docs/migration.md).

## All keys

| key | kind | default | layers | replaces (BBS) | env override | meaning |
|---|---|---|---|---|---|---|
${rows.join("\n")}
`;
}
