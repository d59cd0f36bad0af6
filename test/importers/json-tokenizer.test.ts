import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
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
