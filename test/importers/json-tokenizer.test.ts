import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_TOKEN_BYTES } from '../../src/base/limits.js';
import * as msg from '../../src/base/messages.js';
import { JsonSyntaxError, JsonTokenizer, type JsonHandler } from '../../src/importers/json-tokenizer.js';

/** Rebuilds a value from the token stream, to compare with JSON.parse. */
class Builder implements JsonHandler {
  private readonly stack: (unknown[] | Record<string, unknown>)[] = [];
  private keys: (string | null)[] = [];
  result: unknown;
  private put(v: unknown): void {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) this.result = v;
    else if (Array.isArray(top)) top.push(v);
    // defineProperty, as JSON.parse does: assigning to a "__proto__" key would set the prototype instead.
    else
      Object.defineProperty(top, this.keys[this.keys.length - 1]!, {
        value: v,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  openObject(): void {
    const o = {};
    this.put(o);
    this.stack.push(o);
    this.keys.push(null);
  }
  openArray(): void {
    const a: unknown[] = [];
    this.put(a);
    this.stack.push(a);
    this.keys.push(null);
  }
  close(): void {
    this.stack.pop();
    this.keys.pop();
  }
  key(name: string): void {
    this.keys[this.keys.length - 1] = name;
  }
  string(v: string): void {
    this.put(v);
  }
  number(t: string): void {
    this.put(Number(t));
  }
  literal(v: boolean | null): void {
    this.put(v);
  }
}

function tokenize(text: string, cuts: number[]): unknown {
  const b = new Builder();
  const t = new JsonTokenizer(b);
  const bytes = Buffer.from(text, 'utf8');
  let at = 0;
  for (const cut of [...cuts.map((c) => c % (bytes.length + 1)).sort((x, y) => x - y), bytes.length]) {
    t.write(bytes.subarray(at, cut));
    at = Math.max(at, cut);
  }
  t.end();
  return b.result;
}

describe('JsonTokenizer', () => {
  it('gives the same value as JSON.parse for any document cut into any chunks', () => {
    fc.assert(
      fc.property(fc.json(), fc.array(fc.nat(), { maxLength: 8 }), (text, cuts) => {
        expect(tokenize(text, cuts)).toEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  it('rejects what JSON.parse rejects', () => {
    for (const bad of [
      '{',
      '[1,]',
      '{"a" 1}',
      '{"a":1,}',
      'tru',
      '01',
      '1.',
      '"\\x"',
      '[1] 2',
      '{"a":1}}',
      '[',
      '',
      ' ',
    ]) {
      expect(() => tokenize(bad, []), bad).toThrow(JsonSyntaxError);
    }
  });

  it('stops at a nesting limit instead of exhausting the stack', () => {
    expect(() => tokenize('['.repeat(100_000), [])).toThrow(/nested deeper/);
  });
});

describe('JsonTokenizer limits (docs/limits.md)', () => {
  it('a string or number longer than MAX_TOKEN_BYTES is an error at its start, not unbounded memory', () => {
    const t = new JsonTokenizer(new Builder());
    t.write(Buffer.from('["ok", "'));
    const piece = Buffer.alloc(1 << 20, 0x61);
    let thrown: unknown;
    try {
      for (let i = 0; i <= MAX_TOKEN_BYTES / piece.length; i++) t.write(piece);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(JsonSyntaxError);
    expect((thrown as JsonSyntaxError).message).toBe(msg.jsonTokenTooLong(MAX_TOKEN_BYTES));
    expect((thrown as JsonSyntaxError).offset).toBe(7);
    // Just under the limit is fine.
    expect(tokenize(`["${'b'.repeat(3 << 20)}"]`, [1 << 20, 2 << 20])).toEqual(['b'.repeat(3 << 20)]);
  });

  it('a long run of letters is rejected as soon as it cannot be a literal', () => {
    const t = new JsonTokenizer(new Builder());
    t.write(Buffer.from('[tru'));
    expect(() => t.write(Buffer.alloc(1 << 20, 0x65))).toThrow(/unexpected "truee/);
  });
});

describe('JsonTokenizer strictness (found by test/fuzz)', () => {
  it('rejects raw control characters inside strings, as JSON.parse does', () => {
    for (const c of ['\n', '\r', '\t', '\u0000', '\u001b']) {
      const text = `{"a":"x${c}y"}`;
      expect(() => JSON.parse(text)).toThrow();
      expect(() => tokenize(text, [5]), JSON.stringify(c)).toThrow(JsonSyntaxError);
    }
    expect(tokenize('{"a":"x\\ny\\u001b"}', [])).toEqual({ a: 'x\ny\u001b' });
  });
});
