// The GraphQL-over-HTTP audit (npm graphql-http's auditServer) against a running gateway.
// GATEWAY_URL names it (http://127.0.0.1:PORT); run.sh starts one. Every audit must be
// ok: a warning (a SHOULD or MAY not met) fails the run as an error does.
import { auditServer } from 'graphql-http';

const base = process.env.GATEWAY_URL;
if (!base) {
  console.error('GATEWAY_URL is not set: expected e.g. http://127.0.0.1:8000');
  process.exit(2);
}
// Anonymous by default: the protocol needs no credentials ({ __typename } and the
// introspection the audit asks for answer anonymous callers outside production).
// AUDIT_TOKEN audits as a signed-in caller instead (e.g. if introspection is off for
// anonymous callers). Every request is bounded: a server that hangs fails the audit.
const token = process.env.AUDIT_TOKEN;
const fetchFn = (url, init = {}) => {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(url, { ...init, headers, signal: AbortSignal.timeout(10_000) });
};
const results = await auditServer({ url: `${base}/graphql`, fetchFn });
let failed = 0;
for (const result of results) {
  const ok = result.status === 'ok';
  if (!ok) failed += 1;
  console.log(`${result.status.padEnd(5)} ${result.id} ${result.name}${ok ? '' : `: ${result.reason}`}`);
}
console.log(`graphql-http audit: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 && results.length > 0 ? 0 : 1);
