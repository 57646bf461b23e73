// Runs graphql-http's GraphQL-over-HTTP audit against the URL given and prints one JSON line
// per audit: {"id","name","status","reason"}. status: ok | notice (MAY) | warn (SHOULD) | error (MUST).
import { auditServer } from 'graphql-http';

const url = process.argv[2];
const results = await auditServer({ url });
for (const r of results) {
  console.log(JSON.stringify({ id: r.id, name: r.name, status: r.status, reason: r.reason ?? null }));
}
