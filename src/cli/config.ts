// `bbs config`: the group holding `config show`, `config check`, `config doc` and `config import-bbs`.

import type { Command } from "commander";
import { registerConfigCheck } from "./config-check.js";
import { registerConfigDoc } from "./config-doc.js";
import { registerConfigImportBbs } from "./config-import-bbs.js";
import { registerConfigShow } from "./config-show.js";

export function registerConfigCommands(program: Command): void {
  const group = program.command("config").description("show or validate the layered configuration");
  registerConfigShow(group);
  registerConfigCheck(group);
  registerConfigDoc(group);
  registerConfigImportBbs(group);
}
