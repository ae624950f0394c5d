// `bbs spb worker --print-service`: how to start the worker at boot on each
// kind of node: a crontab `@reboot` line, a systemd unit, a Windows Task
// Scheduler task (XML for `schtasks /Create /XML`). Each runs the same
// command: this bbs, this configuration, this node.

export type ServiceKind = "cron" | "systemd" | "task";
export const SERVICE_KINDS: readonly ServiceKind[] = ["cron", "systemd", "task"];

export interface ServiceInput {
  /** The node (absolute path) and the bbs entry point (absolute path). */
  readonly node: string;
  readonly bbs: string;
  readonly configDir: string;
  readonly nodeId: string;
  readonly user: string;
  /** The worker's log file (cron appends to it). */
  readonly logFile: string;
}

function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function argv(input: ServiceInput): string[] {
  return [input.node, input.bbs, "--config", input.configDir, "--host", input.nodeId, "spb", "worker"];
}

export function serviceText(kind: ServiceKind, input: ServiceInput): string {
  const words = argv(input);
  switch (kind) {
    case "cron":
      return [
        `# crontab -e as ${input.user}: start the SPB worker of node ${input.nodeId} at boot`,
        `@reboot ${words.map(shellQuote).join(" ")} >> ${shellQuote(input.logFile)} 2>&1`,
        "",
      ].join("\n");
    case "systemd":
      return [
        `# /etc/systemd/system/bbs-spb-worker.service, then: systemctl enable --now bbs-spb-worker`,
        "[Unit]",
        `Description=bbs SPB worker (node ${input.nodeId})`,
        "After=network-online.target",
        "Wants=network-online.target",
        "",
        "[Service]",
        `User=${input.user}`,
        `ExecStart=${words.map(shellQuote).join(" ")}`,
        "Restart=always",
        "RestartSec=10",
        // The worker stops its build and reports it before it exits.
        "KillMode=mixed",
        "TimeoutStopSec=60",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
      ].join("\n");
    case "task": {
      const [program, ...args] = words;
      const quoted = args.map((arg) => (/[\s"]/.test(arg) ? `"${arg.replace(/"/g, '\\"')}"` : arg)).join(" ");
      return [
        `<?xml version="1.0" encoding="UTF-16"?>`,
        `<!-- schtasks /Create /TN "bbs SPB worker" /XML this-file.xml (as ${xmlEscape(input.user)}) -->`,
        `<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">`,
        `  <RegistrationInfo><Description>bbs SPB worker (node ${xmlEscape(input.nodeId)})</Description></RegistrationInfo>`,
        `  <Triggers><BootTrigger><Enabled>true</Enabled></BootTrigger></Triggers>`,
        `  <Principals><Principal id="Author"><UserId>${xmlEscape(input.user)}</UserId><LogonType>Password</LogonType></Principal></Principals>`,
        `  <Settings>`,
        `    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>`,
        `    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>`,
        `    <RestartOnFailure><Interval>PT1M</Interval><Count>999</Count></RestartOnFailure>`,
        `  </Settings>`,
        `  <Actions Context="Author"><Exec><Command>${xmlEscape(program ?? "node")}</Command><Arguments>${xmlEscape(quoted)}</Arguments></Exec></Actions>`,
        `</Task>`,
        "",
      ].join("\n");
    }
  }
}
