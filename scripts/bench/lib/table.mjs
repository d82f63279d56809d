/**
 * Formats rows (plain objects) as an aligned text table. Columns are the
 * union of the rows' keys in first-seen order; missing or null cells print
 * as "-". A column whose cells all look numeric ("12.5", "0.62x", "-") is
 * right-aligned, any other column left-aligned.
 */
const NUMERIC = /^(-|[-+]?\d[\d,]*(\.\d+)?(e[-+]?\d+)?x?)$/i;

export function formatTable(rows) {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cells = rows.map((row) => columns.map((column) => cellText(row[column])));
  const numeric = columns.map((_, i) => cells.every((line) => NUMERIC.test(line[i])));
  const widths = columns.map((column, i) => Math.max(width(column), ...cells.map((line) => width(line[i]))));
  const render = (line) =>
    line
      .map((text, i) => pad(text, widths[i], numeric[i]))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [render(columns), rule, ...cells.map(render)].join('\n');
}

function cellText(value) {
  if (value === undefined || value === null || value === '') return '-';
  return String(value);
}

function pad(text, columnWidth, right) {
  const fill = ' '.repeat(columnWidth - width(text));
  return right ? fill + text : text + fill;
}

/** Display width, counting East Asian wide characters as two columns. */
function width(text) {
  let columns = 0;
  for (const char of text) columns += isWide(char.codePointAt(0)) ? 2 : 1;
  return columns;
}

function isWide(codePoint) {
  return (
    (codePoint >= 0x1100 && codePoint <= 0x115f) ||
    (codePoint >= 0x2e80 && codePoint <= 0xa4cf) ||
    (codePoint >= 0xac00 && codePoint <= 0xd7a3) ||
    (codePoint >= 0xf900 && codePoint <= 0xfaff) ||
    (codePoint >= 0xff00 && codePoint <= 0xff60) ||
    (codePoint >= 0x1f300 && codePoint <= 0x1faff)
  );
}
