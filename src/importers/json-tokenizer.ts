import { isUtf8 } from 'node:buffer';
import { MAX_JSON_DEPTH, MAX_TOKEN_BYTES } from '../base/limits.js';
import * as msg from '../base/messages.js';

/**
 * A fast path for the elements of one array: reads as many complete elements as it can from
 * `chunk` at `start` (after a ',' when `afterElement`), and returns the index after the last one
 * it consumed, or `start` to let the tokenizer read the next element token by token (anything
 * unusual, or an element cut by the chunk end).
 */
export type ArrayScanner = (chunk: Buffer, start: number, afterElement: boolean) => number;

/** Receives the tokens of a JSON document in order. Strings arrive decoded; numbers as their source text. */
export interface JsonHandler {
  openObject(): void;
  /** May return a scanner that reads this array's elements in bulk. */
  openArray(): ArrayScanner | void;
  /** Closes the innermost object or array. */
  close(): void;
  key(name: string): void;
  string(value: string): void;
  number(text: string): void;
  literal(value: boolean | null): void;
}

/** A syntax problem at a byte offset of the (decompressed) input. */
export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const enum State {
  Value, // a value is expected
  ArrayStart, // right after '[': a value or ']'
  AfterValue, // ',' or a closing bracket is expected
  KeyOrClose, // right after '{': a key or '}'
  Key, // after ',' in an object: a key
  Colon, // after a key
  InString,
  InNumber,
  InLiteral,
  Done,
}

const OBJECT = 1;
const ARRAY = 2;
const MAX_DEPTH = MAX_JSON_DEPTH;
/** true, false, null: a longer run of letters is not a literal. */
const MAX_LITERAL = 5;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * A push tokenizer for JSON that never holds more than the current token: memory stays flat
 * however large the file (docs/design.md, input formats: 1 GB exports, never JSON.parse the whole file).
 * Feed it chunks with write(); call end() at the end of input.
 */
export class JsonTokenizer {
  private state = State.Value;
  private readonly stack = new Uint8Array(MAX_DEPTH + 1);
  private depth = 0;
  /** Byte offset of the start of the current chunk in the whole input. */
  private base = 0;
  private tokenStart = 0;
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private escaped = false;
  private hasEscape = false;
  private stringIsKey = false;
  private literal = '';
  private scanner: ArrayScanner | null = null;
  private scannerDepth = 0;

  constructor(private readonly handler: JsonHandler) {}

  /** Offset (bytes from the start of input) of the token being read; for error messages. */
  get offset(): number {
    return this.tokenStart;
  }

