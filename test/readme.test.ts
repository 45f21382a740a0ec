import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fixture, ROOT, runCli } from './helpers.js';
import { join } from 'node:path';

// The README's example is the report iofair prints on fixtures/story.csv, as printed in a terminal
// 100 columns wide.
describe('README', () => {
  it('shows the report on story.csv exactly as iofair prints it', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const m = /report on it[^:]*:\n\n```\n([\s\S]*?)```\n/.exec(readme);
    expect(m).not.toBeNull();
    const r = runCli(['analyze', fixture('story.csv')], { env: { NO_COLOR: '1', COLUMNS: '100' } });
    expect(r.status, r.stderr).toBe(0);
    expect(m![1]).toBe(r.stdout.replace(/\n+$/, '\n').replace(fixture('story.csv'), 'fixtures/story.csv'));
  });
});
