/** Number formatting shared by the HTML and Markdown reports (the JSON keeps full precision). */

export const MIB = 1024 * 1024;

export function mib(bytes: number | null): string {
  return bytes === null ? 'n/a' : `${(bytes / MIB).toFixed(1)} MiB`;
}

export function fixed(value: number | null, digits: number, unit = ''): string {
  return value === null ? 'n/a' : `${value.toFixed(digits)}${unit}`;
}

/** A relative change as a signed percentage: +12.3 %. */
export function percent(change: number | null): string {
  if (change === null) return 'n/a';
  const p = change * 100;
  const text = Math.abs(p) < 0.05 ? '0.0' : p.toFixed(1);
  return `${p > 0 && text !== '0.0' ? '+' : ''}${text} %`;
}

export function utc(unixSeconds: number): string {
  return new Date(Math.round(unixSeconds * 1000))
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}
