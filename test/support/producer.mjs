// A dtrace-like producer for the live-piping tests: prints N records, says "ready" on stderr once
// they were read, and on SIGINT flushes M more records, then exits (or, with HANG=1, keeps the
// pipe open).
const [n, m] = [Number(process.argv[2] ?? 100), Number(process.argv[3] ?? 50)];
const hang = process.env.HANG === '1';
let i = 0;
const line = () => `${i * 1000},${i * 1000 + 500},z${i % 3},sd0,R,4096\n`;
let out = 'issue_ns,done_ns,zone,device,op,bytes\n';
for (; i < n; i++) out += line();
// Then 256 KiB of comment lines, four times what a pipe buffers: the write completes only once
// iofair has read most of it, so "ready" means iofair is reading (and catching Ctrl-C).
out += ('#' + ' '.repeat(1022) + '\n').repeat(256);
process.stdout.write(out, () => process.stderr.write('ready\n'));
// like dtrace, it takes a moment to flush: iofair, also Ctrl-C'd, sees its SIGINT before the end
// of its input
process.on('SIGINT', () => setTimeout(flush, 200));
function flush() {
  let more = '';
  for (let k = 0; k < m; k++, i++) more += line();
  process.stdout.write(more, () => {
    // HANG: keep the pipe open for 4 s more (a producer slower than iofair's drain timeout)
    if (!hang) process.exit(0);
    else setTimeout(() => process.exit(0), 4000);
  });
}
setInterval(() => {}, 1000);
