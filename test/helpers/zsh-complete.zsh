# zsh -f zsh-complete.zsh <folder> <command line>: prints, one per line, the completions that an
# interactive zsh (compinit, <folder> first in $fpath) offers at the end of <command line>.
# The shell runs in a pseudo-terminal (zsh/zpty); compadd is wrapped to print the matches it is
# given, after zsh's own matching against the word being completed, and the shell exits after
# the one completion.
zmodload zsh/zpty
zpty shell zsh -f -i
zpty -w shell "fpath=(${(q)1} \$fpath); PROMPT=''; autoload -Uz compinit; compinit -u -D"
zpty -w shell 'bindkey "^I" complete-word; zstyle ":completion:*" insert-tab false'
# -O, -A and -D only fill arrays for the completion functions' own filtering: passed through.
zpty -w shell 'compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
  local -a hits; builtin compadd -A hits "$@"; (( $#hits )) && print -rl -- "<m""atch>"${^hits}; }'
zpty -w shell 'comppostfuncs=(exit)'
zpty -w -n shell "$2"$'\t'
while zpty -r shell chunk; do print -rn -- $chunk; done | tr -d '\r' | sed -n 's/.*<match>//p' | sort -u
