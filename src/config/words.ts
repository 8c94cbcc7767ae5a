// Split a command string into argv words the way a shell would, without running one:
// whitespace separates words, '…' is literal, "…" allows \" \\ \$ \`, a backslash outside quotes escapes one character.
// No variables, globs, pipes or redirections: for those, use `shell: true`.

export type SplitResult = { ok: true; words: string[] } | { ok: false; error: string };

export function splitWords(command: string): SplitResult {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;

  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === "\\" && i + 1 < command.length && '"\\$`'.includes(command[i + 1])) word += command[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === "\\") {
      if (i + 1 >= command.length) return { ok: false, error: "a trailing backslash escapes nothing" };
      word += command[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) return { ok: false, error: `unclosed ${quote === "'" ? "single" : "double"} quote` };
  if (inWord) words.push(word);
  if (words.length === 0) return { ok: false, error: "expected at least one word" };
  return { ok: true, words };
}
