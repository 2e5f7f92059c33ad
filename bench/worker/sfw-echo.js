// bench/worker/sfw-echo.js: the same activity with step-function-worker (npm):
// returns its input.  SFN_BENCH_ENDPOINT, SFN_BENCH_ACTIVITY, SFN_BENCH_CONCURRENCY.
const StepFunctionWorker = require('step-function-worker');

const worker = new StepFunctionWorker({
  activityArn: process.env.SFN_BENCH_ACTIVITY,
  workerName: 'sfw-' + process.pid,
  concurrency: Number(process.env.SFN_BENCH_CONCURRENCY || '50'),
  logger: { debug() {}, info() {}, warn: console.warn, error: console.error },
  awsConfig: {
    endpoint: process.env.SFN_BENCH_ENDPOINT,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    httpOptions: { timeout: 70000 },
    maxRetries: 3,
  },
  fn: (input, cb) => cb(null, input),
});
worker.on('error', (err) => console.error('sfw error:', err && err.message));
process.on('SIGTERM', () => process.exit(0));
