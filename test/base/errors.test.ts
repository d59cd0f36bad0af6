import { describe, expect, it } from 'vitest';
import { CliError, InputError } from '../../src/base/errors.js';

describe('errors', () => {
  it('a message stays one line: line breaks quoted from an input are shown escaped', () => {
    const e = new InputError('f.csv', { line: 3 }, 'cannot read "a\nb\r\nc"');
    expect(e.message).toBe('f.csv:3: cannot read "a\\nb\\r\\nc"');
    expect(new CliError('x\ny').message).toBe('x\\ny');
  });
});
