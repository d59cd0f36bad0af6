import { InterruptedError } from '../base/errors.js';

export interface Interrupt {
  /** Aborted by the first SIGINT or SIGTERM, with an InterruptedError as its reason. */
  readonly signal: AbortSignal;
  /** Removes the handlers (the default behaviour of the signals returns). */
  dispose(): void;
}

/**
 * SIGINT (Ctrl-C) and SIGTERM while a command runs. The first aborts `signal`, so the work stops
 * at its next step and cleans up after itself (an import rolls back and removes its staging
 * files); a second one does not wait: `onForce` removes what it can, synchronously, and the
 * process exits with 128 + the signal's number.
 */
export function onInterrupt(
  message: (signal: 'SIGINT' | 'SIGTERM') => string,
  onForce: () => void,
): Interrupt {
  const controller = new AbortController();
  const handler = (name: NodeJS.Signals) => {
    const signal = name === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
    if (!controller.signal.aborted) {
      controller.abort(new InterruptedError(signal, message(signal)));
      return;
    }
    onForce();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
