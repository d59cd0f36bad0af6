import type { Command } from 'commander';
import { UsageError } from '../base/errors.js';
import * as msg from '../base/messages.js';
import { parseDurationMs } from '../base/time.js';
import { record } from '../collect/recorder.js';

export function registerCollect(program: Command): void {
  program
    .command('collect')
    .description('record /proc snapshots of a process and its descendants (the procfs import format)')
    .argument('[command...]', 'command to start and record (after --)')
    .option('--pid <pid>', 'record this running process and its descendants')
    .requiredOption(
      '--out <path>',
      'a new or empty folder for the snapshots, or a new .tar.gz archive written as the recording goes',
    )
    .option('--append', 'add to a folder that already holds a recording')
    .option('--interval <dur>', 'time between snapshots', '1s')
    .option('--duration <dur>', 'stop after this long (default: until the process ends or Ctrl-C)')
    .action(
      async (
        command: string[],
        options: { pid?: string; out: string; append?: boolean; interval: string; duration?: string },
      ) => {
        if ((options.pid === undefined) === (command.length === 0))
          throw new UsageError(msg.collectNeedsTarget());
        let pid: number | undefined;
        if (options.pid !== undefined) {
          if (!/^\d+$/.test(options.pid) || Number(options.pid) <= 0)
            throw new UsageError(msg.badPid(options.pid));
          pid = Number(options.pid);
        }
        const intervalMs = parseDurationMs(options.interval);
        if (!intervalMs) throw new UsageError(msg.badDuration('--interval', options.interval));
        let durationMs: number | undefined;
        if (options.duration !== undefined) {
          durationMs = parseDurationMs(options.duration);
          if (!durationMs) throw new UsageError(msg.badDuration('--duration', options.duration));
        }
        const result = await record({
          out: options.out,
          append: options.append,
          intervalMs,
          durationMs,
          pid,
          command: command.length > 0 ? command : undefined,
        });
        process.stderr.write(
          `${msg.collectDone(options.out, result.snapshots, result.cpuSeconds, result.wallSeconds)}\n`,
        );
      },
    );
}
