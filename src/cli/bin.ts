import { main } from './main.js';

// The process entry of `patchwarden` (bin/patchwarden.js imports the built dist/cli/bin.js).
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  // `patchwarden … | head` closes the pipe early: that is not an error.
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const code = await main(process.argv, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
if (code !== 0) process.exitCode = code;
