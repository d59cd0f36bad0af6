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
      args: [
        {
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
      ],
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

  it('reads the whole language: modifiers, subqueries, @, duration arithmetic', () => {
    expect(parsePromql('a > bool on (x) group_left (y) b')).toMatchObject({
      op: '>',
      returnBool: true,
      matching: { card: 'many-to-one', on: true, labels: ['x'], include: ['y'] },
    });
    expect(parsePromql('a unless ignoring (x) b')).toMatchObject({
      op: 'unless',
      matching: { card: 'many-to-many' },
    });
    expect(parsePromql('topk(3, x)')).toMatchObject({ op: 'topk', param: { value: 3 } });
    expect(parsePromql('max_over_time(rate(x[1m])[5m:30s] offset 1m @ end())')).toMatchObject({
      func: 'max_over_time',
      args: [{ type: 'subquery', rangeMs: 300_000, stepMs: 30_000, offsetMs: 60_000, at: 'end' }],
    });
    expect(parsePromql('x @ 100 offset 5m')).toMatchObject({ at: 100_000, offsetMs: 300_000 });
    expect(parsePromql('rate(x[2m*15])')).toMatchObject({ args: [{ rangeMs: 1_800_000 }] });
    expect(parsePromql('x offset (1h - 5m)')).toMatchObject({ offsetMs: 3_300_000 });
    expect(parsePromql('round(x)')).toMatchObject({ func: 'round', args: [{ type: 'vector' }] });
  });

  it('names unsupported constructs and their position', () => {
    expect(unsupported('histogram_count(x)').message).toBe(
      msg.promqlUnsupported({ line: 1, column: 1 }, 'function histogram_count'),
    );
    expect(unsupported('rate(x[5m] anchored)').construct).toBe('anchored range selector');
    expect(unsupported('rate(x[5m] smoothed)').construct).toBe('smoothed range selector');
    expect(unsupported('rate(x[step() * 2])').construct).toBe('step() in a duration');
    expect(unsupported('a + fill(0) b').construct).toBe('fill modifier');
    expect(unsupported('a * on (x) group_left fill_right(1) b').construct).toBe('fill_right modifier');
    expect(parsePromql('other + fill')).toMatchObject({ rhs: { matchers: [{ value: 'fill' }] } });
    const at = unsupported('sum(x)\n  + limit_ratio(0.5, y)');
    expect(at.construct).toBe('aggregation limit_ratio');
    expect(at.message).toContain('at 2:5');
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
    expect(() => parsePromql('1 > 2')).toThrow(msg.promqlScalarComparison());
    expect(() => parsePromql('x and 1')).toThrow(msg.promqlSetOperatorScalar('and'));
    expect(() => parsePromql('x + bool y')).toThrow(msg.promqlBoolNotComparison());
    expect(() => parsePromql('no_such_function(x)')).toThrow(msg.promqlUnknownFunction('no_such_function'));
    expect(() => parsePromql('label_join(x, "d")')).toThrow(PromqlSyntaxError);
  });
});
