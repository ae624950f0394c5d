// The transport layer's public surface: import from "../transport/index.js".

export * from "./transport.js";
export { TransportError, isTransportError } from "./errors.js";
export { LocalTransport } from "./local.js";
export { RsyncSshTransport, type SshSettings } from "./rsync.js";
export type { RsyncSettings } from "./rsync-base.js";
export { HttpReader, type DownloadOptions, type DownloadResult } from "./http.js";
export {
  centralTransport,
  centralReader,
  destinationTransport,
  parseDestination,
  isLocalHost,
  type Destination,
} from "./factory.js";
export { BatchedPusher, type BatchedPusherOptions, type PushRecord, type PushReport } from "./pusher.js";
export type { ToolResult } from "../util/tool.js";
