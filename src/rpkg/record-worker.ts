// Worker thread of RecordReaderPool: reads package files' index records
// (readPackageFileRecord) on requests from the pool, a few at a time, so that
// MD5, tar parsing and their garbage collection run beside the main thread's.

import { parentPort } from "node:worker_threads";
import { isBbsError } from "../util/errors.js";
import { readPackageFileRecord } from "./packages-index.js";
import type { RecordReply, RecordRequest } from "./record-pool.js";

const port = parentPort;
if (port === null) throw new Error("record-worker.js runs as a worker thread only");

port.on("message", (request: RecordRequest) => {
  readPackageFileRecord(request.path, request.type, request.fields).then(
    (record): void =>
      port.postMessage({
        id: request.id,
        ok: true,
        file: record.file,
        values: [...record.values],
      } satisfies RecordReply),
    (error: unknown): void => {
      const reply: RecordReply = isBbsError(error)
        ? {
            id: request.id,
            ok: false,
            code: error.code,
            message: error.message,
            ...(error.hint === undefined ? {} : { hint: error.hint }),
          }
        : { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) };
      port.postMessage(reply);
    },
  );
});
