/**
 * Child-process entry: the project's IIMMPACT simulator on 127.0.0.1 in its own
 * process, so its CPU is not charged to the daemon under test. Driven over IPC
 * by the bench (see lib/child.ts). argv[2] is a JSON `SimulatorSpec`.
 *
 * It is `startSimulator` with the options the benchmark needs that the
 * `run-simulator` CLI does not expose: a wider timestamp window (daemons under
 * test run on a clock that moves one second per cycle, see daemon-under-test)
 * and access to the arrival log.
 */
import { Agent, get } from 'node:http';
import { generateProducts, type ScriptStep, type SimulatedStatus, startSimulator } from '../src/simulator/simulator-server.js';
import { failChild, serveCalls } from './lib/child.js';

export interface SimulatorSpec {
  products: number;
  latencyMs: number;
  /** Request-log entries kept (arrival times for rate checks); 0 keeps counters only. */
  logCapacity: number;
  /** Accepted |server time - X-Timestamp|; default 300 s like the real API. */
  maxSkewSeconds?: number;
}

/**
 * A few requests through the server's own code before anything is measured,
 * so the first measured request is not timestamped late by cold code (JIT,
 * lazily initialised modules): the rate-limit figure counts arrivals in 1 s
 * windows to the millisecond, starting from the first one. They are
 * unauthenticated (401) and the log is reset afterwards.
 */
async function warmUp(url: string): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 50; i++) {
    await new Promise<void>((resolve) => {
      get(`${url}/v2/networkstatus?product=P0001`, { agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      }).on('error', () => resolve());
    });
  }
  agent.destroy();
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as SimulatorSpec;
  const simulator = await startSimulator({
    products: generateProducts(spec.products),
    latencyMs: spec.latencyMs,
    logCapacity: spec.logCapacity,
    ...(spec.maxSkewSeconds === undefined ? {} : { maxSkewSeconds: spec.maxSkewSeconds }),
  });
  await warmUp(simulator.url);
  simulator.reset();
  let cpuMark = process.cpuUsage();
  serveCalls({
    arrivals: () => simulator.arrivalTimes(),
    requests: () => simulator.requests(),
    count: () => simulator.requestCount(),
    reset: () => simulator.reset(),
    script: (args) => {
      for (const [code, steps] of Object.entries(args.steps as Record<string, ScriptStep[]>)) simulator.script(code, steps);
      return true;
    },
    setStatus: (args) => {
      simulator.setStatus(String(args.code), args.status as SimulatedStatus);
      return true;
    },
    /** CPU microseconds (user + system) since the previous call, or since start. */
    cpu: () => {
      const used = process.cpuUsage(cpuMark);
      cpuMark = process.cpuUsage();
      return used.user + used.system;
    },
  });
  const stop = (): void => {
    void simulator.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
  process.send?.({ type: 'ready', url: simulator.url, products: simulator.products.length });
}

main().catch(failChild);
