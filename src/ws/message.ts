/** A WebSocket message: text (a string) or binary (bytes). */
import { parseJson } from '../runtime/json.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export class Message {
  /** @internal */
  constructor(
    /** A string for a text frame, bytes for a binary frame. */
    readonly data: string | Uint8Array,
    /** Set when a weft client sent it with `ask`: answer it with `socket.answer(message, value)`. */
    readonly askId?: number | undefined,
  ) {}

  get isText(): boolean {
    return typeof this.data === 'string';
  }

  get isBinary(): boolean {
    return typeof this.data !== 'string';
  }

  /** The text of a text frame; a binary frame decoded as UTF-8. */
  text(): string {
    return typeof this.data === 'string' ? this.data : decoder.decode(this.data);
  }

  /** The bytes of a binary frame; a text frame encoded as UTF-8. */
  bytes(): Uint8Array {
    return typeof this.data === 'string' ? encoder.encode(this.data) : this.data;
  }

  /** Size in bytes on the wire (UTF-8 for text). */
  get byteLength(): number {
    return typeof this.data === 'string' ? Buffer.byteLength(this.data) : this.data.byteLength;
  }

  /** Parse as JSON, refusing `__proto__` and `constructor.prototype` keys. Throws on bad JSON. */
  json(): unknown {
    return parseJson(this.text());
  }
}
