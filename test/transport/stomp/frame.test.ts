// STOMP 1.2 frame encoding and decoding, byte for byte against the spec:
// header escaping (none in CONNECT/CONNECTED), content-length bodies holding
// NUL, frames split anywhere across chunks, heart-beats between frames,
// CRLF line ends, repeated headers, and the malformed input that must end
// a connection.

import { describe, expect, it } from "vitest";
import { negotiateHeartbeats } from "../../../src/transport/stomp/connection.js";
import { StompProtocolError } from "../../../src/transport/stomp/errors.js";
import {
  encodeFrame,
  escapeHeader,
  FrameDecoder,
  unescapeHeader,
  type StompFrame,
} from "../../../src/transport/stomp/frame.js";

function decodeAll(bytes: Buffer, chunkSize = bytes.length): StompFrame[] {
  const decoder = new FrameDecoder();
  const frames: StompFrame[] = [];
  for (let start = 0; start < bytes.length; start += chunkSize) {
    frames.push(...decoder.push(bytes.subarray(start, start + chunkSize)));
  }
  return frames;
}

describe("header escaping", () => {
  it("escapes backslash, CR, LF and colon as the spec says, and back", () => {
    const value = "a:b\nc\\d\re";
    expect(escapeHeader(value)).toBe("a\\cb\\nc\\\\d\\re");
    expect(unescapeHeader(escapeHeader(value))).toBe(value);
    expect(unescapeHeader("\\\\n")).toBe("\\n");
  });

  it("treats an undefined escape sequence as a protocol error", () => {
    expect(() => unescapeHeader("tab\\there")).toThrow(StompProtocolError);
    expect(() => unescapeHeader("trailing\\")).toThrow(/undefined escape/);
  });
});

describe("encodeFrame", () => {
  it("writes command, escaped headers, content-length, body and NUL", () => {
    const bytes = encodeFrame({
      command: "SEND",
      headers: { destination: "/queue/a", "x-note": "k:v\nw", skipped: undefined },
      body: "héllo",
    });
    expect(bytes.toString("utf8")).toBe("SEND\ndestination:/queue/a\nx-note:k\\cv\\nw\ncontent-length:6\n\nhéllo\0");
  });

  it("leaves CONNECT headers unescaped (a colon in a passcode stays a colon) and refuses line breaks there", () => {
    const bytes = encodeFrame({ command: "CONNECT", headers: { login: "u", passcode: "p:w\\d" } });
    expect(bytes.toString("utf8")).toBe("CONNECT\nlogin:u\npasscode:p:w\\d\n\n\0");
    expect(() => encodeFrame({ command: "CONNECT", headers: { passcode: "a\nb" } })).toThrow(StompProtocolError);
  });

  it("sets its own content-length (a caller's value cannot contradict the body)", () => {
    const bytes = encodeFrame({ command: "SEND", headers: { "content-length": "99" }, body: Buffer.of(1, 0, 2) });
    expect(bytes.toString("latin1")).toBe("SEND\ncontent-length:3\n\n\x01\x00\x02\x00");
  });

  it("refuses a command that is not a STOMP command word", () => {
    expect(() => encodeFrame({ command: "send\n" })).toThrow(StompProtocolError);
  });
});

describe("FrameDecoder", () => {
  const binary = Buffer.from([0, 1, 2, 0, 255, 0, 10, 0]);
  const stream = Buffer.concat([
    Buffer.from("\n\r\n"),
    encodeFrame({ command: "MESSAGE", headers: { destination: "/queue/q", "message-id": "m:1" }, body: binary }),
    Buffer.from("\n"),
    Buffer.from("RECEIPT\r\nreceipt-id:r-1\r\n\r\n\0"),
    Buffer.from("\n\n"),
    Buffer.from("ERROR\nmessage:bad\nmessage:ignored\n\nno length\0"),
  ]);

  it("decodes frames with binary bodies, CRLF lines and heart-beats between them", () => {
    const frames = decodeAll(stream);
    expect(frames.map((frame) => frame.command)).toEqual(["MESSAGE", "RECEIPT", "ERROR"]);
    expect(frames[0]?.headers["message-id"]).toBe("m:1");
    expect(frames[0]?.body.equals(binary)).toBe(true);
    expect(frames[1]?.headers).toEqual({ "receipt-id": "r-1" });
    // A repeated header keeps its first value.
    expect(frames[2]?.headers.message).toBe("bad");
    expect(frames[2]?.body.toString()).toBe("no length");
  });

  it("gives the same frames however the stream is split into chunks", () => {
    const whole = decodeAll(stream);
    for (const size of [1, 2, 3, 7, 16]) {
      expect(decodeAll(stream, size), `chunks of ${size}`).toEqual(whole);
    }
  });

  it("keeps a frame's body intact when the buffer it came in is reused", () => {
    const decoder = new FrameDecoder();
    const chunk = Buffer.from(encodeFrame({ command: "MESSAGE", body: "abc" }));
    const [frame] = decoder.push(chunk);
    chunk.fill(0);
    expect(frame?.body.toString()).toBe("abc");
  });

  it("does not unescape CONNECTED headers", () => {
    const [frame] = decodeAll(Buffer.from("CONNECTED\nserver:RabbitMQ/3.10.8\nx:a\\cb\n\n\0"));
    expect(frame?.headers).toEqual({ server: "RabbitMQ/3.10.8", x: "a\\cb" });
  });

  it("rejects malformed frames", () => {
    const bad = [
      "send\n\n\0",
      "MESSAGE\nno-colon\n\n\0",
      "MESSAGE\nx:a\\tb\n\n\0",
      "MESSAGE\ncontent-length:2\n\nabc\0",
      "MESSAGE\ncontent-length:-1\n\n\0",
    ];
    for (const text of bad)
      expect(() => decodeAll(Buffer.from(text)), JSON.stringify(text)).toThrow(StompProtocolError);
  });

  it("refuses a frame larger than its limit instead of buffering it", () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 1024 });
    expect(() => decoder.push(Buffer.from("MESSAGE\ncontent-length:5000\n\n"))).toThrow(/larger than 1024/);
    const unbounded = new FrameDecoder({ maxFrameBytes: 1024 });
    expect(() => unbounded.push(Buffer.concat([Buffer.from("MESSAGE\n\n"), Buffer.alloc(2000, 65)]))).toThrow(
      /larger than 1024/,
    );
  });
});

describe("heart-beat negotiation", () => {
  it("takes the larger of the two offers per direction, none when either side says 0", () => {
    expect(negotiateHeartbeats(10_000, "5000,20000")).toEqual({ send: 20_000, receive: 10_000 });
    expect(negotiateHeartbeats(1000, "0,0")).toEqual({ send: 0, receive: 0 });
    expect(negotiateHeartbeats(0, "4000,4000")).toEqual({ send: 0, receive: 0 });
    expect(negotiateHeartbeats(1000, undefined)).toEqual({ send: 0, receive: 0 });
  });
});
