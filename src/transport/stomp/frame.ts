// STOMP 1.2 frames on the wire (https://stomp.github.io/stomp-specification-1.2.html):
//
//   COMMAND EOL (header EOL)* EOL body NUL      EOL = [CR] LF
//
// Header names and values escape \ CR LF and : (as \\ \r \n \c), except in
// CONNECT and CONNECTED frames, which stay unescaped for STOMP 1.0 peers. A
// body is bytes: with a content-length header it may hold NUL octets; without
// one it ends at the first NUL. Between frames a peer may send any number of
// EOLs (heart-beats; RabbitMQ also ends every frame with one). A repeated
// header keeps its first value. Anything else malformed is a protocol error:
// the connection cannot be trusted past it.

import { StompProtocolError } from "./errors.js";
import type { StompFrame } from "./types.js";

export type { StompFrame };

export interface OutgoingFrame {
  readonly command: string;
  readonly headers?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly body?: Buffer | string;
}

/** A heart-beat: one EOL between frames. */
export const HEARTBEAT = Buffer.from("\n");

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const COMMAND = /^[A-Z]+$/;
/** Frames larger than this end the connection: a peer does not get to fill our memory. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

function unescaped(command: string): boolean {
  return command === "CONNECT" || command === "CONNECTED";
}

export function escapeHeader(text: string): string {
  return text.replace(/[\\\r\n:]/g, (char) =>
    char === "\\" ? "\\\\" : char === "\r" ? "\\r" : char === "\n" ? "\\n" : "\\c",
  );
}

export function unescapeHeader(text: string): string {
  return text.replace(/\\(.?)/gs, (_match, next: string) => {
    switch (next) {
      case "\\":
        return "\\";
      case "r":
        return "\r";
      case "n":
        return "\n";
      case "c":
        return ":";
      default:
        throw new StompProtocolError(`undefined escape sequence "\\${next}" in a header`);
    }
  });
}

/** The bytes of a frame; content-length is always set when there is a body. */
export function encodeFrame(frame: OutgoingFrame): Buffer {
  if (!COMMAND.test(frame.command)) throw new StompProtocolError(`invalid STOMP command "${frame.command}"`);
  const body = typeof frame.body === "string" ? Buffer.from(frame.body, "utf8") : (frame.body ?? Buffer.alloc(0));
  const raw = unescaped(frame.command);
  let head = `${frame.command}\n`;
  for (const [name, value] of Object.entries(frame.headers ?? {})) {
    if (value === undefined || name === "content-length") continue;
    const text = String(value);
    // Unescaped frames can carry a colon in a value (the first colon ends the name), never a line break.
    if (raw && (/[\r\n:]/.test(name) || /[\r\n]/.test(text))) {
      throw new StompProtocolError(`header ${name} of a ${frame.command} frame cannot hold a line break`);
    }
    head += raw ? `${name}:${text}\n` : `${escapeHeader(name)}:${escapeHeader(text)}\n`;
  }
  if (body.length > 0) head += `content-length:${body.length}\n`;
  head += "\n";
  return Buffer.concat([Buffer.from(head, "utf8"), body, Buffer.of(NUL)]);
}

/**
 * Splits a byte stream into frames. push() returns the frames completed by a
 * chunk (possibly none); a partial frame waits for the next chunk.
 */
export class FrameDecoder {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly maxFrameBytes: number;

  constructor(options: { maxFrameBytes?: number } = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  push(chunk: Buffer): StompFrame[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: StompFrame[] = [];
    for (;;) {
      this.skipHeartbeats();
      if (this.buffer.length === 0) break;
      const frame = this.next();
      if (frame === undefined) {
        if (this.buffer.length > this.maxFrameBytes) {
          throw new StompProtocolError(`a frame is larger than ${this.maxFrameBytes} bytes`);
        }
        break;
      }
      frames.push(frame);
    }
    return frames;
  }

  private skipHeartbeats(): void {
    let start = 0;
    while (start < this.buffer.length) {
      if (this.buffer[start] === LF) start += 1;
      else if (this.buffer[start] === CR && this.buffer[start + 1] === LF) start += 2;
      else break;
    }
    if (start > 0) this.buffer = this.buffer.subarray(start);
  }

  /** The frame at the start of the buffer, or undefined when it is not complete yet. */
  private next(): StompFrame | undefined {
    const buffer = this.buffer;
    let position = 0;
    let command: string | undefined;
    const headers: Record<string, string> = {};
    const lines: string[] = [];
    for (;;) {
      const end = buffer.indexOf(LF, position);
      if (end === -1) return undefined;
      const lineEnd = end > position && buffer[end - 1] === CR ? end - 1 : end;
      const line = buffer.toString("utf8", position, lineEnd);
      position = end + 1;
      if (command === undefined) {
        if (!COMMAND.test(line)) throw new StompProtocolError(`invalid STOMP command line "${line.slice(0, 40)}"`);
        command = line;
        continue;
      }
      if (line === "") break;
      lines.push(line);
    }
    const raw = unescaped(command);
    for (const line of lines) {
      const colon = line.indexOf(":");
      if (colon <= 0)
        throw new StompProtocolError(`malformed header line "${line.slice(0, 40)}" in a ${command} frame`);
      const name = raw ? line.slice(0, colon) : unescapeHeader(line.slice(0, colon));
      const value = raw ? line.slice(colon + 1) : unescapeHeader(line.slice(colon + 1));
      if (!(name in headers)) headers[name] = value;
    }
    let bodyEnd: number;
    const lengthHeader = headers["content-length"];
    if (lengthHeader !== undefined) {
      if (!/^[0-9]+$/.test(lengthHeader)) throw new StompProtocolError(`invalid content-length "${lengthHeader}"`);
      const length = Number(lengthHeader);
      if (length > this.maxFrameBytes)
        throw new StompProtocolError(`a frame is larger than ${this.maxFrameBytes} bytes`);
      bodyEnd = position + length;
      if (buffer.length <= bodyEnd) return undefined;
      if (buffer[bodyEnd] !== NUL) {
        throw new StompProtocolError(`the ${command} frame's body does not end with NUL after content-length bytes`);
      }
    } else {
      bodyEnd = buffer.indexOf(NUL, position);
      if (bodyEnd === -1) return undefined;
    }
    // A copy: the frame outlives the receive buffer it came in.
    const body = Buffer.from(buffer.subarray(position, bodyEnd));
    this.buffer = buffer.subarray(bodyEnd + 1);
    return { command, headers, body };
  }
}
