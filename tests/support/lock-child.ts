/**
 * A child process for the data-folder lock test. Driven by lines on stdin:
 * `go <dir> <epochMs>`: spin until epochMs (so all children try together), try the lock,
 * print `won` or `lost <reason>`; `release`: let go of a lock it won; `exit`.
 */
import readline from 'node:readline';

const mod = (await import(process.env.MW_LOCK_MODULE ?? '../../src/db/lock-data-dir.js')) as {
  lockDataDir(dir: string): Promise<() => void> | (() => void);
};
let release: (() => void) | undefined;
const rl = readline.createInterface({ input: process.stdin });
process.stdout.write('ready\n');
for await (const line of rl) {
  const [cmd, dir, at] = line.trim().split(' ');
  if (cmd === 'go') {
    while (Date.now() < Number(at)) {
      /* spin: start together */
    }
    try {
      release = await mod.lockDataDir(dir!);
      process.stdout.write('won\n');
    } catch (err) {
      process.stdout.write(`lost ${(err as Error).message.split('\n')[0]}\n`);
    }
  } else if (cmd === 'release') {
    release?.();
    release = undefined;
    process.stdout.write('released\n');
  } else if (cmd === 'exit') {
    break;
  }
}
rl.close();
