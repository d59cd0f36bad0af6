import { Argument, type Command, type Option } from 'commander';

/**
 * `trace-analyze completion bash|zsh`: a shell completion script (as `promtool` offers),
 * generated from the commander definitions of every command, so it cannot drift from them.
 * Completed: command names, each command's options, the values of options and arguments that
 * take a fixed set (choices), file and folder names where a value is a path.
 */
export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script for bash or zsh')
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(SHELLS))
    .action(async (shell: Shell) => {
      // The script describes every command, so it is made from the program with all of them.
      const { buildProgram } = await import('./main.js');
      const spec = describeProgram(await buildProgram([]));
      process.stdout.write(shell === 'bash' ? bashScript(spec) : zshScript(spec));
    });
}

const SHELLS = ['bash', 'zsh'] as const;
type Shell = (typeof SHELLS)[number];

/** What a value on the command line is, for completion. */
type ValueKind =
  | { type: 'file' }
  | { type: 'dir' }
  | { type: 'command' }
  | { type: 'words'; words: string[] }
  | { type: 'text'; name: string };

interface OptionSpec {
  short?: string;
  long: string;
  description: string;
  /** undefined: a flag without a value. */
  value?: ValueKind;
  repeatable: boolean;
}

interface CommandSpec {
  name: string;
  description: string;
  options: OptionSpec[];
  /** The positional arguments, in order; the last may be variadic. */
  args: { value: ValueKind; variadic: boolean; required: boolean }[];
}

interface ProgramSpec {
  name: string;
  options: OptionSpec[];
  commands: CommandSpec[];
}

const HELP: OptionSpec = { short: '-h', long: '--help', description: 'display help', repeatable: false };

/** A value's kind from its name in the definitions: `<file>`, `<file.duckdb>`, `<dir>`, `[folders...]`. */
function valueKind(name: string, choices: readonly string[] | undefined): ValueKind {
  if (choices !== undefined) return { type: 'words', words: [...choices] };
  const bare =
    name
      .replace(/[<>[\].]/g, ' ')
      .trim()
      .split(/\s+/)[0] ?? name;
  if (/^(dir|folders?)$/.test(bare)) return { type: 'dir' };
  if (/^(file|path)$/.test(bare)) return { type: 'file' };
  if (bare === 'command') return { type: 'command' };
  return { type: 'text', name: bare };
}

function describeOption(option: Option): OptionSpec {
  const valueName = /[<[].*[>\]]/.exec(option.flags)?.[0];
  return {
    short: option.short,
    long: option.long!,
    description: option.description,
    value: valueName === undefined ? undefined : valueKind(valueName, option.argChoices),
    // Repeatable options collect into an array (src/cli/pool-options.ts's collect).
    repeatable: Array.isArray(option.defaultValue) || option.variadic,
  };
}

function describeProgram(program: Command): ProgramSpec {
  const commands: CommandSpec[] = program.commands.map((command) => ({
    name: command.name(),
    description: command.description(),
    options: [...command.options.map(describeOption), HELP],
    args: command.registeredArguments.map((a) => ({
      value: valueKind(a.name(), a.argChoices),
      variadic: a.variadic,
      required: a.required,
    })),
  }));
  const names = commands.map((c) => c.name);
  commands.push({
    name: 'help',
    description: 'display help for a command',
    options: [],
    args: [{ value: { type: 'words', words: names }, variadic: false, required: false }],
  });
  return { name: program.name(), options: [...program.options.map(describeOption), HELP], commands };
}

// bash ----------------------------------------------------------------------------------------

/** A word list as one single-quoted bash word (the words themselves never hold a quote). */
function bashWords(words: readonly string[]): string {
  return `'${words.join(' ').replace(/'/g, `'\\''`)}'`;
}

function bashReply(value: ValueKind): string {
  switch (value.type) {
    case 'file':
      return 'mapfile -t COMPREPLY < <(compgen -f -- "$cur")';
    case 'dir':
      return 'mapfile -t COMPREPLY < <(compgen -d -- "$cur")';
    case 'command':
      return 'mapfile -t COMPREPLY < <(compgen -c -- "$cur")';
    case 'words':
      return `mapfile -t COMPREPLY < <(compgen -W ${bashWords(value.words)} -- "$cur")`;
    case 'text':
      return 'COMPREPLY=()';
  }
}

function optionNames(o: OptionSpec): string[] {
  return o.short === undefined ? [o.long] : [o.short, o.long];
}

function bashScript(spec: ProgramSpec): string {
  const fn = `_${spec.name.replace(/\W/g, '_')}`;
  // "command option" pairs grouped by how their value is completed: one case each.
  const byReply = new Map<string, string[]>();
  for (const c of spec.commands)
    for (const o of c.options)
      if (o.value !== undefined) {
        const reply = bashReply(o.value);
        byReply.set(reply, [...(byReply.get(reply) ?? []), ...optionNames(o).map((n) => `${c.name} ${n}`)]);
      }
  const valueCases = [...byReply].map(
    ([reply, pairs]) => `    ${pairs.map((p) => bashWords([p])).join('|')})\n      ${reply}\n      return ;;`,
  );
  const optionCases = spec.commands.map(
    (c) =>
      `      ${c.name}) mapfile -t COMPREPLY < <(compgen -W ${bashWords(c.options.flatMap(optionNames))} -- "$cur") ;;`,
  );
  const argCases = spec.commands
    .filter((c) => c.args.length > 0)
    .map((c) => `      ${c.name}) ${bashReply(c.args[c.args.length - 1]!.value)} ;;`);
  return `# bash completion for ${spec.name}, made by \`${spec.name} completion bash\` from its command
