// The GraphQL-over-HTTP audit (npm graphql-http's auditServer) against a running gateway.
// GATEWAY_URL names it (http://127.0.0.1:PORT); run.sh starts one. Every audit must be
// ok: a warning (a SHOULD or MAY not met) fails the run as an error does.
import { auditServer } from 'graphql-http';

const base = process.env.GATEWAY_URL;
if (!base) {
  console.error('GATEWAY_URL is not set: expected e.g. http://127.0.0.1:8000');
  process.exit(2);
}
// Every request of the audit is bounded: a server that hangs fails the audit, not CI.
const fetchFn = (url, init = {}) => fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
const results = await auditServer({ url: `${base}/graphql`, fetchFn });
let failed = 0;
for (const result of results) {
  const ok = result.status === 'ok';
  if (!ok) failed += 1;
  console.log(`${result.status.padEnd(5)} ${result.id} ${result.name}${ok ? '' : `: ${result.reason}`}`);
}
console.log(`graphql-http audit: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 && results.length > 0 ? 0 : 1);
