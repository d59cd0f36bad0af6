import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatResult, formatTimestamp, formatValue, goJsonString } from '../../src/promql/format.js';

describe("Prometheus' API formatting", () => {
  it("formats values as Go's strconv.FormatFloat(v, 'f', -1, 64)", () => {
    expect(formatValue(0.1)).toBe('0.1');
    expect(formatValue(1)).toBe('1');
    expect(formatValue(-2.5)).toBe('-2.5');
    expect(formatValue(1e21)).toBe('1000000000000000000000');
    expect(formatValue(1.5e-7)).toBe('0.00000015');
    expect(formatValue(123456789.125)).toBe('123456789.125');
    expect(formatValue(0.0021676666666666667)).toBe('0.0021676666666666667');
    expect(formatValue(9.98846567431158e307)).toBe('998846567431158' + '0'.repeat(293));
    expect(formatValue(NaN)).toBe('NaN');
    expect(formatValue(Infinity)).toBe('+Inf');
    expect(formatValue(-Infinity)).toBe('-Inf');
    expect(formatValue(-0)).toBe('-0');
  });

  it("equals Go's FormatFloat on every case of the fixture (scripts/formatfloat-fixture.py)", () => {
    const fixture = JSON.parse(
      readFileSync(new URL('../fixtures/formatfloat/go-formatfloat-f.json', import.meta.url), 'utf8'),
    ) as { cases: [string, string][] };
    expect(fixture.cases.length).toBeGreaterThan(5000);
    const view = new DataView(new ArrayBuffer(8));
    const wrong: string[] = [];
    for (const [bits, expected] of fixture.cases) {
      view.setBigUint64(0, BigInt(`0x${bits}`));
      const got = formatValue(view.getFloat64(0));
      if (got !== expected) wrong.push(`${bits}: ${got}, Go ${expected}`);
    }
    expect(wrong).toEqual([]);
  });

  it('writes timestamps as jsonutil.MarshalTimestamp does', () => {
    expect(formatTimestamp(1795792920000)).toBe('1795792920');
    expect(formatTimestamp(1795792920500)).toBe('1795792920.500');
    expect(formatTimestamp(1795792920007)).toBe('1795792920.007');
    expect(formatTimestamp(-1500)).toBe('-1.500');
  });

  it("escapes strings as Go's encoding/json", () => {
    expect(goJsonString('a"b\\c\n<&>')).toBe('"a\\"b\\\\c\\n\\u003c\\u0026\\u003e"');
  });

  it('writes vector, scalar and matrix bodies', () => {
    const series = [{ labels: [['job', 'x']] as [string, string][], points: [{ t: 1000, v: 2 }] }];
    expect(formatResult({ resultType: 'vector', series })).toBe(
      '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"x"},"value":[1,"2"]}]}}',
    );
    expect(formatResult({ resultType: 'matrix', series })).toBe(
      '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":"x"},"values":[[1,"2"]]}]}}',
    );
    expect(
      formatResult({ resultType: 'scalar', series: [{ labels: [], points: [{ t: 1500, v: NaN }] }] }),
    ).toBe('{"status":"success","data":{"resultType":"scalar","result":[1.500,"NaN"]}}');
    expect(formatResult({ resultType: 'matrix', series: [] })).toBe(
      '{"status":"success","data":{"resultType":"matrix","result":[]}}',
    );
  });
});