# definitions. Load it with: source <(${spec.name} completion bash)
${fn}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD - 1]}
  local command='' i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in
      ${spec.commands.map((c) => c.name).join('|')}) command=\${COMP_WORDS[i]}; break ;;
    esac
  done
  if [[ -z $command ]]; then
    if [[ $cur == -* ]]; then
      mapfile -t COMPREPLY < <(compgen -W ${bashWords(spec.options.flatMap(optionNames))} -- "$cur")
    else
      mapfile -t COMPREPLY < <(compgen -W ${bashWords(spec.commands.map((c) => c.name))} -- "$cur")
    fi
    return
  fi
  case "$command $prev" in
${valueCases.join('\n')}
  esac
  if [[ $cur == -* ]]; then
    case $command in
${optionCases.join('\n')}
    esac
    return
  fi
  COMPREPLY=()
  case $command in
${argCases.join('\n')}
  esac
}
complete -o filenames -F ${fn} ${spec.name}
`;
}

// zsh -----------------------------------------------------------------------------------------

/** Text inside a single-quoted zsh word, within an _arguments `[description]` or `:message:`. */
function zshText(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/([[\]:])/g, '\\$1')
    .replace(/'/g, `'\\''`);
}

function zshAction(value: ValueKind): string {
  switch (value.type) {
    case 'file':
      return '_files';
    case 'dir':
      return '_files -/';
    case 'command':
      return '_command_names -e';
    case 'words':
      return `(${value.words.map(zshText).join(' ')})`;
    case 'text':
      return ' ';
  }
}

function zshValueName(value: ValueKind): string {
  return value.type === 'text' ? value.name : value.type === 'words' ? 'value' : value.type;
}

function zshOption(o: OptionSpec): string {
  const value = o.value === undefined ? '' : `:${zshText(zshValueName(o.value))}:${zshAction(o.value)}`;
  const description = `[${zshText(o.description)}]${value}'`;
  const star = o.repeatable ? '*' : '';
  if (o.short === undefined) return `'${star}${o.long}${description}`;
  const exclude = o.repeatable ? '' : `(${o.short} ${o.long})`;
  return `'${exclude}${star}'{${o.short},${o.long}}'${description}`;
}

function zshArgument(a: CommandSpec['args'][number]): string {
  const position = a.variadic ? '*' : a.required ? '' : ':';
  return `'${position}:${zshText(zshValueName(a.value))}:${zshAction(a.value)}'`;
}

function zshScript(spec: ProgramSpec): string {
  // Named as its file in $fpath (_trace-analyze): autoloaded, it completes at once.
  const fn = `_${spec.name}`;
  const commands = spec.commands.map(
    (c) => `    '${zshText(c.name)}:${zshText(c.description).replace(/\\:/g, ':')}'`,
  );
  const cases = spec.commands.map((c) => {
    const specs = [...c.options.map(zshOption), ...c.args.map(zshArgument)];
    return `        ${c.name})\n          _arguments -s \\\n            ${specs.join(' \\\n            ')} ;;`;
  });
  const topOptions = spec.options.map((o) => zshOption(o).replace(/^'\([^)]*\)/, "'(- *)"));
  return `#compdef ${spec.name}
# zsh completion for ${spec.name}, made by \`${spec.name} completion zsh\` from its command
# definitions. Save it as _${spec.name} in a folder of $fpath, or: source <(${spec.name} completion zsh)
${fn}() {
  local curcontext=$curcontext state line ret=1
  typeset -A opt_args
  local -a commands
  commands=(
${commands.join('\n')}
  )
  _arguments -C \\
    ${topOptions.join(' \\\n    ')} \\
    '1: :->command' \\
    '*:: :->args' && return
  case $state in
    command)
      _describe -t commands '${spec.name} command' commands && ret=0
      ;;
    args)
      curcontext=\${curcontext%:*:*}:${spec.name}-$words[1]:
      case $words[1] in
${cases.join('\n')}
      esac
      ;;
  esac
  return ret
}
if [[ $funcstack[1] == ${fn} ]]; then
  ${fn} "$@"
else
  compdef ${fn} ${spec.name}
fi
`;
}
