/** Everything that comes from data reaches the HTML through these two functions. */

/** Text as text: in element content and in double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON safe inside a <script> element: `<` (so no `</script>` or `<!--` can end or change the
 * element), `>` and `&` become \u escapes, as do U+2028/U+2029 (line terminators in older JS).
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
