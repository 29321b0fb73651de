# zsh -f zshCompletions.zsh DIR LINE...: for each LINE, what zsh's completion offers when Tab is pressed at its
# end, with the completion function _jobledger found in DIR. Runs an interactive zsh in a pseudo-terminal
# (zpty), so compinit, _arguments and _describe work as in a user's shell. Prints <hit>word</hit> for each
# word offered, and <end/> after each LINE.
zmodload zsh/zpty
zpty shell zsh -f -i
# The markers are written split ("<e""nd/>") so that the terminal's echo of what is typed never holds them.
zpty -w shell "PS1='' PROMPT='' RPROMPT='' fpath=(${(q)1} \$fpath)"
zpty -w shell 'autoload -Uz compinit && compinit -u -D'
# Every word a completion function adds, printed as it is added (calls that only filter or collect words,
# with -O, -A or -D, pass through).
zpty -w shell 'compadd() {
  local a
  for a in "$@"; do
    [[ $a == (-|--) ]] && break
    [[ $a == -[^-]#[OAD]* ]] && { builtin compadd "$@"; return }
  done
  local -a words
  builtin compadd -O words "$@"
  for a in $words; do print -r -- "<h""it>$a</h""it>"; done
}'
# Ctrl-T marks the end of a LINE's completion (Ctrl-X would wait for a second key of a binding).
zpty -w shell 'mark-end() { print -r -- "<e""nd/>" }; zle -N mark-end; bindkey "^T" mark-end'
zpty -w shell 'print -r -- "<re""ady/>"'
local line
while zpty -r shell line; do [[ $line == *'<ready/>'* ]] && break; done
local out= query
for query in "${@[2,-1]}"; do
  # The line, Tab, the end mark, then Ctrl-U to empty the line for the next one.
  zpty -w -n shell "$query"$'\t\x14\x15'
  while zpty -r shell line; do
    out+=$line
    [[ $line == *'<end/>'* ]] && break
  done
done
zpty -d shell
print -r -- "$out"
