// A text/event-stream parser, as the HTML standard defines one ("Interpreting an event
// stream"): lines end with CRLF, LF or CR (a CR at the end of a chunk may be half of a CRLF);
// a line starting with ":" is a comment; "data" lines are joined with "\n"; an event is
// dispatched at an empty line, and only if it has data; an "id" with a NUL is ignored; a
// field without a colon has an empty value; one space after the colon is dropped; a byte
// order mark at the start is skipped. Bytes go in as they arrive, split anywhere.

/** One dispatched event. `id` is the last event id set so far in the stream, as the standard keeps it. */
export interface ServerSentEvent {
  type: string;
  data: string;
  id: string;
}

export class EventStreamParser {
  readonly #decoder = new TextDecoder("utf-8");
  #buffer = "";
  #started = false;
  /** The previous chunk ended with a CR: an LF starting the next one belongs to it. */
  #pendingCR = false;
  #data: string[] = [];
  #type = "";
  #lastId = "";
  /** Whether anything at all (a comment included) was received: the stream is alive. */
  heard = false;

  /** The events completed by `chunk`. */
  push(chunk: Uint8Array): ServerSentEvent[] {
    let text = this.#decoder.decode(chunk, { stream: true });
    if (text === "") {
      return [];
    }
    this.heard = true;
    if (!this.#started) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.#pendingCR && text.startsWith("\n")) {
      text = text.slice(1);
    }
    this.#pendingCR = false;
    this.#buffer += text;
    const out: ServerSentEvent[] = [];
    let start = 0;
    for (;;) {
      const cr = this.#buffer.indexOf("\r", start);
      const lf = this.#buffer.indexOf("\n", start);
      if (cr < 0 && lf < 0) break;
      const end = cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf);
      const line = this.#buffer.slice(start, end);
      if (this.#buffer[end] === "\r") {
        if (end + 1 === this.#buffer.length) {
          this.#pendingCR = true; // an LF may follow in the next chunk
          start = end + 1;
        } else {
          start = this.#buffer[end + 1] === "\n" ? end + 2 : end + 1;
        }
      } else {
        start = end + 1;
      }
      const event = this.#line(line);
      if (event !== undefined) out.push(event);
    }
    this.#buffer = this.#buffer.slice(start);
    return out;
  }

  #line(line: string): ServerSentEvent | undefined {
    if (line === "") {
      const data = this.#data;
      const type = this.#type;
      this.#data = [];
      this.#type = "";
      if (data.length === 0) return undefined;
      return { type: type === "" ? "message" : type, data: data.join("\n"), id: this.#lastId };
    }
    if (line.startsWith(":")) {
      return undefined; // a comment: the server is alive
    }
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "data":
        this.#data.push(value);
        break;
      case "event":
        this.#type = value;
        break;
      case "id":
        if (!value.includes("\0")) this.#lastId = value;
        break;
      default:
        break; // "retry" and unknown fields: the client keeps its own backoff
    }
    return undefined;
  }
}
