// A STOMP frame as received, shared by the codec (frame.ts) and the errors
// that carry a broker's ERROR frame (errors.ts), so neither imports the other.

export interface StompFrame {
  readonly command: string;
  /** Header values by name; a repeated header keeps its first value. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}
