import { Command } from 'commander';
import { scripts } from '../scripts/index.js';
import { usageError } from './errors.js';
import { writeOut } from './output.js';

export function scriptCommand(): Command {
  const cmd = new Command('script')
    .description('print a collection script whose output iofair analyze reads with no flags')
    .argument('<name>', `which script: ${scripts.map((s) => s.name).join(', ') || '(none yet)'}`)
    .option('--level <level>', 'what the script traces (see below)')
    .addHelpText('after', () => {
      const parts = ['', 'Scripts:'];
      for (const s of scripts) {
        parts.push(`  ${s.name.padEnd(8)} ${s.summary}`);
        if (s.levels.length) parts.push(`           --level ${s.levels.join('|')} (default ${s.levels[0]})`);
        for (const line of s.help.split('\n')) parts.push(`           ${line}`);
        parts.push('');
      }
      parts.push('Examples:');
      parts.push('  iofair script dtrace --level zio > iofair.d && dtrace -q -s iofair.d | iofair analyze -');
      parts.push('  iofair script cgroup > iostat.sh && sh iostat.sh 5 | iofair analyze -');
      parts.push('  iofair script bpftrace > iofair.bt && bpftrace iofair.bt | iofair analyze -');
      return parts.join('\n');
    })
    .action(async (name: string, flags: { level?: string }) => {
      const s = scripts.find((x) => x.name === name);
      if (!s) throw usageError(`unknown script '${name}' (known: ${scripts.map((x) => x.name).join(', ')})`);
      if (flags.level !== undefined && !s.levels.includes(flags.level))
        throw usageError(
          s.levels.length ? `--level: '${flags.level}' is not one of ${s.levels.join(', ')}` : `the ${name} script has no levels`,
        );
      await writeOut(s.render({ level: flags.level ?? s.levels[0] }));
    });
  return cmd;
}
