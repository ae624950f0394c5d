// Child process of the crash test (compiled by the test): writes job rows
// and NDJSON lines as fast as it can, forever, until it is SIGKILLed.
import { HistoryStore } from "../../src/history/store.js";
import { NdjsonWriter } from "../../src/history/ndjson.js";

const [dbPath = "", eventsPath = ""] = process.argv.slice(2);
const store = HistoryStore.open(dbPath);
const events = NdjsonWriter.open(eventsPath);
store.beginRun({ runId: "crash", node: "n1", kind: "run", startedAt: new Date() });
for (let index = 0; ; index += 1) {
  const row = store.startJob({
    runId: "crash",
    node: "n1",
    stage: "install",
    package: `p${index}`,
    startedAt: new Date(),
  });
  events.write({ event: "job-started", package: `p${index}`, padding: "x".repeat(index % 300) });
  store.finishJob(row, { endedAt: new Date(), elapsedSeconds: index, retCode: 0, status: "OK" });
  events.write({ event: "job-finished", package: `p${index}` });
  if (index === 200) process.stdout.write("ready\n");
}
