// @ts-check
/**
 * The runner protocol every bench server follows: report the port it listens on over IPC, answer
 * the runner's CPU-time requests, end when the runner goes away (so no server outlives a
 * benchmark), and exit non-zero, saying why, when it cannot start.
 * @param {string} name for error messages
 * @param {() => Promise<number>} start starts the server and returns its port
 */
function runBenchServer(name, start) {
  process.on('disconnect', () => process.exit(0));
  process.on('message', (/** @type {{ type?: string }} */ message) => {
    if (message?.type === 'cpu') process.send?.({ type: 'cpu', ...process.cpuUsage() });
  });
  start().then(
    (port) => process.send?.({ type: 'listening', port }),
    (error) => {
      process.stderr.write(`${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}

/** @param {import('node:net').Server} server */
function portOf(server) {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

module.exports = { runBenchServer, portOf };
