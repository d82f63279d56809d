/**
 * One word of a container command, quoted for the `bash -c` line the NodeManager joins the
 * command into. Words made only of safe characters stay as they are (readable in `ps`).
 */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_\-.=/:,@%+]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
