// Prints rows of plain values as an aligned text table on stdout.

export function printTable(rows: Record<string, string | number>[], out: NodeJS.WritableStream = process.stdout): void {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padStart(widths[i])).join('  ');
  out.write(`${line(columns)}\n`);
  for (const r of rows) out.write(`${line(columns.map((c) => String(r[c] ?? '')))}\n`);
}
