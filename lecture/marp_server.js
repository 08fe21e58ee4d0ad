// Marp CLI kept running for one Python process (lecture/marp.py's ``marp_html``): a
// deck's HTML is made again after each of Fit's rounds, and starting Marp CLI costs
// about 0.5 s of the 0.7 s each took. One request a line on stdin, as JSON
// {argv, cwd, tmpdir}; one reply a line on stdout, {code, output}: Marp CLI's exit code
// and what it wrote to stdout and stderr. One request at a time, in the order given;
// the server ends when its stdin closes.
'use strict';
const { marpCli } = require(process.argv[2]);
const reply = process.stdout.write.bind(process.stdout);
const queue = [];
let busy = false;
let closed = false;

async function serve() {
  if (busy) return;
  busy = true;
  while (queue.length) {
    const request = JSON.parse(queue.shift());
    let output = '';
    const capture = (chunk, ...rest) => {
      output += String(chunk);
      const done = rest.find((a) => typeof a === 'function');
      if (done) done();
      return true;
    };
    const [out, err] = [process.stdout.write, process.stderr.write];
    process.stdout.write = capture;
    process.stderr.write = capture;
    let code = 1;
    try {
      process.chdir(request.cwd);
      process.env.TMPDIR = request.tmpdir;
      code = await marpCli(request.argv);
    } catch (e) {
      output += String((e && e.stack) || e);
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
    }
    reply(JSON.stringify({ code, output }) + '\n');
  }
  busy = false;
  if (closed) process.exit(0);
}

require('readline').createInterface({ input: process.stdin })
  .on('line', (line) => { queue.push(line); serve(); })
  .on('close', () => { closed = true; if (!busy) process.exit(0); });
