// "Did you mean" for names typed on the command line (metrics, zones).

/** Edit distance with adjacent transpositions (optimal string alignment): cpa-loss → cap-loss is 1. */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.length][b.length];
}

/** The candidates within two edits of `word` (one for words of up to four characters), closest first. */
export function nearNames(word: string, candidates: Iterable<string>, limit = 3): string[] {
  const within = word.length <= 4 ? 1 : 2;
  const scored: [number, string][] = [];
  for (const c of candidates) {
    if (Math.abs(c.length - word.length) > within) continue;
    const d = editDistance(word, c);
    if (d <= within) scored.push([d, c]);
  }
  return scored
    .sort((x, y) => x[0] - y[0] || x[1].localeCompare(y[1]))
    .slice(0, limit)
    .map(([, c]) => c);
}
