// Worker thread of the record reader pool (record-pool.ts): reads package
// files' index records (readPackageFileRecord) on requests from the pool, a few
// at a time, so that MD5, tar parsing and their garbage collection run beside
// the main thread's.

import { serveTasks } from "../util/worker-pool.js";
import { readPackageFileRecord } from "./packages-index.js";
import type { RecordReply, RecordRequest } from "./record-pool.js";

serveTasks<RecordRequest, RecordReply>(async (request) => {
  const record = await readPackageFileRecord(request.path, request.type, request.fields);
  return { file: record.file, values: [...record.values] };
});
