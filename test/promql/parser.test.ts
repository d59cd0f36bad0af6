import { describe, expect, it } from 'vitest';
import * as msg from '../../src/base/messages.js';
import { PromqlSyntaxError, PromqlUnsupportedError } from '../../src/promql/errors.js';
import { parsePromql } from '../../src/promql/parser.js';

function unsupported(query: string): PromqlUnsupportedError {
  try {
    parsePromql(query);
  } catch (e) {
    if (e instanceof PromqlUnsupportedError) return e;
    throw e;
  }
  throw new Error(`parsed: ${query}`);
}

describe('PromQL parser', () => {
  it('reads selectors with every matcher, offset and ranges', () => {
    const e = parsePromql('rate(x{a="1", b!="2", c=~"3|4", __name__!~"y.*"}[1m30s] offset 5m)');
    expect(e).toMatchObject({
      type: 'call',
      func: 'rate',
      arg: {
        rangeMs: 90_000,
        vector: {
          offsetMs: 300_000,
          matchers: [
            { name: '__name__', op: '=', value: 'x' },
            { name: 'a', op: '=', value: '1' },
            { name: 'b', op: '!=', value: '2' },
            { name: 'c', op: '=~', value: '3|4' },
            { name: '__name__', op: '!~', value: 'y.*' },
          ],
        },
      },
    });
  });

  it('reads aggregations with the grouping before or after, and operator precedence', () => {
    expect(parsePromql('sum by (mode) (x)')).toMatchObject({ op: 'sum', grouping: ['mode'], without: false });
    expect(parsePromql('max(x) without (a, b)')).toMatchObject({
      op: 'max',
      grouping: ['a', 'b'],
      without: true,
    });
    const e = parsePromql('1 + 2 * 3 ^ 2 ^ 0.5');
    expect(e).toMatchObject({ op: '+', rhs: { op: '*', rhs: { op: '^', rhs: { op: '^' } } } });
    expect(parsePromql('-2 ^ 2')).toMatchObject({ type: 'unary', op: '-', expr: { op: '^' } });
    expect(parsePromql('a - on (x) b')).toMatchObject({ matching: { on: true, labels: ['x'] } });
  });

  it('names unsupported constructs and their position', () => {
    expect(unsupported('abs(x)').message).toBe(msg.promqlUnsupported({ line: 1, column: 1 }, 'function abs'));
    expect(unsupported('sum(rate(x[5m])) > 1').construct).toBe('comparison operator >');
    expect(unsupported('x and y').construct).toBe('set operator and');
    expect(unsupported('topk(3, x)').construct).toBe('aggregation topk');
    expect(unsupported('rate(x[5m:1m])').construct).toBe('subquery');
    const at = unsupported('sum(x)\n  + y @ 100');
    expect(at.construct).toBe('@ modifier');
    expect(at.message).toContain('at 2:7');
    expect(unsupported('x / on (a) group_left y').construct).toBe('group_left (many-to-one matching)');
  });

  it('refuses invalid PromQL as a syntax error with its position', () => {
    expect(() => parsePromql('rate(x)')).toThrow(PromqlSyntaxError);
    expect(() => parsePromql('rate(x)')).toThrow(
      msg.promqlSyntax({ line: 1, column: 1 }, msg.promqlArgType('rate', 'range vector', 'instant vector')),
    );
    expect(() => parsePromql('{a=""}')).toThrow(msg.promqlEmptySelector());
    expect(() => parsePromql('sum(x[5m])')).toThrow(PromqlSyntaxError);
    expect(() => parsePromql('x{a="1"')).toThrow(PromqlSyntaxError);
    expect(() => parsePromql('x[5m] + 1')).toThrow(msg.promqlBinaryType());
  });
});
