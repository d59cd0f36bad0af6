import { isUtf8 } from 'node:buffer';
import { InputError } from '../base/errors.js';
import { MAX_LINE_CHARS } from '../base/limits.js';
import * as msg from '../base/messages.js';

/** One line of a text input, without its line ending; `line` is 1-based. */
export interface TextLine {
  text: string;
  line: number;
}

const LF = 0x0a;

/**
 * Splits a byte stream into UTF-8 lines (LF or CRLF), streaming: memory holds one chunk and one
 * partial line. Bytes that are not UTF-8 are an InputError naming the line, never replaced by
 * U+FFFD: Prometheus' text parsers refuse them too ("invalid UTF-8 label value",
 * model/textparse/promparse.go). A corrupt gzip stream becomes an InputError naming the file.
 */
export async function* readLines(path: string, stream: AsyncIterable<Buffer>): AsyncGenerator<TextLine> {
  // The partial line after the last line break, as the chunks that hold it (joined once complete).
  let rest: Buffer[] = [];
  let restLength = 0;
  let line = 0;
  try {
    for await (const chunk of stream) {
      const lastLf = chunk.lastIndexOf(LF);
      if (lastLf < 0) {
        rest.push(chunk);
        restLength += chunk.length;
      } else {
        // Whole lines only: a character split between chunks is decoded once it is complete.
        const head = chunk.subarray(0, lastLf + 1);
        const block = restLength === 0 ? head : Buffer.concat([...rest, head]);
        checkUtf8(path, block, line);
        const text = block.toString('utf8');
        let start = line === 0 && text.charCodeAt(0) === 0xfeff ? 1 : 0; // a byte order mark is not text
        for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
          const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
          yield { text: text.slice(start, end), line: ++line };
          start = nl + 1;
        }
        rest = [chunk.subarray(lastLf + 1)];
        restLength = rest[0]!.length;
      }
      // A file without line breaks must not grow one line without bound (docs/limits.md).
      if (restLength > MAX_LINE_CHARS)
        throw new InputError(path, { line: line + 1 }, msg.lineTooLong(MAX_LINE_CHARS));
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException)?.code?.startsWith('Z_'))
      throw new InputError(path, { line: line + 1 }, msg.notGzip());
    throw e;
  }
  if (restLength === 0) return;
  const last = Buffer.concat(rest);
  checkUtf8(path, last, line);
  let text = last.toString('utf8');
  if (line === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.endsWith('\r')) text = text.slice(0, -1);
  if (text !== '') yield { text, line: ++line };
}

/** Throws naming the first line of `block` (whole lines, the first one numbered `before + 1`) that is not UTF-8. */
function checkUtf8(path: string, block: Buffer, before: number): void {
  if (isUtf8(block)) return;
  let line = before;
  let start = 0;
  while (start < block.length) {
    const lf = block.indexOf(LF, start);
    const end = lf < 0 ? block.length : lf;
    line++;
    if (!isUtf8(block.subarray(start, end))) break;
    start = end + 1;
  }
  throw new InputError(path, { line }, msg.notUtf8());
}
