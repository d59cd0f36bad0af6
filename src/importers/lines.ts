import { InputError } from '../base/errors.js';
import { MAX_LINE_CHARS } from '../base/limits.js';
import * as msg from '../base/messages.js';

/** One line of a text input, without its line ending; `line` is 1-based. */
export interface TextLine {
  text: string;
  line: number;
}

/**
 * Splits a byte stream into UTF-8 lines (LF or CRLF), streaming: memory holds one chunk and one
 * partial line. A corrupt gzip stream becomes an InputError naming the file.
 */
export async function* readLines(path: string, stream: AsyncIterable<Buffer>): AsyncGenerator<TextLine> {
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  let line = 0;
  try {
    for await (const chunk of stream) {
      const text = rest + decoder.decode(chunk, { stream: true });
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        yield { text: text.slice(start, end), line: ++line };
        start = nl + 1;
      }
      rest = text.slice(start);
      // A file without line breaks must not grow one string without bound (docs/limits.md).
      if (rest.length > MAX_LINE_CHARS)
        throw new InputError(path, { line: line + 1 }, msg.lineTooLong(MAX_LINE_CHARS));
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException)?.code?.startsWith('Z_'))
      throw new InputError(path, { line: line + 1 }, msg.notGzip());
    throw e;
  }
  rest += decoder.decode();
  if (rest.endsWith('\r')) rest = rest.slice(0, -1);
  if (rest !== '') yield { text: rest, line: ++line };
}