  write(chunk: Buffer): void {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case State.InString: {
          let j = i;
          while (j < n) {
            const c = chunk[j]!;
            if (c < 0x20) {
              // RFC 8259: control characters in a string must be escaped.
              throw new JsonSyntaxError(
                msg.jsonUnexpected(describe(c), 'a character of a string (controls must be escaped)'),
                this.base + j,
              );
            }
            if (this.escaped) this.escaped = false;
            else if (c === BACKSLASH) {
              this.escaped = true;
              this.hasEscape = true;
            } else if (c === QUOTE) break;
            j++;
          }
          if (j === n) {
            this.keep(chunk.subarray(i, n));
            i = n;
            break;
          }
          const piece = chunk.subarray(i, j);
          const bytes = this.parts.length === 0 ? piece : Buffer.concat([...this.parts, piece]);
          // RFC 8259 text is UTF-8; a bad byte would otherwise become U+FFFD in a label value.
          if (!isUtf8(bytes)) throw new JsonSyntaxError(msg.jsonNotUtf8(), this.tokenStart);
          const raw = bytes.toString('utf8');
          this.parts = [];
          i = j + 1;
          this.finishString(raw);
          break;
        }
        case State.InNumber: {
          let j = i;
          while (j < n && isNumberByte(chunk[j]!)) j++;
          this.keep(chunk.subarray(i, j));
          i = j;
          if (j < n) this.finishNumber();
          break;
        }
        case State.InLiteral: {
          let j = i;
          while (j < n && chunk[j]! >= 0x61 && chunk[j]! <= 0x7a) j++;
          this.literal += chunk.toString('latin1', i, Math.min(j, i + MAX_LITERAL + 1));
          if (this.literal.length > MAX_LITERAL) this.finishLiteral();
          i = j;
          if (j < n) this.finishLiteral();
          break;
        }
        case State.Done: {
          const c = chunk[i]!;
          if (!isSpace(c)) throw new JsonSyntaxError(msg.jsonTrailing(), this.base + i);
          i++;
          break;
        }
        default:
          i = this.structural(chunk, i);
      }
    }
    this.base += n;
  }

  end(): void {
    if (this.state === State.InNumber) this.finishNumber();
    else if (this.state === State.InLiteral) this.finishLiteral();
    if (this.state !== State.Done) {
      throw new JsonSyntaxError(msg.jsonTruncated(this.expected()), this.base);
    }
  }

  /** Keeps a piece of a token cut by the chunk end; a token longer than MAX_TOKEN_BYTES is an error, not unbounded memory. */
  private keep(piece: Buffer): void {
    this.partsBytes += piece.length;
    if (this.partsBytes > MAX_TOKEN_BYTES) {
      throw new JsonSyntaxError(msg.jsonTokenTooLong(MAX_TOKEN_BYTES), this.tokenStart);
    }
    this.parts.push(piece);
  }

  /** Handles one structural byte (or skips whitespace) and returns the next index. */
  private structural(chunk: Buffer, i: number): number {
    if (this.scanner !== null && this.depth === this.scannerDepth && this.state !== State.Done) {
      const j = this.scanner(chunk, i, this.state === State.AfterValue);
      if (j > i) {
        this.state = State.AfterValue;
        return j;
      }
    }
    const c = chunk[i]!;
    if (isSpace(c)) return i + 1;
    const at = this.base + i;
    this.tokenStart = at;
    switch (this.state) {
      case State.ArrayStart:
        if (c === 0x5d) return this.closeContainer(i);
        return this.value(i, c, at);
      case State.Value:
        return this.value(i, c, at);
      case State.AfterValue:
        if (c === 0x2c /* , */) {
          this.state = this.stack[this.depth] === OBJECT ? State.Key : State.Value;
          return i + 1;
        }
        if (
          (c === 0x7d /* } */ && this.stack[this.depth] === OBJECT) ||
          (c === 0x5d /* ] */ && this.stack[this.depth] === ARRAY)
        ) {
          return this.closeContainer(i);
        }
        throw new JsonSyntaxError(msg.jsonUnexpected(describe(c), this.expected()), at);
      case State.KeyOrClose:
      case State.Key:
        if (c === 0x7d && this.state === State.KeyOrClose) return this.closeContainer(i);
        if (c !== QUOTE) throw new JsonSyntaxError(msg.jsonUnexpected(describe(c), 'a quoted key'), at);
        this.beginString(true);
        return i + 1;
      case State.Colon:
        if (c !== 0x3a) throw new JsonSyntaxError(msg.jsonUnexpected(describe(c), "':'"), at);
        this.state = State.Value;
        return i + 1;
      default:
        throw new JsonSyntaxError(msg.jsonUnexpected(describe(c), this.expected()), at);
    }
  }

  private value(i: number, c: number, at: number): number {
    if (c === QUOTE) {
      this.beginString(false);
      return i + 1;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (this.depth >= MAX_DEPTH) throw new JsonSyntaxError(msg.jsonTooDeep(MAX_DEPTH), at);
      this.stack[++this.depth] = c === 0x7b ? OBJECT : ARRAY;
      if (c === 0x7b) {
        this.state = State.KeyOrClose;
        this.handler.openObject();
      } else {
        this.state = State.ArrayStart;
        const scanner = this.handler.openArray();
        if (scanner) {
          this.scanner = scanner;
          this.scannerDepth = this.depth;
        }
      }
      return i + 1;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      this.state = State.InNumber;
      this.parts = [];
      this.partsBytes = 0;
      return i;
    }
    if (c === 0x74 || c === 0x66 || c === 0x6e) {
      this.state = State.InLiteral;
      this.literal = '';
      return i;
    }
    throw new JsonSyntaxError(msg.jsonUnexpected(describe(c), 'a value'), at);
  }

  private closeContainer(i: number): number {
    if (this.depth === this.scannerDepth) this.scanner = null;
    this.depth--;
    this.handler.close();
    this.afterValue();
    return i + 1;
  }

  private afterValue(): void {
    this.state = this.depth === 0 ? State.Done : State.AfterValue;
  }

  private beginString(isKey: boolean): void {
    this.state = State.InString;
    this.stringIsKey = isKey;
    this.escaped = false;
    this.hasEscape = false;
    this.parts = [];
    this.partsBytes = 0;
  }

  private finishString(raw: string): void {
    let text = raw;
    if (this.hasEscape) {
      try {
        text = JSON.parse(`"${raw}"`) as string;
      } catch {
        throw new JsonSyntaxError(
          msg.jsonUnexpected('escape sequence', 'a valid JSON string'),
          this.tokenStart,
        );
      }
    }
    if (this.stringIsKey) {
      this.state = State.Colon;
      this.handler.key(text);
    } else {
      this.afterValue();
      this.handler.string(text);
    }
  }

  private finishNumber(): void {
    const text =
      this.parts.length === 1
        ? this.parts[0]!.toString('latin1')
        : Buffer.concat(this.parts).toString('latin1');
    this.parts = [];
    if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(text)) {
      throw new JsonSyntaxError(
        msg.jsonUnexpected(`number "${text.slice(0, 40)}"`, 'a JSON number'),
        this.tokenStart,
      );
    }
    this.afterValue();
    this.handler.number(text);
  }

  private finishLiteral(): void {
    const word = this.literal;
    this.afterValue();
    if (word === 'true') this.handler.literal(true);
    else if (word === 'false') this.handler.literal(false);
    else if (word === 'null') this.handler.literal(null);
    else throw new JsonSyntaxError(msg.jsonUnexpected(`"${word.slice(0, 20)}"`, 'a value'), this.tokenStart);
  }

  private expected(): string {
    switch (this.state) {
      case State.AfterValue:
        return this.stack[this.depth] === OBJECT ? "',' or '}'" : "',' or ']'";
      case State.KeyOrClose:
        return "a key or '}'";
      case State.ArrayStart:
        return "a value or ']'";
      case State.Key:
        return 'a quoted key';
      case State.Colon:
        return "':'";
      case State.InString:
        return 'the end of a string';
      case State.Done:
        return 'nothing more';
      default:
        return 'a value';
    }
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isNumberByte(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x2b || c === 0x65 || c === 0x45;
}

function describe(c: number): string {
  return c >= 0x21 && c <= 0x7e ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}
