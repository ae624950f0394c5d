// Windows Task Scheduler: one task definition (the Task Scheduler 1.2 XML
// schema, as `schtasks /Query /XML` exports it) per scheduled command, and the
// `schtasks /Create` line that registers it. The action is a PowerShell script
// passed with -EncodedCommand, so no quoting layer between Task Scheduler,
// PowerShell and cmd can mangle a path; the task's description shows the
// script in clear, for people.

import type { ScheduledTask } from "./tasks.js";
import { describeDays } from "./crontab.js";

const TASK_NAMESPACE = "http://schemas.microsoft.com/windows/2004/02/mit/task";
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;

export interface TaskDefinition {
  /** File name for the XML: `<node>-<build>-<command>.xml`. */
  fileName: string;
  /** Task Scheduler path: `\bbs\<build>\<command>`. */
  taskName: string;
  /** The PowerShell script the task runs. */
  script: string;
  /** The XML, with a declaration naming `encoding`. */
  xml(encoding: "UTF-8" | "UTF-16"): string;
  /** The command that registers it (run in cmd.exe on the node, as the user or an administrator). */
  createCommand(xmlPath: string): string;
}

function xmlText(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

/** PowerShell single-quoted string. */
function psString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** The script: make the log directory, run bbs, append its output (UTF-8) to the dated log, exit with its status. */
export function powershellScript(task: ScheduledTask): string {
  const prefix = `${task.nodeId}-`;
  const suffix = `-${task.command}.log`;
  return [
    "$ErrorActionPreference = 'Continue'",
    `New-Item -ItemType Directory -Force -Path ${psString(task.logDir)} | Out-Null`,
    `$log = Join-Path ${psString(task.logDir)} (${psString(prefix)} + (Get-Date -Format 'yyyyMMdd') + ${psString(suffix)})`,
    // "$_" turns stderr records into their plain text, so the log reads like the crontab's `2>&1`.
    `& ${[task.program, ...task.args].map(psString).join(" ")} 2>&1 | ForEach-Object { "$_" } | Out-File -FilePath $log -Append -Encoding utf8`,
    "exit $LASTEXITCODE",
  ].join("\n");
}

/** Windows PowerShell's -EncodedCommand: base64 of the UTF-16LE script. */
export function encodeCommand(script: string): string {
  return Buffer.from(script, "utf16le").toString("base64");
}

/** Any date is fine for StartBoundary: only its time of day matters, in the node's local time. */
const START_DATE = "2025-01-01";

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

function triggerXml(task: ScheduledTask): string[] {
  const { hour, minute, daysOfWeek, everyDay } = task.schedule;
  const schedule = everyDay
    ? ["      <ScheduleByDay>", "        <DaysInterval>1</DaysInterval>", "      </ScheduleByDay>"]
    : [
        "      <ScheduleByWeek>",
        "        <DaysOfWeek>",
        ...daysOfWeek.map((day) => `          <${WEEKDAYS[day] ?? "Sunday"} />`),
        "        </DaysOfWeek>",
        "        <WeeksInterval>1</WeeksInterval>",
        "      </ScheduleByWeek>",
      ];
  return [
    "  <Triggers>",
    "    <CalendarTrigger>",
    `      <StartBoundary>${START_DATE}T${pad(hour)}:${pad(minute)}:00</StartBoundary>`,
    "      <Enabled>true</Enabled>",
    ...schedule,
    "    </CalendarTrigger>",
    "  </Triggers>",
  ];
}

export function taskDefinition(task: ScheduledTask, build: string): TaskDefinition {
  const script = powershellScript(task);
  const taskName = `\\bbs\\${build}\\${task.command}`;
  const description = `bbs ${task.command} on ${task.nodeId} (${build}), ${task.time} ${describeDays(task.schedule.daysOfWeek)} ${task.timeZone}; log: ${task.logDir}/${task.nodeId}-YYYYMMDD-${task.command}.log. Written by bbs schedule. It runs this PowerShell script:\n${script}`;
  const principal =
    task.user === undefined
      ? ['    <Principal id="Author">', "      <LogonType>InteractiveToken</LogonType>"]
      : [
          '    <Principal id="Author">',
          `      <UserId>${xmlText(task.user)}</UserId>`,
          // Password: the task runs whether or not the user is logged on (schtasks /RP asks for it once).
          "      <LogonType>Password</LogonType>",
        ];
  const body = [
    `<Task version="1.2" xmlns="${TASK_NAMESPACE}">`,
    "  <RegistrationInfo>",
    "    <Author>bbs schedule</Author>",
    `    <Description>${xmlText(description)}</Description>`,
    `    <URI>${xmlText(taskName)}</URI>`,
    "  </RegistrationInfo>",
    ...triggerXml(task),
    "  <Principals>",
    ...principal,
    "      <RunLevel>LeastPrivilege</RunLevel>",
    "    </Principal>",
    "  </Principals>",
    "  <Settings>",
    // A night still running when the next one is due is left alone, never started twice.
    "    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>",
    "    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>",
    "    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>",
    "    <AllowHardTerminate>true</AllowHardTerminate>",
    "    <StartWhenAvailable>false</StartWhenAvailable>",
    "    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>",
    "    <AllowStartOnDemand>true</AllowStartOnDemand>",
    "    <Enabled>true</Enabled>",
    "    <Hidden>false</Hidden>",
    "    <RunOnlyIfIdle>false</RunOnlyIfIdle>",
    "    <WakeToRun>false</WakeToRun>",
    // PT0S: no limit; bbs's own timeouts bound each job, and Task Scheduler's default (72 h) would kill a long night.
    "    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>",
    "    <Priority>7</Priority>",
    "  </Settings>",
    '  <Actions Context="Author">',
    "    <Exec>",
    "      <Command>powershell.exe</Command>",
    `      <Arguments>-NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand ${encodeCommand(script)}</Arguments>`,
    "    </Exec>",
    "  </Actions>",
    "</Task>",
  ];
  const user = task.user;
  return {
    fileName: `${task.nodeId}-${build}-${task.command}.xml`,
    taskName,
    script,
    xml: (encoding) => `<?xml version="1.0" encoding="${encoding}"?>\n${body.join("\n")}\n`,
    createCommand: (xmlPath) =>
      `schtasks /Create /F /TN "${taskName}" /XML "${xmlPath}"${user === undefined ? "" : ` /RU ${user} /RP *`}`,
  };
}

/** The definitions of a Windows node's tasks. */
export function taskDefinitions(tasks: readonly ScheduledTask[], build: string): TaskDefinition[] {
  return tasks.map((task) => taskDefinition(task, build));
}
