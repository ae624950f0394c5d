// A real SMTP server for tests: Debian's python3-aiosmtpd on 127.0.0.1, with
// a handler that writes every received message, decoded by Python's email
// parser, as one JSON file. Recipients at @reject.example.org are refused
// (550), so delivery failures can be tested too.
//
//   const smtp = await startSmtpd();  ...  smtp.messages()  ...  await smtp.stop();

import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../transport/sshd.js";

/** Debian's python3 (where python3-aiosmtpd is installed), not a pyenv shim. */
const PYTHON = "/usr/bin/python3";

const HANDLER = String.raw`
import email, email.policy, json, os, signal, sys, time
from aiosmtpd.controller import Controller

class Handler:
    def __init__(self, out):
        self.out = out
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@reject.example.org"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        record = {
            "mailFrom": envelope.mail_from,
            "rcptTos": envelope.rcpt_tos,
            "from": str(message["From"]),
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "headers": {key.lower(): str(value) for key, value in message.items()},
            "body": message.get_body(("plain",)).get_content().replace("\r\n", "\n"),
        }
        path = os.path.join(self.out, "%020d-%04d.json" % (time.time_ns(), self.count))
        with open(path + ".tmp", "w") as handle:
            json.dump(record, handle)
        os.rename(path + ".tmp", path)
        return "250 Message accepted for delivery"

controller = Controller(Handler(sys.argv[1]), hostname="127.0.0.1", port=int(sys.argv[2]))
controller.start()
print("READY", flush=True)
signal.sigwait({signal.SIGTERM, signal.SIGINT})
controller.stop()
`;

export interface ReceivedMail {
  mailFrom: string;
  /** Envelope recipients. */
  rcptTos: string[];
  from: string;
  to: string;
  subject: string;
  /** Header values by lower-case name. */
  headers: Record<string, string>;
  /** The decoded plain-text body. */
  body: string;
}

export interface SmtpdFixture {
  host: string;
  port: number;
  /** Messages received so far, in arrival order. */
  messages(): ReceivedMail[];
  /** Forgets the messages received so far. */
  clear(): void;
  stop(): Promise<void>;
}

export async function startSmtpd(): Promise<SmtpdFixture> {
  const dir = mkdtempSync(join(tmpdir(), "bbs-smtpd-"));
  const inbox = join(dir, "inbox");
  const script = join(dir, "smtpd.py");
  writeFileSync(script, HANDLER);
  mkdirSync(inbox);
  const port = await freePort();
  const child: ChildProcess = spawn(PYTHON, [script, inbox, String(port)], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes("READY")) resolve();
    });
    child.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`aiosmtpd exited (${code}) before listening:\n${log}`)));
  });
  return {
    host: "127.0.0.1",
    port,
    messages: () =>
      readdirSync(inbox)
        .filter((name) => name.endsWith(".json"))
        .sort()
        .map((name) => JSON.parse(readFileSync(join(inbox, name), "utf8")) as ReceivedMail),
    clear: () => {
      for (const name of readdirSync(inbox)) rmSync(join(inbox, name), { force: true });
    },
    stop: async () => {
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
